"""The terminal driver: Textual's, with the escape key answered in milliseconds.

A lone ESC byte is either the escape key or the start of a sequence (an arrow, a
function key, alt+key): the parser waits ``ESCDELAY`` for more bytes before it calls
it the escape key. Textual's input thread only looks at that wait when its ``select``
returns, and with no more input that is after its fixed 0.1 s poll: escape (which
closes help, the timeline, the filter, the editor) took 100-110 ms to arrive in the
app whatever ``ESCDELAY`` said. Here the thread sleeps only until the parser's wait
ends, and the wait is :data:`ESCAPE_DELAY_MS` (25 ms, as ncurses programs commonly
use) unless ``ESCDELAY`` is set: a terminal writes a sequence's bytes at once, so
they arrive in one read, well inside it.

A read that is the ESC byte alone is the escape key: a terminal (tmux too) writes a
key's sequence (an arrow, alt+key) in one write, so the rest of a sequence does not
follow its ESC in a read of its own. The parser then waits only
:data:`LONE_ESCAPE_MS` (10 ms, tmux's own escape-time) in case it does. An ESC at the
end of a longer read (keys typed ahead, a paste) keeps the whole wait, and a set
``ESCDELAY`` is kept as it is.
"""

from __future__ import annotations

import os
import selectors
from codecs import getincrementaldecoder
from typing import TYPE_CHECKING, Any

from textual import constants
from textual._parser import ParseError
from textual._time import get_time
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

if TYPE_CHECKING:
    from textual.app import App

__all__ = ["ESCAPE_DELAY_MS", "LONE_ESCAPE_MS", "KeyDriver", "input_wait", "lone_escape",
           "use_escape_delay"]

#: The escape key's wait for the rest of a sequence, in ms (``ESCDELAY`` overrides it).
ESCAPE_DELAY_MS = 25

#: The wait after a read that was the ESC byte alone, in ms.
LONE_ESCAPE_MS = 10

#: The ESC byte.
_ESC = "\x1b"

#: How long the input thread sleeps with nothing pending (Textual's poll, to see the
#: driver's exit event).
_IDLE_WAIT_S = 0.1


def use_escape_delay() -> None:
    """Make :data:`ESCAPE_DELAY_MS` the parser's wait, unless the user set ``ESCDELAY``
    (Textual read it at import; the parser reads the constant at each ESC)."""
    if "ESCDELAY" not in os.environ:
        setattr(constants, "ESCAPE_DELAY", ESCAPE_DELAY_MS / 1000)


def input_wait(parser: XTermParser) -> float:
    """Seconds the input thread may sleep before the parser must be ticked: until the
    end of its wait for the rest of a sequence, if it is waiting, else the idle poll."""
    deadline = parser._timeout_time
    if deadline is None:
        return _IDLE_WAIT_S
    return min(_IDLE_WAIT_S, max(0.0, deadline - get_time()))


def lone_escape(parser: XTermParser, data: str) -> None:
    """After ``data`` (one read) went into ``parser``: if it was the ESC byte alone,
    shorten the parser's wait for the rest of a sequence to :data:`LONE_ESCAPE_MS`."""
    deadline = parser._timeout_time
    if data == _ESC and deadline is not None:
        parser._timeout_time = min(deadline, get_time() + LONE_ESCAPE_MS / 1000)


class KeyDriver(LinuxDriver):
    """Textual's Linux (POSIX) driver; its input thread sleeps no longer than the
    parser's wait, so a lone escape arrives after that wait, not after a poll."""

    def __init__(self, app: App[Any], *, debug: bool = False, mouse: bool = True,
                 size: tuple[int, int] | None = None) -> None:
        use_escape_delay()
        super().__init__(app, debug=debug, mouse=mouse, size=size)

    def run_input_thread(self) -> None:
        """Wait for input and dispatch events (Textual's loop, with the wait of
        :func:`input_wait` in place of a fixed 0.1 s)."""
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        fileno = self.fileno
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode
        # A user's ESCDELAY is their wait, lone escapes included.
        shorten = "ESCDELAY" not in os.environ

        def process(ready: list[tuple[selectors.SelectorKey, int]], final: bool = False) -> None:
            for index, (_, mask) in enumerate(ready):
                if mask & selectors.EVENT_READ:
                    data = decode(os.read(fileno, 1024 * 4), final=final and index == len(ready) - 1)
                    if not data:
                        break  # stdin is a pipe that ended
                    for event in parser.feed(data):
                        self.process_message(event)
                    if shorten:
                        lone_escape(parser, data)
            for event in parser.tick():
                self.process_message(event)

        try:
            while not self.exit_event.is_set():
                process(selector.select(input_wait(parser)))
            selector.unregister(self.fileno)
            process(selector.select(_IDLE_WAIT_S), final=True)
        finally:
            selector.close()
            try:
                for _ in parser.feed(""):
                    pass
            except (EOFError, ParseError):
                pass
