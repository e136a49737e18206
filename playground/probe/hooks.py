"""The instrumentation installed into asyncio before the snippet runs.

Every callback the loop runs goes through one runner (see runner: the probe loop's
own iteration and the ``Handle._run`` replacement both call it). A loop policy gives
every new loop a task factory (creation site, parent, counters), a heartbeat for
lag, and an exception handler that turns asyncio's complaints into events. Warnings (including never-awaited coroutines, with the line that created the
coroutine) become events too.
"""

from __future__ import annotations

import asyncio
import sys
import warnings
import weakref
from asyncio import events as _events
from types import FrameType, TracebackType
from typing import Any, Callable, Generator

from playground import protocol as P
from playground.probe.origins import UnawaitedCalls, creation_line
from playground.probe.recorder import HEARTBEAT_S, Recorder
from playground.probe.runner import make_end_beyond, make_finish, make_runner
from playground.probe.tasks import (
    C_ALIVE,
    C_CREATED,
    C_MAX_ALIVE,
    C_NEXT_TID,
    M_FILE,
    M_LINE,
    M_TID,
)

__all__ = ["install", "ProbeLoop", "ProbePolicy", "HEARTBEAT_S"]

# Not asyncio.tasks._current_tasks: from 3.14 on, the C tasks keep the current task in
# the thread's state and that dict stays empty.
_current_task = asyncio.current_task
_weakref = weakref.ref


#: How often a loop looks for tasks without a row when rows are free (see
#: TaskTable.adopt): a look costs about 0.3 us per task of the loop.
_ADOPT_S = 0.1

#: Python versions whose ``BaseEventLoop._run_once`` ProbeLoop's own copy follows
#: (checked line by line: 3.11 and 3.13 differ only in how the timeout is clamped;
#: 3.14's is 3.13's). Elsewhere a probe loop runs the stdlib's, and every callback goes
#: through the ``Handle._run`` replacement (see runner).
_OWN_RUN_ONCE = sys.version_info[:2] in ((3, 11), (3, 12), (3, 13), (3, 14))


def _traceback_location(rec: Recorder, tb: TracebackType | None) -> tuple[str | None, int | None]:
    file = line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == rec.origin:
            file, line = rec.origin, tb.tb_lineno
        tb = tb.tb_next
    return file, line


class _LoopState:
    """What the probe keeps per loop (see ProbeLoop.__init__ for why one object)."""

    __slots__ = ("rec", "user_factory", "cleanup", "beat", "due", "period", "finish",
                 "end_beyond", "adopt_at")

    def __init__(self, rec: Recorder) -> None:
        self.rec = rec
        self.user_factory: Any = None  # the snippet's own task factory, called from ours
        self.cleanup: Any = None  # asyncio.run's clean-up coroutine: not the snippet's
        self.beat: asyncio.TimerHandle | None = None
        self.due = 0.0
        self.period = rec.heartbeat_s
        self.adopt_at = 0.0  # the next look for tasks without a row (see _ap_heartbeat)
        self.finish = make_finish(rec)  # the end of a task with a row
        self.end_beyond = make_end_beyond(rec)  # counts the end of a task without a row


def _resumer_frames() -> Generator[FrameType | None, Any, None]:
    """Each ``next()`` gives the frame that called ``next()``: ``sys._getframe(0)``
    without its audit event. ``sys._getframe`` is audited, and the guard's audit hook
    is a Python call (about 0.2-0.4 us, more than the lookup itself). While a
    generator runs, its own frame's ``f_back`` is the frame that resumed it; between
    two calls it holds only its own frame (see _make_resumer)."""
    own = yield None
    while True:
        yield own.f_back


def _make_resumer() -> Generator[FrameType | None, Any, None]:
    frames = _resumer_frames()
    next(frames)
    frames.send(frames.gi_frame)  # type: ignore[attr-defined]  # its own frame (one audited read)
    return frames


def _set_task_name(task: Any, name: Any) -> None:
    """asyncio.tasks._set_task_name, gone in Python 3.13 (set_name is mandatory there)."""
    if name is not None:
        task.set_name(name)


