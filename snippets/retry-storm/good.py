"""Ten clients fetch a report from an overloaded service (it answers after 2 s; they wait 0.2 s)."""
import asyncio
import os
import random

import aiohttp

API_URL = os.environ["API_URL"]
ATTEMPTS = 4
random.seed(1)


async def fetch_report(session: aiohttp.ClientSession, client: int) -> dict | None:
    for attempt in range(1, ATTEMPTS + 1):  # FIX: a limit on the number of attempts
        try:
            async with asyncio.timeout(0.2):
                async with session.get(f"{API_URL}/slow?delay_ms=2000") as resp:
                    resp.raise_for_status()
                    return await resp.json()
        except (TimeoutError, aiohttp.ClientError):
            if attempt < ATTEMPTS:
                # FIX: back off exponentially, with jitter so that clients do not retry in step
                await asyncio.sleep(0.1 * 2 ** (attempt - 1) * random.uniform(0.5, 1.5))
    print(f"client {client}: gave up after {ATTEMPTS} attempts")
    return None


async def main() -> None:
    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(fetch_report(session, c) for c in range(10)))


if __name__ == "__main__":
    asyncio.run(main())
