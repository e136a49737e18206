"""RunState keeps bounded memory whatever arrives on the event channel."""

from __future__ import annotations

from typing import Any

from playground import model
from playground.model import RunState


def fold(*events: dict[str, Any]) -> RunState:
    state = RunState(target="t.py")
    for event in events:
        state.apply({"t": 1.0, **event})
    return state


def new_tasks(first: int, n: int) -> dict[str, Any]:
    return {"kind": "tasks", "new": [[first + i, "t", "c", None, "f", 1] for i in range(n)],
            "upd": []}


def finish(first: int, n: int) -> dict[str, Any]:
    return {"kind": "tasks", "new": [],
            "upd": [[first + i, "done", None, None, None, 0.1, 1, None] for i in range(n)]}


def test_task_views_are_capped_and_new_ones_untracked_when_all_are_alive() -> None:
    cap = model.MAX_TASK_VIEWS
    state = fold(new_tasks(0, cap), new_tasks(cap, 500))
    assert len(state.tasks) == cap
    assert state.tasks_untracked == 500
    assert state.summary()["dropped"]["tasks"] == 500


def test_finished_tasks_make_room_oldest_first() -> None:
    cap = model.MAX_TASK_VIEWS
    state = fold(new_tasks(0, cap), finish(0, 5000), new_tasks(cap, 3000))
    assert len(state.tasks) <= cap
    assert state.tasks_untracked == 0
    assert all(cap + i in state.tasks for i in range(3000))  # the new ones are kept
    assert all(i in state.tasks for i in range(5000, cap))  # the live ones too
    assert 0 not in state.tasks  # the oldest finished went first


def test_stalls_are_capped_and_counted() -> None:
    cap = model.MAX_STALLS
    events = []
    for i in range(cap + 30):
        stall = {"id": i, "ms": 60.0, "task": "x", "file": "f", "line": 1, "code": "c"}
        events += [{"kind": "stall", **stall}, {"kind": "stall_end", **stall}]
    state = fold(*events)
    assert len(state.stalls) == cap
    assert state.stalls_dropped == 30
    assert not state.probe_errors


def test_lag_samples_are_thinned_evenly_and_the_max_stays_exact() -> None:
    cap = model.MAX_LAG_SAMPLES
    events = [{"kind": "lag", "samples_ms": [float(i % 100)] * 50_000} for i in range(12)]
    events.append({"kind": "lag", "samples_ms": [1.0] * 10 + [987.5]})
    state = fold(*events)
    assert len(state.lag_samples_ms) <= cap
    assert state.lag()["max_ms"] == 987.5
    assert len(state.lag_windows) == 13


def test_lag_windows_are_capped() -> None:
    state = fold(*({"kind": "lag", "samples_ms": [1.0]} for _ in range(model.MAX_LAG_WINDOWS + 10)))
    assert len(state.lag_windows) <= model.MAX_LAG_WINDOWS


def test_malformed_events_are_counted_in_bounded_space() -> None:
    state = fold(*({"kind": "stall", "id": i} for i in range(1000)))
    assert len(state.probe_errors) == model.MAX_PROBE_ERRORS


def test_small_runs_are_exact() -> None:
    state = fold({"kind": "lag", "samples_ms": [1.0, 2.0, 3.0]}, new_tasks(0, 3), finish(0, 1))
    assert state.lag_samples_ms == [1.0, 2.0, 3.0]
    assert len(state.tasks) == 3
    assert state.summary()["dropped"] == {"tasks": 0, "stalls": 0}


def test_memory_series_is_thinned_evenly_and_first_max_last_stay_exact() -> None:
    n = model.MAX_LAG_WINDOWS * 3 + 7
    events = [{"kind": "memory", "rss_kb": 20_000 + i} for i in range(n)]
    events[n // 2] = {"kind": "memory", "rss_kb": 999_999}  # a peak the thinning may skip
    state = fold(*events)
    assert len(state.rss_series_kb) <= model.MAX_LAG_WINDOWS
    first, second, third = state.rss_series_kb[:3]
    assert first == 20_000 and second - first == third - second > 1  # evenly, thinned
    assert state.rss_kb == 20_000 + n - 1
    assert state.summary()["rss"] == {"first_kb": 20_000, "max_kb": 999_999,
                                      "last_kb": 20_000 + n - 1}


def test_memory_is_null_in_the_summary_when_never_sampled() -> None:
    state = fold({"kind": "lag", "samples_ms": [1.0]})
    assert state.rss_kb is None and state.rss_series_kb == []
    assert state.summary()["rss"] is None
