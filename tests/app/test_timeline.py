"""The timeline (`t`): live on a real run, and on a recording (with its SVG picture)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from textual.pilot import Pilot

from playground.catalog import load_catalog
from playground.model import timeline
from playground.tui.app import AsyncPlayApp
from playground.tui.replay_screen import ReplayScreen
from playground.tui.timeline import TimelineScreen, TimelineView

from test_app import Recorder, wait_until
from test_app import select as select_lesson

if TYPE_CHECKING:
    from playground.model import RunState
    from playground.tui.run_pane import RunPane

SIZE = (160, 48)
SnapCompare = Callable[..., bool]

CODE = """import asyncio, time

async def worker():
    time.sleep(1)

async def ticker():
    for _ in range(8):
        await asyncio.sleep(0.2)

async def main():
    await asyncio.gather(worker(), ticker())

asyncio.run(main())
"""


def tasks_event(t: float, new: list[list[Any]] | None = None,
                upd: list[list[Any]] | None = None) -> dict[str, Any]:
    return {"kind": "tasks", "t": t, "new": new or [], "upd": upd or [], "created": 3,
            "alive": 3, "max_alive": 3, "failed": 0, "cancelled": 0}


@asynccontextmanager
async def showing_one_task() -> AsyncIterator[tuple[AsyncPlayApp, Pilot[None], RunPane, RunState]]:
    """The app at 160x48, its bad pane showing a run of one task (Task-1, line 7)."""
    from playground.model import RunState
    from playground.tui.run_pane import RunPane

    app = AsyncPlayApp(catalog=load_catalog())
    state = RunState(target="many/bad")
    state.apply({"kind": "hello", "t": 0.0, "pid": 7, "python": "3.12.0", "file": "/x/bad.py"})
    state.apply(tasks_event(0.1, new=[[1, "Task-1", "nap", None, "/x/bad.py", 7]]))
    async with app.run_test(size=(160, 48)) as pilot:
        await app.workers.wait_for_complete()
        pane = app.screen.query_one("#pane-bad", RunPane)
        pane.state = state
        await pilot.pause()
        yield app, pilot, pane, state


def steps(t: float, starts: list[int], durs: list[int], owners: list[int]) -> dict[str, Any]:
    deltas = [starts[0]] + [b - a for a, b in zip(starts, starts[1:])]
    return {"kind": "steps", "t": t, "start_us": deltas, "dur_us": durs, "owner": owners,
            "names": []}


def write_recording(path: Path) -> Path:
    """A small traced run, written by hand so that its picture never changes."""
    ticks = [int(0.2e6 * i) + 2000 for i in range(8)]
    events: list[dict[str, Any]] = [
        {"kind": "sandbox", "t": 0.0, "layers": ["rlimits"], "missing": []},
        {"kind": "code", "t": 0.0, "text": CODE},
        {"kind": "hello", "t": 0.0, "pid": 7, "python": "3.12.0", "file": "/x/bad.py",
         "stall_ms": 50},
        {"kind": "started", "t": 0.0},
        tasks_event(0.05, new=[[1, "Task-1", "main", None, "/x/bad.py", 13],
                               [2, "Task-2", "worker", 1, "/x/bad.py", 11],
                               [3, "Task-3", "ticker", 1, "/x/bad.py", 11]],
                    upd=[[1, "waiting", "gather", "/x/bad.py", 11, 100, 1, None],
                         [2, "waiting", None, "/x/bad.py", 3, 0, 0, None],
                         [3, "waiting", "sleep", "/x/bad.py", 8, 50, 1, None]]),
        steps(0.1, [1000, ticks[0]], [100, 50], [1, 3]),
        {"kind": "lag", "t": 0.25, "samples_ms": [0.5, 0.4]},
        steps(0.3, [ticks[1], 300_000], [50, 1_000_000], [3, 2]),
        {"kind": "stall", "t": 0.6, "id": 1, "ms": 300.0, "task": "Task-2", "tid": 2,
         "file": "/x/bad.py", "line": 4, "code": "time.sleep(1)"},
        {"kind": "stall_end", "t": 1.3, "id": 1, "ms": 1000.0, "task": "Task-2", "tid": 2,
         "file": "/x/bad.py", "line": 4, "code": "time.sleep(1)"},
        {"kind": "lag", "t": 1.3, "samples_ms": [898.0]},
        tasks_event(1.3, upd=[[2, "done", None, None, None, 1_000_000, 1, None]]),
        steps(1.4, ticks[2:7], [40] * 5, [3] * 5),
        {"kind": "lag", "t": 1.5, "samples_ms": [0.3, 0.2]},
        steps(1.7, [ticks[7], 1_650_000], [40, 80], [3, 1]),
        tasks_event(1.7, upd=[[3, "done", None, None, None, 400, 9, None],
                              [1, "done", None, None, None, 180, 2, None]]),
        {"kind": "end", "t": 1.7, "wall_ms": 1700.0, "peak_rss_kb": 20000},
        {"kind": "exit", "t": 1.7, "status": "ok", "exit_code": 0, "message": "It ran to its end."},
    ]
    header = {"asyncplay_recording": 1, "target": "handmade/bad", "slug": "handmade",
              "variant": "bad", "path": "/x/bad.py", "expect": None, "code": CODE,
              "python": "3.12.0", "sandbox": {"layers": ["rlimits"], "missing": []},
              "stall_ms": 50, "started": "2026-01-01T00:00:00+00:00", "cap_bytes": 1000}
    lines = [header, *events, {"recording": "end", "events": len(events), "dropped": 0}]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


@pytest.fixture
def recorded_app(tmp_path: Path) -> AsyncPlayApp:
    from playground.recording import load

    (tmp_path / "lessons").mkdir()
    catalog = load_catalog([tmp_path / "lessons"], include_default=False)
    return AsyncPlayApp(catalog=catalog, recording=load(write_recording(tmp_path / "run.jsonl")))


async def open_timeline(pilot: Pilot[None]) -> None:
    app = pilot.app
    await app.workers.wait_for_complete()
    await wait_until(pilot, lambda: isinstance(app.screen, ReplayScreen), timeout_s=10,
                     what="the replay screen")
    await pilot.pause()
    await pilot.press("home")
    for _ in range(8):
        await pilot.press("shift+right")  # 0.8 s: in the middle of the stall
    await pilot.press("t")
    await wait_until(pilot, lambda: isinstance(app.screen, TimelineScreen), timeout_s=5,
                     what="the timeline")
    await pilot.pause()


class TestTimeline:
    """A recorded run's timeline: lanes, the blocking task marked, stalls, lag, cursor."""

    def test_recorded_run(self, recorded_app: AsyncPlayApp, snap_compare: SnapCompare) -> None:
        assert snap_compare(recorded_app, run_before=open_timeline, terminal_size=(120, 24))

    def test_zoomed_in(self, recorded_app: AsyncPlayApp, snap_compare: SnapCompare) -> None:
        async def zoom(pilot: Pilot[None]) -> None:
            await open_timeline(pilot)
            await pilot.press("plus", "plus", "left")
            await pilot.pause()

        assert snap_compare(recorded_app, run_before=zoom, terminal_size=(120, 24))


