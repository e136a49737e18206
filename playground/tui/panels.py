"""The panels of a run: status, stalls, loop lag, tasks, problems, output, checks.

Each panel draws one aspect of a :class:`~playground.model.RunState`. The run pane
owns the single ``state`` reactive and binds it down with ``data_bind``; a panel
redraws in its ``watch_state``. The session already limits updates to 20 per
second, and panels that are not on screen (an inactive tab) skip the work and
catch up when they are shown again.
"""

from __future__ import annotations

import math
import os
import re
import time
from collections.abc import Sequence
from typing import Any

from rich.cells import cell_len
from rich.segment import Segment
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import DataTable, Static

from playground.model import OutputLines, RunState, Stall, format_mb
from playground.tui.formatting import (
    TASK_STATE_STYLE,
    checks_lines,
    end_message,
    format_ms,
    relevant_tasks,
    short_place,
    stall_line,
    status_line,
    task_label,
)

__all__ = [
    "ChecksPanel",
    "EndMessage",
    "LagChart",
    "LagPanel",
    "MemoryChart",
    "MemoryPanel",
    "OutputPanel",
    "OutputView",
    "ProblemsPanel",
    "StallPanel",
    "StatusPanel",
    "TaskTable",
    "TASK_ROWS_MAX",
    "problem_count",
]

#: The tasks table shows at most this many rows (the most relevant tasks).
TASK_ROWS_MAX = 200
#: Stall rows the panel shows before it scrolls (its CSS max-height, less the count line).
STALLS_SHOWN = 4
#: Lag at or above this is drawn as bad in the chart (and the chart's lowest full scale).
LAG_BAD_MS = 100.0
LAG_SCALE_MIN_MS = 100.0
#: The memory chart's lowest full scale: a 20 MB snippet is a low line, not a wall.
MEMORY_SCALE_MIN_KB = 64 * 1024


