"""The probe's parts, in process: each built with only what it needs, on real objects
(a real pipe, real asyncio handles and tasks, the real interval timer)."""

from __future__ import annotations

import asyncio
import fcntl
import os
import signal
import sys
import threading
import time
import types
import weakref
from collections import deque
from pathlib import Path
from typing import Any

import pytest

from playground import protocol as P
from playground.probe.channel import EventChannel
from playground.probe.recorder import Recorder
from playground.probe.runner import make_runner
from playground.probe.snippet import Snippet
from playground.probe.stalls import StallWatch
from playground.probe.tasks import C_NEXT_TID, M_TID, TaskReport, TaskTable
from playground.probe.ticks import ThreadDriver, Ticks


def read_events(fd: int, decoder: P.Decoder) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    os.set_blocking(fd, False)
    try:
        while chunk := os.read(fd, 1 << 20):
            events.extend(decoder.feed(chunk))
    except BlockingIOError:
        pass
    return events


# ------------------------------------------------------------------------- channel
def test_channel_keeps_what_a_full_pipe_refuses_and_drops_whole_lines_past_its_bound() -> None:
    r, w = os.pipe()
    try:
        fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, 4096)  # a small pipe
        channel = EventChannel(w, max_pending=64 << 10)
        channel.set_blocking(False)
        line = P.encode({"kind": "lag", "t": 0.0, "samples_ms": [1.0] * 1000})  # ~6 KB
        for _ in range(30):
            channel.write(line)
        assert channel.pending_bytes > 0  # the pipe is full: kept, not lost
        assert channel.dropped_bytes > 0 and channel.dropped_bytes % len(line) == 0
        events: list[dict[str, Any]] = []
        decoder = P.Decoder()
        while channel.pending_bytes:  # the rest goes with the next writes, as read
            events += read_events(r, decoder)
            channel.write(b"")
        events += read_events(r, decoder)
        assert decoder.dropped == 0  # whole lines only
        kept = len(events)
        assert kept * len(line) + channel.dropped_bytes == 30 * len(line)
    finally:
        os.close(r)
        os.close(w)


def test_channel_closed_by_the_snippet_is_left_alone() -> None:
    r, w = os.pipe()
    os.close(r)
    channel = EventChannel(w)
    channel.write(b'{"kind":"lag","t":0}\n')  # EPIPE (SIGPIPE is ignored by Python)
    assert channel.closed
    channel.write(b"more\n")  # no error
    os.close(w)


# -------------------------------------------------------------------------- stalls
def _handle(loop: asyncio.AbstractEventLoop, name: str) -> asyncio.Handle:
    task_like = type(name, (), {"get_name": lambda self: name, "run": lambda self: None})()
    return asyncio.Handle(task_like.run, (), loop)


def test_a_stall_that_ends_just_before_the_next_is_seen_is_reported_once_at_its_line() -> None:
    """The race of back-to-back stalls, step by step: stall A is watched, ends (its
    end waits for the batch), B starts and a tick sees it first."""
    loop = asyncio.new_event_loop()
    events: list[dict[str, Any]] = []
    watch = StallWatch(__file__, 0.05, threading.main_thread().ident, TaskTable(),
                       events.append, time.perf_counter)
    handle_cell, start_cell = types.CellType(None), types.CellType(0.0)
    watch.watch_cells(handle_cell, start_cell)
    try:
        a, b = _handle(loop, "A"), _handle(loop, "B")
        handle_cell.cell_contents, start_cell.cell_contents = a, 0.0
        assert watch.check((a, 0.0), 0.1)  # a new stall, reported live
        line = events[0]["line"]
        assert events[0]["kind"] == P.K_STALL and events[0]["task"] == "A" and line > 0
        watch.ended.append((a, 0.0, 0.15))  # A ends; no batch yet
        handle_cell.cell_contents, start_cell.cell_contents = b, 0.15
        assert watch.check((b, 0.15), 0.21)  # B is seen before the batch
        assert [(e["kind"], e["task"], e["id"]) for e in events] == [
            (P.K_STALL, "A", 1), (P.K_STALL_END, "A", 1), (P.K_STALL, "B", 2)]
        assert events[1]["line"] == line and events[1]["ms"] == 150.0
        handle_cell.cell_contents = None
        watch.ended.append((b, 0.15, 0.1))
        [end] = watch.ended_events(0.3)
        assert (end["kind"], end["task"], end["id"]) == (P.K_STALL_END, "B", 2)
        assert end["line"] == events[2]["line"] > 0  # where the tick saw it
        # A stall no tick saw (too short, or C code holding the GIL) is still reported.
        c = _handle(loop, "C")
        watch.ended.append((c, 0.3, 0.06))
        [unseen] = watch.ended_events(0.4)
        assert (unseen["task"], unseen["id"], unseen["line"]) == ("C", 3, 0)
    finally:
        loop.close()


# --------------------------------------------------------------------------- tasks
async def _sleeper() -> None:
    await asyncio.sleep(10)  # SLEEPER


async def _spinner() -> None:
    while True:
        await asyncio.sleep(0)


