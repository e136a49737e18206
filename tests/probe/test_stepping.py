"""Trace mode (every callback as a step) and step mode (the loop one callback at a
time), end to end: real sandboxed children under the real probe."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest
from conftest import SANDBOX_MODES, line_of, write_snippet, zombie_children

from playground.model import RunState
from playground.probe.trace import MAX_STEPS_PER_EVENT
from playground.session import RunOptions, RunTarget, Session

THREE_WORKERS = """
import asyncio


async def worker(n):
    for _ in range(2):
        await asyncio.sleep(0.01)  # SLEEP


async def main():
    await asyncio.gather(*(worker(n) for n in range(3)))  # GATHER
    print("done")


asyncio.run(main())
"""


class Stepper:
    """Drives a stepped session: each new stop is handed to the test, in order."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.stops: asyncio.Queue[RunState] = asyncio.Queue()
        self._last_n: int | None = None
        session._on_update = self._update

    def _update(self, state: RunState) -> None:
        pause = state.pause
        if pause is not None and pause.paused and pause.n != self._last_n:
            self._last_n = pause.n
            self.stops.put_nowait(state.snapshot())

    async def next_stop(self) -> RunState:
        return await asyncio.wait_for(self.stops.get(), 20)


def _session(path: Path, **options: object) -> Session:
    return Session(RunTarget.from_file(path), RunOptions(timeout_s=20, **options))  # type: ignore[arg-type]


async def test_trace_mode_sends_every_step_of_every_task(tmp_path: Path) -> None:
    path = write_snippet(tmp_path, THREE_WORKERS)
    state = await _session(path, trace=True).run()
    assert state.status == "ok", state.message
    assert state.traced and not state.stepped
    lanes = state.steps.by_task()
    workers = [t for t in state.tasks.values() if t.coro.startswith("worker")]
    assert len(workers) == 3
    for task in workers:
        # one step per callback the task's row counted, each on its own lane
        assert len(lanes[task.tid]) == task.steps == 3
    steps = list(state.steps)
    starts = [s.start_us for s in steps]
    assert starts == sorted(starts)
    assert all(s.dur_us >= 0 for s in steps)
    # the callbacks that are no task's steps are named: the timers that end the sleeps
    assert sum(s.name == "_set_result_unless_cancelled" for s in steps) == 6
    assert state.steps.dropped == 0 and state.steps.count == len(steps)


async def test_a_run_without_trace_sends_no_steps(tmp_path: Path) -> None:
    path = write_snippet(tmp_path, THREE_WORKERS)
    state = await _session(path).run()
    assert state.status == "ok"
    assert not state.traced and state.steps.count == 0


async def test_many_steps_come_in_events_below_the_cap_and_all_arrive(tmp_path: Path) -> None:
    path = write_snippet(tmp_path, """
        import asyncio

        async def worker():
            for _ in range(20):
                await asyncio.sleep(0)

        async def main():
            await asyncio.gather(*(worker() for _ in range(1000)))

        asyncio.run(main())
    """)
    session = _session(path, trace=True, record=True)
    state = await session.run()
    assert state.status == "ok"
    sizes = [len(e["owner"]) for e in session.recording if e["kind"] == "steps"]
    assert max(sizes) <= MAX_STEPS_PER_EVENT
    # 1,000 tasks x 21 steps, the gather's callbacks and the main task's
    assert state.steps.count >= 21_000
    assert state.steps.count == sum(sizes)


