"""Replay: a recorded run shown with the same panels as a live one, and a time slider.

:class:`ReplayScreen` holds a :class:`~playground.replay.Replay` and a cursor (a
time on the run's clock, and the number of events folded by then). Every move of the
cursor shows ``Replay.state_at`` in a :class:`~playground.tui.run_pane.RunPane` of its
own, so each panel (tasks, the stall in progress, lag so far, output so far) shows the
run as it was at that moment. Its keys take priority over the focused table's: ←/→
one event, shift+←/→ 100 ms, home/end, space plays at the chosen speed, +/- speed.
"""

from __future__ import annotations

import time

from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Static

from playground.model import RunState
from playground.replay import Replay
from playground.tui.footer import RunFooter
from playground.tui.formatting import format_ms
from playground.tui.history import RecordedRun
from playground.tui.panels import StallPanel
from playground.tui.run_pane import RunPane
from playground.tui.timeline import TimelineScreen

__all__ = ["SPEEDS", "ReplayScreen", "TimeSlider", "slider_cells"]

#: Play speeds (+ and - step through them); 1x is the run's own pace.
SPEEDS = (0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 10.0)
#: One shift+arrow moves the cursor this far on the run's clock (seconds).
JUMP_S = 0.1
_PLAY_HZ = 20


def slider_cells(width: int, start_t: float, end_t: float, at_t: float,
                 stalls: list[tuple[float, float]]) -> list[str]:
    """The slider's cells: ``"past"``, ``"future"``, ``"stall"`` (a cell a stall
    covers) or ``"cursor"``; ``stalls`` are (start, end) on the run's clock."""
    width = max(1, width)
    span = max(end_t - start_t, 1e-9)

    def cell(t: float) -> int:
        return max(0, min(width - 1, int((t - start_t) / span * width)))

    cursor = cell(at_t)
    cells = ["past" if i < cursor else "future" for i in range(width)]
    for begin, end in stalls:
        for i in range(cell(begin), cell(end) + 1):
            cells[i] = "stall"
    cells[cursor] = "cursor"
    return cells


class TimeSlider(Static):
    """Where the replay is in the run: a bar with the stalls on it, and the figures."""

    DEFAULT_CSS = """
    TimeSlider { height: 2; padding: 0 1; background: $panel; }
    """
    _GLYPHS = {"past": ("━", "$primary"), "future": ("─", "$text-muted"),
               "stall": ("▆", "$error"), "cursor": ("●", "bold $accent")}

    def show(self, replay: Replay, index: int, at_t: float, playing: bool, speed: float) -> None:
        width = max(10, self.content_region.width or self.size.width or 80)
        state_stalls = [(s.t, s.t + s.ms / 1000) for s in replay.final.stalls]
        cells = slider_cells(width, replay.start_t, replay.end_t, at_t, state_stalls)
        bar = Content.assemble(*(self._GLYPHS[c] for c in cells))
        elapsed = format_ms((at_t - replay.start_t) * 1000)
        total = format_ms((replay.end_t - replay.start_t) * 1000)
        mode = f"▶ playing {speed:g}x" if playing else f"❚❚ {speed:g}x"
        figures = Content.assemble(
            (f"{elapsed}", "bold"), (f" of {total}", "$text-muted"),
            (f"  ·  event {index:,} of {len(replay):,}".replace(",", " "), "$text-muted"),
            (f"  ·  {mode}", "bold $text-accent" if playing else "$text-muted"),
        )
        self.update(bar + "\n" + figures)


