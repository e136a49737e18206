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
        self.update(status_line(state, label=self.label, width=self.content_region.width))

    def on_resize(self) -> None:
        # The figures are broken into lines for the width: a new width, new lines.
        self.watch_state(self.state)


class EndMessage(Static):
    """How the run ended, in a sentence that wraps (an error's message can be long)."""

    state: reactive[RunState | None] = reactive(None, always_update=True)

    def watch_state(self, state: RunState | None) -> None:
        message = end_message(state)
        # A plain "Finished." says what the status line's "✓ ok" says: its row goes to
        # the panels (on a short screen, the tabs).
        self.display = bool(message.plain) and not (state is not None and state.status == "ok"
                                                    and message.plain == "Finished.")
        self.update(message)
