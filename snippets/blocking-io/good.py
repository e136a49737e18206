"""Save a report, then compress it with an external tool, while a heartbeat ticks every 0.1 s."""
import asyncio
import sys

REPORT = "report.txt"
# Stands in for a slow command-line tool (gzip, ffmpeg, git...): it takes 0.8 s.
TOOL = [sys.executable, "-c", "import time; time.sleep(0.8); print('tool: compressed')"]


async def heartbeat() -> None:
    for i in range(15):
        print(f"heartbeat {i}")
        await asyncio.sleep(0.1)


def write_report(lines: list[str]) -> None:
    with open(REPORT, "w") as f:
        f.writelines(lines)


async def save_and_compress(lines: list[str]) -> None:
    await asyncio.sleep(0.2)
    await asyncio.to_thread(write_report, lines)  # FIX: the file I/O runs in a worker thread
    print("report: saved")
    proc = await asyncio.create_subprocess_exec(*TOOL)  # FIX: the loop awaits the tool
    if await proc.wait() != 0:
        raise RuntimeError("the tool failed")
    print("report: done")


async def main() -> None:
    lines = [f"line {i}\n" for i in range(10_000)]
    await asyncio.gather(heartbeat(), save_and_compress(lines))


if __name__ == "__main__":
    asyncio.run(main())
