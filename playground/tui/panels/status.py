"""The run's status line and the sentence on how it ended."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from textual.reactive import reactive
from textual.widgets import Static

from playground.tui.formatting import end_message, status_line
from playground.tui.panels.base import StateView, set_text

if TYPE_CHECKING:
    from playground.model import RunState

__all__ = ["EndMessage", "StatusPanel"]

class StatusPanel(StateView, Static):
    """How the run is going: status, time, stalls, memory (broken between figures)."""

    state: reactive[RunState | None] = reactive(None, always_update=True, repaint=False)

    def __init__(self, label: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.label = label

    _width = 0  # the width the figures were broken for

    def draw_state(self, state: RunState | None) -> None:
        self._width = self.content_region.width
        set_text(self, status_line(state, label=self.label, width=self._width))

    def on_resize(self) -> None:
        # The figures are broken into lines for the width: a new width, new lines.
        if self.content_region.width != self._width:
            self.draw_state(self.state)


class EndMessage(StateView, Static):
    """How the run ended, in a sentence that wraps (an error's message can be long)."""

    READS = ("exit", "end")
    state: reactive[RunState | None] = reactive(None, always_update=True, repaint=False)

    def draw_state(self, state: RunState | None) -> None:
        message = end_message(state)
        # A plain "Finished." says what the status line's "✓ ok" says: its row goes to
        # the panels (on a short screen, the tabs).
        self.display = bool(message.plain) and not (state is not None and state.status == "ok"
                                                    and message.plain == "Finished.")
        self.update(message)
