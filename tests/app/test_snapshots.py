"""SVG snapshots of the app's static screens, at a fixed terminal size.

Only screens that nothing live changes are pictured: the lesson list with a lesson
shown, a broken lesson listed, the help, a variant open in the editor, and the
scoreboard (given fixed figures). The catalog is written by the test
(not the shipped snippets), so editing a real lesson's text does not break a
picture. Run screens are not pictured: timings and lag differ on every run.
Update the pictures after a deliberate change with ``pytest --snapshot-update``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static, TextArea
from textual.widgets.text_area import Selection

from playground.catalog import load_catalog
from playground.tui.app import AsyncPlayApp
from playground.tui.scoreboard import Scoreboard

SIZE = (160, 48)

LESSON_TOML = '''\
title = "Blocking sleep in a coroutine"
summary = "`time.sleep()` freezes every task; `await asyncio.sleep()` lets them run."
why = """
A coroutine only gives the event loop back at an `await`. `time.sleep()` never
awaits, so for one second nothing else runs: no ticks, no network, no timeouts."""
watch = """
Bad: the stall panel names `time.sleep(1)` and its line, held for about 1000 ms.
Good: no stall, lag stays near zero."""
mistake = "`time.sleep(1)` inside `async def worker()` holds the loop for a full second."
fix = "`await asyncio.sleep(1)` waits just as long but lets the other tasks run."
tags = ["blocking", "sleep"]
level = "basics"
order = 10
'''
SECOND_TOML = '''\
title = "Forgotten await"
summary = "Calling a coroutine function without await does nothing."
why = "It only builds a coroutine object."
watch = "Bad: a RuntimeWarning. Good: no warnings."
mistake = "`save()` without `await`."
fix = "`await save()`."
tags = ["await", "warnings"]
level = "basics"
order = 20
'''
BAD_PY = '''\
import asyncio
import time


async def worker() -> None:
    time.sleep(1)  # blocks the loop


async def main() -> None:
    await asyncio.gather(worker(), asyncio.sleep(0.5))


asyncio.run(main())
'''
GOOD_PY = BAD_PY.replace("time.sleep(1)  # blocks the loop", "await asyncio.sleep(1)")


@pytest.fixture
def app(tmp_path: Path) -> AsyncPlayApp:
    """The app over a small catalog written here: two lessons and a broken folder."""
    for slug, toml in (("time-sleep", LESSON_TOML), ("missing-await", SECOND_TOML)):
        folder = tmp_path / slug
        folder.mkdir()
        (folder / "lesson.toml").write_text(toml)
        (folder / "bad.py").write_text(BAD_PY)
        (folder / "good.py").write_text(GOOD_PY)
    broken = tmp_path / "half-written"
    broken.mkdir()
    (broken / "lesson.toml").write_text(textwrap.dedent('title = "A lesson"\n'))
    (broken / "bad.py").write_text("print('bad')\n")
    catalog = load_catalog([tmp_path], include_default=False)
    assert len(catalog.lessons) == 2 and catalog.errors
    return AsyncPlayApp(catalog=catalog)


SnapCompare = Callable[..., bool]


async def settle(pilot: Pilot[None]) -> None:
    """Let start-up work finish, and mask the one machine-dependent line.

    The sandbox bar lists the isolation layers this machine allows (bubblewrap,
    cgroups... differ between a laptop and CI), so its text is replaced.
    """
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    pilot.app.screen.query_one("#sandbox-bar", Static).update("sandbox  (layers differ per machine)")
    await pilot.pause()


class TestLessonList:
    """The first screen: lessons, the chosen lesson's texts and code, broken folders."""

    def test_first_screen(self, app: AsyncPlayApp, snap_compare: SnapCompare) -> None:
        assert snap_compare(app, run_before=settle, terminal_size=SIZE)

    def test_next_lesson(self, app: AsyncPlayApp, snap_compare: SnapCompare) -> None:
        async def next_lesson(pilot: Pilot[None]) -> None:
            await pilot.press("n")
            await settle(pilot)

        assert snap_compare(app, run_before=next_lesson, terminal_size=SIZE)

    def test_texts_hidden(self, app: AsyncPlayApp, snap_compare: SnapCompare) -> None:
        async def hide_texts(pilot: Pilot[None]) -> None:
            await pilot.press("i")
            await settle(pilot)

        assert snap_compare(app, run_before=hide_texts, terminal_size=SIZE)


class TestSmallScreen:
    """A projector with a big font: the lesson list and texts make room for the panes."""

    def test_narrow_and_short(self, app: AsyncPlayApp, snap_compare: SnapCompare) -> None:
        assert snap_compare(app, run_before=settle, terminal_size=(120, 36))

    def test_lessons_brought_back(self, app: AsyncPlayApp, snap_compare: SnapCompare) -> None:
        async def show_lessons(pilot: Pilot[None]) -> None:
            await pilot.press("l")
            await settle(pilot)

        assert snap_compare(app, run_before=show_lessons, terminal_size=(120, 36))


class TestHelp:
    """The help screen over the lesson screen."""

    def test_help(self, app: AsyncPlayApp, snap_compare: SnapCompare) -> None:
        async def open_help(pilot: Pilot[None]) -> None:
            await settle(pilot)
            await pilot.press("question_mark")
            await pilot.pause()

        assert snap_compare(app, run_before=open_help, terminal_size=SIZE)


