"""Panels redraw from the run state's change counters, and only while they are seen.

The states are the real fold of a recorded time-sleep run, handed to a pane as its
worker hands live states (the same object, folded further between updates).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.visual import Visual
from textual.widgets import Static, TabbedContent

from playground.catalog import load_catalog
from playground.model import RunState
from playground.recording import load
from playground.replay import Replay
from playground.tui.app import AsyncPlayApp
from playground.tui.panels import LagPanel, MemoryPanel, OutputPanel, OutputView, StallPanel, TaskTable
from playground.tui.run_pane import RunPane

RECORDING = Path(__file__).parent / "data" / "time-sleep-bad.jsonl"


def _live_state_with_output() -> tuple[RunState, list[dict[str, Any]]]:
    """A live state that has printed, and the events that come after it."""
    recording = load(RECORDING)
    events = recording.events
    cut = next(i for i, e in enumerate(events) if e.get("kind") == "stdout") + 1
    state = Replay(recording).state_at(cut)
    assert not state.finished and state.stdout.lines
    return state, events[cut:]


def test_the_state_counts_the_events_of_each_kind() -> None:
    state = RunState(target="x")
    assert state.version(("lag",)) == 0
    state.apply({"kind": "lag", "t": 0.1, "samples_ms": [1.0]})
    state.apply({"kind": "memory", "t": 0.1, "kb": 1000})
    state.apply({"kind": "lag", "t": 0.2, "samples_ms": [2.0]})
    assert state.version(("lag",)) == 2
    assert state.version(("memory", "lag")) == 3
    assert state.version(("stdout",)) == 0
    twin = state.snapshot()
    state.apply({"kind": "lag", "t": 0.3, "samples_ms": [2.0]})
    assert twin.version(("lag",)) == 2 and state.version(("lag",)) == 3


async def test_a_hidden_tab_skips_the_work_until_shown() -> None:
    app = AsyncPlayApp(catalog=load_catalog())
    state, _ = _live_state_with_output()
    async with app.run_test(size=(160, 48)) as pilot:
        pane = app.screen.query_one("#pane-bad", RunPane)
        await pane.details_mounted()  # mounted after the first frame
        pane.state = state
        await pilot.pause()
        assert pane.query_one(TabbedContent).active == "bad-tasks"
        stdout = pane.query_one(OutputPanel).query_one("#stdout", OutputView)
        assert stdout.shown_lines() == []  # behind the Tasks tab: not drawn
        await pilot.press("2")
        await pilot.pause()
        assert stdout.shown_lines() == [line for _, line in state.stdout.head]


async def test_a_panel_redraws_only_when_its_events_came() -> None:
    app = AsyncPlayApp(catalog=load_catalog())
    state, later = _live_state_with_output()
    async with app.run_test(size=(160, 48)) as pilot:
        pane = app.screen.query_one("#pane-bad", RunPane)
        await pane.details_mounted()  # mounted after the first frame
        pane.state = state
        await pilot.pause()
        drawn: dict[str, list[int]] = {"lag": [], "memory": [], "tasks": []}
        for name, panel in (("lag", pane.query_one(LagPanel)), ("memory", pane.query_one(MemoryPanel)),
                            ("tasks", pane.query_one(TaskTable))):
            original = panel.draw_state

            def counting(s: RunState | None, name: str = name, original: Any = original) -> None:
                drawn[name].append(s.events if s is not None else 0)
                original(s)

            panel.draw_state = counting  # type: ignore[method-assign,assignment]
        # An update with no new event: nothing redraws.
        pane.state = state
        await pilot.pause()
        assert drawn == {"lag": [], "memory": [], "tasks": []}
        # A lag event: the lag panel redraws, memory and tasks do not.
        lag = next(e for e in later if e.get("kind") == "lag")
        state.apply(lag)
        pane.state = state
        await pilot.pause()
        assert len(drawn["lag"]) == 1 and drawn["memory"] == [] and drawn["tasks"] == []
        # A memory event: only the memory panel.
        memory = next(e for e in later if e.get("kind") == "memory")
        state.apply(memory)
        pane.state = state
        await pilot.pause()
        assert len(drawn["lag"]) == 1 and len(drawn["memory"]) == 1 and drawn["tasks"] == []


async def test_an_update_with_nothing_new_lays_out_and_repaints_nothing() -> None:
    """A live run hands its pane a state up to 20 times a second. One with no new event
    must neither lay the screen out (the step panel, updated with its empty text every
    time, did) nor repaint the pane or its panels (their ``state`` reactives repainted
    each widget, the pane whole, on every update). Counted on the pane's own widgets:
    the rest of the screen may still be busy starting up on a loaded machine."""
    app = AsyncPlayApp(catalog=load_catalog())
    state, _ = _live_state_with_output()
    async with app.run_test(size=(160, 48)) as pilot:
        await app.workers.wait_for_complete()  # the start-up work (the sandbox bar) is done
        pane = app.screen.query_one("#pane-bad", RunPane)
        await pane.details_mounted()  # mounted after the first frame
        pane.state = state
        await pilot.pause()
        # The tabs' underline slides in once they are mounted (0.3 s): a repaint of its own.
        await pilot.wait_for_scheduled_animations()
        refreshed: list[str] = []
        for widget in [pane, *pane.query("*")]:
            def counting_refresh(*regions: Any, widget: Any = widget, original: Any = widget.refresh,
                                 **kwargs: Any) -> Any:
                if kwargs.get("repaint", True) or kwargs.get("layout", False):
                    refreshed.append(type(widget).__name__)
                return original(*regions, **kwargs)

            widget.refresh = counting_refresh
        for _ in range(5):
            pane.state = state
            await pilot.pause()
        assert refreshed == []


async def test_closing_help_lays_the_main_screen_out_no_more() -> None:
    """The footer composed itself again whenever its screen's bindings changed (help
    opened over it, then closed): its keys unmounted and mounted again, a layout of
    every widget of the main screen. Now it does so only when its keys change."""
    app = AsyncPlayApp(catalog=load_catalog())
    async with app.run_test(size=(160, 48)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("question_mark", "escape")  # the first time composes the help
        await pilot.pause()
        main = app.screen
        layouts = 0
        refresh_layout = main._refresh_layout

        def counting_layout(*args: Any, **kwargs: Any) -> None:
            nonlocal layouts
            layouts += 1
            refresh_layout(*args, **kwargs)

        main._refresh_layout = counting_layout  # type: ignore[method-assign]
        for _ in range(3):
            await pilot.press("question_mark")
            assert app.screen is not main
            await pilot.press("escape")
            assert app.screen is main
            await pilot.pause()
        assert layouts == 0


async def test_a_runs_end_restyles_the_pane_not_its_widgets() -> None:
    """-running styles the pane's border only: as a run ended, the pane's whole subtree
    (its code, tables and panels, some 175 widgets) was styled again, tens of ms of the
    loop while keys waited. Now the pane alone is, and its border still changes."""
    app = AsyncPlayApp(catalog=load_catalog())
    state, events = _live_state_with_output()
    async with app.run_test(size=(160, 48)) as pilot:
        await app.workers.wait_for_complete()
        pane = app.screen.query_one("#pane-bad", RunPane)
        await pane.details_mounted()  # mounted after the first frame
        pane.state = state
        await pilot.pause()
        assert pane.has_class("-running") and pane.styles.border_top[0] == "heavy"
        styled: list[Any] = []
        apply = app.stylesheet.apply

        def counting_apply(node: Any, *args: Any, **kwargs: Any) -> None:
            styled.append(node)
            apply(node, *args, **kwargs)

        app.stylesheet.apply = counting_apply  # type: ignore[method-assign]
        for event in events:
            state.apply(event)
        assert state.finished
        pane.state = state
        await pilot.pause()
        assert not pane.has_class("-running") and pane.styles.border_top[0] != "heavy"
        assert pane in styled
        inside = [node for node in styled if node is not pane and pane in node.ancestors]
        assert len(inside) < 20, [type(node).__name__ for node in inside]


async def test_the_output_view_works_its_styles_out_once_per_frame(
        monkeypatch: Any) -> None:
    """During a flood the Output view draws every line again each frame; each line
    asked for its style (``rich_style`` walks every ancestor's styles), some 20 a frame.
    Now a frame works it out once and its lines share it; they read the same."""
    app = AsyncPlayApp(catalog=load_catalog())
    state, _ = _live_state_with_output()
    for i in range(60):
        state.stdout.append(f"line {i} of many\n", 16, (state.started_t or 0.0) + 1 + i / 100)
    async with app.run_test(size=(160, 48)) as pilot:
        pane = app.screen.query_one("#pane-bad", RunPane)
        await pane.details_mounted()  # mounted after the first frame
        pane.state = state
        await pilot.press("2")
        await pilot.pause()
        view = pane.query_one(OutputPanel).query_one("#stdout", OutputView)
        lines = [strip.text for strip in view.render_lines(view.size.region)]
        assert any("line 59 of many" in line for line in lines) and len(lines) > 10
        asked = 0
        rich_style = OutputView.rich_style

        def counting(widget: OutputView) -> Any:
            nonlocal asked
            asked += 1
            return rich_style.__get__(widget)

        monkeypatch.setattr(OutputView, "rich_style", property(counting))
        view._styles_cache.clear()  # drawn anew, as when the view scrolls
        assert [strip.text for strip in view.render_lines(view.size.region)] == lines
        assert asked == 1


def _tasks_event(t: float, steps: int, new: bool) -> dict[str, Any]:
    rows = [[tid, "waiting", "sleep", "/x/bad.py", 4, 10, steps if tid == 7 else 1, None]
            for tid in range(1, 41)]
    return {"kind": "tasks", "t": t, "created": 40, "alive": 40, "max_alive": 40, "failed": 0,
            "cancelled": 0, "upd": rows,
            "new": [[tid, f"Task-{tid}", "nap", None, "/x/bad.py", 7] for tid in range(1, 41)]
            if new else []}


async def test_a_task_that_changed_redraws_its_row_alone() -> None:
    """The task grid draws again only the line of the row that changed (a DataTable
    updated in place drew every row again on each report)."""
    app = AsyncPlayApp(catalog=load_catalog())
    state = RunState(target="many/bad")
    state.apply({"kind": "hello", "t": 0.0, "pid": 7, "python": "3.12.0", "file": "/x/bad.py"})
    state.apply(_tasks_event(0.1, 1, new=True))
    async with app.run_test(size=(160, 48)) as pilot:
        pane = app.screen.query_one("#pane-bad", RunPane)
        await pane.details_mounted()  # mounted after the first frame
        pane.state = state
        await pilot.pause()
        table = pane.query_one(TaskTable)
        grid = list(table.children)[-1]
        drawn: list[int] = []
        render_line = grid.render_line

        def counted(y: int) -> Any:
            drawn.append(y)
            return render_line(y)

        grid.render_line = counted  # type: ignore[method-assign]
        for n in range(2, 5):
            state.apply(_tasks_event(0.1 * n, n, new=False))  # task 7 steps again
            pane.state = state
            await pilot.pause()
        assert 1 <= len(drawn) <= 3 and set(drawn) == {7}, drawn
        line = render_line(7).text  # the header, then task 1: task 7 is line 7
        assert line.startswith("7 ") and line.rstrip().endswith(" 4"), line


async def test_the_task_grid_scrolls_under_its_header() -> None:
    app = AsyncPlayApp(catalog=load_catalog())
    state = RunState(target="many/bad")
    state.apply({"kind": "hello", "t": 0.0, "pid": 7, "python": "3.12.0", "file": "/x/bad.py"})
    state.apply(_tasks_event(0.1, 1, new=True))
    async with app.run_test(size=(160, 48)) as pilot:
        pane = app.screen.query_one("#pane-bad", RunPane)
        await pane.details_mounted()  # mounted after the first frame
        pane.state = state
        await pilot.pause()
        grid = list(pane.query_one(TaskTable).children)[-1]
        assert grid.size.height < 41  # 40 rows and the header do not fit: it scrolls
        grid.focus()
        await pilot.press("down", "down", "down")
        await pilot.pause()
        assert grid.scroll_offset.y == 3
        header, first = grid.render_line(0).text, grid.render_line(1).text
        assert header.split()[:3] == ["id", "task", "state"] and first.startswith("4 "), first
        await pilot.press("end")
        await pilot.pause()
        last = grid.render_line(grid.size.height - 1).text
        assert last.startswith("40 "), last


async def test_a_live_stall_grows_without_laying_the_screen_out() -> None:
    """While a stall goes on, its figure grows ten times a second (the panel's ticker)
    and at each report. Each update was ``Static.update``, a layout of the whole screen
    (about 30 ms at 160x48, 19 of 28 a run's layouts while time.sleep(1) held the
    loop). The text keeps its height, so it is repainted, not laid out."""
    app = AsyncPlayApp(catalog=load_catalog())
    recording = load(RECORDING)
    replay = Replay(recording)
    events = recording.events
    start = next(i for i in range(len(events)) if replay.state_at(i + 1).live_stall is not None) + 1
    async with app.run_test(size=(160, 48)) as pilot:
        await app.workers.wait_for_complete()
        pane = app.screen.query_one("#pane-bad", RunPane)
        await pane.details_mounted()  # mounted after the first frame
        panel = pane.query_one(StallPanel)
        state = replay.state_at(start)
        pane.state = state
        await pilot.pause()
        layouts: list[bool] = []
        original = panel.refresh

        def counting_refresh(*regions: Any, **kwargs: Any) -> Any:
            layouts.append(bool(kwargs.get("layout", False)))
            return original(*regions, **kwargs)

        panel.refresh = counting_refresh  # type: ignore[method-assign]
        shown = [str(panel.visual)]
        for event in events[start:]:
            state.apply(event)
            if state.live_stall is None:
                break
            pane.state = state
            await pilot.pause(0.1)  # the ticker's step: the figure grows between reports
            shown.append(str(panel.visual))
        assert "blocking now" in shown[-1] and len(set(shown)) >= 3, shown  # it grew, live
        assert layouts and not any(layouts), layouts


async def test_rows_that_moved_draw_only_their_new_cells() -> None:
    """Tasks that change state move the rows below them (64 tasks stepping: every
    report); each row moved was drawn whole again, every cell laid out and styled,
    most of a frame's work. Now a row is drawn a cell at a time, and a cell drawn
    before (its text, width and stripe) is not drawn again: rows that move to places
    they were drawn in before draw nothing."""
    app = AsyncPlayApp(catalog=load_catalog())
    state = RunState(target="many/bad")
    state.apply({"kind": "hello", "t": 0.0, "pid": 7, "python": "3.12.0", "file": "/x/bad.py"})
    state.apply(_tasks_event(0.1, 1, new=True))

    def report(t: float, running: bool) -> None:
        event = _tasks_event(t, 1, new=False)
        if running:
            event["upd"][0][1] = "running"  # task 1 runs: it stays first
            event["upd"][1][1] = "running"  # task 2 too
            event["upd"][3][1] = "ready"  # task 4 is ready: it comes before the waiting
        state.apply(event)

    async with app.run_test(size=(160, 48)) as pilot:
        pane = app.screen.query_one("#pane-bad", RunPane)
        await pane.details_mounted()  # mounted after the first frame
        pane.state = state
        await pilot.pause()
        grid = list(pane.query_one(TaskTable).children)[-1]
        drawn: list[Any] = []
        to_strips = Visual.to_strips

        def counted(widget: Any, visual: Any, *args: Any, **kwargs: Any) -> Any:
            if widget is grid:
                drawn.append(visual)
            return to_strips(widget, visual, *args, **kwargs)

        Visual.to_strips = counted  # type: ignore[method-assign]
        try:
            for n in range(4):  # back and forth: every row seen in both places
                report(0.2 + n / 10, running=n % 2 == 0)
                pane.state = state
                await pilot.pause()
            lines = [grid.render_line(y).text for y in range(1, 6)]
            drawn.clear()
            report(0.7, running=True)
            pane.state = state
            await pilot.pause()
            moved = [grid.render_line(y).text for y in range(1, 6)]
        finally:
            Visual.to_strips = to_strips  # type: ignore[method-assign]
        assert [line.split()[0] for line in moved] == ["1", "2", "4", "3", "5"], moved
        assert sum(1 for old, new in zip(lines, moved) if old != new) >= 2, (lines, moved)
        assert drawn == [], drawn


async def test_counts_that_did_not_change_are_not_drawn_again() -> None:
    """Tasks that only step leave the task counts as they were, yet each report updated
    the counts line, and it was drawn again and composited (a frame's work, 20 times a
    second). Now a text that is the same is left alone; counts that change still show."""
    app = AsyncPlayApp(catalog=load_catalog())
    state = RunState(target="many/bad")
    state.apply({"kind": "hello", "t": 0.0, "pid": 7, "python": "3.12.0", "file": "/x/bad.py"})
    state.apply(_tasks_event(0.1, 1, new=True))
    async with app.run_test(size=(160, 48)) as pilot:
        pane = app.screen.query_one("#pane-bad", RunPane)
        await pane.details_mounted()  # mounted after the first frame
        pane.state = state
        await pilot.pause()
        counts = pane.query_one("#task-counts", Static)
        refreshed: list[Any] = []
        refresh = counts.refresh

        def counted(*args: Any, **kwargs: Any) -> Any:
            refreshed.append(args)
            return refresh(*args, **kwargs)

        counts.refresh = counted  # type: ignore[method-assign]
        for n in range(2, 5):
            state.apply(_tasks_event(0.1 * n, n, new=False))  # task 7 steps again
            pane.state = state
            await pilot.pause()
        assert refreshed == []
        event = _tasks_event(0.6, 5, new=False)
        event["alive"] = 39
        state.apply(event)
        pane.state = state
        await pilot.pause()
        assert refreshed and "39 alive" in str(counts.visual)
