"""Fetch 200 user profiles from an API that asks for at most 20 requests at once."""
import asyncio
import os

import aiohttp

API_URL = os.environ["API_URL"]
USERS = range(1, 201)


async def fetch_user(
    session: aiohttp.ClientSession, limit: asyncio.Semaphore, user_id: int
) -> dict:
    async with limit:  # FIX: at most 20 in flight; the others wait their turn
        async with session.get(f"{API_URL}/users/{user_id}?delay_ms=100") as resp:
            return await resp.json()


async def main() -> None:
    limit = asyncio.Semaphore(20)
    async with aiohttp.ClientSession() as session:
        users = await asyncio.gather(*(fetch_user(session, limit, i) for i in USERS))
    print(f"fetched {len(users)} users, the last one: {users[-1]['name']}")


if __name__ == "__main__":
    asyncio.run(main())