async def test_the_timeline_follows_a_live_run_and_marks_the_blocking_task() -> None:
    recorder = Recorder()
    app = AsyncPlayApp()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await select_lesson(pilot, app, "time-sleep")
        await pilot.press("b")
        await pilot.press("t")
        screen = app.screen
        assert isinstance(screen, TimelineScreen)
        view = screen.query_one(TimelineView)
        seen_events: set[int] = set()

        def finished() -> bool:
            if view.state is not None:
                seen_events.add(view.state.events)
            return bool(recorder.finished("bad")) and view.state is not None \
                and view.state.finished
        await wait_until(pilot, finished, what="the run to end on the timeline")
        assert len(seen_events) > 1  # it was redrawn while the run went on
        state = view.state
        assert state is not None
        lanes = timeline(state).lanes
        blocking = [lane for lane in lanes if lane.blocked_loop]
        assert [lane.label for lane in blocking] == ["worker()"]
        await pilot.pause()
        drawn = str(view.render())
        marked = [line for line in drawn.splitlines() if line.lstrip().startswith("▶")]
        assert len(marked) == 1 and "worker()" in marked[0], drawn
        assert "stalls 1, 1" in drawn and "lag, max" in drawn
        # Zoom and pan.
        await pilot.press("plus", "plus")
        assert view.zoom == 4 and view.pan == 1.0
        await pilot.press("left")
        assert view.pan < 1.0
        await pilot.press("home")
        assert (view.zoom, view.pan) == (1, 1.0)
        await pilot.press("escape")
        assert not isinstance(app.screen, TimelineScreen)


