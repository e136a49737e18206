"""What the probe knows, and the clock that reports it while the loop is stuck.

The snippet's thread only appends to cheap structures (deques, counters, the task
table). A *tick* every ``flush_s`` (see ticks) turns what accumulated into a few
batched events, and checks whether one callback has held the loop past the stall
threshold (and, if so, reads the main thread's frame to name the line); a callback
already running long at one tick gets the next exactly when it crosses the
threshold. So a blocked loop still reports, and the snippet never pays for JSON or
I/O per step.

The :class:`Recorder` is made of parts, each given what it needs: the event channel
(channel), the tick drivers (ticks), stall watching (stalls), the task table and its
rows (tasks), the resident-memory reader (memory); it composes the batch.
"""

from __future__ import annotations

import threading
import types
from collections import deque
from time import perf_counter
from typing import Any

from playground import protocol as P
from playground.probe.channel import EventChannel
from playground.probe.memory import RssReader
from playground.probe.snippet import Snippet
from playground.probe.stalls import StallWatch
from playground.probe.stepping import StepGate
from playground.probe.tasks import (
    C_ALIVE,
    C_CANCELLED,
    C_CREATED,
    C_FAILED,
    C_MAX_ALIVE,
    C_NEXT_TID,
    M_CORO,
    M_FILE,
    M_LINE,
    M_PARENT,
    M_REF,
    M_TID,
    MAX_DETAILED_TASKS,
    WAIT_KINDS,
    TaskReport,
    TaskTable,
)
from playground.probe.ticks import Ticks
from playground.probe.trace import StepLog

__all__ = ["TaskTable", "Recorder", "WAIT_KINDS", "MAX_DETAILED_TASKS", "M_TID", "M_REF",
           "M_PARENT", "M_FILE", "M_LINE", "M_CORO", "HEARTBEAT_S", "C_CREATED", "C_ALIVE",
           "C_MAX_ALIVE", "C_FAILED", "C_CANCELLED", "C_NEXT_TID"]

_WATCH_FROM_S = 0.001  # see Recorder._tick

#: Lag is sampled as the overshoot of a timer due every HEARTBEAT_S seconds (see
#: hooks.ProbeLoop.run_forever; measurements may stretch it).
HEARTBEAT_S = 0.01


