"""10,000 tasks, each doing 30 `await asyncio.sleep(0)`, gathered."""
import asyncio
import time


async def worker() -> None:
    for _ in range(30):
        await asyncio.sleep(0)


async def main() -> None:
    await asyncio.gather(*(worker() for _ in range(10_000)))


start = time.perf_counter()
asyncio.run(main())
print(f"BENCH_WALL_S={time.perf_counter() - start:.6f}")
