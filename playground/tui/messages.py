"""Messages about runs, named as facts that already happened.

A run worker posts them to the app, which routes them to the run pane that shows
that run. Every message carries the pane (``"bad"``, ``"good"`` or ``"file"``) and
the run's number, so a late message from a run that was replaced is ignored.
"""

from __future__ import annotations

from typing import Any

from textual.message import Message

from playground.model import RunState

__all__ = ["RunFinished", "RunStarted", "RunUpdated"]


class RunStarted(Message):
    """A run was started in a pane (its child may still be starting up)."""

    def __init__(self, pane: str, run_id: int, state: RunState) -> None:
        super().__init__()
        self.pane = pane
        self.run_id = run_id
        self.state = state


class RunUpdated(Message):
    """A run's state changed (posted at most ``snapshot_hz`` times per second)."""

    def __init__(self, pane: str, run_id: int, state: RunState) -> None:
        super().__init__()
        self.pane = pane
        self.run_id = run_id
        self.state = state

    def can_replace(self, message: Message) -> bool:
        # The state is a snapshot that wins over any older one of the same run.
        return (isinstance(message, RunUpdated) and message.pane == self.pane
                and message.run_id == self.run_id)


class RunFinished(Message):
    """A run ended; ``summary`` is its public JSON summary (with ``expect`` for lessons)."""

    def __init__(self, pane: str, run_id: int, state: RunState, summary: dict[str, Any]) -> None:
        super().__init__()
        self.pane = pane
        self.run_id = run_id
        self.state = state
        self.summary = summary
