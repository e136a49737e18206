"""A heartbeat should print every 0.05 s while three reports crunch numbers "in the background"."""
import asyncio
from concurrent.futures import ProcessPoolExecutor

LIMIT = 4_000_000


def sum_of_squares(limit: int) -> int:
    return sum(n * n for n in range(limit))  # pure-Python CPU work: about a second


async def heartbeat() -> None:
    for i in range(30):
        print(f"heartbeat {i}")
        await asyncio.sleep(0.05)


async def report(pool: ProcessPoolExecutor, name: str) -> None:
    loop = asyncio.get_running_loop()
    # FIX: a worker process has its own interpreter and its own GIL
    total = await loop.run_in_executor(pool, sum_of_squares, LIMIT)
    print(f"report {name}: total = {total}")


async def main() -> None:  # the pool is made below, before the loop runs
    await asyncio.gather(heartbeat(), *(report(pool, name) for name in "abc"))


if __name__ == "__main__":  # needed: worker processes may import this file
    with ProcessPoolExecutor(max_workers=3) as pool:
        # start the workers before the loop runs: starting a process blocks (on 3.14,
        # whose default on Linux is "forkserver", for 0.1-0.5 s while its server starts);
        # the pool shuts down (joins its workers) after the loop, not on it
        list(pool.map(abs, range(3)))
        asyncio.run(main())