class StatusPanel(Static):
    """How the run is going: status, time, stalls, memory, on one line."""

    state: reactive[RunState | None] = reactive(None, always_update=True)

    def __init__(self, label: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.label = label

    def watch_state(self, state: RunState | None) -> None:
        self.update(status_line(state, label=self.label))


class EndMessage(Static):
    """How the run ended, in a sentence that wraps (an error's message can be long)."""

    state: reactive[RunState | None] = reactive(None, always_update=True)

    def watch_state(self, state: RunState | None) -> None:
        message = end_message(state)
        self.display = bool(message.plain)
        self.update(message)


class StallPanel(Static):
    """The stalls of a run; a stall still going on is shown growing, live."""

    state: reactive[RunState | None] = reactive(None, always_update=True)
    # While a stall is live, the figure keeps growing between the probe's reports.
    _live_seen: tuple[int, float, float] | None = None  # (stall id, its ms, when we saw it)
    _ticker: Timer | None = None

    def watch_state(self, state: RunState | None) -> None:
        live = state.live_stall if state is not None else None
        if live is None:
            self._live_seen = None
            if self._ticker is not None:
                self._ticker.stop()
                self._ticker = None
        elif self._live_seen is None or self._live_seen[:2] != (live.id, live.ms):
            self._live_seen = (live.id, live.ms, time.monotonic())
            if self._ticker is None:
                self._ticker = self.set_interval(0.1, self._redraw)
        self._redraw()

    def _shown_ms(self, stall: Stall) -> float:
        seen = self._live_seen
        if stall.live and seen is not None and seen[0] == stall.id:
            return seen[1] + (time.monotonic() - seen[2]) * 1000.0
        return stall.ms

    def _redraw(self) -> None:
        state = self.state
        title = Content.styled("stalls ", "bold $text-muted")
        if state is None or not state.stalls:
            none = "none yet" if state is None or not state.finished else "none: the loop never blocked"
            self.update(title + Content.styled(none, "$text-muted"))
            self.set_class(False, "-stalled")
            return
        stalls = state.stalls
        # The one going on now first, then the worst first: all of them, the panel scrolls.
        shown = sorted(stalls, key=lambda s: (not s.live, -s.ms))
        lines = [stall_line(s, shown_ms=self._shown_ms(s), coro=state.stall_coro(s)) for s in shown]
        if len(stalls) > 1 or state.stalls_dropped:
            more = f" (+{_n(state.stalls_dropped)} not kept)" if state.stalls_dropped else ""
            # The panel sits in a scrolling box: as many rows fit as it is high, less this line.
            box = self.parent.scrollable_content_region.height if isinstance(self.parent, Widget) else 0
            rows = max(1, (box or STALLS_SHOWN + 1) - 1)
            rest = len(shown) - rows
            scroll = f"; {_n(rest)} more below" if rest > 0 else ""
            # The total before the rest: a pane 60 cells wide shows it whole.
            lines.insert(0, Content.styled(
                f"{_n(len(stalls))} stalls{more}, {format_ms(sum(s.ms for s in stalls))} in all, "
                f"worst first{scroll}", "$text-muted"))
        self.update(title + Content("\n").join(lines))
        self.set_class(True, "-stalled")

    def on_mount(self) -> None:
        if isinstance(self.parent, Widget):
            # How many rows fit in the box decides the count of those below.
            self.watch(self.parent, "size", lambda _: self._redraw(), init=False)


class LagChart(Widget):
    """Loop lag per ~50 ms window as bars, on a fixed floor of scale.

    Unlike a plain sparkline, which stretches whatever it gets to full height, the
    scale never drops below :data:`LAG_SCALE_MIN_MS`: a healthy run stays a flat line
    and a one-second stall is a wall, so two runs side by side compare honestly.
    """

    DEFAULT_CSS = """
    LagChart { height: 2; }
    """
    values: reactive[tuple[float, ...]] = reactive(())
    #: Set once the run is over: an empty chart then means "no samples", not "not yet".
    finished: reactive[bool] = reactive(False)
    _BARS = " ▁▂▃▄▅▆▇█"
    #: The lowest full scale: below it, bars are drawn against it, not stretched.
    scale_min = LAG_SCALE_MIN_MS

    def style_of(self, value: float) -> str:
        return "$error" if value >= LAG_BAD_MS else "$warning" if value >= 20 else "$success"

    def render(self) -> Content:
        width, height = self.size.width, max(self.size.height, 1)
        values = self._bucketed(width)
        if not values:
            return Content("" if self.finished else "waiting for the first samples…").stylize("$text-muted")
        scale = max(self.scale_min, max(values))
        levels = height * 8
        rows: list[list[tuple[str, str]]] = [[] for _ in range(height)]
        for value in values:
            # Any lag at all gets the thinnest bar, so a quiet loop is still drawn.
            level = min(levels, max(1, math.ceil(value / scale * levels)))
            style = self.style_of(value)
            for row in range(height):
                fill = max(0, min(8, level - (height - 1 - row) * 8))
                rows[row].append((self._BARS[fill], style))
        return Content("\n").join(Content.assemble(*row) for row in rows)

    def _bucketed(self, width: int) -> list[float]:
        values = self.values
        if len(values) <= width or width <= 0:
            return list(values)
        # Too many windows for the width: each bar is the worst of its bucket.
        per = math.ceil(len(values) / width)
        return [max(values[i:i + per]) for i in range(0, len(values), per)]


class MemoryChart(LagChart):
    """The snippet's resident memory per batch, as bars (full scale at least 64 MB)."""

    scale_min = MEMORY_SCALE_MIN_KB

    def style_of(self, value: float) -> str:
        return "$accent"


class MemoryPanel(Vertical):
    """Live memory beside the lag: the figure now (the peak once the run is over) and
    a small chart of every sample, so memory that climbs is seen while it climbs."""

    state: reactive[RunState | None] = reactive(None, always_update=True)

    def compose(self) -> ComposeResult:
        yield MemoryChart()
        yield Static(id="memory-numbers")

    def watch_state(self, state: RunState | None) -> None:
        if not self.is_mounted:
            return
        chart = self.query_one(MemoryChart)
        series = tuple(state.rss_series_kb) if state is not None else ()
        if series != chart.values:
            chart.values = series
        chart.finished = state is not None and state.finished
        title = Content.styled("memory ", "bold $text-muted")
        numbers = self.query_one("#memory-numbers", Static)
        if state is None or (state.rss_kb is None and not state.peak_rss_kb):
            numbers.update(title + Content.styled("no samples yet" if state is None or not state.finished
                                                  else "not measured", "$text-muted"))
            return
        if state.finished and state.peak_rss_kb:
            figure = Content.assemble((format_mb(state.peak_rss_kb), "bold"), (" peak", "$text-muted"))
        else:
            now = state.rss_kb or 0
            top = state.rss_max_kb or now
            figure = Content.assemble((format_mb(now), "bold"),
                                      (f" · max {format_mb(top)}" if top > now else "", "$text-muted"))
        numbers.update(title + figure)

    def on_mount(self) -> None:
        self.watch_state(self.state)


class LagPanel(Vertical):
    """Loop lag: the chart of every window, and p50 / p99 / max."""

    state: reactive[RunState | None] = reactive(None, always_update=True)

    def compose(self) -> ComposeResult:
        yield LagChart()
        yield Static(id="lag-numbers")

    def watch_state(self, state: RunState | None) -> None:
        if not self.is_mounted:
            return
        chart = self.query_one(LagChart)
        chart.values = tuple(ms for _, ms in state.lag_windows) if state is not None else ()
        chart.finished = state is not None and state.finished
        title = Content.styled("loop lag ", "bold $text-muted")
        live = state.live_stall if state is not None else None
        # The heartbeat cannot beat while the loop is blocked: say so instead of a stale figure.
        blocked = Content.styled("  ● blocked now", "bold $error") if live is not None else Content("")
        none = "no samples yet" if state is None else state.lag_note()
        if none is not None:
            self.query_one("#lag-numbers", Static).update(
                title + Content.styled(none, "$text-muted") + blocked)
            return
        assert state is not None  # a state without a note has samples
        lag = state.lag()

        def figure(name: str, ms: float) -> Content:
            style = "bold $error" if ms >= LAG_BAD_MS else "bold $warning" if ms >= 20 else "bold $success"
            return Content.assemble((f"{name} ", "$text-muted"), (format_ms(ms), style))

        sep = Content.styled("  ·  ", "$text-muted")
        self.query_one("#lag-numbers", Static).update(
            title + sep.join([figure("p50", lag["p50_ms"]), figure("p99", lag["p99_ms"]),
                              figure("max", lag["max_ms"])]) + blocked)

    def on_mount(self) -> None:
        self.watch_state(self.state)


# Fixed widths: cells are updated in place without rescanning a column, and two
# panes side by side still fit the whole table at 160 columns. The table has no cell
# padding; each width keeps one blank column as the gap to the next.
_TASK_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("id", "id", 6),
    ("name", "task", 15),
    ("state", "state", 10),
    ("waits", "waits on", 12),
    ("line", "line", 5),
    ("busy", "busy ms", 8),
    ("steps", "steps", 6),
)


