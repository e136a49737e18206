"""RunState: everything known about one run, as a pure fold of its events.

The probe's events and the parent's own (output chunks, the exit, the sandbox's
layers) go through :meth:`RunState.apply` in order; nothing else changes a RunState.
So a saved event stream replays to the same state, and every front end (the Textual
app, the headless CLI, a future exporter) reads the same facts.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any

from playground import protocol as P
from playground.model.records import (
    BlockedRecord,
    ErrorRecord,
    ExitRecord,
    LimitRecord,
    SandboxRecord,
    Stall,
    TaskView,
    Thinned,
    WarningRecord,
)
from playground.model.output import OutputLines
from playground.model.steps import PauseView, Queued, StepChunk, StepTrace
from playground.model.summary import summary_of
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

#: The order of a task table (RunState.task_rows): live tasks first.
_TABLE_ORDER = {state: i for i, state in enumerate(
    ("running", "ready", "waiting", "failed", "cancelled", "done"))}

#: What one run keeps at most, whatever arrives on its event channel (a snippet can
#: write well-formed events too, by the million): the parent's memory stays bounded.
#: Past these, finished tasks make room for new ones, stalls are counted but not
#: kept, and lag samples, lag windows and memory samples are thinned evenly (the
#: maximum stays exact; MAX_LAG_WINDOWS bounds the memory series too).
MAX_TASK_VIEWS = 20_000
MAX_STALLS = 2_000
MAX_LAG_SAMPLES = 200_000
MAX_LAG_WINDOWS = 10_000
MAX_PROBE_ERRORS = 100
MAX_WARNINGS = 1000
MAX_BLOCKED = 100


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list (0.0 for an empty one)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(q / 100.0 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


@dataclass
class RunState:
    """The fold of one run's events. Mutated only by :meth:`apply`."""

    target: str
    status: str = "starting"  # "starting", "running", then one of protocol.FINAL_STATUSES
    events: int = 0
    pid: int | None = None
    python: str | None = None
    file: str | None = None
    stall_threshold_ms: float = 50.0
    started_t: float | None = None
    last_t: float = 0.0
    tasks: dict[int, TaskView] = field(default_factory=dict)
    tasks_created: int = 0
    tasks_alive: int = 0
    tasks_max_alive: int = 0
    tasks_failed: int = 0
    tasks_cancelled: int = 0
    stalls: list[Stall] = field(default_factory=list)
    warnings: list[WarningRecord] = field(default_factory=list)
    blocked: list[BlockedRecord] = field(default_factory=list)
    error: ErrorRecord | None = None
    probe_limit: LimitRecord | None = None
    wall_ms: float | None = None
    peak_rss_kb: int | None = None
    rss_kb: int | None = None  # resident memory, the latest sample (one per batch)
    rss_first_kb: int | None = None  # exact, even when the series is thinned
    rss_max_kb: int | None = None
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
    tasks_untracked: int = 0  # new tasks not kept (MAX_TASK_VIEWS live ones already)
    tasks_listed: int = 0  # tasks the probe sent a row for (the others it only counts)
    stalls_dropped: int = 0  # stalls past MAX_STALLS, counted only
    lag_max_ms: float = 0.0  # exact, even when the samples are thinned
    #: Trace and step modes: every callback the loop ran (bounded, see model.steps).
    traced: bool = False
    steps: StepTrace = field(default_factory=StepTrace)
    #: Step mode: where the loop stopped (or how it goes on); None when not stepped.
    stepped: bool = False
    pause: PauseView | None = None
    _stall_index: dict[int, Stall] = field(default_factory=dict, repr=False)
    _lag_sorted: list[float] | None = field(default=None, repr=False, compare=False)
    _lag: Thinned[float] = field(default_factory=lambda: Thinned(MAX_LAG_SAMPLES), repr=False)
    _windows: Thinned[tuple[float, float]] = field(
        default_factory=lambda: Thinned(MAX_LAG_WINDOWS), repr=False)
    _rss: Thinned[int] = field(default_factory=lambda: Thinned(MAX_LAG_WINDOWS), repr=False)
    _finished_kept: int = field(default=0, repr=False)
    _coro_by_name: tuple[int, dict[str, str]] | None = field(default=None, repr=False,
                                                             compare=False)

    def snapshot(self) -> RunState:
        """An independent copy: folding more events into either leaves the other as it
        was (a replay keeps these as checkpoints). What the fold replaces and never
        changes (task views, the error, the exit...) is shared; the rest is copied."""
        twin = copy.copy(self)
        twin.tasks = dict(self.tasks)
        twin.stalls = [copy.copy(stall) for stall in self.stalls]
        twin._stall_index = {stall.id: stall for stall in twin.stalls}
        twin.warnings = list(self.warnings)
        twin.blocked = list(self.blocked)
        twin.probe_errors = list(self.probe_errors)
        twin.stdout = self.stdout.snapshot()
        twin.stderr = self.stderr.snapshot()
        twin._lag = self._lag.snapshot()
        twin._windows = self._windows.snapshot()
        twin._rss = self._rss.snapshot()
        twin.steps = self.steps.snapshot()
        twin._lag_sorted = None
        twin._coro_by_name = None
        return twin

    # ----------------------------------------------------------------- folding
    def apply(self, event: dict[str, Any]) -> None:
        """Fold one event in. Unknown kinds are ignored (newer probes stay readable)."""
        self.events += 1
        t = event.get("t")
        if isinstance(t, (int, float)) and t > self.last_t:
            self.last_t = float(t)
        handler = getattr(self, "_on_" + str(event.get("kind")), None)
        if handler is not None:
            try:
                handler(event)
            except (KeyError, TypeError, ValueError, IndexError):
                if len(self.probe_errors) < MAX_PROBE_ERRORS:
                    self.probe_errors.append(f"malformed {str(event.get('kind'))[:40]} event")

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

    def _on_lag(self, e: P.LagEvent) -> None:
        samples = [float(s) for s in e["samples_ms"]]
        if samples:
            top = max(samples)
            self.lag_max_ms = max(self.lag_max_ms, top)
            self._lag.extend(samples)
            self._lag_sorted = None
            self._windows.extend([(float(e["t"]), top)])

    def _on_memory(self, e: P.MemoryEvent) -> None:
        kb = int(e["rss_kb"])
        self.rss_kb = kb
        if self.rss_first_kb is None:
            self.rss_first_kb = kb
        if self.rss_max_kb is None or kb > self.rss_max_kb:
            self.rss_max_kb = kb
        self._rss.extend([kb])

    def rss(self) -> dict[str, int] | None:
        """Resident memory sampled while the snippet ran: first, highest, last (KiB)."""
        if self.rss_kb is None or self.rss_first_kb is None or self.rss_max_kb is None:
            return None
        return {"first_kb": self.rss_first_kb, "max_kb": self.rss_max_kb, "last_kb": self.rss_kb}

    def _on_steps(self, e: P.StepsEvent) -> None:
        self.steps.add(StepChunk.decode(dict(e)))

    def _on_paused(self, e: P.PausedEvent) -> None:
        self.pause = PauseView(
            paused=True, mode="paused", n=int(e["n"]), t=float(e["t"]),
            ready=tuple(Queued.of(dict(q)) for q in e["ready"][:100]),
            ready_count=int(e.get("ready_count", len(e["ready"]))),
            timers=tuple(Queued.of(dict(q)) for q in e.get("timers", [])[:100]))

    def _on_resumed(self, e: P.ResumedEvent) -> None:
        mode = str(e.get("mode", "run"))
        self.pause = PauseView(paused=False, mode=mode if mode in ("step", "slow", "run") else "run",
                               n=int(e["n"]), t=float(e["t"]))

    def _on_stall(self, e: P.StallEvent) -> None:
        stall = self._stall_index.get(e["id"])
        if stall is None:
            if len(self.stalls) >= MAX_STALLS:
                return  # counted when it ends (each stall ends once)
            stall = Stall(id=e["id"], t=float(e["t"]) - float(e["ms"]) / 1000.0, ms=float(e["ms"]),
                          task=str(e.get("task", "")), file=e.get("file"), line=e.get("line"),
                          code=str(e.get("code", "")), tid=e.get("tid"))
            self._stall_index[stall.id] = stall
            self.stalls.append(stall)
        elif stall.live:
            stall.ms = max(stall.ms, float(e["ms"]))
            stall.file, stall.line, stall.code = e.get("file"), e.get("line"), str(e.get("code", ""))

    def _on_stall_end(self, e: P.StallEvent) -> None:
        self._on_stall(e)
        stall = self._stall_index.get(e["id"])
        if stall is None:
            self.stalls_dropped += 1
            return
        stall.ms = float(e["ms"])  # the exact duration, measured on the snippet's thread
        if e.get("line"):
            stall.file, stall.line, stall.code = e.get("file"), e.get("line"), str(e.get("code", ""))
        stall.live = False

    def _on_tasks(self, e: P.TasksEvent) -> None:
        for tid, name, coro, parent, file, line in e.get("new", ()):
            self.tasks_listed += 1
            if tid not in self.tasks and len(self.tasks) >= MAX_TASK_VIEWS \
                    and not self._make_room():
                self.tasks_untracked += 1
                continue
            old = self.tasks.get(tid)
            if old is not None and old.finished:
                self._finished_kept -= 1
            self.tasks[tid] = TaskView(tid=tid, name=str(name), coro=str(coro), parent=parent,
                                       created_file=file, created_line=line,
                                       created_t=float(e["t"]))
        for tid, state, waits, file, line, busy_us, steps, detail in e.get("upd", ()):
            old = self.tasks.get(tid)
            if old is None:
                continue
            ended_t = old.ended_t
            if ended_t is None and state in P.FINISHED_TASK_STATES:
                ended_t = float(e["t"])
            # A new view, not the old one changed: snapshots share the views.
            task = self.tasks[tid] = TaskView(
                old.tid, old.name, old.coro, old.parent, old.created_file, old.created_line,
                state, waits, file, line, float(busy_us) / 1000, int(steps), detail,
                created_t=old.created_t, ended_t=ended_t)
            self._finished_kept += task.finished - old.finished
        self.tasks_created = int(e.get("created", self.tasks_created))
        self.tasks_alive = int(e.get("alive", self.tasks_alive))
        self.tasks_max_alive = int(e.get("max_alive", self.tasks_max_alive))
        self.tasks_failed = int(e.get("failed", self.tasks_failed))
        self.tasks_cancelled = int(e.get("cancelled", self.tasks_cancelled))

    def _make_room(self) -> bool:
        """Forget the oldest finished tasks (down to 90% of the cap); False if none."""
        if self._finished_kept <= 0:
            return False
        target = MAX_TASK_VIEWS * 9 // 10
        for tid in [t for t, v in self.tasks.items() if v.finished]:
            if len(self.tasks) <= target:
                break
            del self.tasks[tid]
            self._finished_kept -= 1
        return len(self.tasks) < MAX_TASK_VIEWS

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
        for stall in self.stalls:
            stall.live = False

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
        for stall in self.stalls:
            stall.live = False
        if self.peak_rss_kb is None and e.get("peak_rss_kb"):
            self.peak_rss_kb = int(e["peak_rss_kb"])

    # ------------------------------------------------------------------ reading
    @property
    def lag_samples_ms(self) -> list[float]:
        """Every heartbeat's lag, thinned evenly past MAX_LAG_SAMPLES."""
        return self._lag.items

    @property
    def lag_windows(self) -> list[tuple[float, float]]:
        """(t, worst lag in ms) per batch window, thinned evenly past MAX_LAG_WINDOWS."""
        return self._windows.items

    @property
    def rss_series_kb(self) -> list[int]:
        """Resident memory, one sample per batch, thinned like lag_windows."""
        return self._rss.items

    @property
    def finished(self) -> bool:
        return self.status in P.FINAL_STATUSES

    @property
    def stopped(self) -> bool:
        """Whether the user stopped the run (then its expectations are not graded)."""
        return self.status in P.STOPPED_STATUSES

    @property
    def lag_sorted(self) -> list[float]:
        if self._lag_sorted is None:
            self._lag_sorted = sorted(self.lag_samples_ms)
        return self._lag_sorted

    def lag(self) -> dict[str, float]:
        s = self.lag_sorted
        return {"p50_ms": round(percentile(s, 50), 3), "p99_ms": round(percentile(s, 99), 3),
                "max_ms": round(max(self.lag_max_ms, s[-1]), 3) if s else 0.0}

    def task_rows(self, limit: int | None = None) -> list[TaskView]:
        """The tasks in the order to show them: live ones first (running, ready,
        waiting), then finished ones (failed, cancelled, done) in the room left; by
        task id within a state. At most ``limit``."""
        order = _TABLE_ORDER
        rows = sorted(self.tasks.values(), key=lambda t: (order.get(t.state, 9), t.tid))
        return rows if limit is None else rows[:limit]

    @property
    def live_stall(self) -> Stall | None:
        for stall in reversed(self.stalls):
            if stall.live:
                return stall
        return None

    def stall_coro(self, stall: Stall) -> str | None:
        """The coroutine of the task that stalled, when the task table knows it."""
        task = self.tasks.get(stall.tid) if stall.tid is not None else None
        if task is not None:
            return task.coro
        # no row under that id (a stall seen before its task's row): find the task by name
        return self._coro_by_name_now().get(stall.task)

    def _coro_by_name_now(self) -> dict[str, str]:
        """Task name -> coroutine, made once per state (a list of stalls or of tasks asks
        for each of its rows)."""
        if self._coro_by_name is None or self._coro_by_name[0] != self.events:
            self._coro_by_name = (self.events, {t.name: t.coro for t in self.tasks.values()})
        return self._coro_by_name[1]

    def stall_task(self, stall: Stall) -> str:
        """What to call the task that stalled (``worker()`` rather than ``Task-4``)."""
        return task_label(stall.task, self.stall_coro(stall))

    def waits_label(self, task: TaskView) -> str | None:
        """What ``task`` waits on, an awaited task called as everywhere else
        (``task worker()`` rather than ``task Task-4``)."""
        waits = task.waits_on
        if waits is None or not waits.startswith("task "):
            return waits
        name = waits[len("task "):]
        return f"task {task_label(name, self._coro_by_name_now().get(name))}"

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
