"""Where the snippet's callbacks run: one place, timed and accounted.

:func:`make_runner` builds ``run_ready(ready, n)``, which runs the first ``n`` handles
of the deque ``ready``: each one timed (one clock read per callback: a callback
starts when the one before it ended), accounted to its task (busy time, steps, its
end), and queued for the stall watch when it held the loop past the threshold. Both
ways callbacks reach it call it: the probe loop's own ``_run_once`` (once per loop
iteration, for the whole ready queue) and the ``Handle._run`` replacement (for one
handle: other loops, a probe loop in debug mode, Pythons without the loop's own
copy). In trace and step modes a runner of its own does the same, and also logs
each callback as a step (trace) and stops before each one while the loop is
stepped (stepping).

The running callback and its start live in two cells of ``run_ready``'s closure,
the cheapest store Python has; the stall watch reads them (StallWatch.current).
Every bytecode of ``run_ready``'s loop runs for every callback of the snippet: keep
it short.
"""

from __future__ import annotations

import asyncio
from asyncio import format_helpers as _format_helpers
from asyncio.base_events import (  # type: ignore[attr-defined]
    _MIN_CANCELLED_TIMER_HANDLES_FRACTION,
    _MIN_SCHEDULED_TIMER_HANDLES,
    MAXIMUM_SELECT_TIMEOUT as _MAXIMUM_SELECT_TIMEOUT,
)
from collections import deque
from heapq import heapify, heappop
from time import perf_counter
from typing import Any, Callable

from playground.probe.recorder import Recorder
from playground.probe.tasks import C_ALIVE, C_CANCELLED, C_FAILED, M_TID

__all__ = ["Runner", "make_runner", "make_finish", "make_end_beyond"]

RunReady = Callable[[Any, int], None]


class Runner:
    """What runs callbacks: ``run_ready`` itself, the ``Handle._run`` replacement
    built on it, and the probe loop's ``_run_once`` (``make_run_once(loop)``)."""

    __slots__ = ("run_ready", "handle_run", "make_run_once")

    def __init__(self, run_ready: RunReady, handle_run: Callable[[Any], None],
                 make_run_once: Callable[[Any], Callable[[], None]]) -> None:
        self.run_ready = run_ready
        self.handle_run = handle_run
        self.make_run_once = make_run_once


