"""Poll a sensor for at most one second, then stop."""
import asyncio


async def read_sensor(i: int) -> float:
    await asyncio.sleep(0.3)  # a slow device
    return 20.0 + i / 10


async def poll() -> None:
    i = 0
    while True:
        try:
            print(f"reading {i}: {await read_sensor(i)} °C")
        except asyncio.CancelledError:
            pass  # MISTAKE: swallows the cancellation, so the loop just goes on
        i += 1


async def main() -> None:
    try:
        async with asyncio.timeout(1):
            await poll()
    except TimeoutError:
        print("stopped polling after 1 s")


if __name__ == "__main__":
    asyncio.run(main())
