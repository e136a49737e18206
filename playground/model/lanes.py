"""A run on one time axis: a lane per task, the stalls, the lag (what the timeline draws).

:func:`timeline` reads a :class:`~playground.model.fold.RunState` (live, or a replay's
state at a moment) and gives a :class:`Timeline`: per task its life (from the report
that first listed it to the one that said it finished, so to within a batch, 50 ms),
its running slices when the run was traced (``RunState.steps``), the stalls it caused;
then every stall and the lag series. :func:`lane_cells` turns a lane into one cell
kind per column of a window of time, the form a terminal draws.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from playground.words import task_label

if TYPE_CHECKING:
    from playground.model.fold import RunState

__all__ = ["Cell", "Lane", "Timeline", "lag_cells", "lane_cells", "run_span", "timeline"]

#: What a column of a lane shows, in order of precedence (a column covering several
#: takes the first): the task held the loop in a stall, it ran, it was alive
#: (waiting or ready, or unknown without a trace), or it did not exist.
Cell = Literal["stall", "running", "alive", "none"]
_RANK: dict[Cell, int] = {"stall": 0, "running": 1, "alive": 2, "none": 3}


@dataclass(frozen=True)
class Lane:
    """One task on the time axis (times in seconds on the child's clock)."""

    tid: int
    label: str
    state: str  # its latest state
    start_t: float
    end_t: float | None  # None: still alive
    running: tuple[tuple[float, float], ...]  # (start, end) of each step, when traced
    stalls: tuple[tuple[float, float], ...]  # (start, end) of each stall it caused

    @property
    def blocked_loop(self) -> bool:
        """Whether this task held the loop past the stall threshold."""
        return bool(self.stalls)


@dataclass(frozen=True)
class Timeline:
    """Everything the timeline draws of one run."""

    start_t: float
    end_t: float
    lanes: tuple[Lane, ...]
    stalls: tuple[tuple[float, float, int | None], ...]  # (start, end, task id)
    lag: tuple[tuple[float, float], ...]  # (t, worst lag of the window in ms)
    traced: bool  # running slices come from the run's steps
    steps_dropped: int  # the oldest steps, not kept
    lanes_left_out: int  # tasks the run state no longer holds a row for
    lanes_cut: int = 0  # tasks past ``max_lanes``, not drawn

    @property
    def span_s(self) -> float:
        return max(self.end_t - self.start_t, 0.0)


def run_span(state: RunState) -> tuple[float, float]:
    """When the run (as far as ``state`` knows it) starts and ends, on the child's clock."""
    end_t = state.last_t
    created = [t.created_t for t in state.tasks.values() if t.created_t is not None]
    start_t = state.started_t if state.started_t is not None else min(created, default=end_t)
    if created:
        start_t = min(start_t, min(created))
    return start_t, max(end_t, start_t)


def _steps_by_task(state: RunState, within: tuple[float, float] | None, wanted: set[int],
                   ) -> dict[int, list[tuple[int, int]]]:
    """The steps (start, duration in µs) of the ``wanted`` tasks, only from the chunks
    that reach into ``within`` (seconds) when given: a traced run keeps 300,000 steps."""
    lanes: dict[int, list[tuple[int, int]]] = {}
    lo, hi = (within[0] * 1e6, within[1] * 1e6) if within is not None else (-1e30, 1e30)
    for chunk in state.steps.chunks:
        if not len(chunk) or chunk.start_us[0] > hi or chunk.start_us[-1] + chunk.dur_us[-1] < lo:
            continue
        for start, dur, owner in zip(chunk.start_us, chunk.dur_us, chunk.owner):
            if owner in wanted and start <= hi and start + dur >= lo:
                lanes.setdefault(owner, []).append((start, dur))
    return lanes


def timeline(state: RunState, steps_within: tuple[float, float] | None = None,
             max_lanes: int | None = None) -> Timeline:
    """The timeline of ``state``: lanes in creation order (by task id); running slices
    only within ``steps_within`` (a window of seconds) when given. With ``max_lanes``,
    at most that many lanes: the tasks that blocked the loop first, then those still
    alive, then the first created (the rest counted in ``lanes_cut``)."""
    start_t, end_t = run_span(state)
    by_name = {t.name: t.tid for t in state.tasks.values()}
    stalls: list[tuple[float, float, int | None]] = []
    for stall in state.stalls:
        tid = stall.tid if stall.tid is not None else by_name.get(stall.task)
        stalls.append((stall.t, stall.t + stall.ms / 1000.0, tid))
    tasks = sorted(state.tasks.values(), key=lambda t: t.tid)
    cut = 0
    if max_lanes is not None and len(tasks) > max_lanes:
        blocking = {tid for _, _, tid in stalls}
        ranked = sorted(tasks, key=lambda t: (t.tid not in blocking, t.finished, t.tid))
        cut = len(tasks) - max_lanes
        tasks = sorted(ranked[:max_lanes], key=lambda t: t.tid)
    wanted = {t.tid for t in tasks}
    steps = _steps_by_task(state, steps_within, wanted) if state.steps.kept else {}
    lanes = []
    for task in tasks:
        runs = tuple((s / 1e6, (s + d) / 1e6) for s, d in steps.get(task.tid, ()))
        born = task.created_t if task.created_t is not None else start_t
        if runs:  # its first step can come before the report that listed it
            born = min(born, runs[0][0])
        lanes.append(Lane(
            tid=task.tid, label=task_label(task.name, task.coro), state=task.state,
            start_t=born, end_t=task.ended_t, running=runs,
            stalls=tuple((a, b) for a, b, tid in stalls if tid == task.tid)))
    return Timeline(start_t=start_t, end_t=max(end_t, start_t), lanes=tuple(lanes),
                    stalls=tuple(stalls), lag=tuple(state.lag_windows),
                    traced=bool(state.steps.kept), steps_dropped=state.steps.dropped,
                    lanes_left_out=max(0, state.tasks_listed - len(state.tasks)),
                    lanes_cut=cut)


def _column(t: float, t0: float, per_col: float) -> int:
    return int((t - t0) / per_col)


def lane_cells(lane: Lane, t0: float, t1: float, width: int, now_t: float) -> list[Cell]:
    """One cell per column of the window [t0, t1) (``width`` columns); ``now_t``: where
    a lane still alive ends."""
    width = max(1, width)
    per_col = max(t1 - t0, 1e-9) / width
    cells: list[Cell] = ["none"] * width

    def paint(a: float, b: float, kind: Cell) -> None:
        if b < t0 or a >= t1:
            return
        first = max(0, _column(a, t0, per_col))
        last = min(width - 1, _column(max(a, b - 1e-12), t0, per_col))
        for i in range(first, last + 1):
            if _RANK[kind] < _RANK[cells[i]]:
                cells[i] = kind

    paint(lane.start_t, lane.end_t if lane.end_t is not None else now_t, "alive")
    for a, b in lane.running:
        paint(a, b, "running")
    if lane.end_t is None and lane.state == "running" and not lane.running:
        paint(now_t, now_t, "running")  # running at this moment (untraced: only now is known)
    for a, b in lane.stalls:
        paint(a, b, "stall")
    return cells


def lag_cells(lag: Sequence[tuple[float, float]], t0: float, t1: float,
              width: int) -> list[float | None]:
    """The worst lag (ms) per column of the window [t0, t1); None where no window fell."""
    width = max(1, width)
    per_col = max(t1 - t0, 1e-9) / width
    out: list[float | None] = [None] * width
    for t, ms in lag:
        if t0 <= t < t1:
            i = min(width - 1, _column(t, t0, per_col))
            current = out[i]
            out[i] = ms if current is None else max(current, ms)
    return out

