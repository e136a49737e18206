"""A room on one machine: N viewers of ``asyncplay serve`` at once, each running a lesson.

Starts ``asyncplay serve`` (loopback, default run cap unless ``--max-runs``), connects N
viewers that speak textual-serve's websocket protocol (the screen they are sent played
in a terminal emulator, as a browser's would draw it), all at once; each waits for its
first screen, then presses ``b`` (the lesson's bad variant) and waits for the run to end.
It prints, per viewer: the first screen's time, the time to the run's start (after any
wait in line), the run's end; then the server's CPU (its own and its reaped app
processes', from /proc), the peak memory of the whole tree, an idle app process's RSS,
and whether any process is left once every viewer has gone.

    .venv/bin/python benchmarks/serve_load.py [--viewers 20] [--lesson time-sleep] [--max-runs N]

Figures are recorded in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "serve"))

from viewers import ProtocolViewer, ServeProcess, all_gone, cmdline, descendants  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")


def rss_kb(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE // 1024
    except (OSError, IndexError, ValueError):
        return 0


def cpu_s(pid: int) -> float:
    """utime + stime + cutime + cstime: the process's CPU and its reaped children's."""
    data = Path(f"/proc/{pid}/stat").read_bytes()
    fields = data[data.rindex(b")") + 2:].split()
    return sum(int(f) for f in fields[11:15]) / TICKS


async def viewer_run(number: int, ws: str, lesson_keys: str, t0: float,
                     timings: dict[int, dict[str, float]]) -> None:
    viewer = ProtocolViewer(120, 36, render=False)  # 20 emulators would load this process
    mine = timings.setdefault(number, {})
    try:
        await viewer.connect(ws)
        await viewer.wait_for("not run yet", timeout=300)
        mine["first_screen"] = time.monotonic() - t0
        await viewer.press(lesson_keys)
        pressed = time.monotonic()
        await viewer.wait_for("to answer", timeout=600)  # the lesson's question first
        await viewer.press("2")
        await viewer.wait_for("● running", timeout=600)
        mine["start_after_key"] = time.monotonic() - pressed
        ended = await viewer.wait_for(r"[✓✗] (ok|error|timeout|limit) ", timeout=600)
        mine["done_after_key"] = time.monotonic() - pressed
        mine["ok"] = 1.0 if "✓ ok" in ended else 0.0
    finally:
        await viewer.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--viewers", type=int, default=20)
    parser.add_argument("--max-runs", type=int)
    parser.add_argument("--keys", default="b", help="keys each viewer presses (default b)")
    args = parser.parse_args()

    extra = ["--max-runs", str(args.max_runs)] if args.max_runs else []
    server = await ServeProcess.start(*extra)
    ws = server.base.replace("http", "ws") + "ws"
    timings: dict[int, dict[str, float]] = {}
    peak_tree_kb = 0
    idle_rss: list[int] = []
    seen: dict[int, int] = {}
    stop_sampling = asyncio.Event()

    async def sample() -> None:
        nonlocal peak_tree_kb
        while not stop_sampling.is_set():
            below = descendants(server.process.pid)
            seen.update(below)
            peak_tree_kb = max(peak_tree_kb, rss_kb(server.process.pid) + sum(rss_kb(p) for p in below))
            try:
                await asyncio.wait_for(stop_sampling.wait(), 0.25)
            except TimeoutError:
                pass

    # One viewer alone first: an idle app process's memory, nothing else running.
    alone = ProtocolViewer(120, 36)
    await alone.connect(ws)
    await alone.wait_for("press b to run it", timeout=120)
    await asyncio.sleep(2.0)  # let the app's start-up work (the sandbox probe) settle
    apps = [p for p in descendants(server.process.pid) if "-m playground" in cmdline(p)
            and "probe" not in cmdline(p)]
    idle_rss = [rss_kb(p) for p in apps]
    await alone.close()

    cpu_before = cpu_s(server.process.pid)
    sampler = asyncio.create_task(sample())
    t0 = time.monotonic()
    results = await asyncio.gather(
        *(viewer_run(n, ws, args.keys, t0, timings) for n in range(1, args.viewers + 1)),
        return_exceptions=True)
    wall = time.monotonic() - t0
    stop_sampling.set()
    await sampler
    left = await all_gone(seen, timeout=30)
    cpu = cpu_s(server.process.pid) - cpu_before
    log = await server.stop()

    failures = [r for r in results if isinstance(r, BaseException)]
    print(f"viewers {args.viewers}, {os.cpu_count()} cores, load average before: "
          f"{os.getloadavg()[0]:.2f}; {log.count(' ran ')} runs logged")
    print(f"{'viewer':>6} {'first screen s':>15} {'run start after key s':>22} {'run end after key s':>20} ok")
    for number in sorted(timings):
        t = timings[number]
        print(f"{number:>6} {t.get('first_screen', float('nan')):>15.2f} "
              f"{t.get('start_after_key', float('nan')):>22.2f} "
              f"{t.get('done_after_key', float('nan')):>20.2f} {int(t.get('ok', 0))}")
    for key in ("first_screen", "start_after_key", "done_after_key"):
        values = [t[key] for t in timings.values() if key in t]
        if values:
            print(f"{key}: median {statistics.median(values):.2f} s, max {max(values):.2f} s")
    print(f"completed: {sum(int(t.get('ok', 0)) for t in timings.values())}/{args.viewers} ok; "
          f"failures: {len(failures)} {failures[:3]}")
    print(f"wall {wall:.1f} s; CPU (server + app processes + runs) {cpu:.1f} s "
          f"({cpu / wall:.2f} cores on average)")
    print(f"peak memory of the server's tree: {peak_tree_kb / 1024:.0f} MB")
    print(f"idle app process RSS: {', '.join(f'{kb / 1024:.0f} MB' for kb in idle_rss)}")
    print(f"processes left behind: {len(left)} {[cmdline(p)[:80] for p in left]}")
    print("server log (last lines):")
    print("\n".join(log.splitlines()[-12:]))


if __name__ == "__main__":
    asyncio.run(main())
