"""The app's start-up: wall time to the first screen and the CPU it costs, in a real terminal.

Each round starts ``asyncplay`` (this checkout's, or ``--python DIR``'s) in a tmux session
of its own through a small wrapper that runs the real command line (``playground.cli``)
and, once the first screen has been drawn (the first frame after its layout at the
terminal's size),
writes down the process's CPU time (user+sys) and, after the start-up work in the
background (the sandbox's check, the run machinery's import) is done too, its total
CPU with its children's. ``asyncplay serve`` starts one app per browser tab: on a
shared machine the start-up CPU, not the wall time, is what a room waits for.

    .venv/bin/python benchmarks/launch.py [--rounds 10] [--size 160x48] [--python DIR]
    .venv/bin/python benchmarks/launch.py --profile launch.prof   # cProfile of one start
    .venv/bin/python benchmarks/launch.py --floor   # a one-Static Textual app: the floor

The measured checkout's bytecode is compiled first, as pip does for an installed copy.
Figures are recorded in benchmarks/README.md (the tmux_keys section).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Run inside tmux by the venv's Python: the app up to its first screen, then the figures.
WRAPPER = """\
import asyncio, cProfile, json, os, resource, sys, time
out, profile = sys.argv[1], sys.argv[2]
profiler = cProfile.Profile() if profile else None
if profiler: profiler.enable()
if sys.argv[3:] == ["--floor"]:  # the floor: a Textual app of one Static
    from textual.app import App
    from textual.widgets import Static

    class Hello(App[None]):
        def compose(self):
            yield Static("Hello")

    app = Hello()
else:
    from playground import cli
    args = cli.parse(sys.argv[3:])
    # As `asyncplay` starts it (a checkout older than launch() has only build_app).
    app = getattr(cli.app, "launch", cli.app.build_app)(args)
figures = {}

def cpu(who):
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime

# The first screen: the first frame drawn after a layout at the terminal's size (as
# launch_instructions.py counts it). A layout made in a batch is drawn when the batch ends.
from textual.screen import Screen
laid_out, composited, sized = Screen._refresh_layout, Screen._compositor_refresh, []

def layout(self, size=None, scroll=False):
    if size is not None:
        sized.append(self)
    laid_out(self, size, scroll)

def draw(self):
    composited(self)
    if sized and "first screen" not in figures:
        figures["first screen"] = time.time()
        figures["cpu first screen"] = cpu(resource.RUSAGE_SELF)
        if profiler: profiler.disable()

Screen._refresh_layout, Screen._compositor_refresh = layout, draw

async def settled() -> None:
    while "first screen" not in figures:  # a first frame held back by a batch
        await asyncio.sleep(0.01)
    for worker in [w for w in app.workers if w.group != "launch"]:
        await worker.wait()
    figures["cpu settled"] = cpu(resource.RUSAGE_SELF) + cpu(resource.RUSAGE_CHILDREN)
    app.exit()

