"""Recorded runs as a Chrome Trace Event file, which Perfetto and chrome://tracing open.

:func:`perfetto_trace` turns one or more :class:`~playground.recording.Recording`
into the JSON object format (``{"traceEvents": [...]}``), timestamps in microseconds
on each run's child clock:

- a process per run (named after its target: a bad and a good run side by side);
- lane 0, "event loop", for what belongs to no task (stalls outside tasks, warnings,
  errors, refused actions), then a named lane (thread) per task;
- on a task's lane, its life as one complete event (``X``) from the batch that first
  reported it to the one that reported it finished (or the run's end), and within it
  its busy time: the busy time the probe added between two reports is drawn as one
  slice ending at the later report, as long as it was (but not over the slice before);
  reports come every 50 ms and at a stall's end, so a slice is placed within 50 ms of
  when it ran, and its ``steps`` say how many callbacks it covers;
  each change of state (waiting on what, ready, done...) as an instant event;
  a traced run (``--trace``) draws each of a task's steps instead, as it ran, and the
  callbacks of no task on the "event loop" lane;
- stalls and warnings as instant events (a stall on its task's lane, at its start);
- lag (the worst of each batch, ms) and resident memory (MB) as counters;
- task creation as a flow arrow from the parent's lane to the child's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from playground import protocol as P
from playground.recording import Recording
from playground.words import task_label

__all__ = ["perfetto_trace"]

_LOOP_LANE = 0


def _us(t: float) -> int:
    return int(round(float(t) * 1_000_000))


@dataclass
class _Lane:
    """One task's lane while the events are walked."""

    lane: int
    label: str
    parent: int | None
    created: int  # µs
    where: str | None
    end: int | None = None
    state: tuple[str, str | None] | None = None
    last_end: int = 0  # where its latest busy slice ends
    prev_busy_us: int = 0
    prev_steps: int = 0
    slices: list[dict[str, Any]] = field(default_factory=list)
    steps: list[tuple[int, int]] = field(default_factory=list)  # traced: (start, dur) µs


