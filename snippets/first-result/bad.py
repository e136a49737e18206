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
        # MISTAKE: gather waits for every answer, so the slowest mirror sets the pace
        answers = await asyncio.gather(*(ask(session, m, d) for m, d in MIRRORS.items()))
        mirror, user = answers[0]
        print(f"first result: {user['name']} from {mirror} after "
              f"{time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    asyncio.run(main())