async def test_stepping_runs_one_callback_at_a_time(tmp_path: Path) -> None:
    path = write_snippet(tmp_path, THREE_WORKERS)
    gather_line = line_of(path, "# GATHER")
    sleep_line = line_of(path, "# SLEEP")
    session = _session(path, step=True)
    stepper = Stepper(session)
    run = asyncio.create_task(session.run())

    first = await stepper.next_stop()
    assert first.stepped and first.pause is not None
    (main,) = first.pause.ready  # only the main task is queued, not started yet
    assert main.task is not None and main.callback is None
    assert [t.state for t in first.tasks.values()] == ["ready"]
    assert session.step()

    second = await stepper.next_stop()
    assert second.pause is not None and second.pause.n == 1
    # main ran to its gather: three workers queued, main waits at the gather's line
    assert [q.tid for q in second.pause.ready] == sorted(
        t.tid for t in second.tasks.values() if t.coro.startswith("worker"))
    main_row = second.tasks[main.tid] if main.tid is not None else None
    assert main_row is not None and main_row.state == "waiting"
    assert main_row.line == gather_line and main_row.waits_on == "gather"
    session.step()

    third = await stepper.next_stop()
    assert third.pause is not None and third.pause.n == 2
    assert len(third.pause.ready) == 2  # the first worker ran to its sleep
    first_worker = second.pause.ready[0].tid
    assert first_worker is not None
    assert third.tasks[first_worker].state == "waiting"
    assert third.tasks[first_worker].line == sleep_line
    assert [t.state for t in third.tasks.values()].count("ready") == 2
    # its sleep's timer is listed among the timers due next, as the task it wakes
    assert first_worker in [q.tid for q in third.pause.timers]

    session.resume()
    state = await asyncio.wait_for(run, 30)
    assert state.status == "ok", state.message
    assert state.stdout.text == "done\n"
    assert state.pause is None


async def test_slow_motion_runs_on_without_commands(tmp_path: Path) -> None:
    path = write_snippet(tmp_path, THREE_WORKERS)
    session = _session(path, step=True)
    stepper = Stepper(session)
    run = asyncio.create_task(session.run())
    await stepper.next_stop()
    session.slow(200)
    state = await asyncio.wait_for(run, 30)
    assert state.status == "ok"
    assert state.stdout.text == "done\n"


async def test_time_stopped_is_no_stall_no_lag_and_no_running_time(tmp_path: Path) -> None:
    path = write_snippet(tmp_path, """
        import asyncio

        async def main():
            async with asyncio.timeout(0.2):
                for _ in range(3):
                    await asyncio.sleep(0.02)
            print("in time")

        asyncio.run(main())
    """)
    session = _session(path, step=True, stall_ms=50)
    stepper = Stepper(session)
    run = asyncio.create_task(session.run())
    stop = await stepper.next_stop()
    assert stop.pause is not None
    # Stay stopped until the child's own clock says 0.3 s went by (its batches keep
    # coming while the loop stands still): six times the stall threshold.
    moved = asyncio.Event()

    def update(state: RunState) -> None:
        stepper._update(state)
        if state.pause is not None and state.last_t >= stop.pause.t + 0.3:  # type: ignore[union-attr]
            moved.set()

    session._on_update = update
    await asyncio.wait_for(moved.wait(), 20)
    assert session.paused_s() >= 0.3
    session.resume()
    state = await asyncio.wait_for(run, 30)
    assert state.status == "ok"
    assert state.stalls == []
    assert state.lag_max_ms < 250  # the 300 ms stop is not lag
    # nor running time: the loop's clock stood still, so the timeout did not fire
    assert state.stdout.text == "in time\n", state.stderr.text


@pytest.mark.parametrize("use_bwrap", SANDBOX_MODES)
async def test_stopping_a_paused_run_leaves_no_process(tmp_path: Path,
                                                       use_bwrap: bool | None) -> None:
    marker = f"stepped-{os.getpid()}-{time.monotonic_ns()}"
    path = write_snippet(tmp_path, THREE_WORKERS, name=f"{marker}.py")
    session = _session(path, step=True, use_bwrap=use_bwrap)
    stepper = Stepper(session)
    run = asyncio.create_task(session.run())
    await stepper.next_stop()
    assert _processes_with(marker)  # the probe, stopped
    session.stop()
    state = await asyncio.wait_for(run, 30)
    assert state.status == "stopped"
    assert not _processes_with(marker)
    assert not zombie_children()


async def test_the_end_of_the_control_channel_lets_the_loop_run(tmp_path: Path) -> None:
    path = write_snippet(tmp_path, THREE_WORKERS)
    session = _session(path, step=True)
    stepper = Stepper(session)
    run = asyncio.create_task(session.run())
    await stepper.next_stop()
    child = session._child
    assert child is not None
    os.close(child.control_fd)  # as if the parent let go of it
    child.control_fd = -1
    state = await asyncio.wait_for(run, 30)
    assert state.status == "ok"
    assert state.stdout.text == "done\n"


def _processes_with(marker: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if marker.encode() in f.read():
                    found.append(int(entry))
        except OSError:
            continue
    return found