class _Run:
    """The trace events of one recording (process ``pid``)."""

    def __init__(self, recording: Recording, pid: int) -> None:
        self.pid = pid
        self.recording = recording
        self.lanes: dict[int, _Lane] = {}  # by the probe's task id
        self.out: list[dict[str, Any]] = []
        self.end = 0
        self.stalls: dict[int, dict[str, Any]] = {}
        # A traced run (steps events) draws its tasks' busy time step by step, as it
        # ran, rather than slices placed from the busy time each report added.
        self.traced = any(e.get("kind") == P.K_STEPS for e in recording.events)
        self.steps: dict[int, list[tuple[int, int]]] = {}  # task id -> steps
        self.loop_steps: list[tuple[int, int, str]] = []  # callbacks of no task

    def event(self, ph: str, name: str, ts: int, lane: int = _LOOP_LANE, **extra: Any) -> None:
        self.out.append({"ph": ph, "name": name, "ts": ts, "pid": self.pid, "tid": lane, **extra})

    def walk(self) -> list[dict[str, Any]]:
        for e in self.recording.events:
            t = e.get("t")
            if not isinstance(t, (int, float)):
                continue
            ts = _us(t)
            self.end = max(self.end, ts)
            try:
                self._one(str(e.get("kind")), e, ts)
            except (KeyError, TypeError, ValueError, IndexError):
                continue  # a malformed event: the fold ignores it too
        return self._finish()

    def _one(self, kind: str, e: dict[str, Any], ts: int) -> None:
        if kind == P.K_TASKS:
            self._tasks(e, ts)
        elif kind == P.K_LAG and e["samples_ms"]:
            self.event("C", "lag (ms)", ts, args={"lag": max(float(s) for s in e["samples_ms"])})
        elif kind == P.K_MEMORY:
            self.event("C", "memory (MB)", ts, args={"resident": round(int(e["rss_kb"]) / 1024, 2)})
        elif kind in (P.K_STALL, P.K_STALL_END):
            self.stalls[int(e["id"])] = e
        elif kind == P.K_WARNING:
            self.event("i", f"warning: {e.get('category', '')}", ts, s="t",
                       args={"message": e.get("message"), "file": e.get("file"),
                             "line": e.get("line")})
        elif kind == P.K_ERROR:
            self.event("i", f"error: {e.get('type', '')}", ts, s="t",
                       args={"message": e.get("message"), "file": e.get("file"),
                             "line": e.get("line")})
        elif kind == P.K_STEPS:
            self._steps(e)
        elif kind == P.K_BLOCKED:
            self.event("i", "refused", ts, s="t", args={"message": e.get("message")})

    def _steps(self, e: dict[str, Any]) -> None:
        start = 0
        names = e.get("names", [])
        for delta, dur, owner in zip(e["start_us"], e["dur_us"], e["owner"]):
            start += int(delta)
            if owner >= 0:
                self.steps.setdefault(int(owner), []).append((start, int(dur)))
            elif owner < -1 and -2 - owner < len(names):
                self.loop_steps.append((start, int(dur), str(names[-2 - owner])))

    def _tasks(self, e: dict[str, Any], ts: int) -> None:
        for tid, name, coro, parent, file, line in e.get("new", ()):
            if tid in self.lanes:
                continue
            where = f"{file}:{line}" if file and line else None
            label = task_label(str(name), str(coro))
            # the task's name and its coroutine both (two tasks of one coroutine)
            if str(name) not in label:
                label = f"{label} {name}"
            elif f"{coro}(" not in label:
                label = f"{label} {coro}()"
            self.lanes[tid] = _Lane(lane=len(self.lanes) + 1, label=label,
                                    parent=parent, created=ts, where=where, last_end=ts)
        for tid, state, waits, _file, _line, busy_us, steps, _detail in e.get("upd", ()):
            lane = self.lanes.get(tid)
            if lane is None or lane.end is not None:
                continue
            busy, steps = int(busy_us), int(steps)
            added = busy - lane.prev_busy_us
            start = max(ts - added, lane.last_end)  # never over the slice before
            if added > 0 and start < ts and not self.traced:
                lane.slices.append({"ph": "X", "name": "running", "ts": start, "dur": ts - start,
                                    "args": {"busy_ms": added / 1000,
                                             "steps": steps - lane.prev_steps}})
                lane.last_end = ts
            lane.prev_busy_us, lane.prev_steps = busy, steps
            if (state, waits) != lane.state:
                lane.state = (state, waits)
                lane.slices.append({"ph": "i", "s": "t", "ts": ts,
                                    "name": f"{state}: {waits}" if waits else str(state)})
            if state in P.FINISHED_TASK_STATES:
                lane.end = ts

    def _finish(self) -> list[dict[str, Any]]:
        header = self.recording.header
        out = self.out
        out.append({"ph": "M", "name": "process_name", "pid": self.pid, "tid": 0, "ts": 0,
                    "args": {"name": f"{header.get('target', '?')} (recorded {header.get('started')})"}})
        out.append({"ph": "M", "name": "process_sort_index", "pid": self.pid, "tid": 0, "ts": 0,
                    "args": {"sort_index": self.pid}})
        out.append({"ph": "M", "name": "thread_name", "pid": self.pid, "tid": _LOOP_LANE, "ts": 0,
                    "args": {"name": "event loop"}})
        for stall in self.stalls.values():
            tid = stall.get("tid")
            lane = self.lanes.get(tid) if isinstance(tid, int) else None
            ms = float(stall["ms"])
            self.event("i", f"stall {ms:.0f} ms", max(0, _us(stall["t"]) - int(ms * 1000)),
                       lane.lane if lane else _LOOP_LANE, s="t",
                       args={"ms": ms, "task": stall.get("task"), "file": stall.get("file"),
                             "line": stall.get("line"), "code": stall.get("code"),
                             "ended": stall.get("kind") == P.K_STALL_END})
        for start, dur, name in self.loop_steps:
            self.event("X", name, start, _LOOP_LANE, dur=dur)
        flow = 0
        for tid, lane in self.lanes.items():
            steps = self.steps.get(tid, ())
            if steps:  # its life holds its steps (the first ran before a report named it)
                lane.created = min(lane.created, steps[0][0])
                last = steps[-1][0] + steps[-1][1]
                if lane.end is not None and lane.end < last:
                    lane.end = last
                self.end = max(self.end, last)
            for start, dur in steps:
                lane.slices.append({"ph": "X", "name": "step", "ts": start, "dur": dur})
        for lane in self.lanes.values():
            end = lane.end if lane.end is not None else self.end
            out.append({"ph": "M", "name": "thread_name", "pid": self.pid, "tid": lane.lane,
                        "ts": 0, "args": {"name": lane.label}})
            out.append({"ph": "M", "name": "thread_sort_index", "pid": self.pid,
                        "tid": lane.lane, "ts": 0, "args": {"sort_index": lane.lane}})
            self.event("X", lane.label, lane.created, lane.lane, dur=end - lane.created,
                       args={"created at": lane.where, "final state": (lane.state or ("?",))[0]})
            for piece in lane.slices:
                out.append({**piece, "pid": self.pid, "tid": lane.lane})
            parent = self.lanes.get(lane.parent) if lane.parent is not None else None
            if parent is not None:
                flow += 1
                parent_end = parent.end if parent.end is not None else self.end
                fid = self.pid * 1_000_000 + flow
                self.event("s", "created", min(lane.created, parent_end), parent.lane,
                           id=fid, cat="task")
                self.event("f", "created", lane.created, lane.lane, id=fid, cat="task", bp="e")
        return out


def perfetto_trace(recordings: Sequence[Recording]) -> dict[str, Any]:
    """The Chrome Trace Event JSON object of ``recordings``, a process each (pid 1, 2...)."""
    events: list[dict[str, Any]] = []
    for pid, recording in enumerate(recordings, start=1):
        events.extend(_Run(recording, pid).walk())
    # Metadata first, then by time; at one time the longer slice first, so that what
    # encloses comes before what it encloses.
    events.sort(key=lambda ev: (ev["ph"] != "M", ev["ts"], -ev.get("dur", 0)))
    return {"traceEvents": events, "displayTimeUnit": "ms",
            "otherData": {"source": "asyncplay",
                          "runs": [str(r.header.get("target")) for r in recordings]}}
