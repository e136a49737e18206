"""The terminal driver's input thread: a lone escape is answered after the parser's
short wait, not after the thread's 0.1 s poll; sequences are still read whole."""

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
from pathlib import Path

import pytest
import textual._parser
from textual import constants, events
from textual._xterm_parser import XTermParser

from playground.catalog import load_catalog
from playground.tui.app import AsyncPlayApp
from playground.tui.driver import (
    ESCAPE_DELAY_MS,
    LONE_ESCAPE_MS,
    KeyDriver,
    input_wait,
    lone_escape,
    use_escape_delay,
)


def keys(parser: XTermParser, data: str) -> list[str]:
    return [event.key for event in parser.feed(data) if isinstance(event, events.Key)]


def test_a_lone_escape_wakes_the_input_thread_at_the_end_of_the_parsers_wait(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(constants, "ESCAPE_DELAY", ESCAPE_DELAY_MS / 1000)
    parser = XTermParser()
    assert input_wait(parser) == pytest.approx(0.1)  # nothing pending: the idle poll
    assert keys(parser, "\x1b") == []  # escape, or the start of a sequence: undecided
    # Textual's thread slept its fixed 0.1 s here before the parser could decide.
    assert 0 < input_wait(parser) <= ESCAPE_DELAY_MS / 1000
    # A whole sequence in one read (as a terminal writes it) is a key, not an escape.
    assert keys(parser, "[A") == ["up"]
    assert input_wait(parser) == pytest.approx(0.1)


def read(parser: XTermParser, data: str) -> list[str]:
    """What the driver's loop does with one read: the keys it gives."""
    got = keys(parser, data)
    lone_escape(parser, data)
    return got


def test_a_read_of_the_escape_byte_alone_waits_only_a_few_ms(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(constants, "ESCAPE_DELAY", ESCAPE_DELAY_MS / 1000)
    parser = XTermParser()
    assert read(parser, "\x1b") == []
    # The whole 25 ms before: the key's sequence would have come in the same read.
    assert 0 < input_wait(parser) <= LONE_ESCAPE_MS / 1000 < ESCAPE_DELAY_MS / 1000
    # Escape pressed twice: the first is the escape key, the second waits as briefly.
    assert read(parser, "\x1b") == ["escape"]
    assert 0 < input_wait(parser) <= LONE_ESCAPE_MS / 1000


def test_an_escape_ending_a_longer_read_keeps_the_whole_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(constants, "ESCAPE_DELAY", ESCAPE_DELAY_MS / 1000)
    parser = XTermParser()
    assert read(parser, "ab\x1b") == ["a", "b"]  # keys typed ahead, or a read cut short
    assert LONE_ESCAPE_MS / 1000 < input_wait(parser) <= ESCAPE_DELAY_MS / 1000
    assert read(parser, "[A") == ["up"]


def test_a_sequence_split_after_its_escape_is_still_one_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Within the short wait the rest of the sequence still joins its ESC: an arrow and
    alt+x, not escape then their other bytes."""
    monkeypatch.setattr(constants, "ESCAPE_DELAY", ESCAPE_DELAY_MS / 1000)
    parser = XTermParser()
    assert read(parser, "\x1b") == []
    assert read(parser, "[B") == ["down"]
    assert read(parser, "\x1b") == []
    assert read(parser, "x") == []  # alt+x is told from a longer sequence by the whole wait
    assert LONE_ESCAPE_MS / 1000 < input_wait(parser) <= ESCAPE_DELAY_MS / 1000
    later = parser._timeout_time
    assert later is not None
    monkeypatch.setattr(textual._parser, "get_time", lambda: later)  # the wait is over
    assert [event.key for event in parser.tick() if isinstance(event, events.Key)] == ["alt+x"]


def test_the_app_uses_it_in_a_terminal_and_keeps_the_users_escdelay(
        monkeypatch: pytest.MonkeyPatch) -> None:
    app = AsyncPlayApp(catalog=load_catalog())
    assert app.driver_class is KeyDriver
    monkeypatch.setattr(constants, "ESCAPE_DELAY", 0.3)
    monkeypatch.setenv("ESCDELAY", "300")
    use_escape_delay()
    assert constants.ESCAPE_DELAY == 0.3  # the user's setting, as Textual read it
    monkeypatch.delenv("ESCDELAY")
    use_escape_delay()
    assert constants.ESCAPE_DELAY == ESCAPE_DELAY_MS / 1000


def _shown(screen: bytes) -> str:
    """The text of what the app wrote, its escape sequences taken out."""
    return re.sub(rb"\x1b\[[0-9;?<>=]*[A-Za-z~]", b"", screen).decode("utf-8", "replace")


def test_in_a_terminal_escape_closes_help_and_an_arrow_is_an_arrow(tmp_path: Path) -> None:
    """The real app in a pseudo-terminal, through this driver's input loop: `?` opens
    help, a lone escape closes it, and an arrow's sequence (ESC [ B) moves the lesson
    cursor (read as escape, [ and B, it would not)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 48, 160, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color"}
    env.pop("ASYNCPLAY_SNIPPETS", None)
    env.pop("ESCDELAY", None)
    app = subprocess.Popen([sys.executable, "-m", "playground", "--no-predict"], stdin=slave,
                           stdout=slave, stderr=slave, env=env, cwd=tmp_path,
                           start_new_session=True)
    os.close(slave)
    written = b""

    def read_until(text: str, timeout_s: float = 120.0) -> None:
        nonlocal written
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                written += os.read(master, 65536)
                if text in _shown(written):
                    written = b""
                    return
        raise AssertionError(f"{text!r} never shown; the end of the output: {_shown(written)[-400:]!r}")

    try:
        read_until("Run bad")  # the main screen's footer
        os.write(master, b"?")
        read_until("asyncplay · help")
        os.write(master, b"\x1b")
        read_until("Run bad")  # help has no footer: the main screen is back
        os.write(master, b"\x1b[B")
        read_until("·  2/")  # the header: the second lesson
        os.write(master, b"\x11")  # ctrl+q
        deadline = time.monotonic() + 60
        while app.poll() is None and time.monotonic() < deadline:
            if select.select([master], [], [], 0.2)[0]:
                try:
                    os.read(master, 65536)  # keep the terminal drained while it quits
                except OSError:
                    break
        assert app.wait(timeout=10) == 0
    finally:
        if app.poll() is None:
            os.killpg(app.pid, signal.SIGKILL)
            app.wait()
        os.close(master)
