"""Download four files; a done-callback records each result as its download finishes."""
import asyncio

saved: list[str] = []


async def download(n: int) -> str:
    await asyncio.sleep(0.1 * n)
    if n == 2:
        raise ConnectionError(f"mirror {n} dropped the connection")
    return f"file-{n}.csv"


def record(task: asyncio.Task) -> None:
    # MISTAKE: raises for the failed download; the loop logs "Exception in callback"
    # and goes on, and the caller never hears of it
    saved.append(task.result())


async def main() -> None:
    tasks = [asyncio.create_task(download(n)) for n in range(1, 5)]
    for task in tasks:
        task.add_done_callback(record)
    await asyncio.wait(tasks)
    print(f"saved {len(saved)} of {len(tasks)} files: {', '.join(saved)}")


if __name__ == "__main__":
    asyncio.run(main())