async def test_a_lane_is_a_span_per_run_of_one_colour() -> None:
    """A lane drawn a span per cell cost Textual a style per cell on every render
    (about half a second for 64 lanes of 137 columns, live ten times a second)."""
    from playground.model import RunState

    state = RunState("many/bad")
    state.apply({"kind": "hello", "t": 0.0, "pid": 7, "python": "3.12.0", "file": "/x/bad.py"})
    state.apply({"kind": "started", "t": 0.0})
    state.apply(tasks_event(0.1, new=[[i, f"Task-{i}", "nap", None, "/x/bad.py", 7] for i in range(1, 61)],
                            upd=[[i, "waiting", "sleep", "/x/bad.py", 4, 10, 1, None] for i in range(1, 61)]))
    state.apply({"kind": "lag", "t": 2.0, "samples_ms": [0.5, 0.4]})
    app = AsyncPlayApp()
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(TimelineScreen([("many/bad", lambda: state)]))
        await pilot.pause()
        view = app.screen.query_one(TimelineView)
        lanes = [line for line in view.render().split("\n") if "nap()" in line.plain]
        assert len(lanes) == 60
        assert all(line.cell_length > 100 for line in lanes)
        assert max(len(line.spans) for line in lanes) <= 3, lanes[0].spans


async def test_opening_the_timeline_lays_it_out_once_for_its_size() -> None:
    """Textual sends a screen just pushed a Resize at the size it was laid out at, and the
    timeline laid itself out (and drew every lane) a second time for it, 40-50 ms under a
    busy run. A resize of the terminal still lays it out again."""
    app = AsyncPlayApp(catalog=load_catalog())
    on_resize: list[tuple[int, int]] = []  # the layouts a Resize made, at what size
    resizing = False
    refresh_layout = TimelineScreen._refresh_layout
    screen_resized = TimelineScreen._screen_resized

    def counted_layout(self: TimelineScreen, *args: Any, **kwargs: Any) -> None:
        if resizing:
            on_resize.append((self.app.size.width, self.app.size.height))
        refresh_layout(self, *args, **kwargs)

    def resized(self: TimelineScreen, size: Any) -> None:
        nonlocal resizing
        resizing = True
        try:
            screen_resized(self, size)
        finally:
            resizing = False

    TimelineScreen._refresh_layout = counted_layout  # type: ignore[method-assign,assignment]
    TimelineScreen._screen_resized = resized  # type: ignore[method-assign,assignment]
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            await app.workers.wait_for_complete()
            for _ in range(2):
                await pilot.press("t")
                for _ in range(5):
                    await pilot.pause()
                assert isinstance(app.screen, TimelineScreen)
                await pilot.press("escape")
                await pilot.pause()
            assert on_resize == []
            await pilot.press("t")
            await pilot.pause()
            await pilot.resize_terminal(120, 40)
            for _ in range(5):
                await pilot.pause()
            assert on_resize == [(120, 40)]
            assert app.screen.query_one(TimelineView).size.width < 120
    finally:
        TimelineScreen._refresh_layout = refresh_layout  # type: ignore[method-assign]
        TimelineScreen._screen_resized = screen_resized  # type: ignore[method-assign]


async def test_the_panels_under_the_timeline_wait_until_shown_again() -> None:
    """The timeline covers the main screen; its panels drew every report there all the
    same (unseen, 20 times a second, while the timeline's keys waited). Now they wait,
    and draw what came meanwhile when the main screen is shown again."""
    from playground.tui.panels import TaskTable

    async with showing_one_task() as (app, pilot, pane, state):
        table = pane.query_one(TaskTable)
        drawn: list[int] = []
        draw_state = table.draw_state

        def counted(state: Any) -> None:
            drawn.append(len(state.tasks))
            draw_state(state)

        table.draw_state = counted  # type: ignore[method-assign]
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TimelineScreen)
        for n in range(2, 5):
            state.apply(tasks_event(0.1 * n, new=[[n, f"Task-{n}", "nap", None, "/x/bad.py", 7]]))
            pane.state = state
            await pilot.pause()
        assert drawn == []
        await pilot.press("escape")
        await pilot.pause()
        assert drawn == [4]


