"""The instrumentation installed into asyncio before the snippet runs.

One hook on callback execution (``Handle._run``) times every callback the loop runs;
this is the single place where a later "step the loop" feature would pause. A loop
policy gives every new loop a task factory (creation site, parent, counters), a
heartbeat for lag, and an exception handler that turns asyncio's complaints into
events. Warnings (including never-awaited coroutines, with the line that created the
coroutine) become events too.
"""

from __future__ import annotations

import asyncio
import sys
import warnings
from asyncio import events as _events
from asyncio import format_helpers as _format_helpers
from time import perf_counter
from types import FrameType, TracebackType
from typing import Any, Callable

from playground import protocol as P
import weakref

from playground.probe.origins import UnawaitedCalls, creation_line
from playground.probe.recorder import (
    C_ALIVE,
    C_CANCELLED,
    C_CREATED,
    C_DETAILED,
    C_FAILED,
    C_MAX_ALIVE,
    C_NEXT_TID,
    I_DETAILED,
    I_DONE,
    I_FILE,
    I_LINE,
    I_TID,
    MAX_DETAILED_TASKS,
    Recorder,
    TaskInfo,
)

__all__ = ["install", "ProbeLoop", "ProbePolicy", "HEARTBEAT_S"]

#: Lag is sampled as the overshoot of a timer due every HEARTBEAT_S seconds.
HEARTBEAT_S = 0.01

# asyncio.run's own clean-up coroutines: not the snippet's tasks.
_SHUTDOWN_ASYNCGENS = asyncio.BaseEventLoop.shutdown_asyncgens.__code__
_SHUTDOWN_EXECUTOR = asyncio.BaseEventLoop.shutdown_default_executor.__code__
_current_tasks = asyncio.tasks._current_tasks  # type: ignore[attr-defined]
_weakref = weakref.ref


def _make_handle_run(rec: Recorder) -> Callable[[Any], None]:
    """Build the replacement for ``Handle._run``: the stdlib body plus timing.

    Written out (rather than wrapping the original) to save a Python frame per
    callback, which is most of the probe's cost on step-heavy workloads.
    """
    perf = perf_counter
    stall_s = rec.stall_s
    ended = rec.ended_callbacks
    finish = _make_finish(rec)
    format_cb = _format_helpers._format_callback_source
    # The running callback and its start, as closure variables: the cheapest store
    # Python has. The watchdog reads the same cells (Recorder.current).
    cur_handle: Any = None
    cur_start = 0.0

    def _run(self: Any) -> None:
        nonlocal cur_handle, cur_start
        start = perf()
        cur_start = start  # start first: the watchdog reads the handle, then the start
        cur_handle = self
        try:
            self._context.run(self._callback, *self._args)
        except (SystemExit, KeyboardInterrupt):
            cur_handle = None
            raise
        except BaseException as exc:
            cb = format_cb(self._callback, self._args)
            context = {"message": f"Exception in callback {cb}", "exception": exc, "handle": self}
            if self._source_traceback:
                context["source_traceback"] = self._source_traceback
            self._loop.call_exception_handler(context)
        dt = perf() - start
        cur_handle = None
        task = getattr(self._callback, "__self__", None)
        if task is not None:
            # Our factory gave every task its record as an attribute: one lookup,
            # cheaper than any table keyed by the task (and it holds no reference).
            info = getattr(task, "_ap_info", None)
            if info is not None:
                info[2] += dt  # I_BUSY_S
                info[3] += 1  # I_STEPS
                if task.done():
                    finish(info, task)
        if dt >= stall_s:
            ended.append((self, start, dt))
        self = None  # break cycles when an exception occurred, as the stdlib does

    assert _run.__closure__ is not None
    cells = dict(zip(_run.__code__.co_freevars, _run.__closure__))
    rec.watch_cells(cells["cur_handle"], cells["cur_start"])
    return _run


def _make_finish(rec: Recorder) -> Callable[[TaskInfo, Any], None]:
    counts = rec.counts

    def finish(info: TaskInfo, task: Any) -> None:
        if info[I_DONE]:
            return
        info[I_DONE] = True
        counts[C_ALIVE] -= 1
        detail = None
        if task.cancelled():
            counts[C_CANCELLED] += 1
            state = "cancelled"
        else:
            # _exception, not exception(): reading it must not count as retrieving
            # it, or asyncio would never say "Task exception was never retrieved".
            exc = getattr(task, "_exception", None)
            if exc is not None:
                counts[C_FAILED] += 1
                state = "failed"
                detail = f"{type(exc).__name__}: {exc}"[:200]
            else:
                state = "done"
        if info[I_DETAILED]:
            rec.infos.pop(info[I_TID], None)
            counts[C_DETAILED] -= 1
            rec.finished.append((info, state, detail))

    return finish