def _make_create_task(loop: Any, rec: Recorder, state: _LoopState) -> Any:
    """Build the loop's ``create_task``: every task gets its record (creation site,
    parent, counters). It takes the place of ``BaseEventLoop.create_task`` rather
    than being a task factory, which would cost two more Python calls per task; a
    closure, so that every name it needs is a local or a cell."""
    counts = rec.counts
    t = rec.tasks
    free, live, created = t.free, t.live, t.created
    meta, busy, steps, sent = t.meta, t.busy_s, t.steps, t.sent
    beyond = t.beyond
    other_types = t.other_types
    origin = rec.origin
    snippet = rec.snippet
    snippet_globals = snippet.globals
    getframe = sys._getframe
    resumer = _make_resumer()
    weakref_ = _weakref
    task_type = asyncio.Task
    set_task_name = getattr(asyncio.tasks, "_set_task_name", _set_task_name)

    # A task without a row that is not an asyncio.Task (a snippet's own task factory
    # may make others) is counted by a done callback instead.
    end_beyond = state.end_beyond

    def create_task(coro: Any, *, name: Any = None, context: Any = None) -> Any:
        if loop._closed:
            raise RuntimeError("Event loop is closed")
        user_factory = state.user_factory
        task: Any
        if user_factory is None:
            task = task_type(coro, loop=loop, name=name, context=context)
            if task._source_traceback:
                del task._source_traceback[-1]
        else:
            if context is None:
                task = user_factory(loop, coro)
            else:
                task = user_factory(loop, coro, context=context)
            set_task_name(task, name)
        if coro is state.cleanup:
            return task  # asyncio.run's own clean-up, not the snippet's work
        counts[C_CREATED] += 1
        alive = counts[C_ALIVE] = counts[C_ALIVE] + 1
        if alive > counts[C_MAX_ALIVE]:
            counts[C_MAX_ALIVE] = alive
        if not free:
            # No row: no slot, no per-step accounting, no creation-site lookup. The
            # callback runner counts its end (see runner).
            if type(task) is task_type and not task.done():
                # Known by its hash: an asyncio.Task's is its address (rotated), as
                # unique as id() while it lives, and id() is an audited event (the
                # guard's audit hook would run for every task).
                beyond.add(hash(task))
            else:
                task.add_done_callback(end_beyond)
            return task
        if not isinstance(task, task_type):
            # A snippet's own factory made something else that behaves as a task:
            # the callback hooks ask tasks whether they are done through Task.done
            # itself, which takes only tasks. Counted by a done callback, no row.
            task.add_done_callback(end_beyond)
            return task
        slot = free.pop()
        try:
            # asyncio's C tasks take attributes: one lookup per step finds the slot,
            # cheaper than any table keyed by the task, and holding no reference to it.
            task._ap_slot = slot  # type: ignore[attr-defined]
        except AttributeError:
            free.append(slot)
            task.add_done_callback(end_beyond)  # a task class we cannot annotate
            return task
        if type(task) is not task_type:
            other_types.add(type(task))  # a subclass: the callback hooks look at its steps too
        # The creation site: the innermost frame in the snippet's own file, from our
        # caller on. Frames are told apart by their globals: reading ``f_code`` is an
        # audited event, and the guard's audit hook is a Python call (0.4 us each).
        # A frame with the snippet's globals runs the snippet's code, unless code
        # compiled since it started (exec, eval, compile) runs with its globals; the
        # guard's audit hook sees such code appear and turns the file check back on.
        frame: FrameType | None
        try:
            frame = next(resumer).f_back  # type: ignore[union-attr]  # our caller's
        except (ValueError, StopIteration, AttributeError):
            # ValueError: a signal handler's create_task inside ours ("generator
            # already executing"); the audited lookup then.
            frame = getframe(1)
        file: str | None
        line: int | None
        depth = 16
        check_files = snippet.check_files
        while frame is not None and depth:
            if frame.f_globals is snippet_globals and (
                    not check_files or frame.f_code.co_filename == origin):
                file, line = origin, frame.f_lineno
                break
            frame = frame.f_back
            depth -= 1
        else:
            file = line = None
        tid = counts[C_NEXT_TID]
        counts[C_NEXT_TID] = tid + 1
        parent = getattr(_current_task(loop), "_ap_slot", None)
        meta[slot] = (tid, weakref_(task), meta[parent][M_TID] if parent is not None else None,
                      file, line,
                      getattr(coro, "__qualname__", None) or type(coro).__name__)
        busy[slot] = 0.0
        steps[slot] = 0.0
        sent[slot] = False
        live.add(slot)
        created.append((slot, tid))
        return task

    return create_task


