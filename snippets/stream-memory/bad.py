"""Count the ERROR lines in a big log that the API streams (60 MB over about 2 s)."""
import asyncio
import os
from collections.abc import AsyncIterator

import aiohttp

API_URL = os.environ["API_URL"]
LOG_URL = f"{API_URL}/stream?lines=30000&size=2000&interval_ms=0.066"


async def read_lines(session: aiohttp.ClientSession) -> AsyncIterator[str]:
    async with session.get(LOG_URL) as resp:
        async for raw in resp.content:  # one line at a time, as it arrives
            yield raw.decode()


async def main() -> None:
    async with aiohttp.ClientSession() as session:
        # MISTAKE: collects the whole stream into a list: all 60 MB sit in memory at once
        lines = [line async for line in read_lines(session)]
    errors = sum(1 for line in lines if " ERROR " in line)
    print(f"{errors} errors in {len(lines)} lines")


if __name__ == "__main__":
    asyncio.run(main())
