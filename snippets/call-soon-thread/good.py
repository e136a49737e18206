"""A worker thread reads a sensor and hands each reading to the event loop."""
import asyncio
import threading
import time


def sensor_thread(
    loop: asyncio.AbstractEventLoop, readings: asyncio.Queue[float]
) -> None:
    for i in range(3):
        time.sleep(0.2)  # wait for the hardware (fine: not the loop's thread)
        # FIX: the thread-safe call queues the callback and wakes the loop up
        loop.call_soon_threadsafe(readings.put_nowait, 20.0 + i)


async def main() -> None:
    loop = asyncio.get_running_loop()
    readings: asyncio.Queue[float] = asyncio.Queue()
    threading.Thread(target=sensor_thread, args=(loop, readings), daemon=True).start()
    for _ in range(3):
        print(f"reading: {await readings.get()} °C")


if __name__ == "__main__":
    asyncio.run(main(), debug=True)  # debug mode checks which thread calls the loop