class Recorder:
    """The probe's state, shared by the snippet's thread and the ticks."""

    def __init__(
        self,
        out_fd: int,
        origin: str,
        stall_ms: float = 50.0,
        flush_s: float = 0.05,
        poll_s: float = 0.01,
        heartbeat_s: float = HEARTBEAT_S,
        trace: bool = False,
        control_fd: int | None = None,
    ) -> None:
        self.out_fd = out_fd
        self.origin = origin
        self.snippet = Snippet(origin)
        self.stall_s = stall_ms / 1000.0
        self.heartbeat_s = heartbeat_s
        self.flush_s = flush_s
        self.poll_s = poll_s
        # Between two ticks when nothing runs long: a batch is due every flush_s, and
        # a lower stall threshold needs closer looks (see _tick).
        self._check_s = min(self.flush_s, self.stall_s)
        self.t0 = perf_counter()
        # --- written by the snippet's thread ------------------------------------
        self.tasks = TaskTable()
        self.counts = self.tasks.counts  # see C_*
        self.lag_samples: list[float] = []
        self.events: deque[dict[str, Any]] = deque()  # ready-made events (warnings, ...)
        #: Sent after the batch's task rows (step mode's ``paused``: whoever reads the stop
        #: has the tasks' states as of the stop, even if the batch is read in two pieces).
        self.last_events: deque[dict[str, Any]] = deque()
        # --- the parts ----------------------------------------------------------
        self.channel = EventChannel(out_fd)
        self.stalls = StallWatch(origin, self.stall_s, threading.main_thread().ident,
                                 self.tasks, self.emit, self.now)
        self.ended_callbacks = self.stalls.ended  # (handle, start, dt), see runner
        self.report = TaskReport(self.tasks, self.snippet)
        self.ticks = Ticks(self._tick, self._check_s, self.channel, self._tick_failed)
        self._rss = RssReader(out_fd)  # opened now, before the guard watches opens
        self._next_flush = 0.0
        self._flush_lock = threading.Lock()
        # Trace mode: every callback as a step (see trace); step mode traces too, and
        # stops the loop before each callback (see stepping).
        self.trace = StepLog(self.t0) if trace or control_fd is not None else None
        self.gate = StepGate(control_fd, self) if control_fd is not None else None

    # ------------------------------------------------ the snippet, as hooks see it
    @property
    def source(self) -> str:
        return self.snippet.source

    @source.setter
    def source(self, text: str) -> None:
        self.snippet.source = text

    @property
    def snippet_globals(self) -> dict[str, Any] | None:
        return self.snippet.globals

    @snippet_globals.setter
    def snippet_globals(self, g: dict[str, Any] | None) -> None:
        self.snippet.globals = g

    @property
    def check_files(self) -> bool:
        return self.snippet.check_files

    @check_files.setter
    def check_files(self, value: bool) -> None:
        self.snippet.check_files = value

    @property
    def dropped_bytes(self) -> int:
        return self.channel.dropped_bytes

    def watch_cells(self, handle_cell: types.CellType, start_cell: types.CellType) -> None:
        """Where the callback runner keeps the running callback and its start."""
        self.stalls.watch_cells(handle_cell, start_cell)

    # ------------------------------------------------------------------ events
    def now(self) -> float:
        return perf_counter() - self.t0

    def emit(self, event: dict[str, Any]) -> None:
        """Queue an event from any thread (sent at the next flush)."""
        event.setdefault("t", round(self.now(), 6))
        self.events.append(event)

    def start(self, hello: dict[str, Any], *, timer: bool = True) -> None:
        hello.update(kind=P.K_HELLO, v=P.VERSION, t=0.0)
        self.channel.write(P.encode(hello))
        self._next_flush = perf_counter() + self.flush_s
        self.ticks.start(timer=timer)

    def stop(self, end: dict[str, Any]) -> None:
        """Final flush from the snippet's thread, then the end event (with the bytes
        of events the channel had to leave out, if any)."""
        self.ticks.stop()
        self.flush(final=True)
        end.update(kind=P.K_END, t=round(self.now(), 6),
                   dropped_bytes=self.channel.dropped_bytes)
        self.channel.write(P.encode(end))

    # -------------------------------------------------------------------- ticks
    def _tick(self) -> float:
        """Look at the loop once: report a stall, send a batch if one is due. Returns
        when to look next.

        A tick comes at each batch (every ``flush_s``, or every stall threshold if that
        is shorter), and in between only for a callback that is already running long:
        one seen running for at least ``_WATCH_FROM_S`` gets a tick at the exact moment
        it crosses the stall threshold, then one every ``poll_s`` while it lasts, to
        sample the line it is stuck at. A stall is seen by the time it is threshold +
        ``_WATCH_FROM_S`` old: a callback not yet watched at one tick is at most that
        old at the next. Every tick interrupts the snippet (a signal, or a GIL
        hand-over), so a loop running many short callbacks sees only the batches.
        """
        if self.gate is not None:
            self.gate.poll()  # a pause asked for while the loop runs freely
        now = perf_counter()
        cur = self.stalls.current()
        wake = None
        if cur is not None:
            elapsed = now - cur[1]
            if elapsed >= self.stall_s:
                if self.stalls.check(cur, now):
                    self.flush()  # a new stall: now, not at the next batch
                wake = now + self.poll_s
            elif elapsed >= _WATCH_FROM_S:
                wake = cur[1] + self.stall_s
        if now >= self._next_flush:
            self.flush()
            now = perf_counter()
            self._next_flush = now + self.flush_s
        nearest = min(self._next_flush, now + self._check_s)
        return nearest if wake is None or wake > nearest else wake

    def flush_now(self) -> None:
        """A batch now, from the snippet's thread (step mode, when the loop stops): a
        tick of the interval timer arriving meanwhile leaves it to the next one, rather
        than waiting in a signal handler for a lock this thread holds."""
        timer = self.ticks.timer
        was = timer._in_tick
        timer._in_tick = True
        try:
            self.flush()
        finally:
            timer._in_tick = was

    def _tick_failed(self, exc: Exception) -> None:
        self.emit({"kind": "probe_error", "message": repr(exc)})

    # -------------------------------------------------------------------- batch
    def flush(self, final: bool = False) -> None:
        """Send what accumulated as a few batched events."""
        if not self._flush_lock.acquire(timeout=1.0):
            return  # a flush is under way (e.g. interrupted by a signal handler)
        try:
            self._flush(final)
        finally:
            self._flush_lock.release()

    def _flush(self, final: bool) -> None:
        out: list[dict[str, Any]] = []
        t = round(self.now(), 6)
        stalls = self.stalls
        if self.lag_samples:
            samples, self.lag_samples = self.lag_samples, []
            out.append({"kind": P.K_LAG, "t": t, "samples_ms": [round(s * 1000, 3) for s in samples]})
        out.extend(stalls.ended_events(t))
        if self.trace is not None:
            out.extend(self.trace.drain(t))
        out.append({"kind": P.K_MEMORY, "t": t, "rss_kb": self._rss.read_kb()})
        stalls.refresh(perf_counter(), self.flush_s / 2)  # a stall still going on
        while self.events:
            out.append(self.events.popleft())
        cur = stalls.current()
        running = getattr(getattr(cur[0], "_callback", None), "__self__", None) if cur else None
        tasks = self.report.deltas(final, running, stalls.stuck_at(cur))
        if tasks is not None:
            tasks["t"] = t
            out.append(tasks)
        while self.last_events:
            out.append(self.last_events.popleft())
        if out:
            self.channel.write(b"".join(P.encode(e) for e in out))
