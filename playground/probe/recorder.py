"""What the probe knows, and the clock that reports it while the loop is stuck.

The snippet's thread only appends to cheap structures (deques, counters, a record
per task). A *tick* every ``flush_s`` turns what accumulated into a few batched
events, and checks whether one callback has held the loop past the stall threshold
(and, if so, reads the main thread's frame to name the line); a callback already
running long at one tick gets the next exactly when it crosses the threshold. So a
blocked loop still reports, and the snippet never pays for JSON or I/O per step.

Two drivers run the ticks:

- **the kernel's interval timer** (default, POSIX): ``ITIMER_REAL`` raises SIGALRM;
  its handler runs on the main thread between two bytecodes of whatever runs there,
  a blocked loop included (a ``time.sleep`` or a socket read is interrupted, the
  handler runs, the call resumes for the time left, PEP 475). Writes are
  non-blocking, so a slow reader never blocks the snippet.
- **a watchdog thread**, used where there is no interval timer, and as soon as the
  snippet takes SIGALRM or ITIMER_REAL for itself.

Why not always the thread: every wake of a Python thread is a GIL hand-over, and on
virtual machines such as this project's CI one hand-over costs the snippet up to a few
milliseconds (measured: a thread waking at 20 Hz slowed a 90 ms asyncio workload by
9-11%; SIGALRM at 100 Hz by less than the noise; it now comes at 20 Hz). Both drivers
cannot run a tick while C code holds the GIL; such a stall is reported when the GIL is
released, with its exact duration measured on the snippet's thread.
"""

from __future__ import annotations

import asyncio
import gc
import linecache
import os
import signal
import sys
import threading
import types
import weakref
from collections import Counter, deque
from time import perf_counter
from types import FrameType
from typing import Any, Iterable

from playground import protocol as P
from playground.probe.memory import RssReader

__all__ = ["TaskTable", "Recorder", "WAIT_KINDS", "MAX_DETAILED_TASKS", "M_TID", "M_REF",
           "M_PARENT", "M_FILE", "M_LINE", "M_CORO", "HEARTBEAT_S", "C_CREATED", "C_ALIVE", "C_MAX_ALIVE",
           "C_FAILED", "C_CANCELLED", "C_NEXT_TID"]

#: How the innermost awaited coroutine names what a task waits on.
WAIT_KINDS: dict[tuple[str, str], str] = {
    ("tasks.py", "sleep"): "sleep",
    ("tasks.py", "__sleep0"): "sleep",
    ("locks.py", "Event.wait"): "Event",
    ("locks.py", "Lock.acquire"): "Lock",
    ("locks.py", "Semaphore.acquire"): "Semaphore",
    ("locks.py", "BoundedSemaphore.acquire"): "Semaphore",
    ("locks.py", "Condition.wait"): "Condition",
    ("locks.py", "Barrier.wait"): "Barrier",
    ("queues.py", "Queue.get"): "Queue.get",
    ("queues.py", "Queue.put"): "Queue.put",
    ("queues.py", "Queue.join"): "Queue.join",
    ("streams.py", "StreamReader._wait_for_data"): "socket read",
    ("streams.py", "StreamWriter.drain"): "socket write",
    ("streams.py", "FlowControlMixin._drain_helper"): "socket write",
    ("selector_events.py", "BaseSelectorEventLoop.sock_recv"): "socket read",
    ("selector_events.py", "BaseSelectorEventLoop.sock_sendall"): "socket write",
    ("selector_events.py", "BaseSelectorEventLoop.sock_connect"): "socket connect",
    ("selector_events.py", "BaseSelectorEventLoop.sock_accept"): "socket accept",
    ("base_events.py", "BaseEventLoop.create_connection"): "socket connect",
    ("base_events.py", "BaseEventLoop.getaddrinfo"): "dns",
    ("base_events.py", "BaseEventLoop.run_in_executor"): "executor",
    ("threads.py", "to_thread"): "executor",
    ("tasks.py", "gather"): "gather",
    ("tasks.py", "wait"): "wait",
    ("tasks.py", "_wait"): "wait",
    ("tasks.py", "wait_for"): "wait_for",
    ("timeouts.py", "Timeout.__aexit__"): "timeout",
    ("streams.py", "StreamReader._wait"): "socket read",  # aiohttp's streams.py
    ("client_proto.py", "ResponseHandler.read"): "socket read",  # older aiohttp
    ("streams.py", "DataQueue.read"): "socket read",  # aiohttp: the response
    ("streams.py", "FlowControlDataQueue.read"): "socket read",
    ("connector.py", "BaseConnector.connect"): "socket connect",
    ("connector.py", "TCPConnector._create_connection"): "socket connect",
}

