"""Step mode: the loop stops before each callback until the parent lets it run.

The parent writes commands, one per line, on a pipe of its own (the control
channel, moved out of the snippet's way as the event channel is; see __main__):

- ``.``  run one callback, then stop (while the loop runs freely or in slow motion:
  stop before the next one)
- ``c``  continue: run freely
- ``p``  pause before the next callback
- ``m N``  slow motion: one callback every 1/N s until another command

Before each callback of the snippet's (the probe's own heartbeat runs unseen) the
traced runner asks :meth:`StepGate.wait`. Stopped, the gate reports what is queued
(a ``paused`` event, sent at once: the callback next, the rest of the ready queue,
each as the task it resumes and the line it resumes at; the timers due next) and
blocks on the control channel. The time it waits belongs to nobody: the runner
reads the clock again after it, and a stepped loop's clock (``loop.time()``) leaves
it out, so timers, timeouts and the lag heartbeat see only running time. At the end of the control channel (the parent let go) the loop runs freely.
"""

from __future__ import annotations

import asyncio
import heapq
import os
import select
from time import monotonic, perf_counter
from typing import TYPE_CHECKING, Any, Callable

from playground import protocol as P
from playground.probe.tasks import M_TID
from playground.probe.trace import step_name

if TYPE_CHECKING:
    from playground.probe.recorder import Recorder

__all__ = ["StepGate", "MAX_QUEUED", "MAX_TIMERS"]

#: How much of the ready queue and of the timers a ``paused`` event lists.
MAX_QUEUED = 20
MAX_TIMERS = 5
_HEARTBEAT = "_ap_heartbeat"


