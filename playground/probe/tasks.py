"""The task table: what the probe knows of each task, and the rows it reports.

Tasks are counted exactly, all of them; up to ``MAX_DETAILED_TASKS`` at a time are
also followed one by one (creation site, parent, busy time, steps, what they wait
on, where). The snippet's thread writes the table (the task factory and the
callback runner, see hooks and runner); each batch reads it (:class:`TaskReport`).
"""

from __future__ import annotations

import asyncio
import gc
import types
import weakref
from collections import deque
from typing import Any, Iterable

from playground import protocol as P
from playground.probe.snippet import Snippet

__all__ = ["TaskTable", "TaskReport", "WAIT_KINDS", "MAX_DETAILED_TASKS", "M_TID", "M_REF",
           "M_PARENT", "M_FILE", "M_LINE", "M_CORO", "C_CREATED", "C_ALIVE", "C_MAX_ALIVE",
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
_BURST_TASKS = 32  # more new tasks than this waiting for a report: see TaskReport.deltas
_MAX_ROWS_PER_FLUSH = 2000
_FULL_RESCAN_BELOW = 16  # re-examine every live task each flush when there are few

#: Per-task facts live in parallel lists indexed by a *slot* (``task._ap_slot``), see
#: TaskTable: one slot per detailed task, from its creation until its last row is sent.

#: Recorder.counts, by index (C_NEXT_TID: the id the next detailed task gets).
C_CREATED, C_ALIVE, C_MAX_ALIVE, C_FAILED, C_CANCELLED, C_NEXT_TID = range(6)

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
        # Task counters, in one list (cheaper to update than attributes); see C_*.
        self.counts = [0, 0, 0, 0, 0, 1]
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

    def adopt(self, tasks: Iterable[Any]) -> None:
        """Give the free slots to live tasks that were created while every slot was
        taken (``beyond``), those waiting on something first (a sleeping task shows
        more than one about to finish): without it, a task created in a burst would
        have no row for as long as it lives, behind finished ones. Called from the
        loop's thread, between two callbacks, so that no step of these tasks is
        being accounted meanwhile. An adopted task's row counts its busy time and
        steps from then on; its creation site and parent are not known."""
        free, beyond, counts, task_type = self.free, self.beyond, self.counts, asyncio.Task
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


class TaskReport:
    """The rows of a batch: what changed in the task table since the last one."""

    def __init__(self, table: TaskTable, snippet: Snippet) -> None:
        self.table = table
        self.snippet = snippet
        self._rotation: list[int] = []  # live slots still to refresh (many tasks)
        self._module_files: dict[Any, str] = {}  # module name -> file name, for WAIT_KINDS

    def deltas(self, final: bool, running: Any = None,
               stuck_at: tuple[str, int] | None = None) -> dict[str, Any] | None:
        """New tasks, changed tasks and finished tasks since the last batch, as a
        ``tasks`` event (None when nothing changed). ``running``: the task whose step
        runs now, if any; ``stuck_at``: the line it holds the loop at (a stall).

        The work per flush is bounded (``_MAX_ROWS_PER_FLUSH`` rows of each sort)
        so that a snippet with 10,000 tasks is not slowed by its own report; the
        counters are exact whatever the bound.
        """
        t = self.table
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
        steps, shown = t.steps, t.shown
        for slot in candidates:
            m = meta[slot]
            task = m[M_REF]() if m is not None else None
            if task is None or task.done():
                continue
            if task is running:
                file, line = stuck_at if stuck_at is not None else (None, None)
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
        counts = t.counts
        return {
            "kind": P.K_TASKS,
            "new": new,
            "upd": rows,
            "created": counts[C_CREATED],
            "alive": counts[C_ALIVE],
            "max_alive": counts[C_MAX_ALIVE],
            "failed": counts[C_FAILED],
            "cancelled": counts[C_CANCELLED],
            "detailed_max": MAX_DETAILED_TASKS,
        }

    def _row(self, slot: int, state: str, waits: str | None, file: str | None,
             line: int | None) -> list[Any]:
        """[tid, state, waits_on, file, line, busy_us, steps, detail] of a live task
        (busy time in whole microseconds: an int encodes in a fraction of a float's time)."""
        t = self.table
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
        snippet = self.snippet
        origin = snippet.origin
        snippet_globals = snippet.globals
        check_files = snippet.check_files
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

