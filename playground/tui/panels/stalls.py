"""The stalls of a run: the one going on first, then the worst first, all reachable."""

from __future__ import annotations

import time

from textual.content import Content
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static

from playground.model import RunState, Stall
from playground.tui.formatting import format_ms, stall_line, group_digits
from playground.tui.panels.base import StateView, set_text

__all__ = ["STALLS_SHOWN", "StallPanel"]

#: Stall rows the panel shows before it scrolls (its CSS max-height, less the count line).
STALLS_SHOWN = 4


class StallPanel(StateView, Static):
    """The stalls of a run; a stall still going on is shown growing, live."""

    READS = ("stall", "stall_end", "end", "exit")
    state: reactive[RunState | None] = reactive(None, always_update=True, repaint=False)
    # While a stall is live, the figure keeps growing between the probe's reports.
    _live_seen: tuple[int, float, float] | None = None  # (stall id, its ms, when we saw it)
    _ticker: Timer | None = None
    #: Whether a stall going on grows with the wall clock between reports (live runs);
    #: a replay shows what was reported at the moment on its own clock.
    grows_live = True

    def draw_state(self, state: RunState | None) -> None:
        live = state.live_stall if state is not None and self.grows_live else None
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
            set_text(self, title + Content.styled(none, "$text-muted"))
            self.set_class(False, "-stalled")
            return
        stalls = state.stalls
        # The one going on now first, then the worst first: all of them, the panel scrolls.
        shown = sorted(stalls, key=lambda s: (not s.live, -s.ms))
        lines = [stall_line(s, shown_ms=self._shown_ms(s), coro=state.stall_coro(s)) for s in shown]
        if len(stalls) > 1 or state.stalls_dropped:
            more = f" (+{group_digits(state.stalls_dropped)} not kept)" if state.stalls_dropped else ""
            # The panel sits in a scrolling box: as many rows fit as it is high, less this line.
            box = self.parent.scrollable_content_region.height if isinstance(self.parent, Widget) else 0
            rows = max(1, (box or STALLS_SHOWN + 1) - 1)
            rest = len(shown) - rows
            scroll = f"; {group_digits(rest)} more below" if rest > 0 else ""
            # After the title "stalls": the count, then the total before the rest, so that
            # a pane 60 cells wide shows it whole, a total over a second included.
            lines.insert(0, Content.styled(
                f"{group_digits(len(stalls))}{more}, {format_ms(sum(s.ms for s in stalls))} in all, "
                f"worst first{scroll}", "$text-muted"))
        # Laid out only when its height may change: a live stall grows ten times a
        # second, and a layout of the whole screen each time was most of the app's work.
        set_text(self, title + Content("\n").join(lines))
        self.set_class(True, "-stalled")

    def on_mount(self) -> None:
        if isinstance(self.parent, Widget):
            # How many rows fit in the box decides the count of those below.
            self.watch(self.parent, "size", lambda _: self._redraw(), init=False)
