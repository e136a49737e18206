"""Closing the terminal (SIGHUP) or a plain kill (SIGTERM) quits the app as ctrl+q does:
its warm child and its runs' work directories go with it. By default either signal
killed the process where it stood, and each left its work directory in the temp folder.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest


def _drain(master: int, until: float) -> bytes:
    """What the app wrote to its terminal until ``until`` (monotonic) or its end."""
    written = b""
    while time.monotonic() < until:
        if select.select([master], [], [], 0.2)[0]:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the app closed its side: it has exited
                break
            if not chunk:
                break
            written += chunk
            return written
    return written


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGTERM], ids=["SIGHUP", "SIGTERM"])
def test_a_signal_quits_the_app_and_leaves_no_work_directory(tmp_path: Path, signum: int) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    temp.chmod(0o1777)  # as /tmp: the run's user (nobody, when root) makes its folder here
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 48, 160, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "TMPDIR": str(temp)}
    env.pop("ASYNCPLAY_SNIPPETS", None)
    app = subprocess.Popen([sys.executable, "-m", "playground", "--no-predict"], stdin=slave,
                           stdout=slave, stderr=slave, env=env, cwd=tmp_path,
                           start_new_session=True)
    os.close(slave)
    try:
        # The app keeps its next run's child started while idle, in a work directory.
        deadline = time.monotonic() + 120
        while not any(p.name.startswith("asyncplay-run-") for p in temp.iterdir()):
            assert app.poll() is None, "the app exited"
            assert time.monotonic() < deadline, "no warm child's work directory appeared"
            _drain(master, time.monotonic() + 0.1)
        os.kill(app.pid, signum)
        deadline = time.monotonic() + 60
        while app.poll() is None and time.monotonic() < deadline:
            _drain(master, time.monotonic() + 0.2)
        assert app.wait(timeout=10) == 128 + signum
        assert not [p.name for p in temp.iterdir() if p.name.startswith("asyncplay-run-")]
    finally:
        if app.poll() is None:
            os.killpg(app.pid, signal.SIGKILL)
            app.wait()
        os.close(master)


def _pending(master: int) -> int:
    """Bytes the app has written that the terminal has not read."""
    return struct.unpack("i", fcntl.ioctl(master, termios.FIONREAD, b"\0\0\0\0"))[0]


def test_a_signal_ends_the_app_even_when_its_terminal_is_not_read(tmp_path: Path) -> None:
    """A terminal that is gone or no longer read leaves the app's writes blocked: Textual's
    writer thread waits to write, its queue of writes fills, and the app waits to queue
    more. SIGHUP's quit then never finished (seen: apps of closed tmux sessions left
    with every thread waiting); the process now ends QUIT_GRACE_S after the signal."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 48, 160, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color"}
    for name in ("ASYNCPLAY_SNIPPETS", "COLUMNS", "LINES"):
        env.pop(name, None)
    app = subprocess.Popen([sys.executable, "-m", "playground", "--no-predict"], stdin=slave,
                           stdout=slave, stderr=slave, env=env, cwd=tmp_path,
                           start_new_session=True)
    os.close(slave)
    try:
        shown = b""
        deadline = time.monotonic() + 120
        while b"Run bad" not in shown:  # the first screen, with the footer's keys
            assert app.poll() is None and time.monotonic() < deadline, "no first screen"
            shown += _drain(master, time.monotonic() + 0.2)
        # From now on nothing is read. Each i shows or hides the lesson's texts: a new
        # frame to write, more than the terminal's buffer and the writer's queue hold.
        for _ in range(60):
            os.write(master, b"i")
        pending, still = -1, 0
        while still < 5:  # the writes have stopped coming: the app is blocked
            assert app.poll() is None and time.monotonic() < deadline, "the app did not block"
            now = _pending(master)
            still = still + 1 if now == pending else 0
            pending = now
            select.select([], [], [], 0.2)
        os.kill(app.pid, signal.SIGHUP)
        assert app.wait(timeout=60) == 128 + signal.SIGHUP
    finally:
        if app.poll() is None:
            os.killpg(app.pid, signal.SIGKILL)
            app.wait()
        os.close(master)
