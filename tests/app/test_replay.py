"""Replay in the app: a real recorded run opened with `o`, scrubbed with the keys;
the app's own runs saved with `w` and replayed from `h`; broken files refused by name."""

from __future__ import annotations

import fcntl
import json
import os
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static
from textual.message import Message
from textual.notifications import Notify

from playground.model import RunState
from playground.recording import Recorder as RecordingKeeper
from playground.recording import load
from playground.replay import Replay
from playground.tui.app import AsyncPlayApp
from playground.tui.history import RecordedRun, RunHistory
from playground.tui.history_screen import HistoryScreen
from playground.tui.panels import StallPanel, TaskGrid
from playground.tui.replay_screen import ReplayScreen, TimeSlider, slider_cells
from playground.tui.run_pane import RunPane
from playground.tui.screens import OpenFileScreen

from test_app import Recorder, text_of, wait_until
from test_app import select as select_lesson

SIZE = (160, 48)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A real run of time-sleep's bad variant, recorded by `asyncplay run --record`."""
    out = tmp_path_factory.mktemp("rec") / "time-sleep.jsonl"
    live = subprocess.run([sys.executable, "-m", "playground", "run", "time-sleep", "--record",
                           str(out), "--json"], capture_output=True, text=True, timeout=120)
    assert live.returncode == 0, live.stderr
    return out, json.loads(live.stdout)


def folded(path: Path, count: int) -> RunState:
    """The state after the first ``count`` events, folded one by one."""
    recording = load(path)
    state = RunState(target=recording.target)
    for event in recording.events[:count]:
        state.apply(event)
    return state


async def open_with_o(pilot: Pilot[None], app: AsyncPlayApp, path: Path) -> None:
    await pilot.press("o")
    assert isinstance(app.screen, OpenFileScreen)
    app.screen.query_one(Input).value = str(path)
    await pilot.press("enter")


