"""How fast the app answers keys, idle and while a run streams 10,000 tasks (Pilot).

The real app (driven by Pilot, as the tests drive it) is started on a lesson whose bad
variant gathers 10,000 tasks that sleep (``--workload stepping``: that wake every 50 ms,
so the 64 tasks the probe follows one by one change on every report). Each set of keys below is a round trip that
leaves the screen as it found it; every round is timed, wall and CPU (this process:
the app and its threads, not the child), first idle, then once thousands of tasks are
alive (the lesson keys only idle: changing lesson stops the run). Before the keys
under load, the app's CPU per second of the stream with no key pressed is measured.

- ``help``: ``?`` then escape;
- ``tabs``: ``2`` ``3`` ``1`` (Output, Problems, Tasks of both panes);
- ``lesson``: ``n`` then ``p``;
- ``timeline``: ``t`` then escape;
- ``filter``: ``/`` then escape;
- ``lessons``: ``l`` twice (the lesson list hidden, then shown).

Pilot waits after each key until the screen has settled, so a wall time is the whole
effect of the keys, drawn. ``--profile SET`` runs cProfile over that set's rounds
(idle, or ``SET:load``) and prints where the time went.

    .venv/bin/python benchmarks/app_keys.py [--rounds 10] [--sets help,tabs] [--profile help:load]
        [--workload sleeping|stepping]

Figures are recorded in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import statistics
import tempfile
import time
from pathlib import Path

from textual.pilot import Pilot

from playground.catalog import load_catalog
from playground.tui.app import AsyncPlayApp
from playground.tui.run_pane import RunPane

BAD = """\
import asyncio

async def nap(i: int) -> None:
    await asyncio.sleep(600)

async def main() -> None:
    await asyncio.gather(*(nap(i) for i in range(10_000)))

asyncio.run(main())
"""

#: The bad variant of each workload.
WORKLOADS = {
    "sleeping": BAD,
    "stepping": BAD.replace("    await asyncio.sleep(600)\n",
                            "    while True:\n        await asyncio.sleep(0.05)\n"),
}

LESSON = """\
title = "{title}"
summary = "For measuring the app."
why = "To measure the app."
watch = "The task table."
mistake = "The `bad.py` mistake."
fix = "The `good.py` fix."
tags = ["benchmark"]
level = "basics"
order = {order}
timeout_s = 900
"""

#: Each set of keys: a round trip back to the screen it started from.
SETS: dict[str, tuple[str, ...]] = {
    "help": ("question_mark", "escape"),
    "tabs": ("2", "3", "1"),
    "lesson": ("n", "p"),
    "timeline": ("t", "escape"),
    "filter": ("slash", "escape"),
    "lessons": ("l", "l"),
}
#: Seconds the stream is watched with no key pressed.
STREAM_S = 3.0
#: Sets that would stop the run (a lesson change stops it): measured idle only.
IDLE_ONLY = frozenset({"lesson"})

Figures = dict[str, dict[str, list[float]]]


def write_lessons(root: Path, bad_code: str = BAD) -> None:
    for slug, bad, order in (("a-many-tasks", bad_code, 0), ("a-second", "print('ok')\n", 1)):
        folder = root / slug
        folder.mkdir()
        (folder / "lesson.toml").write_text(LESSON.format(title=slug, order=order))
        (folder / "bad.py").write_text(bad)
        (folder / "good.py").write_text("print('ok')\n")


async def rounds_of(pilot: Pilot[None], keys: tuple[str, ...], rounds: int,
                    profile: cProfile.Profile | None) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of each round trip of ``keys``."""
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(rounds):
        await pilot.pause()
        if profile is not None:
            profile.enable()
        wall, cpu = time.perf_counter(), time.process_time()
        for name in keys:
            await pilot.press(name)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        if profile is not None:
            profile.disable()
    return walls, cpus


async def measure(root: Path, sets: list[str], rounds: int, profiled: str | None,
                  profile: cProfile.Profile) -> Figures:
    app = AsyncPlayApp(catalog=load_catalog([root], include_default=False))
    figures: Figures = {}
    async with app.run_test(size=(160, 48)) as pilot:
        assert app.lesson is not None and app.lesson.slug == "a-many-tasks", app.lesson
        await pilot.pause(0.5)  # the start-up work (the sandbox check)
        for name in sets:
            walls, cpus = await rounds_of(pilot, SETS[name], rounds,
                                          profile if profiled == name else None)
            figures[f"{name}, idle"] = {"wall": walls, "cpu": cpus}
        await pilot.press("b")
        bad = app.screen.query_one("#pane-bad", RunPane)
        deadline = time.monotonic() + 120
        while bad.state is None or bad.state.tasks_alive < 5000:
            if time.monotonic() > deadline:
                raise SystemExit(f"the run never had 5,000 tasks alive: {bad.state}")
            await pilot.pause(0.05)
        # What the stream itself costs the app, with no key: the share of a CPU left
        # for keys is what this leaves.
        wall, cpu = time.perf_counter(), time.process_time()
        await asyncio.sleep(STREAM_S)
        figures["no key, 10,000 tasks (CPU/s)"] = {
            "wall": [time.perf_counter() - wall],
            "cpu": [(time.process_time() - cpu) / STREAM_S]}
        for name in sets:
            if name in IDLE_ONLY:
                continue
            walls, cpus = await rounds_of(pilot, SETS[name], rounds,
                                          profile if profiled == f"{name}:load" else None)
            figures[f"{name}, 10,000 tasks"] = {"wall": walls, "cpu": cpus}
        if bad.state is not None and bad.state.finished:
            print(f"the run ended before the last round: {bad.state.status} {bad.state.message}")
        await pilot.press("s")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--sets", default=",".join(SETS),
                        help=f"comma-separated, of: {', '.join(SETS)}")
    parser.add_argument("--profile", default=None, metavar="SET[:load]",
                        help="profile a set's rounds, idle or (:load) with 10,000 tasks")
    parser.add_argument("--top", type=int, default=40, help="profile lines printed")
    parser.add_argument("--workload", choices=sorted(WORKLOADS), default="sleeping",
                        help="what the 10,000 tasks do: sleep, or wake every 50 ms")
    args = parser.parse_args()
    sets = [s for s in args.sets.split(",") if s]
    unknown = [s for s in sets if s not in SETS]
    if unknown:
        parser.error(f"unknown sets: {', '.join(unknown)} (known: {', '.join(SETS)})")
    profile = cProfile.Profile()
    with tempfile.TemporaryDirectory() as tmp:
        write_lessons(Path(tmp), WORKLOADS[args.workload])
        figures = asyncio.run(measure(Path(tmp), sets, args.rounds, args.profile, profile))
    print(f"{'round trip':24} {'wall median':>12} {'worst':>8} {'CPU median':>11} {'worst':>8}")
    for name, values in figures.items():
        wall = sorted(v * 1000 for v in values["wall"])
        cpu = sorted(v * 1000 for v in values["cpu"])
        print(f"{name:24} {statistics.median(wall):9.0f} ms {wall[-1]:5.0f} ms "
              f"{statistics.median(cpu):8.0f} ms {cpu[-1]:5.0f} ms")
    if args.profile:
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(args.top)
        print(out.getvalue())


if __name__ == "__main__":
    main()
