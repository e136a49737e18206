"""The terminal driver's input thread: a lone escape is answered after the parser's
short wait, not after the thread's 0.1 s poll; sequences are still read whole."""

from __future__ import annotations

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
from pty_app import app_in_terminal


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


def test_in_a_terminal_escape_closes_help_and_an_arrow_is_an_arrow(tmp_path: Path) -> None:
    """The real app in a pseudo-terminal, through this driver's input loop: `?` opens
    help, a lone escape closes it, and an arrow's sequence (ESC [ B) moves the lesson
    cursor (read as escape, [ and B, it would not)."""
    with app_in_terminal(["-m", "playground", "--no-predict"], tmp_path) as terminal:
        terminal.read_until("Run bad")  # the main screen's footer
        terminal.write(b"?")
        terminal.read_until("asyncplay · help")
        terminal.write(b"\x1b")
        terminal.read_until("Run bad")  # help has no footer: the main screen is back
        terminal.write(b"\x1b[B")
        terminal.read_until("·  2/")  # the header: the second lesson
        terminal.write(b"\x11")  # ctrl+q
        assert terminal.wait_exit(60) == 0