def _traceback_location(rec: Recorder, tb: TracebackType | None) -> tuple[str | None, int | None]:
    file = line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == rec.origin:
            file, line = rec.origin, tb.tb_lineno
        tb = tb.tb_next
    return file, line


class ProbeLoop(asyncio.SelectorEventLoop):
    """A selector loop that tracks its tasks, samples its lag and reports complaints."""

    def __init__(self, rec: Recorder) -> None:
        super().__init__()
        self._ap_rec = rec
        self._ap_user_factory: Any = None
        self._ap_beat: asyncio.TimerHandle | None = None
        self._ap_due = 0.0
        self._ap_count_cb = self._ap_count_finished  # one bound method, not one per task
        super().set_task_factory(self._ap_task_factory)  # type: ignore[arg-type]

    # -- task factory (a user's own factory is kept and called from ours) -------
    def set_task_factory(self, factory: Any) -> None:
        self._ap_user_factory = factory

    def get_task_factory(self) -> Any:
        return self._ap_user_factory

    def _ap_task_factory(self, loop: Any, coro: Any, context: Any = None) -> Any:
        factory = self._ap_user_factory
        if factory is None:
            task = asyncio.Task(coro, loop=loop, context=context)
        elif context is None:
            task = factory(loop, coro)
        else:
            task = factory(loop, coro, context=context)
        code = getattr(coro, "cr_code", None)
        if code is _SHUTDOWN_ASYNCGENS or code is _SHUTDOWN_EXECUTOR:
            return task  # asyncio.run's own clean-up, not the snippet's work
        rec = self._ap_rec
        counts = rec.counts
        counts[C_CREATED] += 1
        alive = counts[C_ALIVE] = counts[C_ALIVE] + 1
        if alive > counts[C_MAX_ALIVE]:
            counts[C_MAX_ALIVE] = alive
        if counts[C_DETAILED] >= MAX_DETAILED_TASKS:
            # Only counted: no record, no per-step accounting, no creation-site
            # lookup; a done callback keeps the counters exact.
            task.add_done_callback(self._ap_count_cb)
            return task
        parent = _current_tasks.get(loop)
        parent_info = getattr(parent, "_ap_info", None) if parent is not None else None
        # The creation site: the innermost frame in the snippet's own file. Frame 1 is
        # always BaseEventLoop.create_task (our caller), so the search starts above it.
        origin = rec.origin
        frame: FrameType | None = sys._getframe(2)
        file = line = None
        depth = 0
        while frame is not None and depth < 16:
            if frame.f_code.co_filename == origin:
                file, line = origin, frame.f_lineno
                break
            frame = frame.f_back
            depth += 1
        tid = counts[C_NEXT_TID]
        counts[C_NEXT_TID] = tid + 1
        info: TaskInfo = [tid, _weakref(task), 0.0, 0, parent_info[I_TID] if parent_info else None,
                          file, line, False, True, False,
                          getattr(coro, "__qualname__", None) or type(coro).__name__]
        try:
            # asyncio's C tasks take attributes: one lookup per step finds the record,
            # cheaper than any table keyed by the task, and holding no reference to it.
            task._ap_info = info  # type: ignore[attr-defined]
        except AttributeError:
            task.add_done_callback(self._ap_count_cb)  # a task class we cannot annotate
            return task
        rec.infos[tid] = info
        counts[C_DETAILED] += 1
        rec.created.append(info)
        return task

    def _ap_count_finished(self, task: Any) -> None:
        counts = self._ap_rec.counts
        counts[C_ALIVE] -= 1
        if task.cancelled():
            counts[C_CANCELLED] += 1
        elif getattr(task, "_exception", None) is not None:
            counts[C_FAILED] += 1

    # -- heartbeat: lag is how late a timer due every HEARTBEAT_S really runs ----
    def run_forever(self) -> None:
        self._ap_due = self.time() + HEARTBEAT_S
        self._ap_beat = self.call_at(self._ap_due, self._ap_heartbeat)
        try:
            super().run_forever()
        finally:
            if self._ap_beat is not None:
                self._ap_beat.cancel()
                self._ap_beat = None

    def _ap_heartbeat(self) -> None:
        now = self.time()
        late = now - self._ap_due
        self._ap_rec.lag_samples.append(late if late > 0.0 else 0.0)
        self._ap_due = now + HEARTBEAT_S
        self._ap_beat = self.call_at(self._ap_due, self._ap_heartbeat)

    # -- asyncio's complaints ------------------------------------------------------
    def call_exception_handler(self, context: dict[str, Any]) -> None:
        try:
            self._ap_report(context)
        except Exception:
            pass
        super().call_exception_handler(context)

    def _ap_report(self, context: dict[str, Any]) -> None:
        rec = self._ap_rec
        message = str(context.get("message") or "")
        exc = context.get("exception")
        task = context.get("task") or context.get("future")
        file = line = None
        if exc is not None:
            file, line = _traceback_location(rec, exc.__traceback__)
            message = f"{message}: {type(exc).__name__}: {exc}"
        if task is not None and hasattr(task, "get_coro"):
            info = getattr(task, "_ap_info", None)
            if info is not None and not task.done() and not info[I_DONE]:
                # destroyed while pending: it will never step again
                info[I_DONE] = True
                rec.counts[C_ALIVE] -= 1
                if info[I_DETAILED]:
                    rec.infos.pop(info[I_TID], None)
                    rec.counts[C_DETAILED] -= 1
                    rec.finished.append((info, "cancelled", "destroyed while still pending"))
            if file is None:
                coro = task.get_coro()
                frame = getattr(coro, "cr_frame", None)
                if frame is not None and frame.f_code.co_filename == rec.origin:
                    file, line = rec.origin, frame.f_lineno
                elif info is not None:
                    file, line = info[I_FILE], info[I_LINE]
            message = f"{message} (task {task.get_name()})"
        rec.emit(
            {"kind": P.K_WARNING, "category": "asyncio", "message": message[:500],
             "file": file, "line": line}
        )


