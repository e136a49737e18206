"""10,000 tasks, each doing 30 `await asyncio.sleep(0)`, gathered."""
import asyncio
import gc
import time


async def worker() -> None:
    for _ in range(30):
        await asyncio.sleep(0)


async def main() -> None:
    await asyncio.gather(*(worker() for _ in range(10_000)))


# Every variant opens its timed window with the garbage collector in the same state:
# otherwise what ran before (the probe's set-up, or not) decides whether a collection
# of everything the imports left falls inside the window (see ../README.md).
gc.collect()
start = time.perf_counter()
asyncio.run(main())
print(f"BENCH_WALL_S={time.perf_counter() - start:.6f}")