class TestEditor:
    """The bad variant open in its pane's editor, one line changed (marked in the gutter)."""

    def test_editor(self, app: AsyncPlayApp, snap_compare: SnapCompare) -> None:
        async def edit(pilot: Pilot[None]) -> None:
            await settle(pilot)
            await pilot.press("e")
            editor = pilot.app.screen.query_one("#pane-bad CodeEditor", TextArea)
            editor.cursor_blink = False
            row = next(i for i, line in enumerate(editor.text.split("\n")) if "time.sleep" in line)
            start = editor.text.split("\n")[row].index("time.sleep(1)")
            editor.selection = Selection((row, start), (row, start + len("time.sleep(1)")))
            await pilot.press(*("space" if c == " " else c for c in "await asyncio.sleep(1)"))
            await pilot.pause()

        assert snap_compare(app, run_before=edit, terminal_size=SIZE)


class TestFind:
    """Finding a lesson: the filter narrowing the list, at full size and at 80x24."""

    def test_filter(self, app: AsyncPlayApp, snap_compare: SnapCompare) -> None:
        async def filtered(pilot: Pilot[None]) -> None:
            await pilot.press("slash", *"await")
            pilot.app.screen.query_one("#filter-input", Input).cursor_blink = False
            await settle(pilot)

        assert snap_compare(app, run_before=filtered, terminal_size=SIZE)

    def test_filter_on_a_small_screen(self, app: AsyncPlayApp, snap_compare: SnapCompare) -> None:
        async def filtered(pilot: Pilot[None]) -> None:
            await pilot.press("slash", *"sleep")
            pilot.app.screen.query_one("#filter-input", Input).cursor_blink = False
            await settle(pilot)

        assert snap_compare(app, run_before=filtered, terminal_size=(80, 24))


def run_summary(target: str, *, wall_ms: float, stalls: list[float], p99: float, lag_max: float,
                peak_kb: int) -> dict[str, object]:
    """A run's summary with the figures the scoreboard reads (fixed: a picture must not vary)."""
    return {"target": target, "status": "ok", "wall_ms": wall_ms,
            "stalls": [{"ms": ms, "task": "worker", "file": "bad.py", "line": 6,
                        "code": "time.sleep(1)"} for ms in stalls],
            "lag": {"p50_ms": 0.4, "p99_ms": p99, "max_ms": lag_max},
            "tasks": {"created": 3, "max_alive": 3, "failed": 0, "cancelled": 0},
            "warnings": [], "error": None, "peak_rss_kb": peak_kb, "rss": None}


class TestScoreboard:
    """The scoreboard under the panes, comparing a bad and a good run (figures given here:
    real runs' timings differ every time)."""

    def test_scoreboard(self, app: AsyncPlayApp, snap_compare: SnapCompare) -> None:
        async def compared(pilot: Pilot[None]) -> None:
            await settle(pilot)
            board = pilot.app.screen.query_one(Scoreboard)
            board.runs_started(("bad", "good"), edited=False)
            board.run_finished("bad", run_summary("time-sleep/bad", wall_ms=1932.4,
                                                  stalls=[1001.2], p99=990.1, lag_max=1001.9,
                                                  peak_kb=21_504))
            board.run_finished("good", run_summary("time-sleep/good", wall_ms=1611.0,
                                                   stalls=[], p99=1.3, lag_max=2.2,
                                                   peak_kb=21_760))
            await pilot.pause()

        assert snap_compare(app, run_before=compared, terminal_size=SIZE)


RECORDINGS = Path(__file__).parent / "data"


async def show_recorded_runs(pilot: Pilot[None]) -> None:
    """Both panes as after ``r``: the final states of two recorded runs of the
    time-sleep lesson (a live run's timings differ every time; these do not)."""
    from playground.recording import load
    from playground.replay import Replay
    from playground.tui.run_pane import RunPane

    await settle(pilot)
    for variant in ("bad", "good"):
        replay = Replay(load(RECORDINGS / f"time-sleep-{variant}.jsonl"))
        pane = pilot.app.screen.query_one(f"#pane-{variant}", RunPane)
        pane.state = replay.final
        pane.show_checks(replay.summary().get("expect"))
        # Both ran: the scoreboard takes its rows under the panes, as after r.
        pilot.app.screen.query_one(Scoreboard).run_finished(variant, replay.summary())
    await pilot.pause()
    await pilot.pause()


class TestAfterARun:
    """Small screens after a run: the tabs, the key figures, the whole scoreboard and the
    run keys all fit."""

    @pytest.mark.parametrize("size", [(80, 24), (100, 30)], ids=["80x24", "100x30"])
    def test_small_screen_after_a_run(self, app: AsyncPlayApp, snap_compare: SnapCompare,
                                      size: tuple[int, int]) -> None:
        assert snap_compare(app, run_before=show_recorded_runs, terminal_size=size)

    def test_output_tab_at_80x24(self, app: AsyncPlayApp, snap_compare: SnapCompare) -> None:
        async def output_tab(pilot: Pilot[None]) -> None:
            await show_recorded_runs(pilot)
            await pilot.press("2")
            await pilot.pause()

        assert snap_compare(app, run_before=output_tab, terminal_size=(80, 24))
