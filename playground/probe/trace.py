"""Trace mode: every callback the loop runs, as a step (start, duration, owner).

The traced callback runner (see runner) appends three items per callback to the flat
list :attr:`StepLog.items`: its start on ``perf_counter``, its duration in seconds, and
its owner: the task's id (a task with a row), -1 (a task without one) or the
callback itself (a transport's read, a timer's function...). Flat, not a tuple per
step: a tuple is an object the garbage collector tracks, and 300,000 of them (a
many-task snippet's second) made the collector's passes cost the snippet more than
the logging itself; floats and ints are not tracked. Each batch drains what
accumulated into ``steps`` events, compactly: times in whole microseconds, starts as
differences from the step before (the first from the probe's start, so
each event reads on its own), owners as ints (a callback's name is ``-2 - k``,
``k`` indexing the event's ``names``). A step costs the snippet three appends; the encoding is paid at the batch, by the tick.
"""

from __future__ import annotations

from typing import Any

from playground import protocol as P

__all__ = ["StepLog", "MAX_STEPS_PER_EVENT", "NO_ROW", "step_name"]

#: Steps per ``steps`` event: a batch of many tasks' steps (20,000 in 50 ms is
#: common) stays far below the channel's line limit.
MAX_STEPS_PER_EVENT = 8192
#: The owner of a task's step when the task has no row (see tasks).
NO_ROW = -1
#: The probe's own callbacks, left out of the trace (the lag heartbeat).
_PROBE_CALLBACKS = frozenset({"ProbeLoop._ap_heartbeat"})


def step_name(callback: Any) -> str:
    """What to call a callback that is not a task's step."""
    name = getattr(callback, "__qualname__", None)
    if not isinstance(name, str):
        func = getattr(callback, "func", None)  # functools.partial
        name = getattr(func, "__qualname__", None) or type(callback).__name__
    return str(name)[:120]


class StepLog:
    """The steps run since the last batch (written by the snippet's thread)."""

    __slots__ = ("items", "t0")

    def __init__(self, t0: float) -> None:
        self.items: list[Any] = []  # start, duration, owner, start, duration, owner...
        self.t0 = t0  # the probe's clock starts here (Recorder.t0)

    def drain(self, t: float) -> list[dict[str, Any]]:
        """The steps logged so far as ``steps`` events stamped ``t``."""
        items = self.items
        # Appends happen only at the end (a tick on another thread may run now, even
        # between a step's three appends): take the whole steps there are, delete
        # exactly those.
        n = len(items) // 3 * 3
        if not n:
            return []
        taken = items[:n]
        del items[:n]
        t0 = self.t0
        names: dict[str, int] = {}
        skip = _PROBE_CALLBACKS
        events: list[dict[str, Any]] = []
        starts: list[int] = []
        durs: list[int] = []
        owners: list[int] = []
        prev = 0  # each event on its own: its first start counts from the probe's start
        for start, dt, owner in zip(taken[0::3], taken[1::3], taken[2::3]):
            if owner.__class__ is not int:
                name = step_name(owner)
                if name in skip:
                    continue
                code = names.get(name)
                if code is None:
                    code = names[name] = len(names)
                owner = -2 - code
            us = int((start - t0) * 1e6)
            starts.append(us - prev)
            prev = us
            durs.append(int(dt * 1e6))
            owners.append(owner)
            if len(starts) >= MAX_STEPS_PER_EVENT:
                events.append(_event(t, starts, durs, owners, names))
                starts, durs, owners, names, prev = [], [], [], {}, 0
        if starts:
            events.append(_event(t, starts, durs, owners, names))
        return events


def _event(t: float, starts: list[int], durs: list[int], owners: list[int],
           names: dict[str, int]) -> dict[str, Any]:
    """A ``steps`` event; a new event's names start again from 0 (owners were coded
    with the names of their own event)."""
    return {"kind": P.K_STEPS, "t": t, "start_us": starts, "dur_us": durs, "owner": owners,
            "names": list(names)}
