"""Download four files; a done-callback records each result as its download finishes."""
import asyncio

saved: list[str] = []
failed: list[str] = []


async def download(n: int) -> str:
    await asyncio.sleep(0.1 * n)
    if n == 2:
        raise ConnectionError(f"mirror {n} dropped the connection")
    return f"file-{n}.csv"


def record(task: asyncio.Task) -> None:
    try:
        saved.append(task.result())
    except Exception as exc:  # FIX: a callback handles its own errors: no caller will
        failed.append(repr(exc))


async def main() -> None:
    tasks = [asyncio.create_task(download(n)) for n in range(1, 5)]
    for task in tasks:
        task.add_done_callback(record)
    await asyncio.wait(tasks)
    print(f"saved {len(saved)} of {len(tasks)} files: {', '.join(saved)}")
    print(f"failed: {'; '.join(failed) or 'none'}")


if __name__ == "__main__":
    asyncio.run(main())
