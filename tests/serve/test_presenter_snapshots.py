"""SVG snapshots of what a room sees, at a projector's 80x24 and a browser's 100x30:
presenter mode after a run, the presenter's live tally, and an attendee's reveal.
Every state must be told by text or a symbol, not by colour alone (look at the pictures).
The runs are recorded ones (a live run's timings differ every time); the catalog is
written here. Update after a deliberate change with ``pytest --snapshot-update``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from playground.catalog import Lesson, load_catalog
from playground.tui.app import AsyncPlayApp
from playground.tui.predict import PredictScreen, RevealBar

from children import leaves_no_child_behind  # noqa: F401  (autouse: checks every test here)

RECORDINGS = Path(__file__).parents[1] / "app" / "data"
SIZES = pytest.mark.parametrize("size", [(80, 24), (100, 30)], ids=["80x24", "100x30"])

LESSON = '''\
title = "Blocking sleep in a coroutine"
summary = "`time.sleep()` freezes every task; `await asyncio.sleep()` lets them run."
why = "A coroutine only gives the loop back at an `await`."
watch = "Bad: a stall at `time.sleep(1)`. Good: no stall."
mistake = "`time.sleep(1)` inside `async def worker()`."
fix = "`await asyncio.sleep(1)`."
tags = ["blocking", "sleep"]
level = "basics"
order = 10

[predict]
question = "While the worker waits, what do the two tickers do?"
choices = ["They keep printing every 0.2 s", "They print nothing for about a second, then catch up"]
answer = 1
explain = "time.sleep() never gives the loop back: no other task runs until it returns."
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

SnapCompare = Callable[..., bool]


def make_app(tmp_path: Path, *, present: bool) -> AsyncPlayApp:
    folder = tmp_path / "time-sleep"
    folder.mkdir()
    (folder / "lesson.toml").write_text(LESSON)
    (folder / "bad.py").write_text(BAD_PY)
    (folder / "good.py").write_text(BAD_PY.replace("time.sleep(1)  # blocks the loop",
                                                   "await asyncio.sleep(1)"))
    catalog = load_catalog([tmp_path], include_default=False)
    assert len(catalog.lessons) == 1 and catalog.lessons[0].predict is not None
    return AsyncPlayApp(catalog=catalog, present=present, predict=True)


async def settle(pilot: Pilot[None]) -> None:
    """Start-up done; the sandbox bar (its layers differ per machine) masked."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    pilot.app.screen.query_one("#sandbox-bar", Static).update("sandbox  (layers differ per machine)")
    await pilot.pause()


async def recorded_runs(pilot: Pilot[None]) -> None:
    """Both panes as after ``r``: the final states of two recorded runs."""
    from playground.recording import load
    from playground.replay import Replay
    from playground.tui.run_pane import RunPane

    await settle(pilot)
    for variant in ("bad", "good"):
        replay = Replay(load(RECORDINGS / f"time-sleep-{variant}.jsonl"))
        pane = pilot.app.screen.query_one(f"#pane-{variant}", RunPane)
        pane.state = replay.final
        pane.show_checks(replay.summary().get("expect"))
    await pilot.pause()
    await pilot.pause()


def lesson_of(app: AsyncPlayApp) -> Lesson:
    lesson = app.lesson
    assert lesson is not None and lesson.predict is not None
    return lesson


class TestPresenterMode:
    """The projector's layout after a run: the big figures, told in words and symbols."""

    @SIZES
    def test_after_a_run(self, tmp_path: Path, snap_compare: SnapCompare,
                         size: tuple[int, int]) -> None:
        assert snap_compare(make_app(tmp_path, present=True), run_before=recorded_runs,
                            terminal_size=size)

    @SIZES
    def test_the_tally(self, tmp_path: Path, snap_compare: SnapCompare,
                       size: tuple[int, int]) -> None:
        async def tally(pilot: Pilot[None]) -> None:
            await settle(pilot)
            app = pilot.app
            assert isinstance(app, AsyncPlayApp)
            lesson = lesson_of(app)
            assert lesson.predict is not None
            screen = PredictScreen(lesson.slug, lesson.predict, presenter=True, tally=[1, 2, 0, 0])
            await app.push_screen(screen)
            await pilot.pause()

        assert snap_compare(make_app(tmp_path, present=True), run_before=tally,
                            terminal_size=size)


class TestAttendee:
    """An attendee's screens: the question, and the reveal beside the run with the tally."""

    @SIZES
    def test_the_question(self, tmp_path: Path, snap_compare: SnapCompare,
                          size: tuple[int, int]) -> None:
        async def question(pilot: Pilot[None]) -> None:
            await settle(pilot)
            app = pilot.app
            assert isinstance(app, AsyncPlayApp)
            lesson = lesson_of(app)
            assert lesson.predict is not None
            await app.push_screen(PredictScreen(lesson.slug, lesson.predict))
            await pilot.pause()

        assert snap_compare(make_app(tmp_path, present=False), run_before=question,
                            terminal_size=size)

    @SIZES
    def test_the_reveal(self, tmp_path: Path, snap_compare: SnapCompare,
                        size: tuple[int, int]) -> None:
        async def reveal(pilot: Pilot[None]) -> None:
            await recorded_runs(pilot)
            app = pilot.app
            assert isinstance(app, AsyncPlayApp)
            lesson = lesson_of(app)
            assert lesson.predict is not None
            app.screen.query_one("#reveal", RevealBar).reveal(lesson.predict, 0, [1, 2, 0, 0])
            await pilot.pause()

        assert snap_compare(make_app(tmp_path, present=False), run_before=reveal,
                            terminal_size=size)
