"""Messages about runs, named as facts that already happened.

A run pane's worker posts the first two to the pane itself (which shows them and
stops them there); the pane posts :class:`SandboxReported` to the app as soon as a run's
layers are known, and the worker :class:`RunFinished`. Every message carries the pane
(``"bad"``, ``"good"`` or ``"file"``) and the run's number, so a late message from a
run that was replaced is ignored. They are dataclasses (compared by identity: each is
one event).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from playground.model import RunState, SandboxRecord
    from playground.tui.history import RecordedRun

__all__ = ["RunFinished", "RunStarted", "RunUpdated", "SandboxReported"]


@dataclass(eq=False)  # a message is one event: compared and hashed by identity
class RunStarted(Message):
    """A run was started in a pane (its child may still be starting up)."""

    pane: str
    run_id: int
    state: RunState


@dataclass(eq=False)  # a message is one event: compared and hashed by identity
class RunUpdated(Message):
    """A run's state changed (posted at most ``snapshot_hz`` times per second)."""

    pane: str
    run_id: int
    state: RunState

    def can_replace(self, message: Message) -> bool:
        # The state is a snapshot that wins over any older one of the same run.
        return (isinstance(message, RunUpdated) and message.pane == self.pane
                and message.run_id == self.run_id)


@dataclass(eq=False)  # a message is one event: compared and hashed by identity
class RunFinished(Message):
    """A run ended; ``summary`` is its public JSON summary (with ``expect`` for lessons)."""

    pane: str
    run_id: int
    state: RunState
    summary: dict[str, Any]
    #: The run's recording (the app records every run), for `w` and the history.
    recorded: RecordedRun | None = None


@dataclass(eq=False)  # a message is one event: compared and hashed by identity
class SandboxReported(Message):
    """The session said which sandbox layers a run has (while it runs, as soon as the
    session knows them): the app's sandbox bar shows them."""

    pane: str
    run_id: int
    target: str
    sandbox: SandboxRecord
