"""The timeline's core: lanes from a RunState folded from events, and their cells."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from playground.model import RunState, lag_cells, lane_cells, run_span, timeline


def tasks_event(t: float, new: list[list[Any]] = [], upd: list[list[Any]] = []) -> dict[str, Any]:
    return {"kind": "tasks", "t": t, "new": new, "upd": upd, "created": 3, "alive": 2,
            "max_alive": 3, "failed": 0, "cancelled": 0}


def rounded(spans: Sequence[Sequence[float | None]]) -> list[tuple[float | None, ...]]:
    return [tuple(None if x is None else round(x, 9) for x in span) for span in spans]


def folded(*events: dict[str, Any]) -> RunState:
    state = RunState(target="test")
    for event in events:
        state.apply(event)
    return state


RUN = [
    {"kind": "hello", "t": 0.0, "pid": 1, "python": "3.12.0", "file": "x.py", "stall_ms": 50},
    {"kind": "started", "t": 0.0},
    tasks_event(0.05, new=[[1, "Task-1", "main", None, "x.py", 10],
                           [2, "Task-2", "worker", 1, "x.py", 5],
                           [3, "Task-3", "ticker", 1, "x.py", 7]],
                upd=[[1, "waiting", "gather", "x.py", 11, 100, 1, None],
                     [2, "running", None, "x.py", 6, 0, 1, None],
                     [3, "waiting", "sleep", "x.py", 8, 50, 1, None]]),
    {"kind": "stall", "t": 0.4, "id": 1, "ms": 300.0, "task": "Task-2", "tid": 2,
     "file": "x.py", "line": 6, "code": "time.sleep(1)"},
    {"kind": "lag", "t": 0.5, "samples_ms": [1.0, 2.0]},
    {"kind": "stall_end", "t": 1.1, "id": 1, "ms": 1000.0, "task": "Task-2", "tid": 2,
     "file": "x.py", "line": 6, "code": "time.sleep(1)"},
    {"kind": "lag", "t": 1.15, "samples_ms": [990.0]},
    tasks_event(1.15, upd=[[2, "done", None, None, None, 1000000, 2, None]]),
    tasks_event(1.6, upd=[[3, "done", None, None, None, 90, 3, None],
                          [1, "done", None, None, None, 120, 2, None]]),
]


def test_each_task_has_a_lane_from_its_first_report_to_its_end() -> None:
    tl = timeline(folded(*RUN))
    assert [(lane.tid, lane.label) for lane in tl.lanes] == [(1, "main()"), (2, "worker()"),
                                                             (3, "ticker()")]
    assert [(lane.start_t, lane.end_t) for lane in tl.lanes] == [(0.05, 1.6), (0.05, 1.15),
                                                                 (0.05, 1.6)]
    assert (tl.start_t, tl.end_t) == (0.0, 1.6) == run_span(folded(*RUN))
    # The stall began 1 s before it ended, on the worker's lane: that lane blocked the loop.
    blocking = [lane for lane in tl.lanes if lane.blocked_loop]
    assert [lane.tid for lane in blocking] == [2]
    assert rounded(blocking[0].stalls) == [(0.1, 1.1)] and rounded(tl.stalls) == [(0.1, 1.1, 2)]
    assert tl.lag == ((0.5, 2.0), (1.15, 990.0)) and not tl.traced


def test_a_state_in_the_middle_shows_what_was_known_then() -> None:
    tl = timeline(folded(*RUN[:4]))  # the stall reported live, 300 ms in
    worker = tl.lanes[1]
    assert worker.end_t is None and worker.state == "running"
    assert rounded(worker.stalls) == [(0.1, 0.4)] and tl.end_t == 0.4
    cells = lane_cells(worker, 0.0, 0.4, 8, tl.end_t)
    assert cells == ["none", "alive", "stall", "stall", "stall", "stall", "stall", "stall"]


def test_cells_in_a_window_and_their_precedence() -> None:
    tl = timeline(folded(*RUN))
    main, worker, ticker = tl.lanes
    assert lane_cells(main, 0.0, 1.6, 16, tl.end_t) == ["alive"] * 16
    assert lane_cells(main, 0.0, 3.2, 4, tl.end_t) == ["alive", "alive", "none", "none"]
    # Zoomed on 0.8 to 1.6 s: the stall's end, then nothing once the task is done.
    assert lane_cells(worker, 0.8, 1.6, 8, tl.end_t) == ["stall"] * 3 + ["alive"] + ["none"] * 4
    assert lane_cells(ticker, 2.0, 3.0, 4, tl.end_t) == ["none"] * 4
    assert lag_cells(tl.lag, 0.0, 1.6, 4) == [None, 2.0, 990.0, None]


def test_a_traced_run_draws_each_step_on_its_task_lane() -> None:
    steps = {"kind": "steps", "t": 0.3,
             # starts as differences (µs), durations, owners (-2: names[0], no task's)
             "start_us": [20_000, 80_000, 100_000, 100_000], "dur_us": [1000, 2000, 50_000, 500],
             "owner": [1, 3, 2, -2], "names": ["heartbeat"]}
    state = folded(*RUN[:3], steps)
    tl = timeline(state)
    assert tl.traced and tl.steps_dropped == 0
    main, worker, ticker = tl.lanes
    assert main.running == ((0.02, 0.021),) and main.start_t == 0.02  # its step came first
    assert ticker.running == ((0.1, 0.102),) and worker.running == ((0.2, 0.25),)
    cells = lane_cells(worker, 0.0, 0.3, 6, tl.end_t)
    assert cells == ["none", "alive", "alive", "alive", "running", "alive"]
    # Only the steps within a window are read when one is given.
    assert timeline(state, steps_within=(0.15, 0.3)).lanes[0].running == ()
    assert timeline(state, steps_within=(0.15, 0.3)).lanes[1].running == ((0.2, 0.25),)


def test_many_lanes_keep_the_blocking_and_the_live_ones_first() -> None:
    upd = [[tid, "done", None, None, None, 0, 1, None] for tid in range(1, 301)]
    upd[149] = [150, "waiting", "sleep", "x.py", 3, 0, 1, None]  # still alive
    events = [
        tasks_event(0.1, new=[[tid, f"Task-{tid}", "job", None, "x.py", 2]
                              for tid in range(1, 301)]),
        {"kind": "stall_end", "t": 0.5, "id": 1, "ms": 200.0, "task": "Task-200", "tid": 200,
         "file": "x.py", "line": 3, "code": "time.sleep(0.2)"},
        tasks_event(0.6, upd=upd),
    ]
    state = folded(*events)
    tl = timeline(state, max_lanes=10)
    assert tl.lanes_cut == 290
    assert [lane.tid for lane in tl.lanes] == [1, 2, 3, 4, 5, 6, 7, 8, 150, 200]
    assert tl.lanes[-1].blocked_loop and tl.lanes[-2].end_t is None
    assert timeline(state, max_lanes=300).lanes_cut == 0 and len(timeline(state).lanes) == 300