#: The same, by function alone (the names are unique): for code below the snippet's.
_WAIT_BY_QUALNAME: dict[str, str] = {qualname: kind for (_, qualname), kind in WAIT_KINDS.items()}
assert len(_WAIT_BY_QUALNAME) == len(WAIT_KINDS)

_MAX_UPDATES_PER_FLUSH = 16
_BURST_TASKS = 32  # more new tasks than this waiting for a report: see _task_deltas
_WATCH_FROM_S = 0.001  # see Recorder._tick
_MIN_WAIT_S = 0.0005  # the closest two ticks come
_MAX_PENDING_BYTES = 16 << 20  # events kept while the parent does not read
_ORIGINAL_SIGNAL = signal.signal
_ORIGINAL_SETITIMER: Any = getattr(signal, "setitimer", None)
_ORIGINAL_ALARM: Any = getattr(signal, "alarm", None)
_MAX_ROWS_PER_FLUSH = 2000
_FULL_RESCAN_BELOW = 16  # re-examine every live task each flush when there are few


#: Per-task facts live in parallel lists indexed by a *slot* (``task._ap_slot``), see
#: TaskTable: one slot per detailed task, from its creation until its last row is sent.

#: Recorder.counts, by index (C_NEXT_TID: the id the next detailed task gets).
C_CREATED, C_ALIVE, C_MAX_ALIVE, C_FAILED, C_CANCELLED, C_NEXT_TID = range(6)

#: Lag is sampled as the overshoot of a timer due every HEARTBEAT_S seconds (see
#: hooks.ProbeLoop.run_forever; measurements may stretch it).
HEARTBEAT_S = 0.01

#: Tasks reported one by one (the task table): at most this many at once, counting
#: those that finished since the last report. The tasks beyond are counted exactly
#: (created, alive, failed, cancelled), and a stall in one still names it, but they
#: get no row. A task followed one by one costs the snippet about 7 us more than one
#: only counted (its creation site, its rows, their encoding, its share of garbage
#: collections; measured in a run of 500 aiohttp requests): 64 rows at once are more
#: than a terminal shows, and the app keeps finished ones, up to 200 rows.
MAX_DETAILED_TASKS = 64

#: TaskTable.meta fields, by index.
M_TID, M_REF, M_PARENT, M_FILE, M_LINE, M_CORO = range(6)


#: What ``async for`` over an async generator awaits (its ``__anext__()``, ``anext()``):
#: objects that show neither the generator nor what it awaits, see _async_generator_of.
_AWAITING_A_GENERATOR = frozenset(
    {"async_generator_asend", "async_generator_athrow", "anext_awaitable"})


def _async_generator_of(awaitable: Any) -> Any:
    """The async generator that an ``async for`` step (``asend``) drives, so that
    the await chain goes on through it: without it, a task iterating a snippet's async
    generator would seem to wait on an anonymous future. The generator is found among
    what the step object refers to (one audited call, and only at the end of a chain)."""
    for _ in range(3):  # anext() wraps an asend
        found = None
        for ref in gc.get_referents(awaitable):
            if type(ref) is types.AsyncGeneratorType:
                return ref
            if type(ref).__name__ in _AWAITING_A_GENERATOR:
                found = ref
        if found is None:
            return None
        awaitable = found
    return None


