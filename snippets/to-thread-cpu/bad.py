"""A heartbeat should print every 0.05 s while three reports crunch numbers "in the background"."""
import asyncio

LIMIT = 4_000_000


def sum_of_squares(limit: int) -> int:
    return sum(n * n for n in range(limit))  # pure-Python CPU work: about a second


async def heartbeat() -> None:
    for i in range(30):
        print(f"heartbeat {i}")
        await asyncio.sleep(0.05)


async def report(name: str) -> None:
    # MISTAKE: a thread does not help CPU-bound Python: it needs the GIL the loop needs too
    total = await asyncio.to_thread(sum_of_squares, LIMIT)
    print(f"report {name}: total = {total}")


async def main() -> None:
    await asyncio.gather(heartbeat(), *(report(name) for name in "abc"))


if __name__ == "__main__":
    asyncio.run(main())
