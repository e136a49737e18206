"""A heartbeat should print every 0.1 s while a report crunches numbers."""
import asyncio

LIMIT = 10_000_000


def sum_of_squares(limit: int) -> int:
    return sum(n * n for n in range(limit))  # pure-Python CPU work: most of a second


async def heartbeat() -> None:
    for i in range(12):
        print(f"heartbeat {i}")
        await asyncio.sleep(0.1)


async def report() -> None:
    await asyncio.sleep(0.2)
    total = sum_of_squares(LIMIT)  # MISTAKE: the CPU work runs on the loop's own thread
    print(f"report: total = {total}")


async def main() -> None:
    await asyncio.gather(heartbeat(), report())


if __name__ == "__main__":
    asyncio.run(main())