class TaskTable:
    """What the probe knows about each detailed task, in parallel lists by slot.

    Not one record per task: the lists are made once, before the snippet runs, and
    frozen out of the garbage collector's sight with everything else the probe
    allocates (``gc.freeze``), so a step costs two list updates. A task carries its
    slot as an attribute (an int, which keeps the task's attribute dict out of the
    collector's sight too); the slot returns to the free list once the task's last
    row is sent. Tasks beyond the capacity have no slot: they are only counted, known
    by their hashes (their addresses) until they end.
    """

    def __init__(self, capacity: int = MAX_DETAILED_TASKS) -> None:
        # (tid, weak reference, parent tid, file, line, coroutine), set at creation
        self.meta: list[Any] = [None] * capacity
        self.busy_s: list[float] = [0.0] * capacity
        # Steps are counted in floats: a step adds to busy time and to steps with the
        # same float addition, so the loop's hot path runs less distinct code (an int
        # addition is more of the interpreter to keep in the CPU's instruction cache).
        self.steps: list[float] = [0.0] * capacity
        self.name: list[str | None] = [None] * capacity  # kept at the end if not yet sent
        self.sent: list[bool] = [False] * capacity  # announced in a report
        # What the last row sent of a live task showed, (steps, ready): a task that
        # has not stepped since, and is as ready as it was, has the same row.
        self.shown: list[tuple[float, bool] | None] = [None] * capacity
        self.free: list[int] = list(range(capacity - 1, -1, -1))
        self.live: set[int] = set()  # slots of detailed tasks not finished yet (the others are)
        # hashes of the tasks beyond the capacity not finished yet: only counted
        self.beyond: set[int] = set()
        # subclasses of asyncio.Task (a snippet's own factory's) given a slot
        self.other_types: set[type] = set()
        self.created: deque[tuple[int, int]] = deque()  # (slot, tid), not yet announced
        # (slot, tid, state, detail) of tasks that finished, for their last row
        self.finished: deque[tuple[int, int, str, str | None]] = deque()

    def tid(self, slot: int | None) -> int | None:
        """The task id of a slot (None for a task without a row)."""
        meta = self.meta[slot] if slot is not None else None
        return meta[M_TID] if meta is not None else None

    def release(self, slot: int) -> None:
        self.meta[slot] = self.name[slot] = self.shown[slot] = None
        self.free.append(slot)

    def adopt(self, tasks: Iterable[Any], counts: list[int]) -> None:
        """Give the free slots to live tasks that were created while every slot was
        taken (``beyond``), those waiting on something first (a sleeping task shows
        more than one about to finish): without it, a task created in a burst would
        have no row for as long as it lives, behind finished ones. Called from the
        loop's thread, between two callbacks, so that no step of these tasks is
        being accounted meanwhile. An adopted task's row counts its busy time and
        steps from then on; its creation site and parent are not known."""
        free, beyond, task_type = self.free, self.beyond, asyncio.Task
        found: list[Any] = [task for task in tasks
                            if type(task) is task_type and hash(task) in beyond]
        found.sort(key=lambda task: task._fut_waiter is None)  # waiting ones first
        for task in found[:len(free)]:
            slot = free.pop()
            tid = counts[C_NEXT_TID]
            counts[C_NEXT_TID] = tid + 1
            coro = task.get_coro()
            self.meta[slot] = (tid, weakref.ref(task), None, None, None,
                               getattr(coro, "__qualname__", None) or type(coro).__name__)
            self.busy_s[slot] = self.steps[slot] = 0.0
            self.sent[slot] = False
            task._ap_slot = slot
            beyond.discard(hash(task))
            self.live.add(slot)
            self.created.append((slot, tid))


