"""The records a RunState keeps: one dataclass for each kind of fact about a run.

The fold (:mod:`playground.model.fold`) makes them from events; front ends read
them. Each record that appears in the public summary says how with ``as_summary``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from playground import protocol as P
from playground.words import task_label

__all__ = [
    "BlockedRecord",
    "ErrorRecord",
    "ExitRecord",
    "LimitRecord",
    "SandboxRecord",
    "Stall",
    "TaskView",
    "Thinned",
    "WarningRecord",
]

T = TypeVar("T")


@dataclass
class TaskView:
    """One task as the probe last reported it. Never changed once made: the fold
    makes a new view for each report (snapshots of a RunState share them)."""

    tid: int
    name: str
    coro: str
    parent: int | None
    created_file: str | None
    created_line: int | None
    state: str = "ready"  # one of protocol.TASK_STATES
    waits_on: str | None = None
    file: str | None = None
    line: int | None = None
    busy_ms: float = 0.0
    steps: int = 0
    detail: str | None = None
    #: When the probe first reported it, and reported it finished (child clock, seconds;
    #: to within a batch, 50 ms, of when it happened).
    created_t: float | None = None
    ended_t: float | None = None

    @property
    def finished(self) -> bool:
        return self.state in P.FINISHED_TASK_STATES

    @property
    def label(self) -> str:
        """What to call it (see :func:`~playground.words.task_label`)."""
        return task_label(self.name, self.coro)


@dataclass
class Stall:
    """One callback that held the loop past the threshold."""

    id: int
    t: float  # when it was first seen (child clock, seconds)
    ms: float
    task: str
    file: str | None
    line: int | None
    code: str
    live: bool = True  # still going on
    tid: int | None = None  # the task's id in RunState.tasks, when a task blocked

    def as_summary(self) -> dict[str, Any]:
        return {"ms": self.ms, "task": self.task, "file": self.file, "line": self.line,
                "code": self.code}


@dataclass
class WarningRecord:
    """A warning the snippet raised (``warnings.warn``, asyncio's own, a never-awaited coroutine)."""

    category: str
    message: str
    file: str | None = None
    line: int | None = None

    def as_summary(self) -> dict[str, Any]:
        return {"category": self.category, "message": self.message, "file": self.file,
                "line": self.line}


@dataclass
class ErrorRecord:
    """The uncaught exception the snippet died of."""

    type: str
    message: str
    file: str | None = None
    line: int | None = None
    errno: str | None = None  # the errno's name ("EMFILE") of an OSError

    def as_summary(self) -> dict[str, Any]:
        summary: dict[str, Any] = {"type": self.type, "message": self.message, "file": self.file,
                                   "line": self.line}
        if self.errno:
            summary["errno"] = self.errno
        return summary


@dataclass
class BlockedRecord:
    """An action the probe's audit hook refused."""

    what: str | None
    message: str

    def as_summary(self) -> dict[str, Any]:
        return {"what": self.what, "message": self.message}


@dataclass
class LimitRecord:
    """A resource limit the snippet met, as the probe saw it inside the child."""

    limit: str | None
    message: str | None


@dataclass
class SandboxRecord:
    """The sandbox's layers in force for the run, and those this machine lacks."""

    layers: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def as_summary(self) -> dict[str, Any]:
        return {"layers": list(self.layers), "missing": list(self.missing)}


@dataclass
class ExitRecord:
    """How the run ended, as the session classified it (the ``exit`` event)."""

    status: str  # one of protocol.FINAL_STATUSES
    exit_code: int | None = None
    signal: str | None = None
    limit: str | None = None  # one of protocol.LIMITS
    message: str | None = None
    total_ms: float | None = None
    cpu_s: float | None = None
    peak_rss_kb: int | None = None
    output_truncated: bool = False


@dataclass
class Thinned(Generic[T]):
    """A series with bounded memory: past ``cap`` items it keeps every other one, so
    what is kept stays evenly spread over all it was given (every ``stride``-th item)."""

    cap: int
    items: list[T] = field(default_factory=list)
    seen: int = 0
    stride: int = 1

    def snapshot(self) -> Thinned[T]:
        """An independent copy (the items themselves are immutable values)."""
        return Thinned(self.cap, list(self.items), self.seen, self.stride)

    def extend(self, new: Sequence[T]) -> None:
        first = -self.seen % self.stride  # where the next stride-th item falls in ``new``
        self.items.extend(new[first::self.stride])
        self.seen += len(new)
        while len(self.items) > self.cap:
            # keep every other one: what is left is every (2 * stride)-th item
            self.items = self.items[::2]
            self.stride *= 2