class ReplayScreen(Screen[None]):
    """A recorded run, scrubbed: the panels show the state at the slider's time."""

    BINDINGS = [
        Binding("left", "step(-1)", "−1 event", priority=True),
        Binding("right", "step(1)", "+1 event", priority=True),
        Binding("shift+left", "jump(-1)", "−100 ms", priority=True),
        Binding("shift+right", "jump(1)", "+100 ms", priority=True),
        Binding("home", "edge(0)", "Start", priority=True),
        Binding("end", "edge(1)", "End", priority=True),
        Binding("space", "play", "Play/pause", priority=True),
        Binding("plus,equals_sign", "speed(1)", "Faster", key_display="+", priority=True),
        Binding("minus", "speed(-1)", "Slower", key_display="-", priority=True),
        Binding("t", "timeline", "Timeline", priority=True),
        Binding("a", "app.await_graph", "Awaits", priority=True),
        Binding("escape", "leave", "Back", priority=True),
    ]

    # Parsed when the screen is first shown, not at start-up (app.tcss styles the first screen);
    # not scoped, so each selector keeps the weight it has as written.
    DEFAULT_CSS = """
        #replay-title {
            height: 1;
            padding: 0 1;
            background: $panel;
            text-wrap: nowrap;
            text-overflow: ellipsis;
        }
    """
    SCOPED_CSS = False

    #: The events folded so far (0..len); the state shown is the replay's after them.
    index: reactive[int] = reactive(0, init=False)
    playing: reactive[bool] = reactive(False, init=False)
    speed: reactive[float] = reactive(1.0, init=False)

    def __init__(self, replay: Replay, *, title: str | None = None,
                 run: RecordedRun | None = None) -> None:
        super().__init__()
        self.replay = replay
        self.run = run  # the session's run replayed, when it is one (`w` saves it)
        header = replay.recording.header
        self.title_text = title or f"replay of {replay.recording.target}"
        self.at_t = replay.end_t  # the cursor on the run's clock (seconds)
        self._path = str(header.get("path") or "")
        self._ticker: Timer | None = None
        self._played_at = 0.0
        self.set_reactive(ReplayScreen.index, len(replay))

    @property
    def state(self) -> RunState | None:
        """The state on screen."""
        return self.query_one(RunPane).state

    def compose(self) -> ComposeResult:
        yield Static(id="replay-title")
        yield RunPane("replay")
        yield TimeSlider(id="replay-slider")
        yield RunFooter(ranked=False)

    def on_mount(self) -> None:
        recording = self.replay.recording
        header = recording.header
        started = header.get("started") or "?"
        title = Content.assemble((f" {self.title_text} ", "bold"),
                                 (f" recorded {started} · Python {header.get('python') or '?'} ",
                                  "$text-muted"))
        if recording.cap_note:
            title += Content.styled(f" ! {recording.cap_note}", "$text-warning")
        self.query_one("#replay-title", Static).update(title)
        pane = self.query_one(RunPane)
        pane.show_snippet(title=Content.styled(f" {recording.target} ", "bold"), note="",
                          path=self._path, source=str(header.get("code") or ""))
        # A live stall grows with the wall clock; here the replay's clock is the one.
        pane.query_one(StallPanel).grows_live = False
        # The pane's panels are bound to its state once all are mounted: show it then.
        self.call_after_refresh(self._show)

    def on_resize(self) -> None:
        self._draw_slider()

    # ------------------------------------------------------------------ moving
    def seek_index(self, index: int) -> None:
        """Show the state after ``index`` events (clamped)."""
        index = max(0, min(index, len(self.replay)))
        self.at_t = self.replay.time_of(index)
        self.index = index
        self._show()

    def seek_time(self, t: float) -> None:
        """Show the state at time ``t`` on the run's clock (clamped to the recording)."""
        t = max(self.replay.start_t, min(t, self.replay.end_t))
        self.at_t = t
        self.index = self.replay.index_at_time(t)
        self._show()

    def action_step(self, delta: int) -> None:
        self._pause()
        self.seek_index(self.index + delta)

    def action_jump(self, direction: int) -> None:
        self._pause()
        self.seek_time(self.at_t + direction * JUMP_S)

    def action_edge(self, end: int) -> None:
        self._pause()
        self.seek_index(len(self.replay) if end else 0)

    def action_speed(self, direction: int) -> None:
        now = SPEEDS.index(self.speed) if self.speed in SPEEDS else SPEEDS.index(1.0)
        self.speed = SPEEDS[max(0, min(len(SPEEDS) - 1, now + direction))]
        self._draw_slider()

    def action_play(self) -> None:
        if self.playing:
            self._pause()
            return
        if self.index >= len(self.replay):
            self.seek_index(0)  # played to the end: space plays it again
        self.playing = True
        self._played_at = time.monotonic()
        self._ticker = self.set_interval(1 / _PLAY_HZ, self._tick)
        self._draw_slider()

    def action_timeline(self) -> None:
        """The whole recorded run on a timeline, the slider's moment marked."""
        self._pause()
        final = self.replay.final
        self.app.push_screen(TimelineScreen([(self.replay.recording.target, lambda: final)],
                                            cursor=lambda: self.at_t))

    def action_leave(self) -> None:
        self._pause()
        self.dismiss(None)

    def _tick(self) -> None:
        now = time.monotonic()
        elapsed, self._played_at = now - self._played_at, now
        self.seek_time(self.at_t + elapsed * self.speed)
        if self.index >= len(self.replay):
            self._pause()

    def _pause(self) -> None:
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        if self.playing:
            self.playing = False
            self._draw_slider()

    # ----------------------------------------------------------------- drawing
    def _show(self) -> None:
        if not self.is_mounted:
            return
        self.query_one(RunPane).state = self.replay.state_at(self.index)
        self._draw_slider()

    def _draw_slider(self) -> None:
        if self.is_mounted:
            self.query_one(TimeSlider).show(self.replay, self.index, self.at_t, self.playing,
                                            self.speed)