class Recorder:
    """Shared state between the snippet's thread and the watchdog thread."""

    def __init__(
        self,
        out_fd: int,
        origin: str,
        stall_ms: float = 50.0,
        flush_s: float = 0.05,
        poll_s: float = 0.01,
        heartbeat_s: float = HEARTBEAT_S,
    ) -> None:
        self.out_fd = out_fd
        self.origin = origin
        self.source = ""  # the snippet's source text, set before it runs
        # The snippet's module globals, set before it runs: a frame whose globals are
        # these may be the snippet's (the cheap test; its file name is the exact one).
        self.snippet_globals: dict[str, Any] | None = None
        # Whether a frame with the snippet's globals must also show the snippet's
        # file name to count as the snippet's (see hooks: the task factory). Cleared
        # once the snippet is compiled when an audit hook watches for new code.
        self.check_files = True
        self.stall_s = stall_ms / 1000.0
        self.heartbeat_s = heartbeat_s
        self.flush_s = flush_s
        self.poll_s = poll_s
        # Between two ticks when nothing runs long: a batch is due every flush_s, and
        # a lower stall threshold needs closer looks (see _tick).
        self._check_s = min(self.flush_s, self.stall_s)
        self.t0 = perf_counter()
        self.main_ident = threading.main_thread().ident
        # --- written by the snippet's thread ------------------------------------
        # The callback running now and when it started: cells of the callback hook's
        # closure (see hooks._make_runners), read here, written there.
        self._handle_cell = types.CellType(None)
        self._start_cell = types.CellType(0.0)
        self.tasks = TaskTable()
        self.ended_callbacks: deque[tuple[Any, float, float]] = deque()  # (handle, start, dt)
        self.lag_samples: list[float] = []
        self.events: deque[dict[str, Any]] = deque()  # ready-made events (warnings, ...)
        # Task counters, in one list (cheaper to update than attributes); see C_*.
        self.counts = [0, 0, 0, 0, 0, 1]
        # --- owned by the watchdog ----------------------------------------------
        self._stall: dict[str, Any] | None = None
        self._stall_handle: Any = None
        self._stall_lines: Counter[tuple[str, int, str]] = Counter()
        self._stall_seq = 0
        self._stall_sent_at = 0.0
        self._rotation: list[int] = []
        self._closed = False
        self._outbuf = bytearray()  # written, not yet taken by the pipe (timer driver)
        self.dropped_bytes = 0
        self._timer = False
        self._in_tick = False
        self._next_flush = 0.0
        self._stop = threading.Event()
        self._flush_lock = threading.Lock()
        self._thread = threading.Thread(target=self._watch, name="asyncplay-watchdog", daemon=True)
        self._module_files: dict[Any, str] = {}  # module name -> file name, for WAIT_KINDS
        self._rss = RssReader(out_fd)  # opened now, before the guard watches opens

    # ------------------------------------------------------------------ writer
    def now(self) -> float:
        return perf_counter() - self.t0

    def emit(self, event: dict[str, Any]) -> None:
        """Queue an event from any thread (sent at the next flush)."""
        event.setdefault("t", round(self.now(), 6))
        self.events.append(event)

    def _write(self, data: bytes) -> None:
        """Write whole lines; with the timer driver never block (keep the rest)."""
        if self._closed:
            return
        buf = self._outbuf
        if len(buf) + len(data) > _MAX_PENDING_BYTES:
            self.dropped_bytes += len(data)  # whole lines only: the stream stays valid
        else:
            buf += data
        try:
            while buf:
                n = os.write(self.out_fd, buf)
                del buf[:n]
        except BlockingIOError:
            pass  # the pipe is full: the rest goes with the next write
        except OSError:
            self._closed = True  # the parent is gone or the snippet closed our fd

    def start(self, hello: dict[str, Any], *, timer: bool = True) -> None:
        hello.update(kind=P.K_HELLO, v=P.VERSION, t=0.0)
        self._write(P.encode(hello))
        if not (timer and self._start_timer()):
            self._thread.start()

    def stop(self, end: dict[str, Any]) -> None:
        """Final flush from the snippet's thread, then the end event."""
        self._stop_timer()
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=2.0)
        self.flush(final=True)
        end.update(kind=P.K_END, t=round(self.now(), 6))
        self._write(P.encode(end))

    # -------------------------------------------------------------- timer driver
    def _start_timer(self) -> bool:
        if (not hasattr(signal, "setitimer")
                or threading.current_thread() is not threading.main_thread()):
            return False
        try:
            os.set_blocking(self.out_fd, False)
            _ORIGINAL_SIGNAL(signal.SIGALRM, self._on_alarm)
            self._next_flush = perf_counter() + self.flush_s
            self._timer = True
            _ORIGINAL_SETITIMER(signal.ITIMER_REAL, self._check_s)  # one shot: see _on_alarm
        except (OSError, ValueError):
            self._stop_timer()
            return False
        self._guard_sigalrm()
        return True

    def _stop_timer(self) -> None:
        if not self._timer:
            return
        self._timer = False
        try:
            _ORIGINAL_SETITIMER(signal.ITIMER_REAL, 0, 0)
            # Ignoring first discards a tick already generated but not yet delivered
            # (POSIX), which would otherwise meet the default action: termination.
            _ORIGINAL_SIGNAL(signal.SIGALRM, signal.SIG_IGN)
            _ORIGINAL_SIGNAL(signal.SIGALRM, signal.SIG_DFL)
        except (OSError, ValueError):
            pass
        try:
            os.set_blocking(self.out_fd, True)
        except OSError:
            pass

    def _guard_sigalrm(self) -> None:
        """If the snippet takes SIGALRM or ITIMER_REAL for itself, hand the ticks to
        the watchdog thread first, so that both keep working."""
        rec = self

        def handover() -> None:
            if rec._timer:
                rec._stop_timer()
                if not rec._stop.is_set() and not rec._thread.is_alive():
                    rec._thread.start()

        def signal_(signalnum: Any, handler: Any) -> Any:
            if signalnum == signal.SIGALRM:
                handover()
            return _ORIGINAL_SIGNAL(signalnum, handler)

        def setitimer(which: int, seconds: float, interval: float = 0.0) -> Any:
            if which == signal.ITIMER_REAL:
                handover()
            return _ORIGINAL_SETITIMER(which, seconds, interval)

        def alarm(seconds: int) -> int:
            handover()
            return _ORIGINAL_ALARM(seconds)

        signal.signal = signal_  # type: ignore[assignment]
        signal.setitimer = setitimer  # type: ignore[assignment]
        signal.alarm = alarm  # type: ignore[assignment]

    def _on_alarm(self, signum: int, frame: FrameType | None) -> None:
        if not self._timer:
            return
        wake = perf_counter() + self._check_s
        if not self._in_tick:  # a tick never interrupts a tick
            self._in_tick = True
            try:
                wake = self._tick()
            except Exception as exc:  # never let the probe break the snippet
                self.events.append({"kind": "probe_error", "t": round(self.now(), 6),
                                    "message": repr(exc)})
            finally:
                self._in_tick = False
        if self._timer:  # one shot at a time: the next tick when there is a reason for it
            try:
                _ORIGINAL_SETITIMER(signal.ITIMER_REAL, max(_MIN_WAIT_S, wake - perf_counter()))
            except (OSError, ValueError):
                pass

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
        now = perf_counter()
        cur = self.current()
        wake = None
        if cur is not None:
            elapsed = now - cur[1]
            if elapsed >= self.stall_s:
                self._check_stall(cur, now)
                wake = now + self.poll_s
            elif elapsed >= _WATCH_FROM_S:
                wake = cur[1] + self.stall_s
        if now >= self._next_flush:
            self.flush()
            now = perf_counter()
            self._next_flush = now + self.flush_s
        nearest = min(self._next_flush, now + self._check_s)
        return nearest if wake is None or wake > nearest else wake

    # ------------------------------------------------------------ thread driver
    def watch_cells(self, handle_cell: types.CellType, start_cell: types.CellType) -> None:
        """Where the callback hook keeps the running callback and its start."""
        self._handle_cell, self._start_cell = handle_cell, start_cell

    @property
    def cur_handle(self) -> Any:
        return self._handle_cell.cell_contents

    def current(self) -> tuple[Any, float] | None:
        """(handle, start) of the callback running now, read consistently."""
        handle = self._handle_cell.cell_contents
        if handle is None:
            return None
        start = self._start_cell.cell_contents
        if self._handle_cell.cell_contents is not handle:
            return None
        return handle, start

    def _watch(self) -> None:
        """The thread driver: a tick (see _tick) at each wake."""
        self._next_flush = perf_counter() + self.flush_s
        wait_s = self._check_s
        while not self._stop.wait(wait_s):
            try:
                wait_s = max(_MIN_WAIT_S, self._tick() - perf_counter())
            except Exception as exc:  # never let the probe kill the snippet
                wait_s = self._check_s
                self._write(
                    P.encode({"kind": "probe_error", "t": self.now(), "message": repr(exc)})
                )

    def _check_stall(self, cur: tuple[Any, float], now: float) -> None:
        handle, start = cur
        frame = sys._current_frames().get(self.main_ident)  # type: ignore[arg-type]
        if self.cur_handle is not handle or frame is None:
            return  # the callback ended while we looked
        where = self._snippet_frame(frame)
        del frame
        if handle is not self._stall_handle:
            # The stall watched until now may have ended since the last batch: its
            # end goes out first, while it is still the one watched (else it would be
            # taken for a stall never seen, and reported twice, the copy at line 0).
            self.events.extend(self._ended_stalls(round(self.now(), 6)))
            self._stall_seq += 1
            self._stall_handle = handle
            self._stall_lines = Counter()
            self._stall = self._stall_owner(handle)
            self._stall_lines[where] += 1
            self._send_stall(now - start)  # live: the user sees it while it happens
            self._stall_sent_at = now
            self.flush()  # now, not at the next batch
        else:
            self._stall_lines[where] += 1

    def _send_stall(self, elapsed_s: float) -> None:
        assert self._stall is not None
        (file, line, code), _ = self._stall_lines.most_common(1)[0]
        ev = dict(self._stall, kind=P.K_STALL, ms=round(elapsed_s * 1000, 1))
        ev.update(file=file, line=line, code=code)
        self.emit(ev)

    def _snippet_frame(self, frame: FrameType | None) -> tuple[str, int, str]:
        """The innermost frame in the snippet's own file (else the innermost frame)."""
        innermost = frame
        while frame is not None:
            if frame.f_code.co_filename == self.origin:
                break
            frame = frame.f_back
        chosen = frame or innermost
        if chosen is None:
            return ("", 0, "")
        file, line = chosen.f_code.co_filename, chosen.f_lineno or 0
        return (file, line, linecache.getline(file, line).strip())

    def _stall_owner(self, handle: Any) -> dict[str, Any]:
        """The stall's id, the task (or callback) name, and the task's id if it is one."""
        owner = getattr(getattr(handle, "_callback", None), "__self__", None)
        tid = self.tasks.tid(getattr(owner, "_ap_slot", None))
        return {"id": self._stall_seq, "task": self._callback_owner(handle), "tid": tid}

    def _callback_owner(self, handle: Any) -> str:
        cb = getattr(handle, "_callback", None)
        owner = getattr(cb, "__self__", None)
        if owner is not None and hasattr(owner, "get_name"):
            try:
                return str(owner.get_name())
            except Exception:
                pass
        name = getattr(cb, "__qualname__", None) or type(cb).__name__
        return f"callback {name}"

    # -------------------------------------------------------------------- flush
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
        # lag window
        if self.lag_samples:
            samples, self.lag_samples = self.lag_samples, []
            out.append({"kind": P.K_LAG, "t": t, "samples_ms": [round(s * 1000, 3) for s in samples]})
        out.extend(self._ended_stalls(t))
        out.append({"kind": P.K_MEMORY, "t": t, "rss_kb": self._rss.read_kb()})
        # a stall still going on: refresh its running duration
        cur = self.current()
        if self._stall is not None and cur is not None and cur[0] is self._stall_handle:
            now = perf_counter()
            if now - self._stall_sent_at >= self.flush_s / 2:
                self._send_stall(now - cur[1])
                self._stall_sent_at = now
        while self.events:
            out.append(self.events.popleft())
        tasks = self._task_deltas(final)
        if tasks is not None:
            tasks["t"] = t
            out.append(tasks)
        if out:
            self._write(b"".join(P.encode(e) for e in out))

    def _ended_stalls(self, t: float) -> list[dict[str, Any]]:
        """The ``stall_end`` events of the callbacks that held the loop past the
        threshold and ended since the last look."""
        out = []
        while self.ended_callbacks:
            handle, start, dt = self.ended_callbacks.popleft()
            if handle is not self._stall_handle or self._stall is None:
                # ended before the watchdog saw it: attribute to the owner only
                self._stall_seq += 1
                stall = self._stall_owner(handle)
                file, line, code = self.origin, 0, ""
            else:
                stall = self._stall
                (file, line, code), _ = self._stall_lines.most_common(1)[0]
                self._stall = None
                self._stall_handle = None
            out.append(
                dict(stall, kind=P.K_STALL_END, t=t, ms=round(dt * 1000, 1),
                     file=file, line=line, code=code)
            )
        return out

    def _task_deltas(self, final: bool) -> dict[str, Any] | None:
        """New tasks, changed tasks and finished tasks since the last flush.

        The work per flush is bounded (``_MAX_ROWS_PER_FLUSH`` rows of each sort)
        so that a snippet with 10,000 tasks is not slowed by its own report; the
        counters are exact whatever the bound.
        """
        t = self.tasks
        limit = 1 << 62 if final else _MAX_ROWS_PER_FLUSH
        new: list[list[Any]] = []
        created = t.created
        # Under a burst of tasks, at most _BURST_TASKS new ones are announced per report,
        # and those that came and went before their turn are only counted: a table row
        # per short-lived task would cost more than the task.
        skip_gone = len(created) > _BURST_TASKS
        new_limit = _BURST_TASKS if skip_gone and not final else limit
        meta, sent, live = t.meta, t.sent, t.live
        while created and len(new) < new_limit:
            slot, tid = created.popleft()
            m = meta[slot]
            if m is None or m[M_TID] != tid or (skip_gone and slot not in live):
                continue  # gone before its turn (its slot may already serve another task)
            task = m[M_REF]()
            sent[slot] = True
            name = task.get_name() if task is not None else t.name[slot]
            new.append([tid, name or "", m[M_CORO], m[M_PARENT], m[M_FILE], m[M_LINE]])
        rows: list[list[Any]] = []
        finished = t.finished
        while finished and len(rows) < limit:
            slot, tid, state, detail = finished.popleft()
            m = meta[slot]
            if m is None or m[M_TID] != tid:
                continue
            if sent[slot]:
                rows.append([tid, state, None, None, None, int(t.busy_s[slot] * 1e6),
                             int(t.steps[slot]), detail])
            # else: never announced (a burst's short-lived task): only counted
            t.release(slot)
        if len(live) <= _FULL_RESCAN_BELOW or final:
            candidates = [slot for slot in list(live) if sent[slot]]
        else:
            # Many tasks: refresh a rotating slice of them each flush.
            if not self._rotation:
                self._rotation = list(live)
            candidates = [slot for slot in self._rotation[:_MAX_UPDATES_PER_FLUSH]
                          if slot in live and sent[slot]]
            del self._rotation[:_MAX_UPDATES_PER_FLUSH]
        cur = self.current()
        running = getattr(getattr(cur[0], "_callback", None), "__self__", None) if cur else None
        steps, shown = t.steps, t.shown
        for slot in candidates:
            m = meta[slot]
            task = m[M_REF]() if m is not None else None
            if task is None or task.done():
                continue
            if task is running:
                file = line = None
                if self._stall is not None and cur is not None and cur[0] is self._stall_handle:
                    (file, line, _code), _ = self._stall_lines.most_common(1)[0]  # stuck here now
                rows.append(self._row(slot, "running", None, file, line))
                continue
            waiter = getattr(task, "_fut_waiter", None)
            ready = waiter is None or waiter.done()
            # Unchanged since its last row (no step, as ready as it was): no row.
            seen = (steps[slot], ready)
            if shown[slot] == seen:
                continue
            shown[slot] = seen
            rows.append(self._row(slot, "ready" if ready else "waiting",
                                  *self._describe_wait(task, waiter)))
        if not (new or rows) and not final:
            return None
        return {
            "kind": P.K_TASKS,
            "new": new,
            "upd": rows,
            "created": self.counts[C_CREATED],
            "alive": self.counts[C_ALIVE],
            "max_alive": self.counts[C_MAX_ALIVE],
            "failed": self.counts[C_FAILED],
            "cancelled": self.counts[C_CANCELLED],
            "detailed_max": MAX_DETAILED_TASKS,
        }

    def _row(self, slot: int, state: str, waits: str | None, file: str | None,
             line: int | None) -> list[Any]:
        """[tid, state, waits_on, file, line, busy_us, steps, detail] of a live task
        (busy time in whole microseconds: an int encodes in a fraction of a float's time)."""
        t = self.tasks
        return [t.tid(slot), state, waits, file, line, int(t.busy_s[slot] * 1e6),
                int(t.steps[slot]), None]

    def _describe_wait(self, task: Any, waiter: Any) -> tuple[str | None, str | None, int | None]:
        """What a suspended task waits on, and the snippet line it is suspended at.

        The await chain is followed through ``cr_await`` (not audited). A coroutine's
        frame is an audited read (the guard's audit hook, a Python call, runs for
        each), so frames are read only until the chain leaves the snippet's code: the
        snippet's coroutines come first (or after a library's that wraps them), the
        library's below them. Their module comes from the frame's globals and their
        function from ``__qualname__``, neither audited, rather than from the frame's
        code object, which is. Below the snippet's code, what the task waits on is
        told by the coroutine's ``__qualname__`` alone (``WAIT_KINDS`` names are
        unique): an aiohttp request's row takes two audited reads, not one per
        coroutine of its chain.
        """
        kind = None
        file = line = None
        origin = self.origin
        snippet_globals = self.snippet_globals
        check_files = self.check_files
        modules = self._module_files
        by_qualname = _WAIT_BY_QUALNAME
        coro: Any = task.get_coro()
        depth = 0
        frames = True  # still reading frames: not yet past the snippet's code
        while coro is not None and depth < 64:
            depth += 1
            qualname = getattr(coro, "__qualname__", "")
            if frames:
                frame = (
                    getattr(coro, "cr_frame", None)
                    or getattr(coro, "gi_frame", None)
                    or getattr(coro, "ag_frame", None)
                )
                if frame is not None:
                    f_globals = frame.f_globals
                    if f_globals is snippet_globals and (
                            not check_files or frame.f_code.co_filename == origin):
                        file, line = origin, frame.f_lineno
                    else:
                        frames = file is None  # past the snippet's code: no more frames
                        # WAIT_KINDS names modules by file: "asyncio.tasks" -> "tasks.py"
                        module = f_globals.get("__name__")
                        base = modules.get(module)
                        if base is None:
                            base = modules[module] = f"{str(module).rpartition('.')[2]}.py"
                        k = WAIT_KINDS.get((base, qualname))
                        if k is not None:
                            kind = k
            else:
                k = by_qualname.get(qualname)
                if k is not None:
                    kind = k
            below = (
                getattr(coro, "cr_await", None)
                or getattr(coro, "gi_yieldfrom", None)
                or getattr(coro, "ag_await", None)
            )
            if below is None and type(coro).__name__ in _AWAITING_A_GENERATOR:
                below = _async_generator_of(coro)
            coro = below
        if waiter is not None:
            if hasattr(waiter, "get_coro"):
                try:
                    return (f"task {waiter.get_name()}", file, line)
                except Exception:
                    pass
            if type(waiter).__name__ == "_GatheringFuture":
                return ("gather", file, line)
        return (kind or ("future" if waiter is not None else None), file, line)

