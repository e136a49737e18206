"""The uploader starts as soon as the file is ready; preparing it takes 0.3 s."""
import asyncio
import time

START = time.perf_counter()


def elapsed() -> str:
    return f"{time.perf_counter() - START:.1f} s"


class Job:
    ready = False


async def prepare(job: Job) -> None:
    await asyncio.sleep(0.3)  # compress the file
    job.ready = True
    print(f"[{elapsed()}] file ready")


async def upload(job: Job) -> None:
    # MISTAKE: polling: wakes up for nothing, and notices up to a second late
    while not job.ready:
        await asyncio.sleep(1)  # a shorter sleep only means more wake-ups
    print(f"[{elapsed()}] uploading")


async def main() -> None:
    job = Job()
    await asyncio.gather(upload(job), prepare(job))


if __name__ == "__main__":
    asyncio.run(main())
