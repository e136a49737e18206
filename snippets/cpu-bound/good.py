"""A heartbeat should print every 0.1 s while a report crunches numbers."""
import asyncio
from concurrent.futures import ProcessPoolExecutor

LIMIT = 10_000_000


def sum_of_squares(limit: int) -> int:
    return sum(n * n for n in range(limit))  # pure-Python CPU work: most of a second


async def heartbeat() -> None:
    for i in range(12):
        print(f"heartbeat {i}")
        await asyncio.sleep(0.1)


async def report(pool: ProcessPoolExecutor) -> None:
    await asyncio.sleep(0.2)
    loop = asyncio.get_running_loop()
    # FIX: run the CPU work in another process; the loop only awaits the result
    total = await loop.run_in_executor(pool, sum_of_squares, LIMIT)
    print(f"report: total = {total}")


async def main() -> None:  # the pool is made below, before the loop runs
    await asyncio.gather(heartbeat(), report(pool))


if __name__ == "__main__":  # needed: worker processes may import this file
    with ProcessPoolExecutor(max_workers=1) as pool:
        # start the worker before the loop runs: starting a process blocks (on 3.14,
        # whose default on Linux is "forkserver", for 0.1-0.5 s while its server starts);
        # the pool shuts down (joins its worker) after the loop, not on it
        pool.submit(abs, 0).result()
        asyncio.run(main())
