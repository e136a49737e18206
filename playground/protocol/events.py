"""The shape of each kind of event, and the vocabulary as types: for type checkers only.

Nothing checks events at run time (the parent reads every event defensively, see
RunState.apply), and defining these costs the probe's start-up 3 ms: the protocol
imports this module only while type checking, and names it as ``protocol.HelloEvent``
and so on.
"""

from __future__ import annotations

from typing import Literal, TypedDict, Union

TaskState = Literal["running", "ready", "waiting", "done", "failed", "cancelled"]
Status = Literal["ok", "error", "timeout", "limit", "killed", "stopped"]
#: A run's status from its start: "starting", "running", then one of FINAL_STATUSES.
RunStatus = Union[Literal["starting", "running"], Status]
Limit = Literal["wall", "cpu", "memory", "processes", "file_size", "open_files", "output"]

class HelloEvent(TypedDict):
    kind: Literal["hello"]
    t: float
    v: int
    pid: int
    python: str
    file: str
    stall_ms: float


class StartedEvent(TypedDict):
    kind: Literal["started"]
    t: float


#: A new task: [tid, name, coro, parent_tid, file, line].
TaskNew = tuple[int, str, str, int | None, str | None, int | None]
#: A task's row: [tid, state, waits_on, file, line, busy_us, steps, detail].
TaskRow = tuple[int, TaskState, str | None, str | None, int | None, int, int, str | None]


class TasksEvent(TypedDict):
    kind: Literal["tasks"]
    t: float
    new: list[TaskNew]
    upd: list[TaskRow]
    created: int
    alive: int
    max_alive: int
    failed: int
    cancelled: int
    detailed_max: int


class LagEvent(TypedDict):
    kind: Literal["lag"]
    t: float
    samples_ms: list[float]


class MemoryEvent(TypedDict):
    kind: Literal["memory"]
    t: float
    rss_kb: int

class _StallEventFields(TypedDict):
    kind: Literal["stall", "stall_end"]
    t: float
    id: int
    ms: float
    task: str
    file: str | None
    line: int | None
    code: str


class StallEvent(_StallEventFields, total=False):
    tid: int | None  # the task's id, when a task's step blocked


class WarningEvent(TypedDict):
    kind: Literal["warning"]
    t: float
    category: str
    message: str
    file: str | None
    line: int | None


class _ErrorEventFields(TypedDict):
    kind: Literal["error"]
    t: float
    type: str
    message: str
    file: str | None
    line: int | None


class ErrorEvent(_ErrorEventFields, total=False):
    errno: str  # the errno's name ("EMFILE") for an OSError


class EndEvent(TypedDict):
    kind: Literal["end"]
    t: float
    wall_ms: float
    peak_rss_kb: int
    exit_code: int | None


class LimitEvent(TypedDict):
    kind: Literal["limit"]
    t: float
    limit: Limit
    message: str


class BlockedEvent(TypedDict):
    kind: Literal["blocked"]
    t: float
    what: str
    message: str


class ProbeErrorEvent(TypedDict):
    kind: Literal["probe_error"]
    t: float
    message: str


class _OutputEventFields(TypedDict):
    kind: Literal["stdout", "stderr"]
    t: float
    data: str


class OutputEvent(_OutputEventFields, total=False):
    n: int  # the chunk's size in bytes as read (0 for the decoder's last characters)


class ExitEvent(TypedDict):
    kind: Literal["exit"]
    t: float
    exit_code: int | None
    signal: str | None
    status: Status
    limit: Limit | None
    message: str
    total_ms: float
    cpu_s: float
    peak_rss_kb: int
    output_truncated: bool


class SandboxEvent(TypedDict):
    kind: Literal["sandbox"]
    t: float
    layers: list[str]
    missing: list[str]


class ApiEvent(TypedDict):
    kind: Literal["api"]
    t: float
    requests: int
    in_flight_max: int
    connections: int

class StepsEvent(TypedDict):
    kind: Literal["steps"]
    t: float
    start_us: list[int]
    dur_us: list[int]
    owner: list[int]
    names: list[str]


class QueuedCallback(TypedDict):
    tid: int | None
    task: str | None
    callback: str | None
    file: str | None
    line: int | None


class _TimerFields(QueuedCallback):
    in_ms: float


class PausedEvent(TypedDict):
    kind: Literal["paused"]
    t: float
    n: int
    ready: list[QueuedCallback]
    ready_count: int
    timers: list[_TimerFields]


class ResumedEvent(TypedDict):
    kind: Literal["resumed"]
    t: float
    n: int
    mode: Literal["step", "slow", "run"]


class ChannelEvent(TypedDict):
    kind: Literal["channel"]
    t: float
    problem: str


class CodeEvent(TypedDict):
    kind: Literal["code"]
    t: float
    path: str
    text: str


#: Any event of the protocol.
Event = Union[HelloEvent, StartedEvent, TasksEvent, LagEvent, MemoryEvent, StallEvent,
              WarningEvent, ErrorEvent, EndEvent, LimitEvent, BlockedEvent, ProbeErrorEvent,
              OutputEvent, ExitEvent, SandboxEvent, ApiEvent, ChannelEvent, CodeEvent,
              StepsEvent, PausedEvent, ResumedEvent]
