"""Ten clients fetch a report from an overloaded service (it answers after 2 s; they wait 0.2 s)."""
import asyncio
import os

import aiohttp

API_URL = os.environ["API_URL"]


async def fetch_report(session: aiohttp.ClientSession, client: int) -> dict:
    attempt = 0
    while True:  # MISTAKE: retries at once and forever: every failure is a new request
        attempt += 1
        try:
            async with asyncio.timeout(0.2):
                async with session.get(f"{API_URL}/slow?delay_ms=2000") as resp:
                    resp.raise_for_status()
                    return await resp.json()
        except (TimeoutError, aiohttp.ClientError):
            if attempt % 5 == 0:
                print(f"client {client}: {attempt} attempts so far")


async def main() -> None:
    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(fetch_report(session, c) for c in range(10)))


if __name__ == "__main__":
    asyncio.run(main())
