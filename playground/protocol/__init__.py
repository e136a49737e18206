"""The wire format between the probe (inside the child) and the parent.

Events are JSON objects, one per line, written by the probe's watchdog thread to a
dedicated file descriptor (never stdout or stderr). Every event has:

- ``kind``: what happened (see the ``K_*`` names below);
- ``t``: seconds on the child's monotonic clock (``time.perf_counter``) since the
  probe started, so events order themselves and durations subtract exactly.

The first line is always a ``hello`` event carrying ``v`` (the protocol version).

This package is imported by the probe, so it uses the standard library only; the
event shapes (events.py) are for type checkers and never imported at run time.
The parent never trusts the channel: :class:`Decoder` turns arbitrary bytes
(garbage, huge lines, a truncated last line) into events plus a count of what it
had to drop, and never raises.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

__all__ = [
    "VERSION",
    "EVENTS_FD_ENV",
    "MAX_LINE_BYTES",
    "Decoder",
    "encode",
    "K_HELLO",
    "K_STARTED",
    "K_TASKS",
    "K_LAG",
    "K_MEMORY",
    "K_STALL",
    "K_STALL_END",
    "K_WARNING",
    "K_ERROR",
    "K_END",
    "K_LIMIT",
    "K_BLOCKED",
    "K_STDOUT",
    "K_STDERR",
    "K_EXIT",
    "K_SANDBOX",
    "K_CHANNEL",
    "K_API",
    "K_CODE",
    "K_PROBE_ERROR",
    "K_STEPS",
    "K_PAUSED",
    "K_RESUMED",
    "CONTROL_FD_ENV",
    "WARM_READY",
    "TASK_STATES",
    "FINISHED_TASK_STATES",
    "FINAL_STATUSES",
    "STOPPED_STATUSES",
    "LIMITS",
]

VERSION = 2  # 2: task rows carry busy time in whole microseconds

#: Environment variable naming the file descriptor the probe writes events to.
EVENTS_FD_ENV = "ASYNCPLAY_EVENTS_FD"

#: Environment variable naming the fd of the control channel (step mode: parent -> probe).
CONTROL_FD_ENV = "ASYNCPLAY_CONTROL_FD"

#: A warm start's probe writes this line on the event channel once it has imported
#: everything and waits for its run (read by the parent's WarmStart, never folded).
WARM_READY = b"ready\n"

#: Lines longer than this are dropped by the parent (and never written by the probe).
MAX_LINE_BYTES = 1 << 20

# --- kinds written by the probe ------------------------------------------------
K_HELLO = "hello"  # {v, pid, python, file, stall_ms}
K_STARTED = "started"  # the snippet's own code starts now (interpreter start-up done)
K_TASKS = "tasks"  # {new, upd, created, alive, max_alive, failed, cancelled, detailed_max}
#   new: [tid, name, coro, parent_tid, file, line]
#   upd: [tid, state, waits_on, file, line, busy_us, steps, detail]
K_LAG = "lag"  # {samples_ms: [...]}: heartbeat overshoots in this window
K_MEMORY = "memory"  # {rss_kb}: the snippet's resident memory now, one per batch
K_STALL = "stall"  # {id, ms, task, file, line, code}: a callback is blocking now
K_STALL_END = "stall_end"  # {id, ms, task, file, line, code}: it ended, exact duration
K_WARNING = "warning"  # {category, message, file, line}
K_ERROR = "error"  # {type, message, file, line}: uncaught exception in the snippet
K_END = "end"  # {wall_ms, peak_rss_kb, exit_code, dropped_bytes}: the snippet finished
K_LIMIT = "limit"  # {limit, message}: the snippet hit a resource limit (seen in the child)
K_BLOCKED = "blocked"  # {what, message}: the probe's audit hook refused an action
K_PROBE_ERROR = "probe_error"  # {message}: the probe's own failure (the run goes on)
K_STEPS = "steps"  # {start_us, dur_us, owner, names}: callbacks run (trace and step modes)
#   start_us: each step's start in us, the first since the probe started, the others
#   after the step before; dur_us: durations; owner: a task id, -1 (a task without a
#   row), or -2-k for names[k] (a callback that is no task's step)
K_PAUSED = "paused"  # {n, ready, ready_count, timers}: step mode, stopped before a callback
#   ready: [{tid, task, callback, file, line}] (the next callback first); timers: the
#   same with in_ms (how soon each is due); n: callbacks run so far in step mode
K_RESUMED = "resumed"  # {n, mode}: it goes on; mode "step" (one callback), "slow" or "run"

# --- kinds synthesised by the parent (so a recorded stream replays everything) ---
K_STDOUT = "stdout"  # {data}: a chunk of the snippet's stdout (decoded, capped)
K_STDERR = "stderr"  # {data}
K_EXIT = "exit"  # {exit_code, signal, status, limit, message, total_ms}
K_SANDBOX = "sandbox"  # {layers, missing}
K_CHANNEL = "channel"  # {problem}: the event channel was corrupted or closed early
K_API = "api"  # {requests, in_flight_max, connections}: what the mock API saw (runs that use it)
K_CODE = "code"  # {path, text}: the snippet's code as the session copied it into the sandbox


# --- the vocabulary both sides share (defined here once) -------------------------
#: A task's state in a ``tasks`` row: on the loop now, queued to run, waiting on
#: something, or finished one of three ways.
TASK_STATES: tuple[TaskState, ...] = ("running", "ready", "waiting", "done", "failed", "cancelled")
FINISHED_TASK_STATES: tuple[TaskState, ...] = ("done", "failed", "cancelled")

#: How a run ended (``exit.status``, the summary's ``status``). "stopped": the user
#: stopped it, and it is not graded. "killed" is what a stopped run reported before
#: "stopped" existed: a saved summary or recording may still hold it, and readers take
#: it for "stopped"; asyncplay no longer reports it.
FINAL_STATUSES: tuple[Status, ...] = ("ok", "error", "timeout", "limit", "killed", "stopped")
STOPPED_STATUSES: tuple[Status, ...] = ("stopped", "killed")

#: Which limit a run met (``exit.limit``; with status "timeout" for "wall", "limit" otherwise).
LIMITS: tuple[Limit, ...] = ("wall", "cpu", "memory", "processes", "file_size", "open_files",
                             "output")

# The shape of each kind of event, and the vocabulary as types (protocol.HelloEvent,
# protocol.TaskState...): for type checkers only, see events.py.
if TYPE_CHECKING:
    from playground.protocol.events import *  # noqa: F403
    from playground.protocol.events import Limit, Status, TaskState


# The C encoder, made once: ``JSONEncoder.encode`` makes a new one (and a dict to
# detect cycles, which events never have) for every event, which costs more than
# encoding a small event. The pure-Python encoder where there is no C one.
_C_ENCODER: Any = getattr(json.encoder, "c_make_encoder", None)
if _C_ENCODER is not None:
    _CHUNKS = _C_ENCODER(None, str, json.encoder.encode_basestring_ascii, None, ":", ",",
                         False, False, True)

    def _encode(event: dict[str, Any]) -> str:
        return "".join(_CHUNKS(event, 0))
else:  # pragma: no cover
    _encode = json.JSONEncoder(  # type: ignore[assignment]
        separators=(",", ":"), default=str, check_circular=False).encode


def encode(event: dict[str, Any]) -> bytes:
    """One event as a compact JSON line (the probe's side)."""
    return (_encode(event) + "\n").encode()


class Decoder:
    """Incremental, defensive decoder for the event channel (the parent's side).

    Feed it raw chunks; it returns the well-formed events. A line that is not a
    JSON object with a string ``kind`` and a numeric ``t``, or that is longer than
    ``max_line`` bytes, is dropped and counted in :attr:`dropped`. Memory stays
    bounded by ``max_line`` whatever arrives.
    """


    def __init__(self, max_line: int = MAX_LINE_BYTES) -> None:
        # A plain class, not a dataclass: the probe imports this module, and
        # dataclasses would pull in inspect (a megabyte) for nothing.
        self.max_line = max_line
        self.dropped = 0
        self.version: int | None = None
        self._buf = bytearray()
        self._skipping = False

    def feed(self, chunk: bytes) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        start = 0
        while True:
            nl = chunk.find(b"\n", start)
            if nl < 0:
                rest = chunk[start:]
                if self._skipping:
                    return events
                if len(self._buf) + len(rest) > self.max_line:
                    self._buf.clear()
                    self._skipping = True
                    self.dropped += 1
                else:
                    self._buf += rest
                return events
            piece = chunk[start:nl]
            start = nl + 1
            if self._skipping:
                self._skipping = False
                continue
            if len(self._buf) + len(piece) > self.max_line:
                self._buf.clear()
                self.dropped += 1
                continue
            if self._buf:
                self._buf += piece
                line = bytes(self._buf)
                self._buf.clear()
            else:
                line = piece
            event = self._parse(line)
            if event is not None:
                events.append(event)

    @property
    def pending_bytes(self) -> int:
        """Bytes of a partial line held until its newline comes: never more than
        ``max_line`` (a longer line is skipped, not kept)."""
        return len(self._buf)

    def close(self) -> list[dict[str, Any]]:
        """End of channel: a partial last line counts as dropped."""
        if self._buf or self._skipping:
            self.dropped += 1
        self._buf.clear()
        self._skipping = False
        return []

    def _parse(self, line: bytes) -> dict[str, Any] | None:
        if not line.strip():
            return None
        try:
            event = json.loads(line)
        except (ValueError, RecursionError):
            self.dropped += 1
            return None
        if (
            not isinstance(event, dict)
            or not isinstance(event.get("kind"), str)
            or not isinstance(event.get("t"), (int, float))
            or isinstance(event.get("t"), bool)
        ):
            self.dropped += 1
            return None
        if event["kind"] == K_HELLO:
            v = event.get("v")
            if v != VERSION:
                self.dropped += 1
                return None
            self.version = v
        return event
