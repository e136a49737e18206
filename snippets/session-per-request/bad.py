"""Fetch 60 user profiles, a few at a time, from the same API."""
import asyncio
import os

import aiohttp

API_URL = os.environ["API_URL"]


async def fetch_user(user_id: int) -> dict:
    # MISTAKE: a new session per request: a new connection pool, a new TCP connection
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{API_URL}/users/{user_id}?delay_ms=5") as resp:
            return await resp.json()


async def main() -> None:
    names = []
    for first in range(1, 61, 4):  # 4 requests at a time
        batch = await asyncio.gather(*(fetch_user(i) for i in range(first, first + 4)))
        names += [user["name"] for user in batch]
    print(f"fetched {len(names)} users, last: {names[-1]}")


if __name__ == "__main__":
    asyncio.run(main())
