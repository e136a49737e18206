"""Key latency, launch time and the first live figure, in a real terminal (tmux).

The app runs in a tmux session of its own (160x48 unless told), on a tmux server of
the benchmark's own (``tmux -L``), kept running between rounds; a key is sent with
``tmux send-keys`` and the pane is read (``capture-pane``) until the key's effect shows.
Each figure is the time from sending to the first capture that shows it (a capture
takes a few ms, so this is a slight overestimate):

- **launch**: from starting the app to the first screen with the footer's run keys;
- **key, idle**: ``?`` until the help shows, then escape until it is gone (a round
  prints both: ``?``/escape);
- **first live figure**: from the run key to the first ``running N s`` of the bad pane;
- **key, 10,000 tasks**: ``?``/escape while a run gathers 10,000 sleeping tasks;
- **key, output flood**: ``?``/escape while a run prints 30,000 lines a second into
  the Output tab (once its lines show).

Each capture takes a few ms (a tmux client is started): the median time of one is
printed, as the poll interval, with ``?`` and escape's medians on their own (escape
waits for the terminal parser's escape delay, 25 ms).

The two runs are lessons written to a temporary folder and added with ``--snippets``
(level "basics", order 0: the first lesson at launch).

    .venv/bin/python benchmarks/tmux_keys.py [--rounds 10] [--size 160x48] [--python PY] [--idle]

``--idle`` measures only the launch and the idle keys (a round takes seconds, not a
minute: for comparing two checkouts, interleaved, while the machine is quiet).

``--python`` runs another checkout's app (``env PYTHONPATH=DIR PY -m playground``).
Figures are recorded in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from launch import checkout

MANY = """\
import asyncio

async def nap(i: int) -> None:
    await asyncio.sleep(60)

async def main() -> None:
    await asyncio.gather(*(nap(i) for i in range(10_000)))

asyncio.run(main())
"""
FLOOD = """\
import sys
import time

# 30,000 lines a second for 8 s: a flood that lasts (as fast as the pipe takes, the
# 8 MB output limit ends a run within a second, before the keys could be timed).
end = time.monotonic() + 8
n = 0
while time.monotonic() < end:
    sys.stdout.write("".join(f"line {i:>9} of a flood\\n" for i in range(n, n + 300)))
    n += 300
    time.sleep(0.01)
"""
LESSON = """\
title = "{title}"
summary = "For measuring the app."
why = "To measure the app."
watch = "The keys."
mistake = "The `bad.py` mistake."
fix = "The `good.py` fix."
tags = ["benchmark"]
level = "basics"
order = {order}
timeout_s = 120
"""


#: The benchmark's own tmux server (``tmux -L``): none of the user's sessions or options.
SOCKET = f"asyncplay-bench-{os.getpid()}"


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True, check=False).stdout


def start_server() -> None:
    """Start the benchmark's tmux server with a session that keeps it running between
    rounds (a server whose last session ends exits), and panes that stay once their app
    has exited, so that an app that dies is reported with its last screen and status."""
    subprocess.run(["tmux", "-L", SOCKET, "new-session", "-d", "-s", "keeper"], check=True)
    tmux("set-option", "-g", "remain-on-exit", "on")


def stop_server() -> None:
    tmux("kill-server")


#: How long each capture took (the poll interval).
CAPTURES: list[float] = []


def pane(session: str) -> str:
    start = time.perf_counter()
    text = tmux("capture-pane", "-p", "-t", session)
    CAPTURES.append(time.perf_counter() - start)
    return text


def wait_for(session: str, shows: Callable[[str], bool], timeout_s: float = 120.0) -> float:
    """Seconds until the pane shows it (polling as fast as tmux answers)."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout_s:
        if shows(pane(session)):
            return time.perf_counter() - start
    dead = tmux("display-message", "-p", "-t", session, "#{pane_dead} #{pane_dead_status}").split()
    state = f"the app exited with status {dead[1]}" if dead[:1] == ["1"] else "the app is running"
    if not dead:
        state = "no such session"
    raise TimeoutError(f"timed out ({state}); the pane shows:\n{pane(session)}")


def key(session: str, name: str, shows: Callable[[str], bool]) -> float:
    start = time.perf_counter()
    tmux("send-keys", "-t", session, name)
    wait_for(session, shows)
    return time.perf_counter() - start


def alive(text: str) -> int:
    """The most tasks alive any pane's task table shows."""
    counts = [int(m.group(1).replace(" ", "")) for m in re.finditer(r"tasks\s+(\d[\d ]*) alive", text)]
    return max(counts, default=0)


#: The figures made of help round trips.
KEY_FIGURES = ("idle", "10,000 tasks", "output flood")


