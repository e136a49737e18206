"""The app started in a pseudo-terminal, as a user's terminal starts it: its size from the
terminal (no COLUMNS or LINES), no snippets folder or escape delay of the test's own, and
killed with everything it started if the test ends first."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

__all__ = ["Terminal", "app_in_terminal", "shown"]

#: What a user's shell would not have set: the test's own settings that change the app.
UNSET = ("ASYNCPLAY_SNIPPETS", "COLUMNS", "LINES", "ESCDELAY")


def shown(written: bytes) -> str:
    """The text of what the app wrote, its escape sequences taken out."""
    return re.sub(rb"\x1b\[[0-9;?<>=]*[A-Za-z~]", b"", written).decode("utf-8", "replace")


class Terminal:
    """The terminal's side of the app: what it writes is read here, keys written here."""

    def __init__(self, process: subprocess.Popen[bytes], master: int) -> None:
        self.process = process
        self.master = master
        #: The app closed its side of the terminal (it has exited).
        self.closed = False

    def read(self, timeout_s: float = 0.2) -> bytes:
        """What the app writes within ``timeout_s`` (one read; b"" if nothing came)."""
        if self.closed or not select.select([self.master], [], [], timeout_s)[0]:
            return b""
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # the app closed its side: it has exited
            chunk = b""
        self.closed = not chunk
        return chunk

    def read_until(self, text: str, timeout_s: float = 120.0) -> None:
        """Read until the app has shown ``text`` (since the last time this returned)."""
        written = b""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and not self.closed:
            written += self.read(0.5)
            if text in shown(written):
                return
        raise AssertionError(f"{text!r} never shown; the end of the output: {shown(written)[-400:]!r}")

    def write(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def wait_exit(self, timeout_s: float = 60.0) -> int:
        """The app's exit status, once it has exited; read what it writes meanwhile, so
        that it never blocks on the terminal while it quits."""
        deadline = time.monotonic() + timeout_s
        while self.process.poll() is None and not self.closed and time.monotonic() < deadline:
            self.read()
        return self.process.wait(timeout=max(deadline - time.monotonic(), 10))

    def pending(self) -> int:
        """Bytes the app has written that the terminal has not read."""
        return int(struct.unpack("i", fcntl.ioctl(self.master, termios.FIONREAD, b"\0\0\0\0"))[0])


@contextmanager
def app_in_terminal(args: list[str], cwd: Path, *, size: tuple[int, int] = (160, 48),
                    env: Mapping[str, str] | None = None) -> Iterator[Terminal]:
    """``python ARGS`` (``-m playground ...``) in a new pseudo-terminal of ``size``
    (columns, rows), in its own session; killed, with its session, if still running at
    the end."""
    columns, rows = size
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    environ = {**os.environ, "TERM": "xterm-256color", **(env or {})}
    for name in UNSET:
        environ.pop(name, None)
    process = subprocess.Popen([sys.executable, *args], stdin=slave, stdout=slave, stderr=slave,
                               env=environ, cwd=cwd, start_new_session=True)
    os.close(slave)
    try:
        yield Terminal(process, master)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        os.close(master)
