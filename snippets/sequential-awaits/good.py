"""Load five user profiles from the API (each request takes about 0.4 s)."""
import asyncio
import os

import aiohttp

API_URL = os.environ["API_URL"]


async def fetch_user(session: aiohttp.ClientSession, user_id: int) -> dict:
    async with session.get(f"{API_URL}/users/{user_id}?delay_ms=400") as resp:
        return await resp.json()


async def main() -> None:
    async with aiohttp.ClientSession() as session:
        # FIX: start all five requests at once and wait for them together
        users = await asyncio.gather(*(fetch_user(session, i) for i in range(1, 6)))
    for user in users:
        print(f"{user['id']}: {user['name']}")


if __name__ == "__main__":
    asyncio.run(main())
