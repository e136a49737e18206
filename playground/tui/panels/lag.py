"""Loop lag: a chart of every window on a fixed floor of scale, and p50 / p99 / max."""

from __future__ import annotations

import math
from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static

from playground.model import RunState
from playground.tui.formatting import cell_runs, fit_figures, format_ms
from playground.tui.panels.base import StateView, set_text

__all__ = ["LAG_BAD_MS", "LAG_SCALE_MIN_MS", "LagChart", "LagPanel"]

#: Lag at or above this is drawn as bad in the chart (and the chart's lowest full scale).
LAG_BAD_MS = 100.0
LAG_SCALE_MIN_MS = 100.0


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
        # A span per run of one colour, not per bar: styling a span is most of a render.
        return Content("\n").join(cell_runs(row) for row in rows)

    def _bucketed(self, width: int) -> list[float]:
        values = self.values
        if len(values) <= width or width <= 0:
            return list(values)
        # Too many windows for the width: each bar is the worst of its bucket.
        per = math.ceil(len(values) / width)
        return [max(values[i:i + per]) for i in range(0, len(values), per)]


class LagPanel(StateView, Vertical):
    """Loop lag: the chart of every window, and p50 / p99 / max."""

    READS = ("lag", "stall", "stall_end", "end", "exit")
    state: reactive[RunState | None] = reactive(None, always_update=True, repaint=False)

    def compose(self) -> ComposeResult:
        yield LagChart()
        yield Static(id="lag-numbers")

    _width = 0  # the width the figures were broken for

    def draw_state(self, state: RunState | None) -> None:
        self._width = self.query_one("#lag-numbers", Static).content_region.width
        chart = self.query_one(LagChart)
        chart.values = tuple(ms for _, ms in state.lag_windows) if state is not None else ()
        chart.finished = state is not None and state.finished
        title = Content.styled("loop lag ", "bold $text-muted")
        live = state.live_stall if state is not None else None
        # The heartbeat cannot beat while the loop is blocked: say so instead of a stale figure.
        blocked = Content.styled("  ● blocked now", "bold $error") if live is not None else Content("")
        none = "no samples yet" if state is None else state.lag_note()
        if none is not None:
            set_text(self.query_one("#lag-numbers", Static), title + Content.styled(none, "$text-muted") + blocked)
            return
        assert state is not None  # a state without a note has samples
        lag = state.lag()

        def figure(name: str, ms: float) -> Content:
            style = "bold $error" if ms >= LAG_BAD_MS else "bold $warning" if ms >= 20 else "bold $success"
            return Content.assemble((f"{name} ", "$text-muted"), (format_ms(ms), style))

        numbers = self.query_one("#lag-numbers", Static)
        figures = [title + figure("p50", lag["p50_ms"]), figure("p99", lag["p99_ms"]),
                   figure("max", lag["max_ms"])]
        if live is not None:
            figures.append(Content.styled("● blocked now", "bold $error"))
        set_text(numbers, fit_figures(figures, self._width, Content.styled(" · ", "$text-muted")))

    def on_resize(self) -> None:
        # The figures are broken into lines for the width: a new width, new lines.
        if self.query_one("#lag-numbers", Static).content_region.width != self._width:
            self.draw_state(self.state)
