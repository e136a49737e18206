"""RunState: everything known about one run, as a pure fold of its events.

The probe's events and the parent's own (output chunks, the exit, the sandbox's
layers) go through :meth:`RunState.apply` in order; nothing else changes a RunState.
So a saved event stream replays to the same state, and every front end (the Textual
app, the headless CLI, a future exporter) reads the same facts.

A fact with state and readers of its own lives in a module of its own, as a dataclass
mixin of RunState (:mod:`~playground.model.tasks`, :mod:`~playground.model.stalls`,
:mod:`~playground.model.lag`, :mod:`~playground.model.memory`,
:mod:`~playground.model.trace`): its fields are the
state's, its ``_on_KIND`` methods fold the events of that kind, and its ``_copy_*``
method is called by :meth:`RunState.snapshot`. Adding a fact: such a module, one more
base of RunState below, one line in ``snapshot``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from playground import protocol as P
from playground.model.lag import MAX_LAG_SAMPLES, MAX_LAG_WINDOWS, LagFacts, percentile
from playground.model.memory import MemoryFacts
from playground.model.output import OutputLines
from playground.model.records import (
    BlockedRecord,
    ErrorRecord,
    ExitRecord,
    LimitRecord,
    SandboxRecord,
    Stall,
    WarningRecord,
)
from playground.model.stalls import MAX_STALLS, StallFacts
from playground.model.summary import summary_of
from playground.model.tasks import MAX_TASK_VIEWS, TaskFacts
from playground.model.trace import TraceFacts
from playground.words import task_label

__all__ = [
    "MAX_LAG_SAMPLES",
    "MAX_LAG_WINDOWS",
    "MAX_PROBE_ERRORS",
    "MAX_STALLS",
    "MAX_TASK_VIEWS",
    "RunState",
    "percentile",
]

#: What one run keeps at most, whatever arrives on its event channel (a snippet can
#: write well-formed events too, by the million): the parent's memory stays bounded.
#: The facts' own bounds are in their modules (tasks, stalls, lag and memory series).
MAX_PROBE_ERRORS = 100
MAX_WARNINGS = 1000
MAX_BLOCKED = 100


@dataclass
class _Run:
    """The run's identity and progress (the first fields of a RunState)."""

    target: str
    status: str = "starting"  # "starting", "running", then one of protocol.FINAL_STATUSES
    events: int = 0
    pid: int | None = None
    python: str | None = None
    file: str | None = None
    stall_threshold_ms: float = 50.0
    started_t: float | None = None
    last_t: float = 0.0


