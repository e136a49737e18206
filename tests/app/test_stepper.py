"""Step mode in the app, driven through Pilot: x, then a run, then . c m, with a real
sandboxed child stepped callback by callback."""

from __future__ import annotations

import textwrap
import time
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from playground.catalog import load_catalog
from playground.model import RunState
from playground.tui.app import AsyncPlayApp
from playground.tui.run_pane import RunPane
from playground.tui.stepper import StepPanel

SIZE = (160, 48)

BAD = """\
import asyncio


async def worker(n):
    await asyncio.sleep(0.01)  # SLEEP
    print("worker", n)


async def main():
    await asyncio.gather(worker(1), worker(2))  # GATHER


asyncio.run(main())
"""


def _lesson(root: Path) -> Path:
    folder = root / "stepping"
    folder.mkdir(parents=True)
    (folder / "lesson.toml").write_text(textwrap.dedent("""\
        title = "Stepping"
        summary = "Two workers, stepped."
        why = "w"
        watch = "w"
        mistake = "m"
        fix = "f"
        tags = ["test"]
        """))
    (folder / "bad.py").write_text(BAD)
    (folder / "good.py").write_text(BAD)
    return folder


def _line(marker: str) -> int:
    return next(i for i, text in enumerate(BAD.splitlines(), 1) if marker in text)


async def wait_until(pilot: Pilot[None], condition: Callable[[], bool], what: str,
                     timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


async def shown(pilot: Pilot[None], panel: StepPanel, text: str) -> None:
    """The step panel shows ``text`` (it redraws from the pane's state a moment later)."""
    await wait_until(pilot, lambda: text in str(panel.visual), f"the panel to show {text!r}")


def _stopped_at(pane: RunPane, n: int) -> Callable[[], bool]:
    def check() -> bool:
        state = pane.state
        return (state is not None and state.pause is not None and state.pause.paused
                and state.pause.n == n)
    return check


def _states(state: RunState | None) -> dict[str, str]:
    """Each task's state, by its coroutine and id."""
    assert state is not None
    return {f"{t.coro}#{t.tid}": t.state for t in state.tasks.values()}


async def test_stepping_a_snippet_callback_by_callback(tmp_path: Path) -> None:
    app = AsyncPlayApp(load_catalog([_lesson(tmp_path)], include_default=False))
    async with app.run_test(size=SIZE) as pilot:
        bad = app.screen.query_one("#pane-bad", RunPane)
        await bad.details_mounted()  # mounted after the first frame
        panel = bad.query_one(StepPanel)
        await pilot.press("x", "b")
        await wait_until(pilot, _stopped_at(bad, 0), "the first stop")
        assert not app.step_armed  # the next run (another b) would run freely
        assert _states(bad.state) == {"main#1": "ready"}
        await shown(pilot, panel, "stopped before callback 1")
        assert "next  main() #1 resumes at bad.py:9" in str(panel.visual)

        await pilot.press("full_stop")  # main runs to the gather
        await wait_until(pilot, _stopped_at(bad, 1), "the second stop")
        assert _states(bad.state) == {"main#1": "waiting", "worker#2": "ready",
                                      "worker#3": "ready"}
        state = bad.state
        assert state is not None
        assert state.tasks[1].line == _line("# GATHER")
        await shown(pilot, panel, "stopped before callback 2")
        assert "then  worker() #3 resumes at bad.py:4" in str(panel.visual)

        await pilot.press("full_stop")  # the first worker runs to its sleep
        await wait_until(pilot, _stopped_at(bad, 2), "the third stop")
        assert _states(bad.state) == {"main#1": "waiting", "worker#2": "waiting",
                                      "worker#3": "ready"}
        state = bad.state
        assert state is not None and state.tasks[2].line == _line("# SLEEP")
        await shown(pilot, panel, "stopped before callback 3")
        assert "timer" in str(panel.visual)  # its sleep's end, due next

        await pilot.press("full_stop")  # the second one too
        await wait_until(pilot, _stopped_at(bad, 3), "the fourth stop")
        assert _states(bad.state) == {"main#1": "waiting", "worker#2": "waiting",
                                      "worker#3": "waiting"}

        await pilot.press("c")
        await wait_until(pilot, lambda: "bad" in app.finished, "the run's end")
        final = app.finished["bad"]
        assert final.status == "ok"
        assert final.stdout.text == "worker 1\nworker 2\n"
        await wait_until(pilot, lambda: not panel.display, "the stop to go")  # run over


async def test_slow_motion_runs_on_and_stop_ends_a_stopped_run(tmp_path: Path) -> None:
    app = AsyncPlayApp(load_catalog([_lesson(tmp_path)], include_default=False))
    async with app.run_test(size=SIZE) as pilot:
        bad = app.screen.query_one("#pane-bad", RunPane)
        await pilot.press("x", "b")
        await wait_until(pilot, _stopped_at(bad, 0), "the first stop")
        await pilot.press("m")  # one callback per second: it goes on by itself
        await wait_until(pilot, lambda: bad.state is not None and bad.state.pause is not None
                         and bad.state.pause.n >= 2, "two callbacks in slow motion")
        await pilot.press("s")
        await wait_until(pilot, lambda: "bad" in app.finished, "the run's end")
        assert app.finished["bad"].status == "stopped"
        assert bad.session is None


async def test_step_keys_without_a_stepped_run_say_so(tmp_path: Path) -> None:
    app = AsyncPlayApp(load_catalog([_lesson(tmp_path)], include_default=False))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("full_stop")
        await pilot.pause()
        assert any("No stepped run" in str(n.message) for n in app._notifications)


async def test_the_palettes_trace_command_traces_the_runs_from_then_on(tmp_path: Path) -> None:
    app = AsyncPlayApp(load_catalog([_lesson(tmp_path)], include_default=False))
    async with app.run_test(size=SIZE) as pilot:
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Trace every callback: turn on" in titles
        next(c for c in app.get_system_commands(app.screen)
             if c.title.startswith("Trace every callback")).callback()
        assert app.trace_on
        await pilot.press("b")
        await wait_until(pilot, lambda: "bad" in app.finished, "the run's end")
        final = app.finished["bad"]
        assert final.traced and not final.stepped
        assert len(final.steps.by_task()) == 3  # main and both workers, step by step
