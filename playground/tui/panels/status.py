"""The run's status line and the sentence on how it ended."""

from __future__ import annotations

import time
from typing import Any

from textual.reactive import reactive
from textual.widgets import Static

from playground.model import RunState
from playground.tui.formatting import end_message, status_line

__all__ = ["EndMessage", "StatusPanel"]

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
