"""A heartbeat should print every 0.05 s while prices are exported "in the background"."""
import asyncio
import json

COUNT = 800_000


def export_prices(count: int) -> int:
    prices = [i / 7 for i in range(count)]
    return len(json.dumps(prices))  # CPU work; json's C encoder holds the GIL all along


async def heartbeat() -> None:
    for i in range(30):
        print(f"heartbeat {i}")
        await asyncio.sleep(0.05)


async def export() -> None:
    # MISTAKE: a thread does not help CPU-bound work: it holds the GIL the loop needs too
    size = await asyncio.to_thread(export_prices, COUNT)
    print(f"export: {size >> 20} MB of JSON")


async def main() -> None:
    await asyncio.gather(heartbeat(), export())


if __name__ == "__main__":
    asyncio.run(main())
