"""Ask a recommendation service for suggestions; the page must render either way."""
import asyncio
import os

import aiohttp

API_URL = os.environ["API_URL"]


async def recommendations(session: aiohttp.ClientSession) -> list[str]:
    async with session.get(f"{API_URL}/slow?delay_ms=60000") as resp:  # in trouble
        await resp.json()
        return ["tea", "biscuits"]


async def main() -> None:
    async with aiohttp.ClientSession() as session:
        print("asking for recommendations...")
        try:
            async with asyncio.timeout(1):  # FIX: give up after 1 s (cancels the request)
                suggestions = await recommendations(session)
        except TimeoutError:
            suggestions = []
            print("no suggestions: the service took longer than 1 s")
        print(f"suggestions: {suggestions}")
    print("page rendered")


if __name__ == "__main__":
    asyncio.run(main())
