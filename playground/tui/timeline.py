"""The timeline (`t`): a lane per task on one time axis, the stalls, the lag below.

:class:`TimelineView` draws one run's :func:`~playground.model.timeline` as text, a
line per lane (computed by the model's :func:`~playground.model.lane_cells`): ``─``
alive, ``█`` running (a traced run's steps; untraced, only a task running now), red
``█`` where a task held the loop in a stall, its label marked ``▶``. Below, the
stalls and the lag. :class:`TimelineScreen` shows the runs on screen, live (it reads
their states ten times a second), with zoom (+/-) and pan (←/→).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from functools import partial

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.geometry import Region
from textual.reactive import reactive
from textual.strip import Strip
from textual.timer import Timer
from textual.visual import Visual
from textual.widget import Widget
from textual.widgets import Static

from playground.model import (
    Lane,
    RunState,
    Timeline,
    format_ms,
    lag_cells,
    lane_cells,
    run_span,
    timeline,
)
from playground.tui.footer import RunFooter
from playground.tui.screen_layout import NewSizeLayout
from playground.tui.formatting import cell_runs

__all__ = ["MAX_LANES", "TimelineScreen", "TimelineView", "ZOOMS", "window"]

#: Zoom levels (+ and - step through them): how many times the whole run is magnified.
ZOOMS = (1, 2, 4, 8, 16, 32, 64, 128)
_LABEL_WIDTH = 22
#: Lanes drawn at most (see model.timeline for which).
MAX_LANES = 100
_CELL = {"none": (" ", ""), "alive": ("─", "$text-muted"), "running": ("█", "$success"),
         "stall": ("█", "bold $error")}
_BARS = " ▁▂▃▄▅▆▇█"
_LAG_SCALE_MIN_MS = 100.0


def window(span: tuple[float, float], zoom: int, pan: float) -> tuple[float, float]:
    """The window of time shown: the run's ``span`` (start, end) divided by ``zoom``,
    placed by ``pan`` (0: the start, 1: the end)."""
    length = max(span[1] - span[0], 1e-3)
    shown = length / max(1, zoom)
    start = span[0] + (length - shown) * max(0.0, min(1.0, pan))
    return start, start + shown


def _seconds(t: float) -> str:
    return f"{t:.3g} s" if t < 10 else f"{t:.1f} s"


class TimelineView(Widget):
    """One run's lanes, stalls and lag, within the window ``zoom`` and ``pan`` choose."""

    DEFAULT_CSS = """
    TimelineView { height: auto; padding: 0 1; margin-bottom: 1; text-wrap: nowrap;
                   text-overflow: clip; }
    """
    # A new state repaints; it lays the screen out only when the height changes (below).
    state: reactive[RunState | None] = reactive(None, always_update=True)
    zoom: reactive[int] = reactive(1)
    pan: reactive[float] = reactive(1.0)  # follow the end while live
    #: A moment to mark (a replay's slider), on the run's clock.
    cursor_t: reactive[float | None] = reactive(None)

    def __init__(self, title: str, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.title = title

    @staticmethod
    def _height(state: RunState | None) -> int:
        lanes = min(len(state.tasks), MAX_LANES) if state is not None else 0
        return 4 + lanes + 1

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return self._height(self.state)

    def watch_state(self, old: RunState | None, new: RunState | None) -> None:
        self._frame = None
        # A live run's state comes ten times a second: laying the whole screen out for
        # each cost more than drawing it.
        if self._height(old) != self._height(new):
            self.refresh(layout=True)

    def watch_zoom(self) -> None:
        self._frame = None

    def watch_pan(self) -> None:
        self._frame = None

    def watch_cursor_t(self) -> None:
        self._frame = None

    #: What the latest drawing cost (seconds of this process's time): a long traced
    #: run's drawing can take a tenth of a second, and a live run is redrawn less often.
    render_cost_s = 0.0
    #: The drawing's width, a maker per line, and the lines made so far.
    _frame: tuple[int, list[Callable[[], Content]], dict[int, Strip]] | None = None

    def render(self) -> Content:
        """The whole drawing, every line (the screen draws only the lines it shows)."""
        return Content("\n").join(make() for make in self._line_makers(self._lanes_width()))

    def render_lines(self, crop: Region) -> list[Strip]:
        # Only the lines on screen: a run of 10,000 tasks has a hundred lanes, and the
        # whole drawing, made for the screen's fifty lines, was most of the timeline's
        # first frame. Those not made yet are made together (a Visual each cost more).
        began = time.perf_counter()
        width = self.size.width
        if self._frame is None or self._frame[0] != width:
            self._frame = (width, self._line_makers(self._lanes_width()), {})
            self.render_cost_s = 0.0
        _, makers, strips = self._frame
        wanted = [y for y in range(max(0, crop.y), min(crop.bottom, len(makers))) if y not in strips]
        if wanted:
            made = Visual.to_strips(self, Content("\n").join(makers[y]() for y in wanted),
                                    width, len(wanted), self.visual_style)
            strips.update(zip(wanted, made))
            self.render_cost_s += time.perf_counter() - began
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        strip = self._frame[2].get(y) if self._frame is not None else None
        return strip if strip is not None else Strip.blank(self.size.width, self.visual_style.rich_style)

    def _lanes_width(self) -> int:
        return max(10, self.content_region.width - _LABEL_WIDTH - 1)

    def _line_makers(self, width: int) -> list[Callable[[], Content]]:
        """A maker of each line of the drawing, in order (the lanes drawn when asked)."""
        state = self.state
        head = Content.styled(state.target if state is not None else self.title, "bold")
        if state is None:
            return [lambda: head + Content.styled("  ·  not run yet", "$text-muted")]
        t0, t1 = window(run_span(state), self.zoom, self.pan)
        tl = timeline(state, steps_within=(t0, t1), max_lanes=MAX_LANES)
        cursor = self._column(self.cursor_t, t0, t1, width)

        def lane_line(lane: Lane) -> Content:
            mark = "▶ " if lane.blocked_loop else "  "
            label = Content.styled(f"{mark}{lane.tid} {lane.label}"[:_LABEL_WIDTH - 1]
                                   .ljust(_LABEL_WIDTH),
                                   "bold $error" if lane.blocked_loop else "")
            cells = lane_cells(lane, t0, t1, width, tl.end_t)
            glyphs = [_CELL[c] for c in cells]
            if cursor is not None:
                glyph, style = glyphs[cursor]
                glyphs[cursor] = ("│" if glyph == " " else glyph, f"{style} reverse".strip())
            return label + cell_runs(glyphs)

        makers: list[Callable[[], Content]] = [
            lambda: self._heading(head, tl, t0, t1), lambda: self._ruler(tl, t0, t1, width)]
        makers.extend(partial(lane_line, lane) for lane in tl.lanes)
        if tl.lanes_cut:
            makers.append(lambda: Content.styled(
                f"  {tl.lanes_cut:,} more tasks not drawn (the {MAX_LANES} drawn: those that "
                f"blocked the loop, then those alive, then the first)".replace(",", " "),
                "$text-muted"))
        makers.append(lambda: self._stall_row(tl, t0, t1, width))
        makers.append(lambda: self._lag_row(tl, t0, t1, width))
        return makers

    @staticmethod
    def _column(t: float | None, t0: float, t1: float, width: int) -> int | None:
        if t is None or not t0 <= t <= t1:
            return None
        return min(width - 1, int((t - t0) / max(t1 - t0, 1e-9) * width))

    def _heading(self, head: Content, tl: Timeline, t0: float, t1: float) -> Content:
        base = tl.start_t
        parts = [f"{len(tl.lanes)} task{'s' if len(tl.lanes) != 1 else ''}",
                 f"{_seconds(t0 - base)} to {_seconds(t1 - base)} of {_seconds(tl.span_s)}"]
        if self.zoom > 1:
            parts.append(f"zoom {self.zoom}x")
        if tl.traced:
            parts.append("█ the task's callbacks (traced)")
            if tl.steps_dropped:
                parts.append(f"the first {tl.steps_dropped:,} steps not kept".replace(",", " "))
        else:
            parts.append("─ alive · █ running now (run with --trace for every callback)")
        if tl.lanes_left_out:
            parts.append(f"{tl.lanes_left_out} finished tasks not kept")
        return head + Content.styled("  ·  " + "  ·  ".join(parts), "$text-muted")

    @staticmethod
    def _ruler(tl: Timeline, t0: float, t1: float, width: int) -> Content:
        row = [" "] * width
        step = max(12, width // 6)
        for col in range(0, width, step):
            text = "┊" + _seconds(t0 - tl.start_t + (t1 - t0) * col / width)
            if col + len(text) > width:
                break  # a label that would be cut ("┊1.") is left out
            row[col:col + len(text)] = text
        return Content.styled(" " * _LABEL_WIDTH + "".join(row), "$text-muted")

    @staticmethod
    def _stall_row(tl: Timeline, t0: float, t1: float, width: int) -> Content:
        row = [" "] * width
        per_col = max(t1 - t0, 1e-9) / width
        for a, b, _ in tl.stalls:
            if b < t0 or a >= t1:
                continue
            first = max(0, int((a - t0) / per_col))
            last = min(width - 1, int((max(a, b - 1e-12) - t0) / per_col))
            for i in range(first, last + 1):
                row[i] = "▀"
        total = sum(b - a for a, b, _ in tl.stalls) * 1000
        label = f"stalls {len(tl.stalls)}, {format_ms(total)}" if tl.stalls else "stalls none"
        return (Content.styled(label[:_LABEL_WIDTH - 1].ljust(_LABEL_WIDTH), "$text-muted")
                + Content.styled("".join(row), "bold $error"))

    @staticmethod
    def _lag_row(tl: Timeline, t0: float, t1: float, width: int) -> Content:
        values = lag_cells(tl.lag, t0, t1, width)
        top = max([v for v in values if v is not None] + [_LAG_SCALE_MIN_MS])
        worst = max((ms for _, ms in tl.lag), default=0.0)
        glyphs = []
        for v in values:
            if v is None:
                glyphs.append((" ", ""))
                continue
            bar = _BARS[max(1, min(8, round(v / top * 8)))]
            glyphs.append((bar, "$error" if v >= _LAG_SCALE_MIN_MS else
                           "$warning" if v >= 20 else "$success"))
        label = f"lag, max {format_ms(worst)}"
        return Content.styled(label[:_LABEL_WIDTH - 1].ljust(_LABEL_WIDTH), "$text-muted") \
            + cell_runs(glyphs)


class TimelineScreen(NewSizeLayout):
    """The timelines of the runs on screen, updated live; +/- zoom, ←/→ pan.

    Textual sends a screen just pushed a Resize at the size it was just laid out at: the
    timeline was laid out, and every lane drawn, a second time (40-50 ms under a busy
    run); :class:`NewSizeLayout` lays it out again for a new size only.
    """

    BINDINGS = [
        Binding("plus,equals_sign", "zoom(1)", "Zoom in", key_display="+", priority=True),
        Binding("minus", "zoom(-1)", "Zoom out", key_display="-", priority=True),
        Binding("left", "pan(-1)", "Earlier", priority=True),
        Binding("right", "pan(1)", "Later", priority=True),
        Binding("home", "whole", "Whole run", priority=True),
        Binding("escape,t", "leave", "Back", priority=True),
    ]

    # Parsed when the screen is first shown, not at start-up (app.tcss styles the first screen);
    # not scoped, so each selector keeps the weight it has as written.
    DEFAULT_CSS = """
        #timeline-title {
            height: 1;
            padding: 0 1;
            background: $panel;
        }

        #timelines {
            height: 1fr;
        }
    """
    SCOPED_CSS = False

    def __init__(self, runs: Sequence[tuple[str, Callable[[], RunState | None]]],
                 cursor: Callable[[], float | None] | None = None) -> None:
        super().__init__()
        self.runs = list(runs)
        self.cursor = cursor
        self.zoom = 1
        self.pan = 1.0
        self._seen: dict[int, tuple[int, int, float | None]] = {}
        self._drawn_at: dict[int, float] = {}
        self._ticks: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(Content.styled(" timeline · a lane per task; ▶ and red: the task that "
                                    "blocked the loop", "bold"), id="timeline-title")
        with VerticalScroll(id="timelines"):
            for title, _ in self.runs:
                yield TimelineView(title)
        # One line drawn from the bindings, in Textual's order (Textual's footer made a
        # widget per key again each time the screen's bindings were told: thrice as it opened).
        yield RunFooter(ranked=False)

    def on_mount(self) -> None:
        # The states before the first layout: set after it, each lane's height laid the
        # screen out again.
        self._refresh_states()
        self._ticks = self.set_interval(0.1, self._refresh_states)
        # Taller than the screen (a run of many tasks), its scrollbar shown before the
        # first layout: shown by it, the scrollbar narrowed the lanes, and the timeline
        # was laid out and every lane on screen drawn a second time, for two columns.
        tall = sum(TimelineView._height(view.state) + 1 for view in self._views())
        if tall > self.app.size.height - 2:  # below the title, above the footer
            timelines = self.query_one("#timelines", VerticalScroll)
            timelines.set_reactive(VerticalScroll.show_vertical_scrollbar, True)
            timelines.vertical_scrollbar.styles.set_rule("display", "block")  # as laid out

    def show_runs(self, runs: Sequence[tuple[str, Callable[[], RunState | None]]]) -> bool:
        """Show ``runs`` when shown next (the screen kept and opened again), from the
        whole of each; False if their number is not the number of views composed."""
        views = self._views()
        if len(runs) != len(views):
            return False
        self.runs = list(runs)
        self.zoom, self.pan = 1, 1.0
        self._seen.clear()
        self._drawn_at.clear()
        for view, (title, _) in zip(views, self.runs):
            view.title = title
            view.zoom, view.pan = 1, 1.0
        self.query_one("#timelines", VerticalScroll).scroll_home(animate=False)
        return True

    def on_screen_resume(self) -> None:
        # Shown again (kept by the app): the states as they are now, then live again.
        self._refresh_states()
        if self._ticks is not None:
            self._ticks.resume()

    def on_screen_suspend(self) -> None:
        if self._ticks is not None:
            self._ticks.pause()  # nothing to follow while it is not shown

    def _refresh_states(self) -> None:
        cursor = self.cursor() if self.cursor is not None else None
        now = time.monotonic()
        for view, (_, get_state) in zip(self.query(TimelineView), self.runs):
            state = get_state()
            # A live run's state is one object folded on: its event count says it changed.
            seen = (id(state), state.events if state is not None else -1, cursor)
            if seen == self._seen.get(id(view)):
                continue
            # Drawing takes at most a fifth of the time (a run still going waits its turn).
            if state is not None and not state.finished \
                    and now - self._drawn_at.get(id(view), 0.0) < 5 * view.render_cost_s:
                continue
            self._seen[id(view)] = seen
            self._drawn_at[id(view)] = now
            view.cursor_t = cursor
            view.state = state

    def _views(self) -> list[TimelineView]:
        return list(self.query(TimelineView))

    def action_zoom(self, direction: int) -> None:
        now = ZOOMS.index(self.zoom)
        self.zoom = ZOOMS[max(0, min(len(ZOOMS) - 1, now + direction))]
        for view in self._views():
            view.zoom = self.zoom

    def action_pan(self, direction: int) -> None:
        # A quarter of the window per press, in the fraction ``pan`` counts in.
        if self.zoom > 1:
            self.pan = max(0.0, min(1.0, self.pan + direction * 0.25 / (self.zoom - 1)))
        for view in self._views():
            view.pan = self.pan

    def action_whole(self) -> None:
        self.zoom, self.pan = 1, 1.0
        for view in self._views():
            view.zoom, view.pan = 1, 1.0

    def action_leave(self) -> None:
        self.dismiss(None)