class TaskTable(Vertical):
    """The run's tasks, most relevant first, updated in place (never rebuilt).

    Rows are slots: slot *i* shows the *i*-th most relevant task, and only the cells
    that changed are written. With ten thousand tasks the table still holds at most
    :data:`TASK_ROWS_MAX` rows.
    """

    state: reactive[RunState | None] = reactive(None, always_update=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._rows: list[tuple[Content | str, ...]] = []

    def compose(self) -> ComposeResult:
        yield Static(id="task-counts")
        table: DataTable[Content | str] = DataTable(cursor_type="row", zebra_stripes=True, cell_padding=0)
        for key, label, width in _TASK_COLUMNS:
            table.add_column(label, width=width, key=key)
        yield table

    def watch_state(self, state: RunState | None) -> None:
        if state is None:
            self._sync(state)
        elif self.is_on_screen or state.finished:
            self._sync(state)

    def on_show(self) -> None:
        self._sync(self.state)

    def _sync(self, state: RunState | None) -> None:
        if not self.is_mounted:
            return
        table = self.query_one(DataTable)
        counts = self.query_one("#task-counts", Static)
        if state is None:
            if self._rows:
                table.clear()
                self._rows = []
            counts.update(Content.styled("tasks: none yet", "$text-muted"))
            return
        tasks = relevant_tasks(state.tasks.values(), TASK_ROWS_MAX)
        text = (f"tasks  {_n(state.tasks_alive)} alive · {_n(state.tasks_created)} created · "
                f"{_n(state.tasks_max_alive)} max alive")
        counts_parts: list[tuple[str, str] | str] = [(text, "")]
        if state.tasks_failed:
            counts_parts.append((f" · {state.tasks_failed} failed", "$error"))
        if state.tasks_cancelled:
            counts_parts.append((f" · {state.tasks_cancelled} cancelled", "$warning"))
        if state.tasks_untracked:
            counts_parts.append((f" · {_n(state.tasks_untracked)} not tracked", "$warning"))
        if len(state.tasks) > len(tasks):
            counts_parts.append((f"  (showing {len(tasks)} of {_n(len(state.tasks))})", "$text-muted"))
        elif state.tasks_created > state.tasks_listed:
            # The probe follows a bounded number of tasks one by one, and counts the rest.
            counts_parts.append((f"  (rows for {_n(state.tasks_listed)}: the others are counted)",
                                 "$text-muted"))
        counts.update(Content.assemble(*counts_parts))
        snippet = state.file
        for slot, task in enumerate(tasks):
            place = ""
            if task.line is not None:
                same = snippet is not None and task.file is not None and (
                    os.path.basename(task.file) == os.path.basename(snippet))
                place = str(task.line) if same else short_place(task.file, task.line)
            row: tuple[Content | str, ...] = (
                str(task.tid),
                _fit(task_label(task.name, task.coro), _NAME_WIDTH),
                Content.styled(task.state, TASK_STATE_STYLE.get(task.state, "")),
                _fit(state.waits_label(task) or "", _WAITS_WIDTH),
                place,
                f"{task.busy_ms:.1f}",
                str(task.steps),
            )
            if slot < len(self._rows):
                old = self._rows[slot]
                for (key, _, _), before, after in zip(_TASK_COLUMNS, old, row):
                    if before != after:
                        table.update_cell(str(slot), key, after)
                self._rows[slot] = row
            else:
                table.add_row(*row, key=str(slot))
                self._rows.append(row)
        while len(self._rows) > len(tasks):
            table.remove_row(str(len(self._rows) - 1))
            self._rows.pop()


_COLUMN_WIDTHS = {key: width for key, _, width in _TASK_COLUMNS}
_NAME_WIDTH = _COLUMN_WIDTHS["name"]
_WAITS_WIDTH = _COLUMN_WIDTHS["waits"]


def _fit(text: str, width: int) -> str:
    """Text for a column of ``width`` cells, one of them left as the gap before the
    next column (the table has no cell padding): cut with an ellipsis if longer."""
    return text if len(text) < width else text[: width - 2] + "…"


def _n(count: int) -> str:
    """A count with thin groups: ``10 001``."""
    return f"{count:,}".replace(",", " ")


def problem_count(state: RunState | None) -> int:
    """How many things went wrong: errors, warnings, refused actions, channel trouble."""
    if state is None:
        return 0
    return (int(state.error is not None) + len(state.warnings) + len(state.blocked)
            + int(state.channel_problem is not None) + len(state.probe_errors))


class ProblemsPanel(VerticalScroll):
    """Uncaught errors, warnings, actions the sandbox refused and channel trouble."""

    state: reactive[RunState | None] = reactive(None, always_update=True)
    _drawn: tuple[int, int, int, bool, int, str] | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="problems-text")

    def watch_state(self, state: RunState | None) -> None:
        if not self.is_mounted:
            return
        key = (0, 0, 0, False, 0, "none") if state is None else (
            len(state.warnings), len(state.blocked), len(state.probe_errors),
            state.error is not None, int(state.channel_problem is not None), state.status)
        if key == self._drawn:
            return  # nothing new: no need to rebuild the text
        self._drawn = key
        self.query_one("#problems-text", Static).update(self._describe(state))

    @staticmethod
    def _describe(state: RunState | None) -> Content:
        if state is None:
            return Content.styled("Nothing yet.", "$text-muted")
        lines: list[Content] = []
        err = state.error
        if err is not None:
            lines.append(Content.assemble(
                ("✗ ", "bold $error"), (err.type, "bold $error"), (": ", ""),
                (err.message, ""),
                (f"  {short_place(err.file, err.line)}", "$text-muted")))
        for warning in state.warnings:
            lines.append(Content.assemble(
                ("! ", "bold $warning"), (warning.category, "bold $warning"),
                (": ", ""), (warning.message, ""),
                (f"  {short_place(warning.file, warning.line)}", "$text-muted")))
        for blocked in state.blocked:
            lines.append(Content.assemble(
                ("⊘ ", "bold $error"), (f"sandbox refused {blocked.what or 'an action'}", "bold"),
                (": ", ""), (blocked.message, "")))
        if state.channel_problem:
            lines.append(Content.assemble(("‼ ", "bold $warning"),
                                          (state.channel_problem, "$warning")))
        for problem in state.probe_errors[:20]:
            lines.append(Content.assemble(("‼ probe: ", "$warning"), (problem, "$text-muted")))
        if not lines:
            word = "No errors or warnings." if state.finished else "No errors or warnings so far."
            return Content.styled(word, "$success" if state.finished else "$text-muted")
        return Content("\n").join(lines)


