"""What a snippet printed on one stream, as lines with the time each was printed.

:class:`OutputLines` keeps the first :data:`HEAD_LINES` lines and the last
:data:`TAIL_LINES`, and counts exactly the lines left out between them, so a flood
of output costs bounded memory and still reads as a beginning, "N lines left out",
and an end. A line longer than :data:`LINE_CHARS` keeps its beginning and its end,
"[… N characters not kept …]" between them.
Each line carries the child-clock time (seconds) at which it arrived; the run's
start turns it into milliseconds since the start (:meth:`OutputLines.timed`).

The same facts serve the app's Output panel, ``asyncplay run`` and a replay.
"""

from __future__ import annotations

import copy
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

__all__ = ["OutputLines", "HEAD_LINES", "TAIL_LINES", "LINE_CHARS"]

HEAD_LINES = 1000
TAIL_LINES = 1000
LINE_CHARS = 2000


@dataclass
class OutputLines:
    """One stream's output: head and tail lines (with times), exact counts of the rest."""

    head_lines: int = HEAD_LINES
    tail_lines: int = TAIL_LINES
    line_chars: int = LINE_CHARS
    head: list[tuple[float, str]] = field(default_factory=list)
    tail: deque[tuple[float, str]] = field(default_factory=deque)
    #: Complete lines (ended by a newline) seen so far, kept or not.
    complete: int = 0
    #: Complete lines dropped between the head and the tail.
    left_out: int = 0
    #: Characters cut from lines longer than ``line_chars``.
    cut_chars: int = 0
    total_bytes: int = 0
    #: The line being printed (no newline yet), and when it began.
    partial: str = ""
    partial_t: float = 0.0
    #: An over-long unfinished line: ``partial`` is its beginning, this its end.
    _partial_end: str = field(default="", repr=False)
    _partial_cut: int = field(default=0, repr=False)

    def snapshot(self) -> OutputLines:
        """An independent copy (lines are immutable tuples; the containers are copied)."""
        twin = copy.copy(self)
        twin.head = list(self.head)
        twin.tail = copy.copy(self.tail)
        return twin

    def append(self, text: str, nbytes: int, t: float) -> None:
        """Add a chunk of the stream (any cut: lines may end in a later chunk).

        A flood brings tens of thousands of lines per chunk, and only the head's room
        and the last ``tail_lines`` of them can stay: those are split off the ends of
        the chunk, the others only counted (``str.count``), never made into strings.
        """
        self.total_bytes += nbytes
        if not text:
            return
        newlines = text.count("\n")
        if not newlines:
            self._grow_partial(text, t)
            return
        first_end = text.index("\n")
        self._grow_partial(text[:first_end], t)
        self._add_line(self._partial_line(), self.partial_t if self._has_partial() else t)
        self.partial, self._partial_end, self._partial_cut = "", "", 0
        last_end = text.rindex("\n")
        middle_lines = newlines - 1  # the whole lines between the first and the last newline
        if middle_lines:
            middle = text[first_end + 1:last_end]
            room = min(middle_lines, max(0, self.head_lines - len(self.head)))
            if room:
                for line in middle.split("\n", room)[:room]:
                    self._add_line(self._cut(line), t)
            rest = middle_lines - room
            if rest:
                keep = min(rest, self.tail_lines)
                self.complete += rest
                self.left_out += rest - keep
                tail = self.tail
                over = len(tail) + keep - self.tail_lines
                if over > 0:
                    self.left_out += over
                    if over >= len(tail):
                        tail.clear()
                    else:
                        for _ in range(over):
                            tail.popleft()
                if keep:
                    limit = self.line_chars
                    tail.extend((t, line if len(line) <= limit else self._cut(line))
                                for line in middle.rsplit("\n", keep)[-keep:])
        self.partial_t = t
        last = text[last_end + 1:]
        if last:
            self._grow_partial(last, t)

    def _cut(self, line: str) -> str:
        """An over-long line as its beginning and its end, the cut marked."""
        if len(line) <= self.line_chars:
            return line
        half = self.line_chars // 2
        cut = len(line) - 2 * half
        self.cut_chars += cut
        return _joined(line[:half], cut, line[-half:])

    def _has_partial(self) -> bool:
        return bool(self.partial)

    def _partial_line(self) -> str:
        if not self._partial_cut:
            return self.partial
        return _joined(self.partial, self._partial_cut, self._partial_end)

    def _grow_partial(self, text: str, t: float) -> None:
        if not text:
            return
        if not self.partial:
            self.partial_t = t
        if not self._partial_cut:
            whole = self.partial + text
            if len(whole) <= self.line_chars:
                self.partial = whole
                return
            # Over-long: keep its first half and, rolling, its last half.
            half = self.line_chars // 2
            self.partial, rest = whole[:half], whole[half:]
        else:
            rest = self._partial_end + text
        keep = self.line_chars - len(self.partial)
        if len(rest) > keep:
            self._partial_cut += len(rest) - keep
            self.cut_chars += len(rest) - keep
            rest = rest[len(rest) - keep:]
        self._partial_end = rest

    def _add_line(self, line: str, t: float) -> None:
        self.complete += 1
        if len(self.head) < self.head_lines:
            self.head.append((t, line))
            return
        self.tail.append((t, line))
        if len(self.tail) > self.tail_lines:
            self.tail.popleft()
            self.left_out += 1

    # ------------------------------------------------------------------ reading
    @property
    def lines(self) -> int:
        """Every line printed, kept or not (an unfinished last line counts)."""
        return self.complete + (1 if self.partial else 0)

    @property
    def kept(self) -> int:
        """How many lines :meth:`kept_lines` gives."""
        return len(self.head) + len(self.tail) + (1 if self.partial else 0)

    @property
    def truncated(self) -> bool:
        return self.left_out > 0 or self.cut_chars > 0

    def kept_lines(self) -> Iterator[tuple[float, str]]:
        """The kept lines in order (the unfinished last one included); the gap is
        where :attr:`left_out` > 0, between the head and the tail."""
        yield from self.head
        yield from self.tail
        if self.partial:
            yield (self.partial_t, self._partial_line())

    def timed(self, started_t: float | None) -> list[list[float | str]]:
        """``[[ms since the start, line], ...]`` for the kept lines (never negative)."""
        start = started_t or 0.0
        return [[max(0, round((t - start) * 1000)), line] for t, line in self.kept_lines()]

    @property
    def marker(self) -> str:
        """The line that stands for what was left out ("" when nothing was)."""
        if not self.left_out:
            return ""
        return f"[… {self.left_out:,} lines left out …]".replace(",", " ")

    @property
    def text(self) -> str:
        """The kept output as text: exactly what was printed when nothing was left out."""
        parts = [line + "\n" for _, line in self.head]
        if self.left_out:
            parts.append(self.marker + "\n")
        parts.extend(line + "\n" for _, line in self.tail)
        parts.append(self._partial_line())
        return "".join(parts)


def _joined(start: str, cut: int, end: str) -> str:
    return f"{start} [… {cut:,} characters not kept …] {end}".replace(",", " ")
