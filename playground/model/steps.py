"""The callbacks a traced run ran (``steps`` events), and where a stepped run stopped.

:class:`StepTrace` keeps the steps as the chunks they arrived in (one per event,
immutable), so that a snapshot copies a list of references, not the steps. It is
bounded: past ``MAX_STEPS`` the oldest chunks are forgotten and counted in
``dropped`` (the latest steps are the ones a timeline shows). :class:`PauseView`
is what a ``paused`` event said: the callback next, the rest of the ready queue,
the timers due next.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from playground.words import format_ms, place, task_label

__all__ = ["MAX_STEPS", "PauseView", "Queued", "Step", "StepChunk", "StepTrace", "queued_label"]

#: Steps kept at most (about 1.5 MB per 100,000: three tuples of ints).
MAX_STEPS = 300_000


@dataclass(frozen=True)
class Step:
    """One callback the loop ran: when (µs on the child's clock), for how long, whose."""

    start_us: int
    dur_us: int
    tid: int | None  # the task it stepped (None: no task's, or a task without a row)
    name: str | None  # the callback's name when it was no task's step


@dataclass(frozen=True)
class StepChunk:
    """The steps of one ``steps`` event, decoded: absolute starts."""

    start_us: tuple[int, ...]
    dur_us: tuple[int, ...]
    owner: tuple[int, ...]  # a task id, -1 (a task without a row), -2-k: names[k]
    names: tuple[str, ...]

    @classmethod
    def decode(cls, e: dict[str, Any]) -> StepChunk:
        starts = tuple(accumulate(int(d) for d in e["start_us"]))
        durs = tuple(int(d) for d in e["dur_us"])
        owners = tuple(int(o) for o in e["owner"])
        names = tuple(str(n) for n in e.get("names", ()))
        if not len(starts) == len(durs) == len(owners):
            raise ValueError("steps of unequal lengths")
        return cls(starts, durs, owners, names)

    def __len__(self) -> int:
        return len(self.start_us)

    def steps(self) -> Iterator[Step]:
        names = self.names
        for start, dur, owner in zip(self.start_us, self.dur_us, self.owner):
            if owner >= 0:
                yield Step(start, dur, owner, None)
            elif owner == -1:
                yield Step(start, dur, None, None)
            else:
                k = -2 - owner
                yield Step(start, dur, None, names[k] if k < len(names) else "?")


@dataclass
class StepTrace:
    """The steps kept, oldest first, and how many were left out."""

    chunks: list[StepChunk] = field(default_factory=list)
    kept: int = 0  # steps in ``chunks``
    dropped: int = 0  # steps forgotten (the oldest) past MAX_STEPS
    cap: int = MAX_STEPS

    @property
    def count(self) -> int:
        """Every step received, kept or not."""
        return self.kept + self.dropped

    def add(self, chunk: StepChunk) -> None:
        if not len(chunk):
            return
        self.chunks.append(chunk)
        self.kept += len(chunk)
        while self.kept > self.cap and len(self.chunks) > 1:
            old = self.chunks.pop(0)
            self.kept -= len(old)
            self.dropped += len(old)

    def snapshot(self) -> StepTrace:
        return StepTrace(list(self.chunks), self.kept, self.dropped, self.cap)

    def __iter__(self) -> Iterator[Step]:
        for chunk in self.chunks:
            yield from chunk.steps()

    def by_task(self) -> dict[int, list[tuple[int, int]]]:
        """Each task's steps as (start_us, dur_us), in order."""
        lanes: dict[int, list[tuple[int, int]]] = {}
        for chunk in self.chunks:
            for start, dur, owner in zip(chunk.start_us, chunk.dur_us, chunk.owner):
                if owner >= 0:
                    lanes.setdefault(owner, []).append((start, dur))
        return lanes


@dataclass(frozen=True)
class Queued:
    """A callback waiting its turn: the task it steps or wakes (``tid`` when the task
    has a row), the callback's name when it is not the task's own step, the line the
    task resumes at; ``in_ms``: for a timer, how soon it is due."""

    tid: int | None
    task: str | None
    callback: str | None
    file: str | None
    line: int | None
    in_ms: float | None = None

    @classmethod
    def of(cls, d: dict[str, Any]) -> Queued:
        in_ms = d.get("in_ms")
        line = d.get("line")
        return cls(tid=d.get("tid") if isinstance(d.get("tid"), int) else None,
                   task=str(d["task"]) if d.get("task") is not None else None,
                   callback=str(d["callback"]) if d.get("callback") is not None else None,
                   file=str(d["file"]) if d.get("file") is not None else None,
                   line=line if isinstance(line, int) else None,
                   in_ms=float(in_ms) if isinstance(in_ms, (int, float)) else None)


@dataclass(frozen=True)
class PauseView:
    """A stepped run: stopped before ``ready[0]`` (``paused``), or going on (``mode``:
    "step" running one callback, "slow" in slow motion, "run" freely)."""

    paused: bool
    mode: str  # "paused", "step", "slow", "run"
    n: int  # callbacks run so far in step mode
    t: float  # when (the child's clock)
    ready: tuple[Queued, ...] = ()
    ready_count: int = 0
    timers: tuple[Queued, ...] = ()


def queued_label(q: Queued, coro_of: dict[int, str]) -> str:
    """How front ends name a queued callback: the task it steps (``worker() #2 resumes
    at snippet.py:5``), the task a callback wakes (``_set_result_unless_cancelled wakes
    worker() #2``), or the callback alone. ``coro_of``: task id -> coroutine, from the
    task table."""
    task = task_label(q.task or "?", coro_of.get(q.tid) if q.tid is not None else None)
    if q.tid is not None:
        task = f"{task} #{q.tid}"  # the task table's id: tasks of one coroutine told apart
    where = place(q.file, q.line)
    at = f" at {where}" if where else ""
    if q.task is None:
        text = q.callback or "?"
    elif q.callback is None:
        text = f"{task} resumes{at}"
    else:
        text = f"{q.callback} wakes {task}{at}"
    if q.in_ms is not None:
        text = f"in {format_ms(q.in_ms)}: {text}"
    return text