def make_runner(rec: Recorder) -> Runner:
    perf = perf_counter
    stall_s = rec.stall_s
    ended = rec.ended_callbacks
    busy = rec.tasks.busy_s
    steps = rec.tasks.steps
    finish = make_finish(rec)
    beyond = rec.tasks.beyond
    other_types = rec.tasks.other_types
    end_beyond = make_end_beyond(rec)
    task_type = asyncio.Task
    # The unbound method: calling it skips the lookup of ``done`` on each task, which
    # looks in the instance dict (a task with a row has one) before the class.
    task_done = task_type.done
    cur_handle: Any = None
    cur_start = 0.0

    def run_ready(ready: deque[Any], ntodo: int) -> None:
        """Run the first ``ntodo`` handles of ``ready`` (cancelled ones skipped)."""
        nonlocal cur_handle, cur_start
        end = perf()
        for _ in range(ntodo):
            # ready.popleft(), not a bound method kept aside: the interpreter runs a
            # method call on a deque by a fast path, a bound builtin by the slow one
            # (measured: 117 instructions more per callback on many_tasks).
            handle = ready.popleft()
            if handle._cancelled:
                continue
            callback = handle._callback
            args = handle._args
            cur_start = start = end  # start first: the watch reads the handle, then the start
            cur_handle = handle
            try:
                # What the stdlib's Handle._run does, without its list and tuple per
                # call when there are no arguments (a task's step, a transport's read).
                if args:
                    handle._context.run(callback, *args)
                else:
                    handle._context.run(callback)
            except (SystemExit, KeyboardInterrupt):
                cur_handle = None
                raise
            except BaseException as exc:
                _callback_failed(handle, callback, args, exc)
            end = perf()
            dt = end - start
            cur_handle = None
            # A task's step or wake-up is a method of the task, and create_task gave
            # every task with a row its slot as an attribute: one lookup, no table.
            # Only tasks are asked for it: on other objects (a transport, a protocol)
            # a missing attribute is a walk through their classes. The tasks beyond
            # the table are known by their hashes, i.e. their addresses (an attribute
            # would give each a dict, and a done callback costs a call_soon).
            owner: Any = getattr(callback, "__self__", None)
            if (kind := type(owner)) is task_type or (other_types and kind in other_types):
                slot = getattr(owner, "_ap_slot", None)
                if slot is not None:
                    busy[slot] += dt
                    steps[slot] += 1.0
                    if task_done(owner):
                        finish(slot, owner)
                elif beyond and kind is task_type and task_done(owner) and hash(owner) in beyond:
                    end_beyond(owner)  # the last step of a task without a row
            if dt >= stall_s:
                ended.append((handle, start, dt))

    def handle_run(self: Any) -> None:
        """``Handle._run``: this one handle, through run_ready."""
        run_ready(deque((self,)), 1)

    def make_run_once(loop: Any) -> Callable[[], None]:
        ready = loop._ready
        base_run_once = asyncio.BaseEventLoop._run_once  # type: ignore[attr-defined]

        def _run_once() -> None:
            """One iteration of the loop: BaseEventLoop._run_once, with the ready
            callbacks run by run_ready (not through Handle._run one by one)."""
            if loop._debug:
                return base_run_once(loop)  # through the Handle._run hook
            scheduled = loop._scheduled
            sched_count = len(scheduled)
            if (sched_count > _MIN_SCHEDULED_TIMER_HANDLES
                    and loop._timer_cancelled_count / sched_count
                    > _MIN_CANCELLED_TIMER_HANDLES_FRACTION):
                # Remove delayed calls that were cancelled if their number is too high
                new_scheduled = []
                for handle in scheduled:
                    if handle._cancelled:
                        handle._scheduled = False
                    else:
                        new_scheduled.append(handle)
                heapify(new_scheduled)
                loop._scheduled = scheduled = new_scheduled
                loop._timer_cancelled_count = 0
            else:
                # Remove delayed calls that were cancelled from head of queue.
                while scheduled and scheduled[0]._cancelled:
                    loop._timer_cancelled_count -= 1
                    handle = heappop(scheduled)
                    handle._scheduled = False

            timeout = None
            if ready or loop._stopping:
                timeout = 0
            elif scheduled:
                timeout = scheduled[0]._when - loop.time()
                if timeout > _MAXIMUM_SELECT_TIMEOUT:
                    timeout = _MAXIMUM_SELECT_TIMEOUT
                elif timeout < 0:
                    timeout = 0

            event_list = loop._selector.select(timeout)
            loop._process_events(event_list)
            event_list = None  # Needed to break cycles when an exception occurs.

            # Handle 'later' callbacks that are ready.
            end_time = loop.time() + loop._clock_resolution
            while scheduled:
                handle = scheduled[0]
                if handle._when >= end_time:
                    break
                handle = heappop(scheduled)
                handle._scheduled = False
                ready.append(handle)
            handle = None  # Needed to break cycles when an exception occurs.

            # Run the callbacks ready now (not those they schedule: next time round).
            ntodo = len(ready)
            if ntodo:
                run_ready(ready, ntodo)

        return _run_once

    if rec.trace is not None or rec.gate is not None:
        run_ready = _make_traced_run_ready(rec)  # type: ignore[assignment]  # its own runner

    assert run_ready.__closure__ is not None
    cells = dict(zip(run_ready.__code__.co_freevars, run_ready.__closure__))
    rec.watch_cells(cells["cur_handle"], cells["cur_start"])
    return Runner(run_ready, handle_run, make_run_once)