class StepGate:
    """The stop before each callback, and the commands that lift it."""

    def __init__(self, fd: int, rec: Recorder, *, paused: bool = True) -> None:
        self.fd = fd
        self.rec = rec
        self.on = paused  # stop before the next callback (the runner reads this)
        self.rate = 0.0  # slow motion: callbacks per second (0: wait for a command)
        self.pending = 0  # callbacks asked for and not yet run
        self.n = 0  # callbacks run in step mode
        self._waiting = False
        self._partial = b""
        self.stopped_s = 0.0  # time spent stopped, which the loops' clocks leave out

    def clock(self) -> Callable[[], float]:
        """A loop's ``time()`` in step mode: monotonic time without the time stopped.
        For the loop a stop does not exist: a timer, a timeout, the lag heartbeat
        fall due after as much running time as in a run that is not stepped."""
        def time() -> float:
            return monotonic() - self.stopped_s
        return time

    # ---------------------------------------------------------------- commands
    def _commands(self, data: bytes, *, paused: bool) -> None:
        lines = (self._partial + data).split(b"\n")
        self._partial = lines.pop()[-64:]
        for raw in lines:
            cmd = raw.strip().decode("ascii", "replace")
            if cmd == ".":
                if paused:
                    self.pending += 1
                self.on, self.rate = True, 0.0  # running freely: stop before the next one
            elif cmd == "c":
                self.on, self.rate, self.pending = False, 0.0, 0
            elif cmd == "p":
                self.on, self.rate, self.pending = True, 0.0, 0
            elif cmd.startswith("m"):
                try:
                    rate = float(cmd[1:].strip() or "1")
                except ValueError:
                    continue
                self.on, self.rate = True, min(max(rate, 0.1), 1000.0)

    def _let_go(self) -> None:
        """The control channel ended: run freely from now on."""
        self.on, self.rate, self.pending = False, 0.0, 0
        if self.fd >= 0:
            try:
                os.close(self.fd)
            except OSError:
                pass
            self.fd = -1

    def poll(self) -> None:
        """Commands sent while the loop runs freely (from a tick: never blocks)."""
        if self._waiting or self.fd < 0:
            return
        try:
            if not select.select([self.fd], [], [], 0)[0]:
                return
            data = os.read(self.fd, 4096)
        except OSError:
            data = b""
        if not data:
            self._let_go()
            return
        self._commands(data, paused=False)

    # -------------------------------------------------------------------- stop
    def wait(self, handle: Any, ready: Any) -> bool:
        """Before ``handle`` runs: stop until told to go. True when it waited (the
        caller reads its clock again)."""
        if self.fd < 0:
            self.on = False
            return False
        callback = handle._callback
        if getattr(callback, "__name__", None) == _HEARTBEAT:
            return False  # the probe's own
        if self.pending:
            self.pending -= 1
            self.n += 1
            return False
        began = perf_counter()
        self._report(handle, ready)
        self._waiting = True
        try:
            while self.on and not self.pending:
                try:
                    readable = select.select([self.fd], [], [],
                                             1.0 / self.rate if self.rate else None)[0]
                    data = os.read(self.fd, 4096) if readable else None
                except OSError:
                    data = b""
                if data is None:
                    break  # slow motion: time for the next one
                if not data:
                    self._let_go()
                    break
                self._commands(data, paused=True)
        finally:
            self._waiting = False
        if self.pending:
            self.pending -= 1
        self.n += 1
        self.stopped_s += perf_counter() - began  # the loops' clocks leave it out
        self.rec.emit({"kind": P.K_RESUMED, "n": self.n,
                       "mode": "slow" if self.rate else ("step" if self.on else "run")})
        return True

    # ------------------------------------------------------------------ report
    def _report(self, handle: Any, ready: Any) -> None:
        loop = handle._loop
        queued = [self._describe(handle)]
        for h in list(ready)[:MAX_QUEUED - 1]:
            if not h._cancelled and getattr(h._callback, "__name__", None) != _HEARTBEAT:
                queued.append(self._describe(h))
        timers: list[dict[str, Any]] = []
        now = loop.time()
        for h in heapq.nsmallest(MAX_TIMERS + 1, (h for h in loop._scheduled
                                                  if not h._cancelled), key=lambda h: h._when):
            if getattr(h._callback, "__name__", None) == _HEARTBEAT:
                continue
            entry = self._describe(h)
            entry["in_ms"] = round(max(0.0, h._when - now) * 1000, 3)
            timers.append(entry)
        ready_count = 1 + sum(1 for h in ready if not h._cancelled
                              and getattr(h._callback, "__name__", None) != _HEARTBEAT)
        # After the batch's task rows: the stop is read with the tasks' states at it.
        self.rec.last_events.append({
            "kind": P.K_PAUSED, "t": round(self.rec.now(), 6), "n": self.n,
            "ready": queued[:MAX_QUEUED], "ready_count": ready_count,
            "timers": timers[:MAX_TIMERS]})
        self.rec.flush_now()

    def _describe(self, handle: Any) -> dict[str, Any]:
        """The callback of ``handle``: the task it steps or wakes, where that task
        resumes; or the callback's name."""
        callback = handle._callback
        owner = getattr(callback, "__self__", None)
        if isinstance(owner, asyncio.Task):
            return self._task(owner, None)
        for arg in handle._args or ():
            # A callback that completes a future a task awaits: a sleep's timer, a
            # future's result being set. Named by the task it wakes.
            if isinstance(arg, asyncio.Future):
                for done_cb, _ctx in getattr(arg, "_callbacks", None) or ():
                    task = getattr(done_cb, "__self__", None)
                    if isinstance(task, asyncio.Task):
                        return self._task(task, step_name(callback))
        return {"tid": None, "task": None, "callback": step_name(callback),
                "file": None, "line": None}

    def _task(self, task: Any, via: str | None) -> dict[str, Any]:
        slot = getattr(task, "_ap_slot", None)
        tid = self.rec.tasks.meta[slot][M_TID] if slot is not None else None
        try:
            _kind, file, line = self.rec.report._describe_wait(task, None)
        except Exception:  # a task whose coroutine cannot be read: named only
            file = line = None
        return {"tid": tid, "task": task.get_name(), "callback": via, "file": file,
                "line": line}