def help_round_trip(session: str) -> list[float]:
    """``?`` until the help shows, escape until it is gone: two key latencies."""
    opened = key(session, "?", lambda text: "asyncplay · help" in text)
    closed = key(session, "Escape", lambda text: "asyncplay · help" not in text)
    return [opened, closed]


def write_lessons(root: Path) -> None:
    for slug, bad, order in (("a-many-tasks", MANY, 0), ("a-flood", FLOOD, 1)):
        folder = root / slug
        folder.mkdir()
        (folder / "lesson.toml").write_text(LESSON.format(title=slug, order=order))
        (folder / "bad.py").write_text(bad)
        (folder / "good.py").write_text("print('ok')\n")


def measure(command: str, size: str, rounds: int, idle: bool = False) -> dict[str, list[float]]:
    session = f"keys-{os.getpid()}"
    width, height = size.split("x")
    figures: dict[str, list[float]] = {"launch": [], "idle": [], "first live figure": [],
                                       "10,000 tasks": [], "output flood": []}
    for n in range(rounds):
        start = time.perf_counter()
        # Started outside any checkout: ``python -m`` puts the working directory first on
        # sys.path, ahead of --python's PYTHONPATH (run from a checkout, it measured that).
        tmux("new-session", "-d", "-s", session, "-c", tempfile.gettempdir(), "-x", width,
             "-y", height, command)
        try:
            wait_for(session, lambda text: "Run bad" in text and "a-many-tasks" in text)
            figures["launch"].append(time.perf_counter() - start)
            time.sleep(1.0)  # let start-up work (the sandbox check) finish
            figures["idle"] += help_round_trip(session)
            if not idle:
                figures["first live figure"].append(
                    key(session, "b", lambda text: re.search(r"running\s+\d+\.\d s", text) is not None))
                wait_for(session, lambda text: alive(text) >= 5000, timeout_s=120)
                figures["10,000 tasks"] += help_round_trip(session)
                key(session, "s", lambda text: "stopped" in text)
                # The header, not the list (which always shows it): the lesson has changed.
                key(session, "n", lambda text: "asyncplay — a-flood" in text)
                tmux("send-keys", "-t", session, "2")  # the Output tab
                # Lines with their time in the Output panel ("line " alone is in the code).
                flooding = lambda text: re.search(r"\+\d+\.\d{3}s line ", text) is not None  # noqa: E731
                for attempt in range(3):
                    tmux("send-keys", "-t", session, "b")
                    try:
                        wait_for(session, flooding, timeout_s=15)
                        break
                    except TimeoutError:
                        # Seen once on a loaded machine: the run key was not taken.
                        print(f"round {n + 1}: no flood 15 s after b; b again", flush=True)
                else:
                    raise TimeoutError(f"no flood after b three times:\n{pane(session)}")
                figures["output flood"] += help_round_trip(session)
                tmux("send-keys", "-t", session, "s")
        finally:
            tmux("kill-session", "-t", session)
        print(f"round {n + 1}: " + ", ".join(
            f"{k} " + ("{:.0f}/{:.0f} ms".format(*(t * 1000 for t in v[-2:])) if k in KEY_FIGURES else f"{v[-1] * 1000:.0f} ms")
            for k, v in figures.items() if v), flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--size", default="160x48")
    parser.add_argument("--python", default=None, metavar="DIR",
                        help="run the app of this checkout (PYTHONPATH=DIR) with this venv's Python")
    parser.add_argument("--idle", action="store_true", help="only the launch and the idle keys")
    args = parser.parse_args()
    start_server()
    tmux("set-environment", "-g", "-u", "ASYNCPLAY_SNIPPETS")
    # Each checkout its own lesson cache, and its bytecode compiled (launch.checkout):
    # two checkouts in turn sharing ~/.cache each parsed every lesson at every start.
    python, env = checkout(args.python)
    with tempfile.TemporaryDirectory() as tmp:
        write_lessons(Path(tmp))
        command = f"env {env}{shlex.quote(python)} -m playground --snippets {shlex.quote(tmp)}"
        try:
            figures = measure(command, args.size, args.rounds, args.idle)
        finally:
            stop_server()
    for name, values in figures.items():
        if not values:
            continue
        ms = sorted(v * 1000 for v in values)
        print(f"{name:18} median {statistics.median(ms):6.0f} ms   worst {ms[-1]:6.0f} ms   ({len(ms)})")
        if name in KEY_FIGURES:  # round trips: ?, escape, ?, escape...
            opened, closed = ([v * 1000 for v in values[k::2]] for k in (0, 1))
            print(f"{'':18}   ? {statistics.median(opened):.0f} ms, escape {statistics.median(closed):.0f} ms")
    print(f"one capture (the poll interval) median {statistics.median(CAPTURES) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