def _make_traced_run_ready(rec: Recorder) -> RunReady:
    """``run_ready`` for trace and step modes: the same accounting, plus a step logged
    per callback (see trace) and, in step mode, a stop before each callback until the
    parent lets it run (see stepping). A runner of its own, so that the default one
    keeps not a bytecode more."""
    perf = perf_counter
    stall_s = rec.stall_s
    ended = rec.ended_callbacks
    busy = rec.tasks.busy_s
    steps = rec.tasks.steps
    meta = rec.tasks.meta
    finish = make_finish(rec)
    beyond = rec.tasks.beyond
    other_types = rec.tasks.other_types
    end_beyond = make_end_beyond(rec)
    task_type = asyncio.Task
    task_done = task_type.done
    assert rec.trace is not None  # step mode traces too (see Recorder)
    log = rec.trace.items.append
    gate = rec.gate
    cur_handle: Any = None
    cur_start = 0.0

    def run_ready(ready: deque[Any], ntodo: int) -> None:
        nonlocal cur_handle, cur_start
        end = perf()
        for _ in range(ntodo):
            handle = ready.popleft()
            if handle._cancelled:
                continue
            callback = handle._callback
            args = handle._args
            if gate is not None and gate.on and gate.wait(handle, ready):
                end = perf()  # the time paused is nobody's: not the callback's, not lag
            cur_start = start = end
            cur_handle = handle
            try:
                if args:
                    handle._context.run(callback, *args)
                else:
                    handle._context.run(callback)
            except (SystemExit, KeyboardInterrupt):
                cur_handle = None
                raise
            except BaseException as exc:
                _callback_failed(handle, callback, args, exc)
            end = perf()
            dt = end - start
            cur_handle = None
            owner: Any = getattr(callback, "__self__", None)
            who: Any = callback
            if (kind := type(owner)) is task_type or (other_types and kind in other_types):
                who = -1
                slot = getattr(owner, "_ap_slot", None)
                if slot is not None:
                    who = meta[slot][0]
                    busy[slot] += dt
                    steps[slot] += 1.0
                    if task_done(owner):
                        finish(slot, owner)
                elif beyond and kind is task_type and task_done(owner) and hash(owner) in beyond:
                    end_beyond(owner)
            log(start)
            log(dt)
            log(who)
            if dt >= stall_s:
                ended.append((handle, start, dt))

    return run_ready


def _callback_failed(handle: Any, callback: Any, args: Any, exc: BaseException) -> None:
    """A callback raised: what ``Handle._run`` does, a report to the loop."""
    cb = _format_helpers._format_callback_source(callback, args)
    context: dict[str, Any] | None = {
        "message": f"Exception in callback {cb}", "exception": exc, "handle": handle}
    if handle._source_traceback:
        context["source_traceback"] = handle._source_traceback  # type: ignore[index]
    handle._loop.call_exception_handler(context)
    context = None  # break the cycle through the traceback, as the stdlib does


def make_finish(rec: Recorder) -> Callable[..., None]:
    counts = rec.counts
    t = rec.tasks
    live, finished, sent, names, meta = t.live, t.finished, t.sent, t.name, t.meta

    def finish(slot: int, task: Any, ended: tuple[str, str] | None = None) -> None:
        """A task's last step ran: count it, and queue its last row. ``ended``: the
        state and detail of a task that ends without finishing (destroyed pending)."""
        del task._ap_slot  # its slot will serve another task: the task lets it go
        counts[C_ALIVE] -= 1
        if ended is not None:
            state, detail = ended
            if state == "cancelled":  # the count agrees with the row it shows
                counts[C_CANCELLED] += 1
        elif task.cancelled():
            counts[C_CANCELLED] += 1
            state, detail = "cancelled", None
        else:
            # _exception, not exception(): reading it must not count as retrieving
            # it, or asyncio would never say "Task exception was never retrieved".
            exc = getattr(task, "_exception", None)
            if exc is None:
                state, detail = "done", None
            else:
                counts[C_FAILED] += 1
                state, detail = "failed", f"{type(exc).__name__}: {exc}"[:200]
        live.discard(slot)
        if not sent[slot]:
            names[slot] = task.get_name()  # not announced yet, and soon gone
        finished.append((slot, meta[slot][M_TID], state, detail))

    return finish


def make_end_beyond(rec: Recorder) -> Callable[..., None]:
    counts = rec.counts
    beyond = rec.tasks.beyond
    task_type = asyncio.Task

    def end_beyond(task: Any, destroyed: bool = False) -> None:
        """A task without a row ended (or was destroyed): count it. Also the done
        callback of such tasks when the callback runner cannot tell them. ``destroyed``:
        it was destroyed while pending, counted as cancelled like a task with a row."""
        if type(task) is task_type:
            beyond.discard(hash(task))
        counts[C_ALIVE] -= 1
        if destroyed or task.cancelled():
            counts[C_CANCELLED] += 1
        elif getattr(task, "_exception", None) is not None:
            counts[C_FAILED] += 1

    return end_beyond