class ProbePolicy(asyncio.DefaultEventLoopPolicy):
    """Every loop the snippet creates (``asyncio.run`` included) is a ProbeLoop."""

    def __init__(self, rec: Recorder) -> None:
        super().__init__()
        self._rec = rec

    def new_event_loop(self) -> asyncio.AbstractEventLoop:
        return ProbeLoop(self._rec)


def _install_warnings(rec: Recorder) -> None:
    seen: set[tuple[str, str, str | None, int | None]] = set()
    original_show = warnings.showwarning

    def report(category: str, message: str, file: str | None, line: int | None) -> None:
        key = (category, message, file, line)
        if key in seen or len(seen) > 1000:
            return
        seen.add(key)
        rec.emit({"kind": P.K_WARNING, "category": category, "message": message[:500],
                  "file": file, "line": line})

    def showwarning(message: Any, category: type[Warning], filename: str, lineno: int,
                    file: Any = None, line: str | None = None) -> None:
        text = str(message)
        if not (category is RuntimeWarning and "was never awaited" in text):
            report(category.__name__, text.splitlines()[0] if text else "", filename, lineno)
        original_show(message, category, filename, lineno, file, line)

    calls: list[UnawaitedCalls] = []  # parsed on first use
    registry: dict[Any, Any] = {}
    tracking = [False]

    def warn_unawaited_coroutine(coro: Any) -> None:
        file = line = None
        for entry_file, entry_line, _func in coro.cr_origin or ():
            if entry_file == rec.origin:
                file, line = entry_file, entry_line
                break
        if file is None:
            if not calls:
                calls.append(UnawaitedCalls(rec.source))
            frame = getattr(coro, "cr_frame", None)
            module = frame.f_globals.get("__name__", "") if frame is not None else ""
            top = None if module in ("", "__main__") else module.split(".")[0]
            try:
                freed_in = sys._getframe(1)  # what ran when the coroutine was freed
            except ValueError:  # freed at interpreter shutdown
                freed_in = None
            line = creation_line(calls[0], coro.__name__, top, rec.origin, freed_in)
            file = rec.origin if line is not None else None
        if not tracking[0]:
            # One never-awaited coroutine suggests more: from now on, record each
            # coroutine's creation line exactly.
            tracking[0] = True
            sys.set_coroutine_origin_tracking_depth(1)
        message = f"coroutine '{coro.__qualname__}' was never awaited"
        report("RuntimeWarning", message, file, line)
        if file is not None and line is not None:
            # With a registry, as Python's own report has: shown once per line.
            warnings.warn_explicit(message, RuntimeWarning, file, line, registry=registry,
                                   source=coro)
        else:
            warnings.warn(message, RuntimeWarning, stacklevel=2, source=coro)

    warnings.showwarning = showwarning
    warnings._warn_unawaited_coroutine = warn_unawaited_coroutine  # type: ignore[attr-defined]
    warnings.simplefilter("default")


def install(rec: Recorder) -> None:
    """Instrument asyncio for the rest of this process."""
    _events.Handle._run = _make_handle_run(rec)  # type: ignore[method-assign,assignment]
    asyncio.set_event_loop_policy(ProbePolicy(rec))
    _install_warnings(rec)
