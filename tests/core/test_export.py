"""The Perfetto export of real recorded runs: its structure, lane by lane."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from conftest import line_of, write_snippet
from playground.session import RunOptions, RunTarget, Session

ASYNCPLAY = [sys.executable, "-m", "playground"]

SNIPPET = """
    import asyncio, time, warnings
    async def child(i):
        await asyncio.sleep(0.05 * i)
        if i == 1:
            time.sleep(0.3)  # STALL
        await asyncio.sleep(0.05)
    async def parent():
        await asyncio.gather(*(asyncio.create_task(child(i), name=f"kid-{i}") for i in range(3)))
    async def main():
        warnings.warn("look out")
        await asyncio.create_task(parent())
    asyncio.run(main())
"""


async def _record(folder: Path, source: str, name: str, *, trace: bool = False) -> Path:
    snippet = write_snippet(folder, source, name=f"{name}.py")
    session = Session(RunTarget.from_file(snippet, label=name),
                      RunOptions(record=True, trace=trace))
    await session.run()
    out = folder / f"{name}.jsonl"
    session.save_recording(out)
    return out


def _export(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ASYNCPLAY, "export", *args], capture_output=True, text=True,
                          timeout=120)


def _check_structure(trace: dict[str, Any]) -> None:
    events = trace["traceEvents"]
    meta = [e for e in events if e["ph"] == "M"]
    timed = [e for e in events if e["ph"] != "M"]
    assert events[:len(meta)] == meta  # the names first
    # timestamps in whole microseconds, ordered
    assert all(isinstance(e["ts"], int) and e["ts"] >= 0 for e in timed)
    assert [e["ts"] for e in timed] == sorted(e["ts"] for e in timed)
    # every process and every lane used is named
    processes = {e["pid"] for e in meta if e["name"] == "process_name"}
    lanes = {(e["pid"], e["tid"]) for e in meta if e["name"] == "thread_name"}
    assert {e["pid"] for e in timed} <= processes
    assert {(e["pid"], e["tid"]) for e in timed if e["ph"] != "C"} <= lanes
    # complete events nest within each lane: each starts after the one before it ends,
    # or ends within it
    by_lane: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for e in timed:
        if e["ph"] == "X":
            assert e["dur"] >= 0
            by_lane[e["pid"], e["tid"]].append(e)
    for lane, slices in by_lane.items():
        open_ends: list[int] = []
        for e in slices:
            while open_ends and open_ends[-1] <= e["ts"]:
                open_ends.pop()
            end = e["ts"] + e["dur"]
            assert not open_ends or end <= open_ends[-1], (lane, e)
            open_ends.append(end)
    # every flow arrow has both ends, from the parent's lane to the child's
    flows: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    for e in timed:
        if e["ph"] in "sf":
            flows[e["id"]][e["ph"]] = e
    assert all(set(pair) == {"s", "f"} for pair in flows.values())


async def test_a_recorded_run_exports_a_lane_per_task_with_its_stall_and_arrows(
    tmp_path: Path,
) -> None:
    recording = await _record(tmp_path, SNIPPET, "family")
    out = tmp_path / "trace.json"
    result = _export(str(recording), "--format", "perfetto", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"wrote {out}: 1 run(s), 6 lanes")
    trace = json.loads(out.read_text())
    _check_structure(trace)
    events = trace["traceEvents"]
    names = {e["tid"]: e["args"]["name"] for e in events if e["name"] == "thread_name"}
    assert names[0] == "event loop"
    assert sorted(names.values()) == sorted(
        ["event loop", "main() Task-1", "parent() Task-2", "kid-0 child()", "kid-1 child()",
         "kid-2 child()"])
    lane = {name: tid for tid, name in names.items()}
    # the stall: an instant on kid-1's lane at its line, and kid-1 busy for as long
    stall = next(e for e in events if e["name"].startswith("stall "))
    assert stall["tid"] == lane["kid-1 child()"] and stall["ph"] == "i"
    snippet = tmp_path / "family.py"
    assert stall["args"]["line"] == line_of(snippet, "STALL") and stall["args"]["ms"] >= 290
    busy = [e for e in events if e["ph"] == "X" and e["name"] == "running"
            and e["tid"] == lane["kid-1 child()"]]
    longest = max(busy, key=lambda e: e["dur"])
    assert longest["dur"] >= 290_000  # microseconds
    assert abs(longest["ts"] - stall["ts"]) < 50_000
    # arrows: main -> parent -> each kid
    starts = {e["id"]: e["tid"] for e in events if e["ph"] == "s"}
    arrows = {(names[starts[e["id"]]], names[e["tid"]]) for e in events if e["ph"] == "f"}
    assert arrows == {("main() Task-1", "parent() Task-2")} | {
        ("parent() Task-2", f"kid-{i} child()") for i in range(3)}
    warning = next(e for e in events if e["name"].startswith("warning"))
    assert warning["args"]["message"] == "look out" and warning["tid"] == 0
    counters = {e["name"] for e in events if e["ph"] == "C"}
    assert counters == {"lag (ms)", "memory (MB)"}
    # each task's life ends when it was reported done: kid-0 long before main()
    lives = {e["tid"]: e for e in events if e["ph"] == "X" and e["name"] != "running"}
    kid0, main = lives[lane["kid-0 child()"]], lives[lane["main() Task-1"]]
    assert kid0["ts"] + kid0["dur"] <= main["ts"] + main["dur"]


async def test_two_runs_export_side_by_side_as_two_processes(tmp_path: Path) -> None:
    bad = await _record(tmp_path, SNIPPET, "bad")
    good = await _record(tmp_path, SNIPPET.replace("time.sleep(0.3)", "await asyncio.sleep(0.3)"),
                         "good")
    out = tmp_path / "both.json"
    result = _export(str(bad), str(good), "-o", str(out))
    assert result.returncode == 0, result.stderr
    trace = json.loads(out.read_text())
    _check_structure(trace)
    processes = {e["pid"]: e["args"]["name"] for e in trace["traceEvents"]
                 if e["name"] == "process_name"}
    assert sorted(processes) == [1, 2]
    assert processes[1].startswith("bad (recorded ") and processes[2].startswith("good ")
    stalls = [e for e in trace["traceEvents"] if e["name"].startswith("stall ")]
    assert {e["pid"] for e in stalls} == {1}


async def test_a_traced_run_exports_every_step_on_its_task_lane(tmp_path: Path) -> None:
    recording = await _record(tmp_path, SNIPPET, "traced", trace=True)
    out = tmp_path / "traced.json"
    result = _export(str(recording), "-o", str(out))
    assert result.returncode == 0, result.stderr
    trace = json.loads(out.read_text())
    _check_structure(trace)  # every step within its task's life, none across another
    events = trace["traceEvents"]
    names = {e["tid"]: e["args"]["name"] for e in events if e["name"] == "thread_name"}
    lane = {name: tid for tid, name in names.items()}
    steps: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for e in events:
        if e["ph"] == "X" and e["name"] == "step":
            steps[e["tid"]].append(e)
    # no slices placed from reports: the steps themselves
    assert not [e for e in events if e["ph"] == "X" and e["name"] == "running"]
    # each kid: its first step, its wake-up after each sleep, its last step
    for i in range(3):
        assert len(steps[lane[f"kid-{i} child()"]]) == 3
    # kid-1's stall is one of its steps, as long as the stall
    assert max(e["dur"] for e in steps[lane["kid-1 child()"]]) >= 290_000
    # the callbacks of no task are on the event loop's lane, by name
    loop = {e["name"] for e in events if e["ph"] == "X" and e["tid"] == 0}
    assert "_set_result_unless_cancelled" in loop


def test_exporting_what_is_not_a_recording_says_so(tmp_path: Path) -> None:
    junk = tmp_path / "junk.jsonl"
    junk.write_text("{}\n")
    out = tmp_path / "out.json"
    result = _export(str(junk), "-o", str(out))
    assert result.returncode == 2 and not out.exists()
    assert f"{junk}: not an asyncplay recording" in result.stderr


def test_the_structure_check_catches_slices_that_cross_and_unnamed_lanes() -> None:
    """The check above is the export's test: it must see what a viewer would reject."""
    named = [{"ph": "M", "name": "process_name", "pid": 1, "tid": 0, "ts": 0, "args": {}},
             {"ph": "M", "name": "thread_name", "pid": 1, "tid": 1, "ts": 0, "args": {}}]
    crossing = [{"ph": "X", "name": "a", "pid": 1, "tid": 1, "ts": 0, "dur": 10},
                {"ph": "X", "name": "b", "pid": 1, "tid": 1, "ts": 5, "dur": 10}]
    nested = [{"ph": "X", "name": "a", "pid": 1, "tid": 1, "ts": 0, "dur": 10},
              {"ph": "X", "name": "b", "pid": 1, "tid": 1, "ts": 5, "dur": 5},
              {"ph": "X", "name": "c", "pid": 1, "tid": 1, "ts": 10, "dur": 5}]
    _check_structure({"traceEvents": named + nested})
    for bad in (named + crossing, named[:1] + nested, named + nested[::-1],
                named + [{**nested[0], "ts": 0.5}]):
        try:
            _check_structure({"traceEvents": bad})
        except AssertionError:
            continue
        raise AssertionError(f"not caught: {bad}")
