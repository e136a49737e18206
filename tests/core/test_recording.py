"""Recordings: a real run saved, read back, replayed; every broken file refused clearly."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import write_snippet
from playground.model import RunState
from playground.recording import FORMAT_VERSION, Recorder, RecordingError, load
from playground.replay import Replay
from playground.session import RunOptions, RunTarget, Session

ASYNCPLAY = [sys.executable, "-m", "playground"]

BUSY = """
    import asyncio, time
    async def work(i):
        for step in range(3):
            await asyncio.sleep(0.02 * i)
            print("work", i, "step", step)
        if i == 2:
            time.sleep(0.12)  # STALL
    async def main():
        await asyncio.gather(*(work(i) for i in range(5)))
    asyncio.run(main())
"""


def asyncplay(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ASYNCPLAY, *args], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A real run of the time-sleep lesson, recorded by `asyncplay run --record`."""
    folder = tmp_path_factory.mktemp("rec")
    out = folder / "run.jsonl"
    live = asyncplay("run", "time-sleep", "--record", str(out), "--json")
    assert live.returncode == 0, live.stderr  # status ok: the snippet ran to its end
    return out, json.loads(live.stdout)


def test_replaying_a_recorded_run_prints_the_live_summary(recorded: tuple[Path, dict]) -> None:
    path, live = recorded
    replay = asyncplay("replay", str(path), "--json")
    assert replay.returncode == 0, replay.stderr
    assert json.loads(replay.stdout) == live
    assert live["stalls"] and "expect" in live  # a run with something to show, graded


def test_a_recording_has_its_header_then_the_events_then_its_closing_line(
    recorded: tuple[Path, dict],
) -> None:
    path, live = recorded
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    head = lines[0]
    assert head["asyncplay_recording"] == FORMAT_VERSION
    assert head["target"] == "time-sleep/bad" and head["slug"] == "time-sleep"
    assert "time.sleep" in head["code"] and head["python"].count(".") == 2
    assert head["sandbox"] == live["sandbox"] and head["started"].endswith("+00:00")
    assert lines[-1] == {"recording": "end", "events": len(lines) - 2, "dropped": 0}
    assert all(isinstance(e["kind"], str) and "t" in e for e in lines[1:-1])
    human = asyncplay("replay", str(path))
    assert human.stdout.startswith("▶ replay of time-sleep/bad")
    assert "■ stall" in human.stdout and "expect" in human.stdout