# Bases in reverse order: a dataclass's fields come from its last base first, so
# ``target`` stays the first (and only positional) field.
@dataclass
class RunState(TraceFacts, LagFacts, MemoryFacts, StallFacts, TaskFacts, _Run):
    """The fold of one run's events. Mutated only by :meth:`apply`."""

    warnings: list[WarningRecord] = field(default_factory=list)
    blocked: list[BlockedRecord] = field(default_factory=list)
    error: ErrorRecord | None = None
    probe_limit: LimitRecord | None = None
    wall_ms: float | None = None
    peak_rss_kb: int | None = None
    exit: ExitRecord | None = None
    sandbox: SandboxRecord = field(default_factory=SandboxRecord)
    #: What the mock API saw: {requests, in_flight_max, connections}; None without it.
    api: dict[str, int] | None = None
    #: The code that ran (the text the session copied into the sandbox), once known.
    code: str | None = None
    stdout: OutputLines = field(default_factory=OutputLines)
    stderr: OutputLines = field(default_factory=OutputLines)
    channel_problem: str | None = None
    probe_errors: list[str] = field(default_factory=list)
    #: How many events of each kind were folded: a front end redraws a view only when
    #: a kind it draws from has come since (see :meth:`version`).
    changes: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def snapshot(self) -> RunState:
        """An independent copy: folding more events into either leaves the other as it
        was (a replay keeps these as checkpoints). What the fold replaces and never
        changes (task views, the error, the exit...) is shared; the rest is copied."""
        twin = copy.copy(self)
        self._copy_tasks(twin)
        self._copy_stalls(twin)
        self._copy_lag(twin)
        self._copy_memory(twin)
        self._copy_trace(twin)
        twin.warnings = list(self.warnings)
        twin.blocked = list(self.blocked)
        twin.probe_errors = list(self.probe_errors)
        twin.stdout = self.stdout.snapshot()
        twin.stderr = self.stderr.snapshot()
        twin.changes = dict(self.changes)
        return twin

    # ----------------------------------------------------------------- folding
    def apply(self, event: dict[str, Any]) -> None:
        """Fold one event in. Unknown kinds are ignored (newer probes stay readable)."""
        self.events += 1
        kind = str(event.get("kind"))
        self.changes[kind] = self.changes.get(kind, 0) + 1
        t = event.get("t")
        if isinstance(t, (int, float)) and t > self.last_t:
            self.last_t = float(t)
        handler = getattr(self, "_on_" + kind, None)
        if handler is not None:
            try:
                handler(event)
            except (KeyError, TypeError, ValueError, IndexError):
                if len(self.probe_errors) < MAX_PROBE_ERRORS:
                    self.probe_errors.append(f"malformed {str(event.get('kind'))[:40]} event")

    def version(self, kinds: Iterable[str]) -> int:
        """How many events of these kinds were folded: it grows whenever one comes, so a
        view that draws only from them redraws when it differs from the one it drew."""
        changes = self.changes
        return sum(changes.get(kind, 0) for kind in kinds)

    def _on_hello(self, e: P.HelloEvent) -> None:
        self.pid = e.get("pid")
        self.python = e.get("python")
        self.file = e.get("file")
        self.stall_threshold_ms = float(e.get("stall_ms", 50.0))
        self.traced = bool(e.get("trace"))
        self.stepped = bool(e.get("step"))
        if self.status == "starting":
            self.status = "running"

    def _on_started(self, e: P.StartedEvent) -> None:
        self.started_t = float(e["t"])

    def _on_warning(self, e: P.WarningEvent) -> None:
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(WarningRecord(
                category=str(e.get("category", "")), message=str(e.get("message", "")),
                file=e.get("file"), line=e.get("line")))

    def _on_blocked(self, e: P.BlockedEvent) -> None:
        if len(self.blocked) < MAX_BLOCKED:
            self.blocked.append(BlockedRecord(what=e.get("what"), message=str(e.get("message", ""))))

    def _on_error(self, e: P.ErrorEvent) -> None:
        self.error = ErrorRecord(type=str(e.get("type", "")), message=str(e.get("message", "")),
                                 file=e.get("file"), line=e.get("line"),
                                 errno=e.get("errno") or None)

    def _on_limit(self, e: P.LimitEvent) -> None:
        self.probe_limit = LimitRecord(limit=e.get("limit"), message=e.get("message"))

    def _on_end(self, e: P.EndEvent) -> None:
        self.wall_ms = float(e["wall_ms"])
        self.peak_rss_kb = int(e["peak_rss_kb"])
        self._end_stalls()

    def _on_probe_error(self, e: P.ProbeErrorEvent) -> None:
        if len(self.probe_errors) < MAX_PROBE_ERRORS:
            self.probe_errors.append(str(e.get("message", ""))[:300])

    # -- events the parent adds -------------------------------------------------
    def _on_stdout(self, e: P.OutputEvent) -> None:
        self.stdout.append(str(e["data"]), int(e.get("n", len(e["data"]))), float(e.get("t", 0.0)))

    def _on_stderr(self, e: P.OutputEvent) -> None:
        self.stderr.append(str(e["data"]), int(e.get("n", len(e["data"]))), float(e.get("t", 0.0)))

    def _on_sandbox(self, e: P.SandboxEvent) -> None:
        self.sandbox = SandboxRecord(layers=list(e.get("layers", [])),
                                     missing=list(e.get("missing", [])))

    def _on_api(self, e: P.ApiEvent) -> None:
        self.api = {"requests": int(e["requests"]), "in_flight_max": int(e["in_flight_max"]),
                    "connections": int(e["connections"])}

    def _on_code(self, e: P.CodeEvent) -> None:
        self.code = str(e["text"])

    def _on_channel(self, e: P.ChannelEvent) -> None:
        self.channel_problem = str(e.get("problem", "event channel corrupted"))

    def _on_exit(self, e: P.ExitEvent) -> None:
        self.exit = ExitRecord(
            status=str(e["status"]), exit_code=e.get("exit_code"), signal=e.get("signal"),
            limit=e.get("limit"), message=e.get("message"), total_ms=e.get("total_ms"),
            cpu_s=e.get("cpu_s"), peak_rss_kb=e.get("peak_rss_kb"),
            output_truncated=bool(e.get("output_truncated")))
        self.status = self.exit.status
        self.pause = None
        self._end_stalls()
        if self.peak_rss_kb is None and e.get("peak_rss_kb"):
            self.peak_rss_kb = int(e["peak_rss_kb"])

    # ------------------------------------------------------------------ reading
    @property
    def peak_memory_kb(self) -> int | None:
        """The run's peak resident memory: the end's peak or the highest sample, the
        higher (the end's getrusage peak can be a little under a sample of VmRSS); the
        scoreboard compares the same figure."""
        return max((kb for kb in (self.peak_rss_kb, self.rss_max_kb) if kb), default=None)

    @property
    def finished(self) -> bool:
        return self.status in P.FINAL_STATUSES

    @property
    def stopped(self) -> bool:
        """Whether the user stopped the run (then its expectations are not graded)."""
        return self.status in P.STOPPED_STATUSES

    def stall_coro(self, stall: Stall) -> str | None:
        """The coroutine of the task that stalled, when the task table knows it."""
        task = self.tasks.get(stall.tid) if stall.tid is not None else None
        if task is not None:
            return task.coro
        # no row under that id (a stall seen before its task's row): find the task by name
        return self.coro_named(stall.task)

    def stall_task(self, stall: Stall) -> str:
        """What to call the task that stalled (``worker()`` rather than ``Task-4``)."""
        return task_label(stall.task, self.stall_coro(stall))

    def lag_note(self) -> str | None:
        """Why there is no lag figure to show (None when there is one)."""
        if self.lag_samples_ms:
            return None
        if not self.finished:
            return "no samples yet"
        if self.stalls:
            return "none measured: the loop was blocked"
        return "none measured: the run ended too soon"

    @property
    def message(self) -> str | None:
        """A human sentence on how the run ended (None while it runs)."""
        return None if self.exit is None else self.exit.message

    def summary(self) -> dict[str, Any]:
        """The public JSON summary (see :func:`playground.model.summary.summary_of`)."""
        return summary_of(self)
