"""``asyncplay run --step``: the loop one callback at a time, driven from stdin.

One command per line: ``.`` (or an empty line) runs one callback, ``c`` lets the loop
run freely, ``p`` stops it before the next callback, ``m N`` runs N callbacks per
second (5 without N), ``q`` stops the run. ``.``, ``c`` and ``m`` each wait for the
loop to stand stopped, so a file of commands can be piped in before the run starts;
at the end of stdin the loop runs freely. Each stop is printed: the callback next
(the task it resumes, and where), what else is ready, the timers due next.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections import deque
from typing import TextIO

from playground.model import RunState, queued_label
from playground.session import Session

__all__ = ["StdinStepper"]

#: How many of the other ready callbacks and of the timers a stop prints.
_SHOWN = 5


class StdinStepper:
    """Reads commands from ``stdin`` and sends each to the session when it may."""

    def __init__(self, session: Session, out: TextIO | None, stdin: TextIO | None = None,
                 err: TextIO | None = None) -> None:
        self.session = session
        self.out = out  # None: print nothing (--json)
        self.stdin = stdin or sys.stdin
        self.err = err or sys.stderr
        self._queue: deque[str] = deque()  # commands waiting for a stop
        self._stop_n: int | None = None  # the stop last seen, not yet answered
        self._answered: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        """Read stdin on a thread of its own (a blocking read never holds the loop)."""
        self._loop = asyncio.get_running_loop()
        threading.Thread(target=self._read, name="asyncplay-step-stdin", daemon=True).start()

    def _read(self) -> None:
        try:
            for line in self.stdin:
                self._post(line.strip())
        except (OSError, ValueError):
            pass
        self._post(None)

    def _post(self, command: str | None) -> None:
        loop = self._loop
        if loop is None:
            return
        try:
            loop.call_soon_threadsafe(self._command, command)
        except RuntimeError:  # the run is over and its loop closed
            pass

    # ------------------------------------------------------------------ commands
    def _command(self, command: str | None) -> None:
        if command is None:
            self._queue.append("c")  # end of stdin: the loop runs freely
        elif command in ("", "."):
            self._queue.append(".")
        elif command == "c":
            self._queue.append("c")
        elif command.split()[0] == "m":
            try:
                rate = float(command[1:].strip() or "5")
            except ValueError:
                rate = -1.0
            if not 0 < rate <= 1000:
                self._say(f"asyncplay: m wants a rate of callbacks per second (0-1000), "
                          f"not {command[1:].strip()!r}")
                return
            self._queue.append(f"m {rate:g}")
        elif command == "p":
            self.session.pause()  # at once: the loop runs now
        elif command == "q":
            self.session.stop()
        else:
            self._say(f"asyncplay: unknown step command {command!r} "
                      "(. or Enter: one callback, c: continue, p: pause, m N: N per second, "
                      "q: stop)")
            return
        self._send()

    def _send(self) -> None:
        """The next queued command, if the loop stands stopped and has not had one."""
        if self._queue and self._stop_n is not None and self._stop_n != self._answered:
            self._answered = self._stop_n
            command = self._queue.popleft()
            if command == ".":
                self.session.step()
            elif command == "c":
                self.session.resume()
            else:
                self.session.slow(float(command[2:]))

    def _say(self, text: str) -> None:
        print(text, file=self.err, flush=True)

    # ------------------------------------------------------------------ updates
    def update(self, state: RunState) -> None:
        pause = state.pause
        if pause is None or not pause.paused or pause.n == self._stop_n:
            return
        self._stop_n = pause.n
        if self.out is not None:
            self._print(state)
        self._send()

    def _print(self, state: RunState) -> None:
        pause = state.pause
        assert pause is not None
        coro_of: dict[int, str] = {tid: t.coro for tid, t in state.tasks.items()}
        lines: list[str] = []
        if pause.ready:
            lines.append(f"  ⏯ stopped before callback {pause.n + 1}: "
                         f"{queued_label(pause.ready[0], coro_of)}")
        for q in pause.ready[1:1 + _SHOWN]:
            lines.append(f"      then {queued_label(q, coro_of)}")
        more = pause.ready_count - 1 - min(_SHOWN, len(pause.ready) - 1)
        if more > 0:
            lines.append(f"      and {more} more ready")
        for q in pause.timers[:_SHOWN]:
            lines.append(f"      timer {queued_label(q, coro_of)}")
        for line in lines:
            print(line, file=self.out, flush=True)