async def test_seeking_gives_the_state_folded_step_by_step(tmp_path: Path) -> None:
    session = Session(RunTarget.from_file(write_snippet(tmp_path, BUSY)),
                      RunOptions(record=True))
    await session.run()
    out = tmp_path / "busy.jsonl"
    session.save_recording(out)
    recording = load(out)
    steps = []  # the state after each prefix, each folded from scratch (no snapshot)
    for index in range(len(recording.events) + 1):
        state = RunState(target=recording.target)
        for event in recording.events[:index]:
            state.apply(event)
        steps.append(state)
    assert steps[-1] == session.state and len(steps) > 30
    replay = Replay(recording, every=7)  # many checkpoints, each used several times
    points = list(range(len(steps)))
    random.Random(16).shuffle(points)
    for index in points + points[:20]:
        assert replay.state_at(index) == steps[index], index
    assert replay.state_at(len(steps) + 5) == steps[-1]
    for t in (replay.start_t, (replay.start_t + replay.end_t) / 2, replay.end_t):
        index = replay.index_at_time(t)
        assert replay.state_at_time(t) == steps[index]
        assert replay.time_of(index) <= t < (replay.time_of(index + 1)
                                             if index < len(replay) else t + 1)
    middle = replay.state_at_time(replay.time_of(len(replay) // 2))
    assert middle.events >= len(replay) // 2 and middle != steps[-1]


def test_a_snapshot_shares_nothing_the_fold_changes() -> None:
    state = RunState(target="x")
    state.apply({"kind": "tasks", "t": 0.1, "new": [[1, "Task-1", "main", None, "f.py", 1]],
                 "upd": [[1, "running", None, "f.py", 2, 10, 1, None]]})
    state.apply({"kind": "stall", "t": 0.2, "id": 1, "ms": 60, "task": "Task-1", "tid": 1})
    state.apply({"kind": "lag", "t": 0.2, "samples_ms": [1.0]})
    state.apply({"kind": "stdout", "t": 0.2, "data": "a\nb", "n": 3})
    twin = state.snapshot()
    assert twin == state
    state.apply({"kind": "tasks", "t": 0.3, "upd": [[1, "done", None, "f.py", 3, 99, 2, None]]})
    state.apply({"kind": "stall_end", "t": 0.3, "id": 1, "ms": 150, "task": "Task-1"})
    state.apply({"kind": "lag", "t": 0.3, "samples_ms": [9.0]})
    state.apply({"kind": "stdout", "t": 0.3, "data": "c\n", "n": 2})
    state.apply({"kind": "memory", "t": 0.3, "rss_kb": 5000})
    assert (twin.tasks[1].state, twin.stalls[0].live, twin.stalls[0].ms) == ("running", True, 60)
    assert twin.lag_samples_ms == [1.0] and twin.stdout.text == "a\nb" and twin.rss_kb is None
    twin.apply({"kind": "stall_end", "t": 0.3, "id": 1, "ms": 150, "task": "Task-1"})
    assert twin.stalls[0].ms == state.stalls[0].ms == 150


def _write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def _good(tmp_path: Path) -> Path:
    recorder = Recorder()
    for i in range(3):
        recorder.add({"kind": "lag", "t": i / 10, "samples_ms": [1.0]})
    path = tmp_path / "good.jsonl"
    recorder.save(path, {"target": "x"})
    return path


def test_a_recording_of_another_format_version_is_refused_by_name(tmp_path: Path) -> None:
    lines = _good(tmp_path).read_text().splitlines()
    lines[0] = lines[0].replace(f'"asyncplay_recording":{FORMAT_VERSION}',
                                '"asyncplay_recording":99')
    path = _write(tmp_path, "future.jsonl", "\n".join(lines) + "\n")
    with pytest.raises(RecordingError, match=r"future\.jsonl: recording format version 99; "
                                             r"this asyncplay reads version 1 only"):
        load(path)


@pytest.mark.parametrize("cut", [-2, -30, -60])
def test_a_truncated_recording_is_refused_by_name(tmp_path: Path, cut: int) -> None:
    """Cut anywhere: in its closing line, between two events, in an event."""
    data = _good(tmp_path).read_bytes()
    if cut == -30:  # exactly after a whole event: only the closing line is missing
        data = data[:data.rindex(b"\n", 0, len(data) - 1) + 1]
    else:
        data = data[:cut]
    path = _write(tmp_path, "cut.jsonl", data)
    with pytest.raises(RecordingError, match=r"cut\.jsonl: truncated"):
        load(path)


@pytest.mark.parametrize("garbage", [b"", b"\x00\xff\xfe garbage", b"hello world\n",
                                     b'{"kind": "lag", "t": 0}\n', b"[1, 2]\n"])
def test_garbage_is_refused_as_not_a_recording(tmp_path: Path, garbage: bytes) -> None:
    path = _write(tmp_path, "junk.bin", garbage)
    with pytest.raises(RecordingError, match=r"junk\.bin: (not an asyncplay recording|"
                                             r"the file is empty)"):
        load(path)


def test_a_corrupted_event_line_is_named(tmp_path: Path) -> None:
    lines = _good(tmp_path).read_text().splitlines()
    lines[2] = "{not json"
    path = _write(tmp_path, "bad.jsonl", "\n".join(lines) + "\n")
    with pytest.raises(RecordingError, match=r"bad\.jsonl: corrupted: line 3 is not valid JSON"):
        load(path)


def test_replay_of_a_broken_file_says_so_and_exits_2(tmp_path: Path) -> None:
    path = _write(tmp_path, "junk.jsonl", "not a recording\n")
    result = asyncplay("replay", str(path))
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == (f"asyncplay: {path}: not an asyncplay recording "
                             "(its first line is not a recording header)\n")
    missing = asyncplay("replay", str(tmp_path / "nope.jsonl"))
    assert missing.returncode == 2 and "nope.jsonl: cannot read it" in missing.stderr


def test_past_its_cap_a_recording_says_so_and_keeps_the_closing_events(tmp_path: Path) -> None:
    recorder = Recorder(cap_bytes=200)
    for i in range(20):
        recorder.add({"kind": "lag", "t": i / 10, "samples_ms": [1.0]})
    recorder.add({"kind": "exit", "t": 2.0, "status": "ok", "message": "done"})
    path = tmp_path / "capped.jsonl"
    recorder.save(path, {"target": "x"})
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    note = next(line for line in lines if line.get("recording") == "cap")
    assert "recording cap of 200 bytes reached" in note["message"]
    recording = load(path)
    assert recording.cap_note == note["message"] and recording.dropped > 0
    assert len(recording.events) + recording.dropped == 21
    assert recording.events[-1]["kind"] == "exit"
    assert sum(len(json.dumps(e)) for e in recording.events[:-1]) <= 200
    assert Replay(recording).final.status == "ok"


def test_scrubbing_to_the_middle_of_a_stall_shows_the_blocked_task_and_line(
    recorded: tuple[Path, dict],
) -> None:
    path, live = recorded
    replay = Replay(load(path))
    stall = replay.final.stalls[0]
    middle = replay.state_at_time(stall.t + stall.ms / 2000)
    blocking = middle.live_stall
    assert blocking is not None and blocking.id == stall.id
    assert (blocking.line, middle.stall_task(blocking)) == (live["stalls"][0]["line"], "worker()")
    assert middle.tasks[blocking.tid].state == "running"  # type: ignore[index]
    assert middle.exit is None and not middle.finished
    after = replay.state_at_time(stall.t + stall.ms / 1000 + 0.06)
    assert after.live_stall is None and after.stalls[0].ms == stall.ms


def test_the_cap_counts_bytes_and_any_text_comes_back_as_it_was(tmp_path: Path) -> None:
    text = "naïve café ☕ \x00 \udcff end\n"  # non-ASCII, a NUL, a lone surrogate
    recorder = Recorder()
    recorder.add({"kind": "stdout", "t": 0.1, "data": text, "n": 40})
    path = tmp_path / "text.jsonl"
    recorder.save(path, {"target": "ünïcode"})
    event_line = path.read_bytes().splitlines()[1]
    assert recorder.size == len(event_line) + 1
    recording = load(path)
    assert recording.events[0]["data"] == text and recording.target == "ünïcode"
