"""The uploader starts as soon as the file is ready; preparing it takes 0.3 s."""
import asyncio
import time

START = time.perf_counter()


def elapsed() -> str:
    return f"{time.perf_counter() - START:.1f} s"


class Job:
    def __init__(self) -> None:
        self.ready = asyncio.Event()


async def prepare(job: Job) -> None:
    await asyncio.sleep(0.3)  # compress the file
    job.ready.set()  # wakes every task waiting for it
    print(f"[{elapsed()}] file ready")


async def upload(job: Job) -> None:
    await job.ready.wait()  # FIX: sleeps until set() is called, then wakes at once
    print(f"[{elapsed()}] uploading")


async def main() -> None:
    job = Job()
    await asyncio.gather(upload(job), prepare(job))


if __name__ == "__main__":
    asyncio.run(main())
