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
        users = []
        for user_id in range(1, 6):
            # MISTAKE: each await waits for one response before sending the next request
            users.append(await fetch_user(session, user_id))
    for user in users:
        print(f"{user['id']}: {user['name']}")


if __name__ == "__main__":
    asyncio.run(main())
