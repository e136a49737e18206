"""Save a report, then compress it with an external tool, while a heartbeat ticks every 0.1 s."""
import asyncio
import subprocess
import sys

REPORT = "report.txt"
# Stands in for a slow command-line tool (gzip, ffmpeg, git...): it takes 0.8 s.
TOOL = [sys.executable, "-c", "import time; time.sleep(0.8); print('tool: compressed')"]


async def heartbeat() -> None:
    for i in range(15):
        print(f"heartbeat {i}")
        await asyncio.sleep(0.1)


async def save_and_compress(lines: list[str]) -> None:
    await asyncio.sleep(0.2)
    with open(REPORT, "w") as f:  # MISTAKE: file I/O on the loop's thread (a slow disk blocks it)
        f.writelines(lines)
    print("report: saved")
    subprocess.run(TOOL, check=True)  # MISTAKE: waits for the tool with the loop held
    print("report: done")


async def main() -> None:
    lines = [f"line {i}\n" for i in range(10_000)]
    await asyncio.gather(heartbeat(), save_and_compress(lines))


if __name__ == "__main__":
    asyncio.run(main())
