"""500 aiohttp GETs to a loopback server, 50 at a time."""
import asyncio
import gc
import os
import time

import aiohttp

API_URL = os.environ["API_URL"]


async def fetch(session: aiohttp.ClientSession, sem: asyncio.Semaphore, i: int) -> int:
    async with sem:
        async with session.get(f"{API_URL}/users/{i % 50 + 1}?delay_ms=0") as resp:
            await resp.read()
            return resp.status


async def main() -> None:
    sem = asyncio.Semaphore(50)
    async with aiohttp.ClientSession() as session:
        statuses = await asyncio.gather(*(fetch(session, sem, i) for i in range(500)))
    assert all(s == 200 for s in statuses), statuses


# Every variant opens its timed window with the garbage collector in the same state:
# otherwise what ran before (the probe's set-up, or not) decides whether a collection
# of everything the imports left falls inside the window (see ../README.md).
gc.collect()
start = time.perf_counter()
asyncio.run(main())
print(f"BENCH_WALL_S={time.perf_counter() - start:.6f}")
