"""RunState is a pure fold: replaying a recorded run gives the same state."""

from __future__ import annotations

from pathlib import Path

from conftest import write_snippet
from playground.model import RunState, format_mb, format_ms, percentile, place
from playground.session import RunOptions, RunTarget, Session


def test_percentile_nearest_rank() -> None:
    values = sorted(float(v) for v in range(1, 101))
    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile([], 50) == 0.0


def test_stall_lives_then_ends_with_its_exact_duration() -> None:
    state = RunState(target="x")
    state.apply({"kind": "hello", "t": 0, "v": 2, "pid": 3, "stall_ms": 50})
    state.apply({"kind": "stall", "t": 0.1, "id": 1, "ms": 52.0, "task": "a", "file": "f.py",
                 "line": 3, "code": "time.sleep(1)"})
    assert state.live_stall is not None and state.live_stall.ms == 52.0
    state.apply({"kind": "stall", "t": 0.15, "id": 1, "ms": 102.0, "task": "a", "file": "f.py",
                 "line": 3, "code": "time.sleep(1)"})
    assert state.live_stall.ms == 102.0
    state.apply({"kind": "stall_end", "t": 1.05, "id": 1, "ms": 1000.4, "task": "a",
                 "file": "f.py", "line": 3, "code": "time.sleep(1)"})
    assert state.live_stall is None
    assert state.summary()["stalls"] == [
        {"ms": 1000.4, "task": "a", "file": "f.py", "line": 3, "code": "time.sleep(1)"}]


def test_unknown_and_malformed_events_do_not_break_the_fold() -> None:
    state = RunState(target="x")
    state.apply({"kind": "from-the-future", "t": 1})
    state.apply({"kind": "lag", "t": 1, "samples_ms": "not a list"})
    state.apply({"kind": "tasks", "t": 1, "new": [[1, 2]]})
    assert state.events == 3
    assert state.summary()["lag"]["max_ms"] == 0.0


async def test_replaying_a_recorded_run_gives_the_same_summary(tmp_path: Path) -> None:
    path = write_snippet(tmp_path, """
        import asyncio, time
        async def work(i):
            await asyncio.sleep(0.01 * i)
            if i == 2:
                time.sleep(0.08)
            print("work", i)
        async def main():
            await asyncio.gather(*(work(i) for i in range(4)))
        asyncio.run(main())
    """)
    session = Session(RunTarget.from_file(path), RunOptions(record=True))
    live = await session.run()
    replayed = RunState(target=live.target)
    for event in session.recording:
        replayed.apply(event)
    assert replayed.summary() == live.summary()
    assert [s.ms for s in replayed.stalls] == [s.ms for s in live.stalls]
    assert len(replayed.stalls) == 1
    assert {t.state for t in replayed.tasks.values()} == {"done"}


def test_the_model_words_a_run_for_every_front_end() -> None:
    state = RunState(target="x")
    assert state.lag_note() == "no samples yet"
    state.apply({"kind": "hello", "t": 0, "v": 2, "pid": 3, "stall_ms": 50})
    state.apply({"kind": "tasks", "t": 0.01, "created": 2, "alive": 2,
                 "new": [[1, "Task-1", "main", None, "/w/bad.py", 9],
                         [2, "Task-2", "worker", 1, "/w/bad.py", 5],
                         [3, "fetcher", "fetch", 1, "/w/bad.py", 6]]})
    for sid, task, tid in ((1, "Task-2", 2), (2, "Task-2", None), (3, "fetcher", 3), (4, "Task-9", None)):
        state.apply({"kind": "stall_end", "t": 0.2, "id": sid, "ms": 100.0, "task": task,
                     "file": "/w/bad.py", "line": 5, "code": "time.sleep(0.1)", "tid": tid})
    assert [state.stall_task(s) for s in state.stalls] == ["worker()", "worker()", "fetcher", "Task-9"]
    assert state.tasks[2].label == "worker()"
    state.apply({"kind": "tasks", "t": 0.25, "new": [],
                 "upd": [[1, "waiting", "task Task-2", "/w/bad.py", 9, 0, 1, None],
                         [3, "waiting", "sleep", "/w/bad.py", 6, 0, 1, None]]})
    assert [state.waits_label(state.tasks[t]) for t in (1, 2, 3)] == ["task worker()", None, "sleep"]
    state.apply({"kind": "exit", "t": 0.3, "status": "ok", "message": "Finished."})
    assert state.lag_note() == "none measured: the loop was blocked"
    quick = RunState(target="y")
    quick.apply({"kind": "exit", "t": 0.01, "status": "ok", "message": "Finished."})
    assert quick.lag_note() == "none measured: the run ended too soon"
    quick.apply({"kind": "lag", "t": 0.02, "samples_ms": [0.0]})
    assert quick.lag_note() is None
    assert (place("/w/bad.py", 5), place("/w/bad.py", None), place(None, 5), place(None, None)) == (
        "bad.py:5", "bad.py", "?:5", "")
    assert (format_ms(0.04), format_ms(37.4), format_ms(1002.2), format_ms(None)) == (
        "0.0 ms", "37 ms", "1 002 ms", "–")
    assert format_mb(96264) == "94 MB"


