"""Score a batch of records, but give up after 0.3 s: the answer is needed quickly or not at all."""
import asyncio
import time


def score(record: int) -> int:
    return sum(n * n % 7 for n in range(record % 100, 20_000))  # CPU work: a few ms


async def score_all(records: range) -> int:
    total = 0
    for record in records:
        total += score(record)
        await asyncio.sleep(0)  # FIX: an await point: here the timeout can cancel the task
    return total


async def main() -> None:
    start = time.perf_counter()
    try:
        async with asyncio.timeout(0.3):
            total = await score_all(range(600))
        print(f"scored: total {total}")
    except TimeoutError:
        print("gave up: too slow")
    print(f"returned after {time.perf_counter() - start:.1f} s (the limit was 0.3 s)")


if __name__ == "__main__":
    asyncio.run(main())
