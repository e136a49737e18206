"""The terminal driver's input thread: a lone escape is answered after the parser's
short wait, not after the thread's 0.1 s poll; sequences are still read whole."""

from __future__ import annotations

import pytest
from textual import constants, events
from textual._xterm_parser import XTermParser

from playground.catalog import load_catalog
from playground.tui.app import AsyncPlayApp
from playground.tui.driver import ESCAPE_DELAY_MS, KeyDriver, input_wait, use_escape_delay


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