async def test_the_timeline_draws_the_lanes_on_screen_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Its first frame drew every lane of the run (a hundred under 10,000 tasks, twice
    the screen's height at 160x48): now the lines on screen, and the others when
    scrolled to."""
    from playground.model import RunState
    from playground.tui import timeline as timeline_module

    state = RunState("many/bad")
    state.apply({"kind": "hello", "t": 0.0, "pid": 7, "python": "3.12.0", "file": "/x/bad.py"})
    state.apply({"kind": "started", "t": 0.0})
    state.apply(tasks_event(0.1, new=[[i, f"Task-{i}", "nap", None, "/x/bad.py", 7] for i in range(1, 101)],
                            upd=[[i, "waiting", "sleep", "/x/bad.py", 4, 10, 1, None] for i in range(1, 101)]))
    drawn: list[int] = []
    lane_cells = timeline_module.lane_cells

    def counted(lane: Any, *args: Any) -> Any:
        drawn.append(lane.tid)
        return lane_cells(lane, *args)

    monkeypatch.setattr(timeline_module, "lane_cells", counted)
    app = AsyncPlayApp()
    async with app.run_test(size=(160, 24)) as pilot:
        await app.push_screen(TimelineScreen([("many/bad", lambda: state)]))
        await pilot.pause()
        await pilot.pause()
        view = app.screen.query_one(TimelineView)
        assert view.size.height > 100  # it scrolls
        assert 0 < len(drawn) <= 24 and len(set(drawn)) == len(drawn), drawn
        shown = app.screen.query_one("#timelines")
        shown.scroll_end(animate=False)
        await pilot.pause()
        await pilot.pause()
        assert 100 in drawn and len(drawn) <= 60, drawn  # the last lanes, when shown
        assert "100 nap()" in str(view.render())  # the whole drawing, for a test


async def test_the_timeline_is_kept_and_closing_it_lays_out_nothing() -> None:
    from playground.tui.run_pane import RunPane

    """The timeline was composed, styled and laid out anew at each `t`, and closing it
    removed it: a layout of the whole main screen, drawn whole once more. Now it is made
    once and kept; opened again, it shows the runs as they are then."""
    app = AsyncPlayApp(catalog=load_catalog())
    async with app.run_test(size=(160, 48)) as pilot:
        await app.workers.wait_for_complete()
        main = app.screen
        layouts: list[str] = []
        refresh_layout = main._refresh_layout

        def counted(*args: Any, **kwargs: Any) -> None:
            layouts.append(type(app.screen).__name__)
            refresh_layout(*args, **kwargs)

        main._refresh_layout = counted  # type: ignore[method-assign]
        for _ in range(200):  # until start-up's work is shown: two pauses laying nothing out
            layouts.clear()
            await pilot.pause()
            await pilot.pause()
            if not layouts:
                break
        screens = []
        for _ in range(3):
            await pilot.press("t")
            await pilot.pause()
            assert isinstance(app.screen, TimelineScreen)
            screens.append(app.screen)
            await pilot.press("escape")
            for _ in range(3):
                await pilot.pause()
            assert app.screen is main
        assert screens[0] is screens[1] is screens[2]
        assert layouts == [], layouts
        # A run started since: shown when it opens again, from the whole run.
        await pilot.press("b")
        await wait_until(pilot, lambda: main.query_one("#pane-bad", RunPane).state is not None,
                         what="the run to start")
        await pilot.press("t", "plus")
        view = app.screen.query_one(TimelineView)
        assert view.state is not None and view.zoom == 2
        await pilot.press("escape", "t")
        assert app.screen.query_one(TimelineView).zoom == 1
        await pilot.press("escape", "s")


@pytest.mark.parametrize("width", range(24, 160, 7))
def test_the_rulers_labels_are_whole(width: int) -> None:
    """A tick label at the right edge was cut ("┊1."): one that does not fit is left out."""
    from types import SimpleNamespace

    from playground.tui.timeline import TimelineView

    ruler = TimelineView._ruler(SimpleNamespace(start_t=0.0), 0.0, 2.5, width).plain  # type: ignore[arg-type]
    labels = ruler.split("┊")[1:]
    assert labels, ruler
    for label in labels:
        assert re.fullmatch(r"\d+(\.\d+)? s *", label), (width, ruler)
