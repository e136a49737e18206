"""Live memory beside the lag: the figure now (the peak at the end) and its chart."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from playground.model import RunState, format_mb
from playground.tui.panels.base import StateView, set_text
from playground.tui.panels.lag import LagChart

__all__ = ["MEMORY_SCALE_MIN_KB", "MemoryChart", "MemoryPanel"]

#: The memory chart's lowest full scale: a 20 MB snippet is a low line, not a wall.
MEMORY_SCALE_MIN_KB = 64 * 1024


class MemoryChart(LagChart):
    """The snippet's resident memory per batch, as bars (full scale at least 64 MB)."""

    scale_min = MEMORY_SCALE_MIN_KB

    def style_of(self, value: float) -> str:
        return "$accent"


class MemoryPanel(StateView, Vertical):
    """Live memory beside the lag: the figure now (the peak once the run is over) and
    a small chart of every sample, so memory that climbs is seen while it climbs."""

    READS = ("memory", "end", "exit")
    state: reactive[RunState | None] = reactive(None, always_update=True, repaint=False)

    def compose(self) -> ComposeResult:
        yield MemoryChart()
        yield Static(id="memory-numbers")

    def draw_state(self, state: RunState | None) -> None:
        chart = self.query_one(MemoryChart)
        series = tuple(state.rss_series_kb) if state is not None else ()
        if series != chart.values:
            chart.values = series
        chart.finished = state is not None and state.finished
        title = Content.styled("memory ", "bold $text-muted")
        numbers = self.query_one("#memory-numbers", Static)
        if state is None or (state.rss_kb is None and not state.peak_rss_kb):
            set_text(numbers, title + Content.styled("no samples yet" if state is None or not state.finished
                                                  else "not measured", "$text-muted"))
            return
        if state.finished and state.peak_rss_kb:
            figure = Content.assemble((format_mb(state.peak_memory_kb or 0), "bold"), (" peak", "$text-muted"))
        else:
            now = state.rss_kb or 0
            top = state.rss_max_kb or now
            figure = Content.assemble((format_mb(now), "bold"),
                                      (f" · max {format_mb(top)}" if top > now else "", "$text-muted"))
        set_text(numbers, title + figure)
