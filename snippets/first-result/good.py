"""Ask three mirrors for the same user; any one answer will do, so use the fastest."""
import asyncio
import os
import time

import aiohttp

API_URL = os.environ["API_URL"]
MIRRORS = {"eu": 2500, "us": 200, "asia": 800}  # how long each one takes to answer, in ms


async def ask(session: aiohttp.ClientSession, mirror: str, delay_ms: int) -> tuple[str, dict]:
    async with session.get(f"{API_URL}/users/7?delay_ms={delay_ms}") as resp:
        return mirror, await resp.json()


async def main() -> None:
    start = time.perf_counter()
    async with aiohttp.ClientSession() as session:
        tasks = [asyncio.create_task(ask(session, m, d)) for m, d in MIRRORS.items()]
        # FIX: as_completed yields the answers in the order they arrive
        for earliest in asyncio.as_completed(tasks):
            mirror, user = await earliest
            print(f"first result: {user['name']} from {mirror} after "
                  f"{time.perf_counter() - start:.1f} s")
            break
        for task in tasks:  # the slower answers are not needed: stop waiting for them
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


if __name__ == "__main__":
    asyncio.run(main())