def test_task_rows_list_live_tasks_first_and_finished_ones_in_the_room_left() -> None:
    state = RunState(target="t.py")
    state.apply({"kind": "tasks", "t": 1.0, "new": [[i, f"t{i}", "c", None, None, None]
                                                    for i in range(1, 7)], "upd": [
        [1, "done", None, None, None, 0, 1, None], [2, "waiting", "sleep", None, None, 0, 1, None],
        [3, "failed", None, None, None, 0, 1, "E"], [4, "running", None, None, None, 0, 1, None],
        [5, "done", None, None, None, 0, 1, None], [6, "ready", None, None, None, 0, 1, None]]})
    assert [t.tid for t in state.task_rows()] == [4, 6, 2, 3, 1, 5]
    assert [t.tid for t in state.task_rows(4)] == [4, 6, 2, 3]


def test_task_rows_with_a_limit_are_the_full_order_cut() -> None:
    """task_rows(limit) sorts only the live views and takes the finished ones in id
    order from the table: the same rows as sorting every view, whatever the states,
    with views replaced, finished ones forgotten past the cap, and ids out of order."""
    import random

    from playground.model import tasks as task_facts

    rng = random.Random(7)
    states = ["running", "ready", "waiting", "failed", "cancelled", "done", "newer-state"]

    def full(state: RunState, limit: int) -> list[int]:
        order = {s: i for i, s in enumerate(states[:6])}
        return [t.tid for t in sorted(state.tasks.values(),
                                      key=lambda t: (order.get(t.state, 9), t.tid))][:limit]

    cap = task_facts.MAX_TASK_VIEWS
    task_facts.MAX_TASK_VIEWS = 300
    try:
        for shuffled in (False, True):
            state = RunState(target="t.py")
            next_tid = 1
            for batch in range(60):
                ids = list(range(next_tid, next_tid + rng.randrange(1, 30)))
                next_tid = ids[-1] + 1
                if shuffled:
                    rng.shuffle(ids)
                known = list(state.tasks)
                upd = [[tid, rng.choice(states), None, None, None, 0, 1, None]
                       for tid in rng.sample(known, min(len(known), rng.randrange(0, 40)))]
                upd += [[tid, rng.choice(states[3:6]), None, None, None, 0, 1, None]
                        for tid in ids if rng.random() < 0.7]
                state.apply({"kind": "tasks", "t": batch / 10, "upd": upd,
                             "new": [[tid, f"t{tid}", "c", None, None, None] for tid in ids]})
                twin = state.snapshot()
                for limit in (1, 7, 64, 200, 10_000):
                    assert [t.tid for t in twin.task_rows(limit)] == full(twin, limit), (batch, limit)
            assert len(state.tasks) <= 300 and state._in_tid_order is not shuffled
    finally:
        task_facts.MAX_TASK_VIEWS = cap
