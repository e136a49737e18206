"""How fast the app answers keys while a run streams 10,000 tasks.

A lesson whose bad variant gathers 10,000 tasks that sleep is run in the real app
(driven by Pilot, as the tests drive it); once thousands of tasks are alive, the help
screen is opened and closed again and again, and each round trip is timed. The tests
check that the keys are answered; how soon is measured here.

    .venv/bin/python benchmarks/app_keys.py [--rounds 20]

Figures are recorded in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import textwrap
import time
from pathlib import Path

from playground.catalog import load_catalog
from playground.tui.app import AsyncPlayApp
from playground.tui.run_pane import RunPane
from playground.tui.screens import HelpScreen

BAD = """\
import asyncio

async def nap(i: int) -> None:
    await asyncio.sleep(30)

async def main() -> None:
    await asyncio.gather(*(nap(i) for i in range(10_000)))

asyncio.run(main())
"""

LESSON = """\
title = "Many tasks"
summary = "Ten thousand tasks that sleep."
why = "To measure the app."
watch = "The task table."
mistake = "The `bad.py` mistake."
fix = "The `good.py` fix."
tags = ["benchmark"]
order = 1
timeout_s = 60
"""


async def measure(root: Path, rounds: int) -> list[float]:
    folder = root / "many-tasks"
    folder.mkdir()
    (folder / "lesson.toml").write_text(LESSON)
    (folder / "bad.py").write_text(BAD)
    (folder / "good.py").write_text("print('ok')\n")
    app = AsyncPlayApp(catalog=load_catalog([root], include_default=False))
    times: list[float] = []
    async with app.run_test(size=(160, 48)) as pilot:
        while app.lesson is None or app.lesson.slug != "many-tasks":
            await pilot.press("down")
            await pilot.pause(0.1)
        await pilot.press("b")
        bad = app.screen.query_one("#pane-bad", RunPane)
        deadline = time.monotonic() + 120
        while bad.state is None or bad.state.tasks_alive < 5000:
            if time.monotonic() > deadline:
                raise SystemExit(f"the run never had 5,000 tasks alive: {bad.state}")
            await pilot.pause(0.05)
        for _ in range(rounds):
            started = time.perf_counter()
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape")
            times.append(time.perf_counter() - started)
        await pilot.press("s")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        times = asyncio.run(measure(Path(tmp), args.rounds))
    ms = sorted(t * 1000 for t in times)
    print(textwrap.dedent(f"""\
        help opened and closed while 10,000 tasks stream, {len(ms)} rounds:
          median {statistics.median(ms):.0f} ms, worst {ms[-1]:.0f} ms"""))


if __name__ == "__main__":
    main()