class Notices:
    """What the app notified (a ``message_hook``): title and message of each."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, message: Message) -> None:
        if isinstance(message, Notify):
            self.seen.append(f"{message.notification.title}: {message.notification.message}")

    def __str__(self) -> str:
        return "\n".join(self.seen)


async def test_scrubbing_to_the_middle_of_the_stall_shows_the_blocked_line(
    recorded: tuple[Path, dict],
) -> None:
    path, live = recorded
    stall_line = live["stalls"][0]["line"]
    app = AsyncPlayApp()
    async with app.run_test(size=SIZE) as pilot:
        await open_with_o(pilot, app, path)
        await wait_until(pilot, lambda: isinstance(app.screen, ReplayScreen), timeout_s=10,
                         what="the replay screen")
        screen = app.screen
        assert isinstance(screen, ReplayScreen)
        await wait_until(pilot, lambda: screen.state is not None, timeout_s=5, what="a state shown")
        # It opens on the run's end: the panels say what the live run said.
        assert screen.state is not None and screen.state.summary()["stalls"] == live["stalls"]
        stall = screen.replay.final.stalls[0]
        await pilot.press("home")
        assert screen.index == 0
        # shift+right moves 100 ms at a time: into the middle of the one-second stall.
        while screen.at_t < stall.t + stall.ms / 2000:
            await pilot.press("shift+right")
        await pilot.pause()
        shown = screen.state
        assert shown is not None and shown.live_stall is not None
        stalls = text_of(screen.query_one(StallPanel))
        assert f"bad.py:{stall_line}" in stalls and "time.sleep(1)" in stalls
        table = screen.query_one(TaskGrid)
        first = [str(cell) for cell in table.rows[0]]
        assert "worker()" in first and "running" in first and str(stall_line) in first
        # The panels show the state folded event by event up to the slider.
        assert shown == folded(path, screen.index)
        assert "of 2" in text_of(screen.query_one(TimeSlider))
        await pilot.press("escape")
        assert not isinstance(app.screen, ReplayScreen)


async def test_each_key_lands_on_the_state_folded_step_by_step(recorded: tuple[Path, dict]) -> None:
    path, _ = recorded
    replay = Replay(load(path))
    app = AsyncPlayApp(recording=load(path))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, ReplayScreen), timeout_s=10,
                         what="the replay screen")
        screen = app.screen
        assert isinstance(screen, ReplayScreen)
        await pilot.press("home")
        seen = []
        for key in ["right"] * 12 + ["shift+right"] * 9 + ["left"] * 3 + ["shift+left"] * 2 + ["end"]:
            await pilot.press(key)
            seen.append(screen.index)
            assert screen.state == folded(path, screen.index), (key, screen.index)
        assert seen[:12] == list(range(1, 13)) and seen[-1] == len(replay)
        assert seen[12] == replay.index_at_time(replay.time_of(12) + 0.1)
        # Play at 10x runs to the end by itself, then stops.
        await pilot.press("home", "plus", "plus", "plus")
        assert screen.speed == 10.0 and screen.index == 0
        await pilot.press("space")
        await wait_until(pilot, lambda: not screen.playing and screen.index > 0, timeout_s=30,
                         what="playing to the end")
        assert screen.index == len(replay) and screen.state == replay.final


async def test_a_broken_or_foreign_file_is_refused_naming_it(tmp_path: Path,
                                                             recorded: tuple[Path, dict]) -> None:
    garbage = tmp_path / "notes.txt"
    garbage.write_text("hello\n")
    cut = tmp_path / "cut.jsonl"
    cut.write_bytes(recorded[0].read_bytes()[:-40])
    app = AsyncPlayApp()
    notices = Notices()
    async with app.run_test(size=SIZE, message_hook=notices) as pilot:
        for path, problem in ((garbage, "not an asyncplay recording"), (cut, "truncated")):
            await open_with_o(pilot, app, path)
            assert isinstance(app.screen, OpenFileScreen)  # the dialog stays, with the reason
            said = text_of(app.screen.query_one("#open-problem", Static))
            assert str(path) in said and problem in said, said
            await pilot.press("escape")
        # The same from code (``asyncplay replay FILE`` opens the app this way).
        assert not app.open_recording_file(cut)
        await wait_until(pilot, lambda: str(cut) in str(notices), timeout_s=5, what="the notice")
        assert "Not a recording" in str(notices) and "truncated" in str(notices)
        assert not isinstance(app.screen, ReplayScreen)


async def test_w_saves_the_run_and_h_replays_it(tmp_path: Path) -> None:
    recorder = Recorder()
    notices = Notices()
    app = AsyncPlayApp()
    app.recordings_to = tmp_path / "saved"

    def hook(message: Message) -> None:
        recorder(message)
        notices(message)

    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await select_lesson(pilot, app, "time-sleep")
        await pilot.press("w")  # nothing ran yet: nothing saved, and it says so
        assert not (tmp_path / "saved").exists()
        await pilot.press("b")
        await wait_until(pilot, lambda: bool(recorder.finished("bad")), what="the bad run")
        live = recorder.finished("bad")[0]
        await pilot.press("w")
        saved = list((tmp_path / "saved").glob("*.jsonl"))
        assert len(saved) == 1 and saved[0].name.startswith("time-sleep-bad-")
        await wait_until(pilot, lambda: str(saved[0]) in str(notices), timeout_s=5,
                         what="the path shown")
        assert "No run on screen to save" in str(notices)
        assert Replay(load(saved[0])).summary() == live.summary
        assert len(app.history) == 1
        await pilot.press("h")
        assert isinstance(app.screen, HistoryScreen)
        assert "time-sleep/bad" in str(app.screen.query_one(OptionList).get_option_at_index(0).prompt)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ReplayScreen), timeout_s=10,
                         what="the replay of the run")
        screen = app.screen
        assert isinstance(screen, ReplayScreen)
        await wait_until(pilot, lambda: screen.state is not None, timeout_s=5, what="a state")
        assert screen.state is not None and screen.state.summary() == live.state.summary()
        assert isinstance(screen.query_one(RunPane), RunPane)
        await pilot.press("w")  # the replayed run of the session is saved from here too
        await wait_until(pilot, lambda: len(list((tmp_path / "saved").glob("*.jsonl"))) == 2,
                         timeout_s=5, what="the second file")


def test_the_slider_marks_the_stall_and_the_cursor() -> None:
    cells = slider_cells(10, 0.0, 1.0, 0.55, [(0.2, 0.4)])
    assert cells == ["past", "past", "stall", "stall", "stall", "cursor",
                     "future", "future", "future", "future"]
    assert slider_cells(4, 0.0, 1.0, 1.0, [])[-1] == "cursor"


def test_asyncplay_replay_on_a_terminal_opens_the_replay_screen(recorded: tuple[Path, dict]) -> None:
    """On a terminal (a real pseudo-terminal here) `asyncplay replay FILE` opens the app."""
    path, _ = recorded
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 140, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "140", "LINES": "40"}
    child = subprocess.Popen([sys.executable, "-m", "playground", "replay", str(path)],
                             stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 60
    try:
        # The replay screen's title ("... recorded <when> · Python ...") and its keys (the
        # printed replay, what it did before, says "recorded" and the target too).
        while not all(word in seen for word in (b"recorded", b"time-sleep/bad", b"Play/pause")):
            assert time.monotonic() < deadline, f"the replay screen never showed: {seen[-500:]!r}"
            ready, _, _ = select.select([master], [], [], 1.0)
            if ready:
                try:
                    seen += os.read(master, 65536)
                except OSError:  # the child closed the terminal: it ended
                    break
        assert b"Play/pause" in seen, f"no replay screen: {seen[-300:]!r}"
        os.write(master, b"\x11")  # ctrl+q
        while child.poll() is None:  # read what it draws as it quits (a full terminal blocks it)
            assert time.monotonic() < deadline + 30, "ctrl+q did not quit the app"
            if select.select([master], [], [], 0.2)[0]:
                try:
                    os.read(master, 65536)
                except OSError:
                    break
        assert child.wait(timeout=30) == 0
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        os.close(master)


def test_the_history_keeps_the_last_runs_within_its_bytes() -> None:
    def run(target: str, size: int) -> RecordedRun:
        recorder = RecordingKeeper()
        recorder.add({"kind": "stdout", "t": 0.0, "data": "x" * size})
        return RecordedRun({"target": target}, recorder, "ok", 1.0)

    history = RunHistory(runs=3, max_bytes=10_000)
    for n in range(5):
        history.add(run(f"r{n}", 100))
    assert [r.target for r in history.runs] == ["r4", "r3", "r2"]  # newest first, 3 kept
    history.add(run("big", 9_900))
    assert [r.target for r in history.runs] == ["big"]  # the others made room
    history.add(run("huge", 50_000))
    assert [r.target for r in history.runs] == ["huge"]  # the newest is always kept
    assert history.size == history.runs[0].size > 50_000
