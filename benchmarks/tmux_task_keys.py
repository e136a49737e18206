"""Keys while a run keeps 10,000 tasks alive, in a real terminal (tmux): the tabs, the
timeline, the filter and help, each from sending the key to the pane showing its effect.

The app runs in a tmux session of its own (160x48 unless told) on the lesson of
``app_keys.py`` (``--workload``: 10,000 tasks that sleep, or that wake every 50 ms). Once
5,000 tasks are alive, each round sends, waiting each time for the pane to show it:

- ``2`` (the Output tab: no task counts on screen), ``3`` (Problems), ``1`` (Tasks);
- ``t`` (the timeline shows), escape (it is gone);
- ``/`` (the filter's box shows), escape (it is gone);
- ``?`` (help shows), escape (it is gone).

    .venv/bin/python benchmarks/tmux_task_keys.py [--rounds 5] [--size 160x48]
        [--workload sleeping|stepping] [--python DIR]

``--python`` runs another checkout's app (``env PYTHONPATH=DIR``), as tmux_keys.py does.
Figures are recorded in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from launch import checkout

from app_keys import WORKLOADS, write_lessons
from tmux_keys import alive, key, start_server, stop_server, tmux, wait_for

#: Each key, and what the pane shows once it took effect.
KEYS: tuple[tuple[str, str, Callable[[str], bool]], ...] = (
    ("output tab", "2", lambda s: "alive ·" not in s and "No errors" not in s),
    ("problems tab", "3", lambda s: "No errors" in s),
    ("tasks tab", "1", lambda s: "alive ·" in s),
    ("timeline", "t", lambda s: "timeline · a lane per task" in s),
    ("timeline closed", "Escape", lambda s: "timeline · a lane per task" not in s),
    ("filter", "/", lambda s: "╭─ filter" in s),
    ("filter closed", "Escape", lambda s: "╭─ filter" not in s),
    ("help", "?", lambda s: "asyncplay · help" in s),
    ("help closed", "Escape", lambda s: "asyncplay · help" not in s),
)


def measure(command: str, size: str, rounds: int) -> dict[str, list[float]]:
    session = f"task-keys-{os.getpid()}"
    width, height = size.split("x")
    figures: dict[str, list[float]] = {name: [] for name, _, _ in KEYS}
    tmux("new-session", "-d", "-s", session, "-c", tempfile.gettempdir(), "-x", width,
         "-y", height, command)
    try:
        wait_for(session, lambda text: "Run bad" in text and "a-many-tasks" in text)
        time.sleep(1.0)  # let start-up work (the sandbox check) finish
        key(session, "b", lambda text: re.search(r"running\s+\d+\.\d s", text) is not None)
        wait_for(session, lambda text: alive(text) >= 5000, timeout_s=120)
        for n in range(rounds):
            for name, sent, shows in KEYS:
                figures[name].append(key(session, sent, shows))
                time.sleep(0.3)  # the next key does not wait behind this one's tail
            print(f"round {n + 1}: " + ", ".join(f"{k} {v[-1] * 1000:.0f} ms" for k, v in figures.items()),
                  flush=True)
    finally:
        tmux("kill-session", "-t", session)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--size", default="160x48")
    parser.add_argument("--workload", choices=sorted(WORKLOADS), default="sleeping")
    parser.add_argument("--python", default=None, metavar="DIR",
                        help="run the app of this checkout (PYTHONPATH=DIR) with this venv's Python")
    args = parser.parse_args()
    start_server()
    tmux("set-environment", "-g", "-u", "ASYNCPLAY_SNIPPETS")
    # Each checkout its own lesson cache, and its bytecode compiled (launch.checkout):
    # two checkouts in turn sharing ~/.cache each parsed every lesson at every start.
    python, env = checkout(args.python)
    with tempfile.TemporaryDirectory() as tmp:
        write_lessons(Path(tmp), WORKLOADS[args.workload])
        command = f"env {env}{shlex.quote(python)} -m playground --snippets {shlex.quote(tmp)}"
        try:
            figures = measure(command, args.size, args.rounds)
        finally:
            stop_server()
    for name, values in figures.items():
        ms = sorted(v * 1000 for v in values)
        print(f"{name:16} median {statistics.median(ms):6.0f} ms   worst {ms[-1]:6.0f} ms   ({len(ms)})")


if __name__ == "__main__":
    main()
