"""A command-line tool runs each command in its own asyncio.run(); jobs go through a queue."""
import asyncio


async def worker(jobs: asyncio.Queue[str]) -> None:
    while (job := await jobs.get()) != "stop":
        await asyncio.sleep(0.1)  # do the job
        print(f"  did {job}")


async def run_command(name: str, *tasks: str) -> None:
    print(f"command {name!r}")
    jobs: asyncio.Queue[str] = asyncio.Queue()  # FIX: a queue for this run's event loop
    consumer = asyncio.create_task(worker(jobs))
    await asyncio.sleep(0.1)  # the worker is now waiting on the empty queue
    for job in (*tasks, "stop"):
        jobs.put_nowait(job)
    await consumer


if __name__ == "__main__":
    asyncio.run(run_command("backup", "copy files", "compress"))
    asyncio.run(run_command("report", "count files"))  # a second run: a new event loop