class ProbeLoop(asyncio.SelectorEventLoop):
    """A selector loop that tracks its tasks, samples its lag and reports complaints."""

    def __init__(self, rec: Recorder, run_once: Callable[[Any], Callable[[], None]] | None = None
                 ) -> None:
        super().__init__()
        # All of the probe's state in one attribute: a selector loop already has 24,
        # and past 30 an instance's attributes leave CPython's fast shared-key
        # layout, which slows every attribute read on the loop (measured: +20% on
        # each call_soon).
        self._ap = state = _LoopState(rec)
        self.create_task = _make_create_task(self, rec, state)  # type: ignore[method-assign]
        if run_once is not None:  # see runner
            self._run_once = run_once(self)  # type: ignore[method-assign]
        if rec.gate is not None:  # step mode: the loop's clock stands still while stopped
            self.time = rec.gate.clock()  # type: ignore[method-assign]

    # -- a user's own task factory is kept, and called from our create_task ----
    def set_task_factory(self, factory: Any) -> None:
        self._ap.user_factory = factory

    def get_task_factory(self) -> Any:
        return self._ap.user_factory

    # -- asyncio.run's own clean-up coroutines are not the snippet's tasks -------
    def shutdown_asyncgens(self) -> Any:
        self._ap.cleanup = coro = super().shutdown_asyncgens()
        return coro

    def shutdown_default_executor(self, *args: Any, **kwargs: Any) -> Any:
        self._ap.cleanup = coro = super().shutdown_default_executor(*args, **kwargs)
        return coro

    # -- heartbeat: lag is how late a timer due every Recorder.heartbeat_s runs --
    def run_forever(self) -> None:
        state = self._ap
        state.due = self.time() + state.period
        state.beat = self.call_at(state.due, self._ap_heartbeat)
        try:
            super().run_forever()
        finally:
            if state.beat is not None:
                state.beat.cancel()
                state.beat = None

    def _ap_heartbeat(self) -> None:
        state = self._ap
        now = self.time()
        late = now - state.due
        rec = state.rec
        rec.lag_samples.append(late if late > 0.0 else 0.0)
        state.due = now + state.period
        state.beat = self.call_at(state.due, self._ap_heartbeat)
        t = rec.tasks
        if t.free and t.beyond and now >= state.adopt_at:
            # Rows are free and tasks have none: live tasks get them. The look goes
            # through every task of the loop, so it comes at most every _ADOPT_S.
            state.adopt_at = now + _ADOPT_S
            t.adopt(asyncio.all_tasks(self))

    # -- asyncio's complaints ------------------------------------------------------
    def call_exception_handler(self, context: dict[str, Any]) -> None:
        try:
            self._ap_report(context)
        except Exception:
            pass
        super().call_exception_handler(context)

    def _ap_report(self, context: dict[str, Any]) -> None:
        rec = self._ap.rec
        message = str(context.get("message") or "")
        exc = context.get("exception")
        task = context.get("task") or context.get("future")
        file = line = None
        if exc is not None:
            file, line = _traceback_location(rec, exc.__traceback__)
            message = f"{message}: {type(exc).__name__}: {exc}"
        if task is not None and hasattr(task, "get_coro"):
            t = rec.tasks
            slot = getattr(task, "_ap_slot", None)  # a task with a slot has its meta
            meta: Any = t.meta[slot] if slot is not None else None
            if not task.done():  # destroyed while pending: it will never step again
                if slot is not None:
                    self._ap.finish(slot, task, ("cancelled", "destroyed while still pending"))
                elif type(task) is asyncio.Task and hash(task) in t.beyond:
                    self._ap.end_beyond(task, destroyed=True)
            if file is None:
                coro = task.get_coro()
                frame = getattr(coro, "cr_frame", None)
                if frame is not None and frame.f_code.co_filename == rec.origin:
                    file, line = rec.origin, frame.f_lineno
                elif meta is not None:
                    file, line = meta[M_FILE], meta[M_LINE]
            message = f"{message} (task {task.get_name()})"
        rec.emit(
            {"kind": P.K_WARNING, "category": "asyncio", "message": message[:500],
             "file": file, "line": line}
        )


class ProbePolicy(asyncio.DefaultEventLoopPolicy):
    """Every loop the snippet creates (``asyncio.run`` included) is a ProbeLoop."""

    def __init__(self, rec: Recorder,
                 run_once: Callable[[Any], Callable[[], None]] | None = None) -> None:
        super().__init__()
        self._rec = rec
        self._run_once = run_once

    def new_event_loop(self) -> asyncio.AbstractEventLoop:
        return ProbeLoop(self._rec, self._run_once)


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
    runner = make_runner(rec)
    _events.Handle._run = runner.handle_run  # type: ignore[method-assign,assignment]
    asyncio.set_event_loop_policy(
        ProbePolicy(rec, runner.make_run_once if _OWN_RUN_ONCE else None))
    _install_warnings(rec)
