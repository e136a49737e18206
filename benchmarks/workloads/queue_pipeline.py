"""A producer and 4 consumers moving 100,000 items through asyncio.Queue(maxsize=100)."""
import asyncio
import gc
import time

ITEMS = 100_000


async def producer(queue: asyncio.Queue) -> None:
    for i in range(ITEMS):
        await queue.put(i)
    for _ in range(4):
        await queue.put(None)


async def consumer(queue: asyncio.Queue) -> int:
    total = 0
    while True:
        item = await queue.get()
        if item is None:
            return total
        total += item


async def main() -> None:
    queue: asyncio.Queue = asyncio.Queue(maxsize=100)
    results = await asyncio.gather(producer(queue), *(consumer(queue) for _ in range(4)))
    assert sum(results[1:]) == ITEMS * (ITEMS - 1) // 2


# Every variant opens its timed window with the garbage collector in the same state:
# otherwise what ran before (the probe's set-up, or not) decides whether a collection
# of everything the imports left falls inside the window (see ../README.md).
gc.collect()
start = time.perf_counter()
asyncio.run(main())
print(f"BENCH_WALL_S={time.perf_counter() - start:.6f}")
