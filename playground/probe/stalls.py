"""Stall watching: which callback holds the loop, at which line, for how long.

The callback runner (see runner) keeps the callback running now and when it started
in two closure cells, the cheapest store Python has, and queues every callback that
ran past the threshold (``ended``). A tick looks at the cells: a callback running
past the threshold is a stall, reported at once (live) and then sampled for the line
it is stuck at; its end, with the exact duration measured on the snippet's thread,
goes out with the next batch. A stall that ended before any tick saw it is still
reported, named by its task, at line 0.
"""

from __future__ import annotations

import linecache
import sys
import types
from collections import Counter, deque
from types import FrameType
from typing import Any, Callable

from playground import protocol as P
from playground.probe.tasks import TaskTable

__all__ = ["StallWatch"]


class StallWatch:
    """The stall seen now, the ones that ended, and the events that say so."""

    def __init__(self, origin: str, stall_s: float, main_ident: int | None, table: TaskTable,
                 emit: Callable[[dict[str, Any]], None], now: Callable[[], float]) -> None:
        self.origin = origin
        self.stall_s = stall_s
        self.main_ident = main_ident
        self.table = table  # for the id of a stalled task that has a row
        self.emit = emit
        self.now = now
        # The callback running now and when it started: cells of the callback runner's
        # closure (see runner.make_runner), read here, written there.
        self._handle_cell = types.CellType(None)
        self._start_cell = types.CellType(0.0)
        # Written by the snippet's thread: (handle, start, dt) of each callback that
        # held the loop past the threshold.
        self.ended: deque[tuple[Any, float, float]] = deque()
        self._stall: dict[str, Any] | None = None
        self._handle: Any = None
        self._lines: Counter[tuple[str, int, str]] = Counter()
        self._seq = 0
        self.sent_at = 0.0

    def watch_cells(self, handle_cell: types.CellType, start_cell: types.CellType) -> None:
        """Where the callback runner keeps the running callback and its start."""
        self._handle_cell, self._start_cell = handle_cell, start_cell

    @property
    def cur_handle(self) -> Any:
        return self._handle_cell.cell_contents

    def current(self) -> tuple[Any, float] | None:
        """(handle, start) of the callback running now, read consistently."""
        handle = self._handle_cell.cell_contents
        if handle is None:
            return None
        start = self._start_cell.cell_contents
        if self._handle_cell.cell_contents is not handle:
            return None
        return handle, start

    def check(self, cur: tuple[Any, float], now: float) -> bool:
        """A tick saw ``cur`` running past the threshold: sample its line. True when
        it is a new stall (then reported now: the caller sends a batch at once)."""
        handle, start = cur
        frame = sys._current_frames().get(self.main_ident)  # type: ignore[arg-type]
        if self.cur_handle is not handle or frame is None:
            return False  # the callback ended while we looked
        where = self._snippet_frame(frame)
        del frame
        if handle is self._handle:
            self._lines[where] += 1
            return False
        # The stall watched until now may have ended since the last batch: its end
        # goes out first, while it is still the one watched (else it would be taken
        # for a stall never seen, and reported twice, the copy at line 0).
        for event in self.ended_events(round(self.now(), 6)):
            self.emit(event)
        self._seq += 1
        self._handle = handle
        self._lines = Counter()
        self._stall = self._owner(handle)
        self._lines[where] += 1
        self._send(now - start)  # live: the user sees it while it happens
        self.sent_at = now
        return True

    def refresh(self, now: float, every_s: float) -> None:
        """A stall still going on: its running duration, at most every ``every_s``."""
        cur = self.current()
        if self._stall is not None and cur is not None and cur[0] is self._handle:
            if now - self.sent_at >= every_s:
                self._send(now - cur[1])
                self.sent_at = now

    def stuck_at(self, cur: tuple[Any, float] | None) -> tuple[str, int] | None:
        """The line the running callback holds the loop at, if it is the stall watched."""
        if self._stall is None or cur is None or cur[0] is not self._handle:
            return None
        (file, line, _code), _ = self._lines.most_common(1)[0]
        return file, line

    def ended_events(self, t: float) -> list[dict[str, Any]]:
        """The ``stall_end`` events of the callbacks that held the loop past the
        threshold and ended since the last look."""
        out = []
        while self.ended:
            handle, start, dt = self.ended.popleft()
            if handle is not self._handle or self._stall is None:
                # ended before a tick saw it: attribute to the owner only
                self._seq += 1
                stall = self._owner(handle)
                file, line, code = self.origin, 0, ""
            else:
                stall = self._stall
                (file, line, code), _ = self._lines.most_common(1)[0]
                self._stall = None
                self._handle = None
            out.append(
                dict(stall, kind=P.K_STALL_END, t=t, ms=round(dt * 1000, 1),
                     file=file, line=line, code=code)
            )
        return out

    def _send(self, elapsed_s: float) -> None:
        assert self._stall is not None
        (file, line, code), _ = self._lines.most_common(1)[0]
        ev = dict(self._stall, kind=P.K_STALL, ms=round(elapsed_s * 1000, 1))
        ev.update(file=file, line=line, code=code)
        self.emit(ev)

    def _snippet_frame(self, frame: FrameType | None) -> tuple[str, int, str]:
        """The innermost frame in the snippet's own file (else the innermost frame)."""
        innermost = frame
        while frame is not None:
            if frame.f_code.co_filename == self.origin:
                break
            frame = frame.f_back
        chosen = frame or innermost
        if chosen is None:
            return ("", 0, "")
        file, line = chosen.f_code.co_filename, chosen.f_lineno or 0
        return (file, line, linecache.getline(file, line).strip())

    def _owner(self, handle: Any) -> dict[str, Any]:
        """The stall's id, the task (or callback) name, and the task's id if it is one."""
        owner = getattr(getattr(handle, "_callback", None), "__self__", None)
        tid = self.table.tid(getattr(owner, "_ap_slot", None))
        return {"id": self._seq, "task": self._callback_owner(handle), "tid": tid}

    @staticmethod
    def _callback_owner(handle: Any) -> str:
        cb = getattr(handle, "_callback", None)
        owner = getattr(cb, "__self__", None)
        if owner is not None and hasattr(owner, "get_name"):
            try:
                return str(owner.get_name())
            except Exception:
                pass
        name = getattr(cb, "__qualname__", None) or type(cb).__name__
        return f"callback {name}"
