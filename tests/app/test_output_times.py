"""The Output panel's time gutter: each line with when it was printed since the run's start.

Drawn from the model's timed lines (the same times as the summary's ``stdout_timed``),
in the real app: a state written by the test, then a real run.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from textual.message import Message
from textual.widgets import TabbedContent

from playground.catalog import load_catalog
from playground.model import RunState
from playground.tui.app import AsyncPlayApp
from playground.tui.messages import RunFinished
from playground.tui.panels import OutputView
from playground.tui.run_pane import RunPane
from test_app import wait_until

SIZE = (160, 48)



def rendered(view: OutputView) -> list[str]:
    return [view.render_line(y).text.rstrip() for y in range(view.size.height)]


async def test_each_line_shows_when_it_was_printed_and_the_gap_none() -> None:
    app = AsyncPlayApp()
    async with app.run_test(size=SIZE) as pilot:
        bad = app.screen.query_one("#pane-bad", RunPane)
        await bad.details_mounted()  # mounted after the first frame
        bad.query_one(TabbedContent).active = "bad-output"
        state = RunState(target="t")
        state.started_t = 100.0
        out = state.stdout
        out.head_lines, out.tail_lines = 2, 2  # small, to see the lines left out
        for i, t in enumerate((99.9, 100.1, 100.2, 101.402, 112.5, 112.5)):
            out.append(f"tick {i}\n", 7, t)
        out.append("unfinished", 10, 113.0)
        bad.state = state
        await pilot.pause()
        view = bad.query_one("#stdout", OutputView)
        assert view.shown_lines() == ["tick 0", "tick 1", "[… 2 lines left out …]", "tick 4", "tick 5",
                                      "unfinished"]
        # Printed before the probe's start: at 0. The marker has no time.
        assert view.shown_times() == ["+0.000s", "+0.100s", "", "+12.500s", "+12.500s", "+13.000s"]
        lines = rendered(view)
        # One gutter as wide as the widest time, right-aligned, so the text lines up.
        assert lines[:6] == [" +0.000s tick 0", " +0.100s tick 1", "         [… 2 lines left out …]",
                             "+12.500s tick 4", "+12.500s tick 5", "+13.000s unfinished"]
        # The times are the summary's stdout_timed ones (ms there, s here).
        kept = [ms for ms, _ in out.timed(state.started_t)]
        assert [f"+{float(ms) / 1000:.3f}s" for ms in kept] == [t for t in view.shown_times() if t]
        # A run whose start is unknown shows no gutter rather than made-up times.
        fresh = RunState(target="t")
        fresh.stdout.append("no start\n", 9, 5.0)
        bad.state = fresh
        await pilot.pause()
        assert view.shown_times() == [""] and rendered(view)[0] == "no start"


async def test_a_real_run_shows_each_lines_time(tmp_path: Path) -> None:
    """Ticks stop while the loop is blocked, then come out late: the gutter gives the
    model's times (no figure is asserted: the machine's speed decides them)."""
    folder = tmp_path / "late-ticks"
    folder.mkdir()
    (folder / "lesson.toml").write_text(textwrap.dedent("""\
        title = "Late ticks"
        summary = "Ticks stop while the loop is blocked."
        why = "."
        watch = "."
        mistake = "."
        fix = "."
        tags = ["test"]
        """))
    (folder / "bad.py").write_text(textwrap.dedent("""\
        import asyncio
        import time


        async def ticker():
            for i in range(6):
                print(f"tick {i}", flush=True)
                await asyncio.sleep(0.05)


        async def blocker():
            await asyncio.sleep(0.12)
            time.sleep(0.6)


        async def main():
            await asyncio.gather(ticker(), blocker())


        asyncio.run(main())
        """))
    (folder / "good.py").write_text("print('good')\n")
    finished: list[RunFinished] = []

    def hook(message: Message) -> None:
        if isinstance(message, RunFinished):
            finished.append(message)

    app = AsyncPlayApp(catalog=load_catalog([tmp_path], include_default=False))
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        bad = app.screen.query_one("#pane-bad", RunPane)
        await bad.details_mounted()  # mounted after the first frame
        bad.query_one(TabbedContent).active = "bad-output"
        await pilot.press("b")
        await wait_until(pilot, lambda: bool(finished), what="the run")
        await pilot.pause()
        state = finished[0].state
        view = bad.query_one("#stdout", OutputView)
        assert view.shown_lines() == [f"tick {i}" for i in range(6)]
        seconds = [float(label[1:-1]) for label in view.shown_times()]
        assert seconds == sorted(seconds)
        assert view.shown_times() == [f"+{float(ms) / 1000:.3f}s"
                                      for ms, _ in state.stdout.timed(state.started_t)]
        assert rendered(view)[0].endswith("tick 0") and rendered(view)[0].lstrip().startswith("+")
