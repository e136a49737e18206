"""RunState is a pure fold: replaying a recorded run gives the same state."""

from __future__ import annotations

from pathlib import Path

from conftest import write_snippet
from playground.model import OutputBuffer, RunState, percentile
from playground.session import RunOptions, RunTarget, Session


def test_percentile_nearest_rank() -> None:
    values = sorted(float(v) for v in range(1, 101))
    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile([], 50) == 0.0


def test_output_buffer_keeps_head_and_tail() -> None:
    buf = OutputBuffer(keep_chars=10)
    for i in range(100):
        buf.append(f"{i:03d}\n", 4)
    assert buf.total_bytes == 400
    assert buf.truncated
    assert buf.text.startswith("000\n001\n00")
    assert buf.text.endswith("098\n099\n")


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
