"""A heartbeat should print every 0.05 s while prices are exported "in the background"."""
import asyncio
import json
from concurrent.futures import ProcessPoolExecutor

COUNT = 800_000


def export_prices(count: int) -> int:
    prices = [i / 7 for i in range(count)]
    return len(json.dumps(prices))  # CPU work; json's C encoder holds the GIL all along


async def heartbeat() -> None:
    for i in range(30):
        print(f"heartbeat {i}")
        await asyncio.sleep(0.05)


async def export(pool: ProcessPoolExecutor) -> None:
    loop = asyncio.get_running_loop()
    # FIX: a worker process has its own interpreter and its own GIL
    size = await loop.run_in_executor(pool, export_prices, COUNT)
    print(f"export: {size >> 20} MB of JSON")


async def main() -> None:  # the pool is made below, before the loop runs
    await asyncio.gather(heartbeat(), export(pool))


if __name__ == "__main__":  # needed: worker processes may import this file
    with ProcessPoolExecutor(max_workers=1) as pool:
        # start the worker before the loop runs: starting a process blocks (on 3.14,
        # whose default on Linux is "forkserver", for 0.1-0.5 s while its server starts);
        # the pool shuts down (joins its worker) after the loop, not on it
        pool.submit(abs, 0).result()
        asyncio.run(main())
