"""Two tickers should print every 0.2 s while a worker waits for something slow."""
import asyncio


async def ticker(name: str) -> None:
    for i in range(8):
        print(f"{name}: tick {i}")
        await asyncio.sleep(0.2)


async def worker() -> None:
    await asyncio.sleep(0.3)
    print("worker: waiting 1 s for the slow thing...")
    await asyncio.sleep(1)  # FIX: gives the loop back; the tickers keep ticking
    print("worker: done")


async def main() -> None:
    await asyncio.gather(ticker("a"), ticker("b"), worker())


if __name__ == "__main__":
    asyncio.run(main())