app.call_later(lambda: app.call_after_refresh(lambda: app.run_worker(settled(), group="launch")))
app.run()
if profiler: profiler.dump_stats(profile)
with open(out, "w") as f: json.dump(figures, f)
"""


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=False).stdout


def checkout(other: str | None) -> tuple[str, str]:
    """This venv's Python and the environment (``XDG_CACHE_HOME=... PYTHONPATH=DIR ``)
    that starts the app of ``other`` (a checkout's folder; None: this one) with it. The
    measured checkout's bytecode is compiled first: pip compiles an installed copy's,
    and an editable one where PYTHONDONTWRITEBYTECODE is set would compile its sources
    at every start."""
    python = str(Path(__file__).resolve().parents[1] / ".venv" / "bin" / "python")
    folder = Path(other).resolve() if other else Path(__file__).resolve().parents[1]
    # Each checkout its own lesson cache, filled before the first start: the cache
    # records the code that parsed it, so two checkouts measured in turn would each
    # find the other's and parse every lesson again (~200 M instructions, ~75 ms).
    cache = Path(tempfile.gettempdir()) / f"asyncplay-bench-{hashlib.sha1(bytes(folder)).hexdigest()[:12]}"
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    env.pop("ASYNCPLAY_LESSON_CACHE", None)
    if other:
        env["PYTHONPATH"] = other
    subprocess.run([python, "-m", "compileall", "-q", str(folder / "playground")], check=True)
    subprocess.run([python, "-c", "from playground.catalog import load_catalog; load_catalog()"],
                   check=True, env=env, cwd=tempfile.gettempdir())
    words = [f"XDG_CACHE_HOME={shlex.quote(str(cache))}"]
    if other:
        words.append(f"PYTHONPATH={shlex.quote(other)}")
    return python, " ".join(words) + " "


@contextmanager
def wrapper_file(text: str) -> Iterator[Path]:
    """``text`` as wrapper.py in a temporary folder (for what it writes too)."""
    with tempfile.TemporaryDirectory() as tmp:
        wrapper = Path(tmp) / "wrapper.py"
        wrapper.write_text(text)
        yield wrapper


def start_session(session: str, size: str, env: str, words: list[str], *, cwd: Path | None = None,
                  stderr: Path | None = None) -> None:
    """A tmux session of its own, ``size`` (160x48) large, running ``env WORDS``."""
    width, height = size.split("x")
    command = "env " + env + " ".join(shlex.quote(w) for w in words)
    if stderr is not None:
        command += f" 2>{shlex.quote(str(stderr))}"
    where = ["-c", str(cwd)] if cwd is not None else []
    subprocess.run(["tmux", "new-session", "-d", "-s", session, *where, "-x", width, "-y", height,
                    command], check=True)


def one_start(python: str, env: str, size: str, snippets: list[str], profile: str = "") -> dict[str, float]:
    session = f"launch-{os.getpid()}"
    with wrapper_file(WRAPPER) as wrapper:
        out = wrapper.parent / "figures.json"
        start = time.time()
        start_session(session, size, env, [python, str(wrapper), str(out), profile, *snippets])
        try:
            deadline = time.monotonic() + 120
            while not out.exists() and time.monotonic() < deadline:
                time.sleep(0.02)
            time.sleep(0.05)
            figures = json.loads(out.read_text())
        finally:
            tmux("kill-session", "-t", session)
    return {"launch": figures["first screen"] - start, "cpu first screen": figures["cpu first screen"],
            "cpu settled": figures["cpu settled"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--size", default="160x48")
    parser.add_argument("--python", default=None, metavar="DIR",
                        help="start the app of this checkout (PYTHONPATH=DIR) with this venv's Python")
    parser.add_argument("--profile", metavar="FILE", help="one start under cProfile, saved to FILE")
    parser.add_argument("--floor", action="store_true",
                        help="measure a Textual app of one Static instead: this machine's floor")
    parser.add_argument("args", nargs="*", help="the app's own arguments (e.g. --lesson SLUG)")
    args = parser.parse_args()
    tmux("set-environment", "-g", "-u", "ASYNCPLAY_SNIPPETS")
    python, env = checkout(args.python)
    if args.floor:
        args.args = ["--floor"]
    if args.profile:
        one_start(python, env, args.size, args.args, str(Path(args.profile).resolve()))
        print(f"profile saved to {args.profile}")
        return
    figures: dict[str, list[float]] = {}
    for n in range(args.rounds):
        for name, value in one_start(python, env, args.size, args.args).items():
            figures.setdefault(name, []).append(value)
        print(f"round {n + 1}: " + ", ".join(f"{k} {v[-1] * 1000:.0f} ms" for k, v in figures.items()),
              flush=True)
    print(f"load average {os.getloadavg()[0]:.1f}", file=sys.stderr)
    for name, values in figures.items():
        ms = sorted(v * 1000 for v in values)
        print(f"{name:18} median {statistics.median(ms):6.0f} ms   worst {ms[-1]:6.0f} ms   ({len(ms)})")


if __name__ == "__main__":
    main()