async def test_free_rows_go_to_live_tasks_without_one_waiting_ones_first() -> None:
    table = TaskTable(capacity=2)
    spinning = asyncio.create_task(_spinner())
    sleeping = [asyncio.create_task(_sleeper()) for _ in range(2)]
    await asyncio.sleep(0.01)  # every one has started; the sleepers wait
    try:
        table.beyond.update(hash(t) for t in [spinning, *sleeping])
        table.adopt([spinning, *sleeping, asyncio.current_task()])
        adopted = {t for t in [spinning, *sleeping] if hasattr(t, "_ap_slot")}
        assert adopted == set(sleeping)  # two rows: the waiting ones first
        assert table.beyond == {hash(spinning)}
        assert not table.free and table.counts[C_NEXT_TID] == 3
        assert sorted(table.meta[t._ap_slot][M_TID] for t in sleeping) == [1, 2]  # type: ignore[attr-defined]
        assert [slot for slot, _ in table.created] == sorted(table.live)
    finally:
        for t in [spinning, *sleeping]:
            t.cancel()


async def test_task_report_announces_rows_and_says_what_a_task_waits_on_and_where() -> None:
    table = TaskTable()
    snippet = Snippet(__file__)
    snippet.globals = globals()  # this module plays the snippet
    report = TaskReport(table, snippet)
    task = asyncio.create_task(_sleeper(), name="sleeper")
    await asyncio.sleep(0)
    slot = table.free.pop()
    task._ap_slot = slot  # type: ignore[attr-defined]  # as the task factory does
    tid = table.counts[C_NEXT_TID]
    table.meta[slot] = (tid, weakref.ref(task), None, __file__, 1, "_sleeper")
    table.live.add(slot)
    table.created.append((slot, tid))
    try:
        first = report.deltas(final=False)
        assert first is not None and first["new"] == [[tid, "sleeper", "_sleeper", None, __file__, 1]]
        [row] = first["upd"]
        line = next(i for i, text in enumerate(Path(__file__).read_text().splitlines(), 1)
                    if text.endswith("# SLEEPER"))
        assert row[:5] == [tid, "waiting", "sleep", __file__, line]
        assert report.deltas(final=False) is None  # nothing changed: no event
    finally:
        task.cancel()


# --------------------------------------------------------------------------- ticks
def test_thread_driver_ticks_when_asked_and_stops() -> None:
    ticks: list[float] = []
    done = threading.Event()

    def tick() -> float:
        ticks.append(time.perf_counter())
        if len(ticks) == 5:
            done.set()
        return time.perf_counter() + 0.001

    driver = ThreadDriver(tick, 0.001, lambda exc: None)
    assert driver.start()
    assert done.wait(10)
    driver.stop()
    assert not driver.running
    assert not driver.start()  # a stopped driver stays stopped


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="no interval timer here")
def test_timer_driver_ticks_on_the_main_thread_and_hands_over_when_the_snippet_takes_sigalrm(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("signal", "setitimer", "alarm"):  # the driver wraps them: put them back after
        monkeypatch.setattr(signal, name, getattr(signal, name))
    r, w = os.pipe()
    threads: list[threading.Thread] = []

    def tick() -> float:
        threads.append(threading.current_thread())
        return time.perf_counter() + 0.002

    ticks = Ticks(tick, 0.002, EventChannel(w), lambda exc: None)
    try:
        ticks.start(timer=True)
        assert ticks.timer.running and not ticks.thread.running
        deadline = time.perf_counter() + 10
        while len(threads) < 3 and time.perf_counter() < deadline:
            time.sleep(0.001)  # interrupted by each tick, resumed after it (PEP 475)
        assert threads[:3] == [threading.main_thread()] * 3
        signal.signal(signal.SIGALRM, signal.SIG_IGN)  # the snippet takes SIGALRM
        assert not ticks.timer.running and ticks.thread.running
        count = len(threads)
        while len(threads) < count + 3 and time.perf_counter() < deadline:
            time.sleep(0.001)
        assert threads[-1] is ticks.thread._thread
    finally:
        ticks.stop()
        os.close(r)
        os.close(w)


# -------------------------------------------------------------------------- runner
def test_callbacks_run_in_one_place_timed_and_their_errors_reported() -> None:
    rec = Recorder(os.open(os.devnull, os.O_WRONLY), __file__, stall_ms=30)
    runner = make_runner(rec)
    loop = asyncio.new_event_loop()
    ran: list[str] = []
    errors: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: errors.append(context))
    try:
        def fail() -> None:
            raise ValueError("boom")

        handles = deque([
            asyncio.Handle(ran.append, ("quick",), loop),
            asyncio.Handle(time.sleep, (0.05,), loop),
            asyncio.Handle(fail, (), loop),
            asyncio.Handle(ran.append, ("cancelled",), loop),
            asyncio.Handle(ran.append, ("not yet",), loop),
        ])
        handles[3].cancel()
        runner.run_ready(handles, 4)
        assert ran == ["quick"] and list(handles) != []  # the fifth waits for its turn
        assert [e["exception"].args for e in errors] == [("boom",)]
        [(handle, _start, dt)] = rec.ended_callbacks  # the sleep held the loop past 30 ms
        assert handle._callback is time.sleep and dt >= 0.05
        # The Handle._run replacement runs one handle through the same place.
        runner.handle_run(handles.popleft())
        assert ran == ["quick", "not yet"]
        assert rec.stalls.current() is None  # nothing runs now
    finally:
        loop.close()
        os.close(rec.out_fd)


if sys.platform != "linux":  # pragma: no cover
    pytestmark = pytest.mark.skip(reason="the probe's parts are tested on Linux")
