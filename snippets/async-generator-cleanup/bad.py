"""Find the first large order in a database table, then write the day's report."""
import asyncio
from collections.abc import AsyncIterator


async def orders() -> AsyncIterator[int]:
    print("database: connection opened")
    try:
        for amount in (20, 35, 180, 40, 75):
            await asyncio.sleep(0.05)  # fetch the next row
            yield amount
    finally:
        await asyncio.sleep(0.05)  # say goodbye to the server
        print("database: connection closed")


async def main() -> None:
    rows = orders()
    async for amount in rows:  # MISTAKE: break leaves the generator suspended, still open
        if amount > 100:
            print(f"first large order: {amount}")
            break
    await asyncio.sleep(1)  # write the report (the connection is still open)
    print("report written")


if __name__ == "__main__":
    asyncio.run(main())
