"""Closing the terminal (SIGHUP) or a plain kill (SIGTERM) quits the app as ctrl+q does:
its warm child and its runs' work directories go with it. By default either signal
killed the process where it stood, and each left its work directory in the temp folder.
"""

from __future__ import annotations

import os
import select
import signal
import time
from pathlib import Path

import pytest
from pty_app import app_in_terminal


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGTERM], ids=["SIGHUP", "SIGTERM"])
def test_a_signal_quits_the_app_and_leaves_no_work_directory(tmp_path: Path, signum: int) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    temp.chmod(0o1777)  # as /tmp: the run's user (nobody, when root) makes its folder here
    with app_in_terminal(["-m", "playground", "--no-predict"], tmp_path,
                         env={"TMPDIR": str(temp)}) as terminal:
        # The app keeps its next run's child started while idle, in a work directory.
        deadline = time.monotonic() + 120
        while not any(p.name.startswith("asyncplay-run-") for p in temp.iterdir()):
            assert terminal.process.poll() is None, "the app exited"
            assert time.monotonic() < deadline, "no warm child's work directory appeared"
            terminal.read(0.1)
        os.kill(terminal.process.pid, signum)
        assert terminal.wait_exit(60) == 128 + signum
        assert not [p.name for p in temp.iterdir() if p.name.startswith("asyncplay-run-")]


def test_a_signal_ends_the_app_even_when_its_terminal_is_not_read(tmp_path: Path) -> None:
    """A terminal that is gone or no longer read leaves the app's writes blocked: Textual's
    writer thread waits to write, its queue of writes fills, and the app waits to queue
    more. SIGHUP's quit then never finished (seen: apps of closed tmux sessions left
    with every thread waiting); the process now ends QUIT_GRACE_S after the signal."""
    with app_in_terminal(["-m", "playground", "--no-predict"], tmp_path) as terminal:
        app = terminal.process
        shown = b""
        deadline = time.monotonic() + 120
        while b"Run bad" not in shown:  # the first screen, with the footer's keys
            assert app.poll() is None and time.monotonic() < deadline, "no first screen"
            shown += terminal.read(0.2)
        # From now on nothing is read. Each i shows or hides the lesson's texts: a new
        # frame to write, more than the terminal's buffer and the writer's queue hold.
        for _ in range(60):
            terminal.write(b"i")
        pending, still = -1, 0
        while still < 5:  # the writes have stopped coming: the app is blocked
            assert app.poll() is None and time.monotonic() < deadline, "the app did not block"
            now = terminal.pending()
            still = still + 1 if now == pending else 0
            pending = now
            select.select([], [], [], 0.2)
        os.kill(app.pid, signal.SIGHUP)
        assert app.wait(timeout=60) == 128 + signal.SIGHUP
