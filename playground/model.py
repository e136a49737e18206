"""RunState: everything known about one run, as a pure fold of its events.

The probe's events and the parent's own (output chunks, the exit, the sandbox's
layers) go through :meth:`RunState.apply` in order; nothing else changes a RunState.
So a saved event stream replays to the same state, and every front end (the Textual
app, the headless CLI, a future exporter) reads the same facts.

:meth:`RunState.summary` is the public JSON summary of ``asyncplay run --json``:
its field names are an interface (add fields, rename none).
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from typing import Any

from playground import protocol as P

__all__ = [
    "TaskView",
    "Stall",
    "OutputBuffer",
    "RunState",
    "FINAL_STATUSES",
    "STOPPED_STATUSES",
    "percentile",
    "format_ms",
    "format_mb",
    "place",
    "task_label",
    "classify_exit",
]

#: How a run ended. "stopped": the user stopped it (Stop in the app); such a run is
#: not graded against its expectations. "killed" is what summaries said for a stopped
#: run before "stopped" existed: a reader may still meet it (a saved summary or
#: recording) and takes it for "stopped"; asyncplay no longer reports it.
FINAL_STATUSES = ("ok", "error", "timeout", "limit", "killed", "stopped")
#: The statuses of a run the user stopped (see FINAL_STATUSES).
STOPPED_STATUSES = ("stopped", "killed")
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


# ------------------------------------------------------------------------- wording
# How a run's facts are put in words. Every front end (the app, the headless CLI)
# says them through these, so both say the same thing for the same state.


def format_ms(ms: float | None) -> str:
    """A duration for people: ``0.4 ms``, ``37 ms``, ``1 002 ms`` (``–`` when unknown)."""
    if ms is None:
        return "–"
    if ms < 10:
        return f"{ms:.1f} ms"
    return f"{ms:,.0f} ms".replace(",", " ")


def format_mb(kb: float) -> str:
    """Memory for people, in MB: ``94 MB``."""
    return f"{kb / 1024:.0f} MB"


def place(file: str | None, line: int | None) -> str:
    """``bad.py:15``: a file's base name and a line, as short as stays clear
    (the base name alone without a line, ``?:15`` without a file, "" without both)."""
    if line is None:
        return os.path.basename(file) if file else ""
    name = os.path.basename(file) if file else "?"
    return f"{name}:{line}"


_DEFAULT_TASK_NAME = re.compile(r"^Task-\d+$")


def task_label(name: str, coro: str | None) -> str:
    """What to call a task: its own name, or its coroutine's when asyncio named it ``Task-N``."""
    if coro and (not name or _DEFAULT_TASK_NAME.match(name)):
        return f"{coro}()"
    return name or "?"


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list (0.0 for an empty one)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(q / 100.0 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


@dataclass
class TaskView:
    """One task as the probe last reported it."""

    tid: int
    name: str
    coro: str
    parent: int | None
    created_file: str | None
    created_line: int | None
    state: str = "ready"
    waits_on: str | None = None
    file: str | None = None
    line: int | None = None
    busy_ms: float = 0.0
    steps: int = 0
    detail: str | None = None

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed", "cancelled")

    @property
    def label(self) -> str:
        """What to call it (see :func:`task_label`)."""
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
class OutputBuffer:
    """A stream's output with bounded memory: the head and the tail, and the count."""

    keep_chars: int = 64 * 1024
    head: str = ""
    tail: str = ""
    total_bytes: int = 0
    dropped_chars: int = 0

    def append(self, text: str, nbytes: int) -> None:
        self.total_bytes += nbytes
        room = self.keep_chars - len(self.head)
        if room > 0 and not self.tail:
            self.head += text[:room]
            text = text[room:]
        if text:
            self.tail += text
            if len(self.tail) > self.keep_chars:
                cut = len(self.tail) - self.keep_chars
                self.dropped_chars += cut
                self.tail = self.tail[cut:]

    @property
    def truncated(self) -> bool:
        return self.dropped_chars > 0

    @property
    def text(self) -> str:
        if not self.truncated:
            return self.head + self.tail
        return f"{self.head}\n[... {self.dropped_chars} characters not kept ...]\n{self.tail}"


@dataclass
class RunState:
    """The fold of one run's events. Mutated only by :meth:`apply`."""

    target: str
    status: str = "starting"  # "starting", "running", then one of FINAL_STATUSES
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
    lag_samples_ms: list[float] = field(default_factory=list)
    lag_windows: list[tuple[float, float]] = field(default_factory=list)  # (t, max ms)
    stalls: list[Stall] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    blocked: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, Any] | None = None
    probe_limit: dict[str, Any] | None = None
    wall_ms: float | None = None
    peak_rss_kb: int | None = None
    rss_kb: int | None = None  # resident memory, the latest sample (one per batch)
    rss_series_kb: list[int] = field(default_factory=list)  # thinned like lag_windows
    rss_first_kb: int | None = None  # exact, even when the series is thinned
    rss_max_kb: int | None = None
    exit: dict[str, Any] | None = None
    sandbox: dict[str, Any] = field(default_factory=lambda: {"layers": [], "missing": []})
    #: What the mock API saw: {requests, in_flight_max, connections}; None without it.
    api: dict[str, int] | None = None
    stdout: OutputBuffer = field(default_factory=OutputBuffer)
    stderr: OutputBuffer = field(default_factory=OutputBuffer)
    channel_problem: str | None = None
    probe_errors: list[str] = field(default_factory=list)
    tasks_untracked: int = 0  # new tasks not kept (MAX_TASK_VIEWS live ones already)
    tasks_listed: int = 0  # tasks the probe sent a row for (the others it only counts)
    stalls_dropped: int = 0  # stalls past MAX_STALLS, counted only
    lag_max_ms: float = 0.0  # exact, even when the samples are thinned
    _stall_index: dict[int, Stall] = field(default_factory=dict, repr=False)
    _lag_sorted: list[float] | None = field(default=None, repr=False)
    _lag_seen: int = field(default=0, repr=False)
    _lag_stride: int = field(default=1, repr=False)
    _windows_seen: int = field(default=0, repr=False)
    _windows_stride: int = field(default=1, repr=False)
    _rss_seen: int = field(default=0, repr=False)
    _rss_stride: int = field(default=1, repr=False)
    _finished_kept: int = field(default=0, repr=False)
    _coro_by_name: tuple[int, dict[str, str]] | None = field(default=None, repr=False)

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

    def _on_hello(self, e: dict[str, Any]) -> None:
        self.pid = e.get("pid")
        self.python = e.get("python")
        self.file = e.get("file")
        self.stall_threshold_ms = float(e.get("stall_ms", 50.0))
        if self.status == "starting":
            self.status = "running"

    def _on_started(self, e: dict[str, Any]) -> None:
        self.started_t = float(e["t"])

    def _on_lag(self, e: dict[str, Any]) -> None:
        samples = [float(s) for s in e["samples_ms"]]
        if samples:
            top = max(samples)
            self.lag_max_ms = max(self.lag_max_ms, top)
            first = -self._lag_seen % self._lag_stride
            self.lag_samples_ms.extend(samples[first::self._lag_stride])
            self._lag_seen += len(samples)
            while len(self.lag_samples_ms) > MAX_LAG_SAMPLES:
                # keep every other one: what is left is every (2 * stride)-th sample
                self.lag_samples_ms = self.lag_samples_ms[::2]
                self._lag_stride *= 2
            self._lag_sorted = None
            if self._windows_seen % self._windows_stride == 0:
                self.lag_windows.append((float(e["t"]), top))
            self._windows_seen += 1
            if len(self.lag_windows) > MAX_LAG_WINDOWS:
                self.lag_windows = self.lag_windows[::2]
                self._windows_stride *= 2

    def _on_memory(self, e: dict[str, Any]) -> None:
        kb = int(e["rss_kb"])
        self.rss_kb = kb
        if self.rss_first_kb is None:
            self.rss_first_kb = kb
        if self.rss_max_kb is None or kb > self.rss_max_kb:
            self.rss_max_kb = kb
        if self._rss_seen % self._rss_stride == 0:
            self.rss_series_kb.append(kb)
        self._rss_seen += 1
        if len(self.rss_series_kb) > MAX_LAG_WINDOWS:
            self.rss_series_kb = self.rss_series_kb[::2]
            self._rss_stride *= 2

    def rss(self) -> dict[str, int] | None:
        """Resident memory sampled while the snippet ran: first, highest, last (KiB)."""
        if self.rss_kb is None or self.rss_first_kb is None or self.rss_max_kb is None:
            return None
        return {"first_kb": self.rss_first_kb, "max_kb": self.rss_max_kb, "last_kb": self.rss_kb}

    def _on_stall(self, e: dict[str, Any]) -> None:
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

    def _on_stall_end(self, e: dict[str, Any]) -> None:
        self._on_stall(e)
        stall = self._stall_index.get(e["id"])
        if stall is None:
            self.stalls_dropped += 1
            return
        stall.ms = float(e["ms"])  # the exact duration, measured on the snippet's thread
        if e.get("line"):
            stall.file, stall.line, stall.code = e.get("file"), e.get("line"), str(e.get("code", ""))
        stall.live = False

    def _on_tasks(self, e: dict[str, Any]) -> None:
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
                                       created_file=file, created_line=line)
        for tid, state, waits, file, line, busy_us, steps, detail in e.get("upd", ()):
            task = self.tasks.get(tid)
            if task is None:
                continue
            was_finished = task.finished
            task.state, task.waits_on, task.file, task.line = state, waits, file, line
            task.busy_ms, task.steps, task.detail = float(busy_us) / 1000, int(steps), detail
            self._finished_kept += task.finished - was_finished
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

    def _on_warning(self, e: dict[str, Any]) -> None:
        if len(self.warnings) < 1000:
            self.warnings.append({"category": str(e.get("category", "")),
                                  "message": str(e.get("message", "")),
                                  "file": e.get("file"), "line": e.get("line")})

    def _on_blocked(self, e: dict[str, Any]) -> None:
        if len(self.blocked) < 100:
            self.blocked.append({"what": e.get("what"), "message": str(e.get("message", ""))})

    def _on_error(self, e: dict[str, Any]) -> None:
        self.error = {"type": str(e.get("type", "")), "message": str(e.get("message", "")),
                      "file": e.get("file"), "line": e.get("line")}
        if e.get("errno"):
            self.error["errno"] = e["errno"]

    def _on_limit(self, e: dict[str, Any]) -> None:
        self.probe_limit = {"limit": e.get("limit"), "message": e.get("message")}

    def _on_end(self, e: dict[str, Any]) -> None:
        self.wall_ms = float(e["wall_ms"])
        self.peak_rss_kb = int(e["peak_rss_kb"])
        for stall in self.stalls:
            stall.live = False

    def _on_probe_error(self, e: dict[str, Any]) -> None:
        if len(self.probe_errors) < MAX_PROBE_ERRORS:
            self.probe_errors.append(str(e.get("message", ""))[:300])

    # -- events the parent adds -------------------------------------------------
    def _on_stdout(self, e: dict[str, Any]) -> None:
        self.stdout.append(str(e["data"]), int(e.get("n", len(e["data"]))))

    def _on_stderr(self, e: dict[str, Any]) -> None:
        self.stderr.append(str(e["data"]), int(e.get("n", len(e["data"]))))

    def _on_sandbox(self, e: dict[str, Any]) -> None:
        self.sandbox = {"layers": list(e.get("layers", [])), "missing": list(e.get("missing", []))}

    def _on_api(self, e: dict[str, Any]) -> None:
        self.api = {name: int(e[name]) for name in ("requests", "in_flight_max", "connections")}

    def _on_channel(self, e: dict[str, Any]) -> None:
        self.channel_problem = str(e.get("problem", "event channel corrupted"))

    def _on_exit(self, e: dict[str, Any]) -> None:
        self.exit = dict(e)
        self.status = str(e["status"])
        for stall in self.stalls:
            stall.live = False
        if self.peak_rss_kb is None and e.get("peak_rss_kb"):
            self.peak_rss_kb = int(e["peak_rss_kb"])

    # ------------------------------------------------------------------ reading
    @property
    def finished(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def stopped(self) -> bool:
        """Whether the user stopped the run (then its expectations are not graded)."""
        return self.status in STOPPED_STATUSES

    @property
    def lag_sorted(self) -> list[float]:
        if self._lag_sorted is None:
            self._lag_sorted = sorted(self.lag_samples_ms)
        return self._lag_sorted

    def lag(self) -> dict[str, float]:
        s = self.lag_sorted
        return {"p50_ms": round(percentile(s, 50), 3), "p99_ms": round(percentile(s, 99), 3),
                "max_ms": round(max(self.lag_max_ms, s[-1]), 3) if s else 0.0}

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
        # no row under that id (a stall seen before its task's row): find the task by name,
        # through an index made once per state (a list of stalls asks for each of them)
        if self._coro_by_name is None or self._coro_by_name[0] != self.events:
            self._coro_by_name = (self.events, {t.name: t.coro for t in self.tasks.values()})
        return self._coro_by_name[1].get(stall.task)

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
        return None if self.exit is None else self.exit.get("message")

    def summary(self) -> dict[str, Any]:
        """The public JSON summary (see docs/ARCHITECTURE.md)."""
        ex = self.exit or {}
        return {
            "target": self.target,
            "status": self.status,
            "exit_code": ex.get("exit_code"),
            "signal": ex.get("signal"),
            "wall_ms": round(self.wall_ms, 3) if self.wall_ms is not None else None,
            "total_ms": ex.get("total_ms"),
            "lag": self.lag(),
            "stalls": [s.as_summary() for s in self.stalls],
            "tasks": {"created": self.tasks_created, "max_alive": self.tasks_max_alive,
                      "failed": self.tasks_failed, "cancelled": self.tasks_cancelled},
            "warnings": list(self.warnings),
            "error": self.error,
            "limit": ex.get("limit"),
            "message": ex.get("message"),
            "sandbox": dict(self.sandbox),
            "api": dict(self.api) if self.api is not None else None,
            "output": {"stdout_bytes": self.stdout.total_bytes,
                       "stderr_bytes": self.stderr.total_bytes,
                       "truncated": bool(ex.get("output_truncated"))
                       or self.stdout.truncated or self.stderr.truncated},
            "peak_rss_kb": self.peak_rss_kb or 0,
            "rss": self.rss(),
            "stdout": self.stdout.text,
            "stderr": self.stderr.text,
            "blocked": list(self.blocked),
            "channel": self.channel_problem,
            "dropped": {"tasks": self.tasks_untracked, "stalls": self.stalls_dropped},
        }


# --------------------------------------------------------------------- outcomes
_ERRNO_LIMITS = {"EMFILE": "open_files", "ENFILE": "open_files", "EFBIG": "file_size",
                 "ENOSPC": "file_size", "EDQUOT": "file_size", "EAGAIN": "processes",
                 "ENOMEM": "memory"}
_LIMIT_WORDS = {
    "wall": "it ran longer than the {wall_s:g} s time limit",
    "cpu": "it used more than the {cpu_s:g} s CPU-time limit",
    "memory": "it ran out of memory (limit {memory_mb} MB)",
    "processes": "it tried to start too many processes or threads (limit {processes})",
    "file_size": "it wrote a file larger than the {file_size_mb} MB limit",
    "disk": "it ran out of disk space (files may hold {file_size_mb} MB each, "
            "its work directory a few times that)",
    "open_files": "it opened too many files or sockets (limit {open_files})",
    "output": "it printed more than the {output_size} output limit",
}
#: The snippet's process killed by SIGKILL (not by us) after using at least this
#: share of the memory limit was, in all likelihood, the kernel's OOM killer
#: enforcing the run's memory cgroup (it picks the biggest of the run's processes,
#: which holds a quarter or more of the limit when a few share it).
_OOM_SHARE = 0.25
_MIB = 1024 * 1024


def _size(nbytes: float) -> str:
    """1048576 -> "1 MB", 1536 -> "1.5 KB" (binary units, as the other limits)."""
    for unit, scale in (("GB", 1024 * _MIB), ("MB", _MIB), ("KB", 1024)):
        if nbytes >= scale:
            return f"{round(nbytes / scale, 1):g} {unit}"
    return f"{int(nbytes)} bytes"


def _describe_error(err: dict[str, Any]) -> str:
    """``OSError: [Errno 24] Too many open files (bad.py:6)`` from an error event."""
    kind, text = str(err.get("type") or "Exception"), str(err.get("message") or "")
    detail = f"{kind}: {text}" if text else kind
    line = err.get("line")
    if line and f"line {line}" not in text:  # SyntaxError messages already say where
        detail += f" ({place(err.get('file'), line)})"
    return detail


def classify_exit(
    state: RunState,
    *,
    exit_code: int | None,
    signal: str | None,
    cpu_s: float,
    stop_reason: str | None,
    limits: dict[str, Any],
    peak_rss_kb: int = 0,
    oom_killed: bool | None = None,
) -> tuple[str, str | None, str]:
    """(status, limit, message) for a run that ended; a pure function of the facts.

    ``stop_reason`` is why the parent killed the child, if it did: "timeout",
    "stop" or "output". ``peak_rss_kb`` is the snippet's peak resident memory as
    its reaper measured it (0 when unknown). ``oom_killed`` is whether the run's
    memory cgroup saw an OOM kill (None when unknown: then a SIGKILL we did not send,
    after a large share of the memory limit, is taken for one).
    """
    words = {**limits, "output_size": _size(float(limits.get("output_bytes", 0)))}

    def limited(limit: str, detail: str = "", words_for: str = "") -> tuple[str, str | None, str]:
        text = "Stopped: " + _LIMIT_WORDS[words_for or limit].format(**words) + "."
        return ("limit", limit, text + (f" {detail}" if detail else ""))

    if stop_reason == "timeout":
        return ("timeout", "wall", "Stopped: " + _LIMIT_WORDS["wall"].format(**words) + ".")
    if stop_reason == "stop":
        return ("stopped", None, "Stopped by the user.")
    if stop_reason == "output":
        return limited("output")
    if signal == "SIGXCPU" or (state.probe_limit or {}).get("limit") == "cpu":
        return limited("cpu")
    if signal == "SIGKILL" and cpu_s >= float(limits.get("cpu_s", math.inf)) - 0.5:
        return limited("cpu")
    if signal == "SIGXFSZ":
        return limited("file_size")
    rss_kb = max(peak_rss_kb, state.peak_rss_kb or 0)
    memory_kb = float(limits.get("memory_mb", math.inf)) * 1024
    if signal == "SIGKILL" and (oom_killed or (oom_killed is None and rss_kb >= _OOM_SHARE * memory_kb)):
        at = f" at {_size(rss_kb * 1024)} of memory" if rss_kb else ""
        return limited("memory", f"The system killed it{at}.")
    err = state.error
    if err is not None:
        detail = _describe_error(err)
        if err.get("type") == "MemoryError":
            return limited("memory", detail)
        if err.get("type") == "RuntimeError" and "can't start new thread" in str(err.get("message")):
            return limited("processes", detail)
        limit = _ERRNO_LIMITS.get(str(err.get("errno")))
        if limit == "processes" and err.get("type") != "BlockingIOError":
            limit = None
        if limit is not None:
            full_disk = str(err.get("errno")) in ("ENOSPC", "EDQUOT")
            return limited(limit, detail, words_for="disk" if full_disk else "")
        return ("error", None, f"The snippet raised {detail}.")
    stderr = state.stderr.head + state.stderr.tail
    probe_failed = state.started_t is None and f"playground{os.sep}probe{os.sep}" in stderr
    if (state.pid is None or probe_failed) and (signal is not None or exit_code not in (0, None)):
        # no hello, or a traceback of the probe's own: it broke before the snippet's first line
        last = next((ln.strip() for ln in reversed(state.stderr.tail.splitlines() or
                                                   state.stderr.head.splitlines()) if ln.strip()), "")
        why = f": {last[:300]}" if last else f" (exit code {exit_code})" if signal is None \
            else f" (killed by {signal})"
        return ("error", None, f"The run could not start{why}.")
    if signal is not None:
        return ("error", None, f"The snippet was killed by {signal}.")
    if exit_code not in (0, None):
        return ("error", None, f"The snippet exited with code {exit_code}.")
    if state.wall_ms is None and state.channel_problem is None:
        return ("ok", None, "Finished (the probe did not report the end of the run).")
    return ("ok", None, "Finished.")
