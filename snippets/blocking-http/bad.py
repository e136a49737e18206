"""Fetch three user profiles while a progress task ticks every 0.1 s."""
import asyncio
import json
import os
import urllib.request

API_URL = os.environ["API_URL"]


async def progress() -> None:
    for i in range(15):
        print(f"progress: tick {i}")
        await asyncio.sleep(0.1)


async def fetch_user(user_id: int) -> dict:
    url = f"{API_URL}/users/{user_id}?delay_ms=400"  # the API answers after 0.4 s
    with urllib.request.urlopen(url) as resp:  # MISTAKE: a blocking call, the loop waits too
        return json.load(resp)


async def main() -> None:
    ticking = asyncio.create_task(progress())
    for user_id in (1, 2, 3):
        user = await fetch_user(user_id)
        print(f"got {user['name']}")
    await ticking


if __name__ == "__main__":
    asyncio.run(main())