#: Control characters (the terminal would obey them) are shown as this instead.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def _printable(line: str) -> str:
    return _CONTROL.sub("\ufffd", line.expandtabs())


class OutputView(ScrollView, can_focus=True):
    """One stream's kept lines, drawn line by line (the line API): the head, a
    marker standing for the lines left out, the tail.

    Each update only swaps the list of lines and sets the virtual size: whatever
    arrived, the screen is redrawn once per frame. While the view is at its end (it
    is at first), it follows new lines; scrolled up, it stays where the reader is.
    """

    COMPONENT_CLASSES = {"output-view--gap"}
    DEFAULT_CSS = """
    OutputView > .output-view--gap { color: $warning; text-style: italic; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._lines: list[str] = []
        self._gap_at = -1  # the index of the marker line (-1: nothing left out)
        self._head_done: list[str] = []  # the head's lines, made printable once
        self._shown: tuple[int, int, int, int, int] | None = None
        self._width = 0
        self._follow = True  # at the end: new lines scroll into view

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        # The reader's own scrolling decides: at the end, follow; elsewhere, stay.
        self._follow = round(new_value) >= self.max_scroll_y

    def on_resize(self) -> None:
        if self._follow:
            self.scroll_end(animate=False, x_axis=False)

    def shown_lines(self) -> list[str]:
        """The lines the view holds, top to bottom (the marker included)."""
        return list(self._lines)

    def show(self, out: OutputLines | None) -> None:
        """Show ``out`` (None: nothing); cheap when nothing changed."""
        key = (0, 0, 0, 0, 0) if out is None else (
            id(out), out.complete, out.left_out, len(out.partial), out.cut_chars)
        if key == self._shown:
            return
        self._shown = key
        if out is None:
            self._lines, self._gap_at, self._head_done, self._width = [], -1, [], 0
        else:
            if len(self._head_done) > len(out.head):  # a new stream
                self._head_done, self._width = [], 0
            for _, line in out.head[len(self._head_done):]:
                done = _printable(line)
                self._head_done.append(done)
                self._width = max(self._width, cell_len(done))
            lines = list(self._head_done)
            self._gap_at = -1
            if out.left_out:
                self._gap_at = len(lines)
                lines.append(out.marker)
            tail = [_printable(line) for _, line in out.tail]
            if out.partial:
                tail.append(_printable(out.partial))
            if tail:
                self._width = max(self._width, max(map(cell_len, tail)))
            lines.extend(tail)
            self._lines = lines
        if out is None:
            self._follow = True
        self.virtual_size = Size(self._width, len(self._lines))
        if self._follow:
            # After the next layout, when the size it scrolls within is known.
            self.scroll_end(animate=False, x_axis=False)
        self.refresh()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.size.width
        base = self.rich_style
        if index >= len(self._lines):
            return Strip.blank(width, base)
        line = self._lines[index]
        style = base + self.get_component_rich_style("output-view--gap") if index == self._gap_at else base
        strip = Strip([Segment(line, style)], cell_len(line))
        return strip.crop_extend(scroll_x, scroll_x + width, base).apply_offsets(scroll_x, index)


class OutputPanel(Vertical):
    """What the snippet printed: stdout, and stderr below it when there is any."""

    state: reactive[RunState | None] = reactive(None, always_update=True)

    def compose(self) -> ComposeResult:
        yield OutputView(id="stdout")
        yield Static("stderr", id="stderr-label", classes="stream-label")
        yield OutputView(id="stderr")

    def watch_state(self, state: RunState | None) -> None:
        if not self.is_mounted:
            return
        stdout, stderr = self.query_one("#stdout", OutputView), self.query_one("#stderr", OutputView)
        if state is None:
            stdout.show(None)
            stderr.show(None)
            self.set_class(False, "-has-stderr")
            return
        stdout.show(state.stdout)
        stderr.show(state.stderr)
        self.set_class(bool(state.stderr.total_bytes or state.stderr.lines), "-has-stderr")

    def on_mount(self) -> None:
        self.watch_state(self.state)


class ChecksPanel(Static):
    """A lesson run's expectations, each ✓ or ✗ with what was observed."""

    checks: reactive[tuple[dict[str, Any], ...] | None] = reactive(None)

    def watch_checks(self, checks: Sequence[dict[str, Any]] | None) -> None:
        self.display = bool(checks)
        if checks:
            self.update(checks_lines(checks))
