"""A run saved to a file, and read back: the recording format.

A recording is JSON lines (ASCII: other characters are escaped as JSON does):

1. a header: ``{"asyncplay_recording": FORMAT_VERSION, "target", "slug", "variant",
   "path", "expect", "code", "python", "sandbox": {layers, missing}, "stall_ms",
   "started", "cap_bytes"}`` (``started`` is the run's start, UTC, ISO 8601);
2. the run's events as they arrived, one per line (each has ``kind`` and ``t``:
   see :mod:`playground.protocol`); folded in order they give the run's RunState;
3. when the size cap was reached, a note ``{"recording": "cap", "cap_bytes",
   "at_event", "message"}``: past it only the run's closing events are kept
   (:data:`CLOSING_KINDS`, so a replay still knows how the run ended);
4. a closing line ``{"recording": "end", "events", "dropped"}``: a file without
   it was cut short.

:class:`Recorder` keeps the events of a run in memory (encoded) under the cap and
:meth:`Recorder.save` writes the file; :func:`load` reads one and raises
:class:`RecordingError` (naming the file and the problem) for anything that is
not a whole recording of this format version.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playground import protocol as P

__all__ = [
    "CLOSING_KINDS",
    "DEFAULT_CAP_BYTES",
    "FORMAT_VERSION",
    "Recorder",
    "Recording",
    "RecordingError",
    "load",
]

#: The version of the file format; a reader refuses any other (see docs/ARCHITECTURE.md).
FORMAT_VERSION = 1

#: The size a recording keeps at most (its events, encoded); past it, see CLOSING_KINDS.
DEFAULT_CAP_BYTES = 64 * 1024 * 1024

#: Events kept even past the cap: each comes once, at the end, and says how the run ended.
CLOSING_KINDS = frozenset({P.K_END, P.K_EXIT, P.K_ERROR, P.K_LIMIT, P.K_CHANNEL, P.K_API})

_HEADER_KEY = "asyncplay_recording"


class RecordingError(Exception):
    """A file that is not a readable recording; the message names the file and why."""


@dataclass
class Recording:
    """A recording in memory: its header, its events, and what the cap left out."""

    header: dict[str, Any]
    events: list[dict[str, Any]]
    dropped: int = 0  # events past the cap, not kept
    cap_note: str | None = None  # the note written when the cap was reached
    path: Path | None = None

    @property
    def target(self) -> str:
        return str(self.header.get("target", ""))


@dataclass
class Recorder:
    """Keeps a run's events as they arrive, up to ``cap_bytes`` of encoded JSON. They
    are kept encoded (the lines of the file to be), so the cap bounds memory too."""

    cap_bytes: int = DEFAULT_CAP_BYTES
    lines: list[str] = field(default_factory=list)
    size: int = 0
    dropped: int = 0
    capped_at: int | None = None  # the index of the first event not kept

    def add(self, event: dict[str, Any]) -> None:
        line = _encode(event)
        if self.capped_at is None and self.size + len(line) + 1 > self.cap_bytes:
            self.capped_at = len(self.lines)
        if self.capped_at is not None and event.get("kind") not in CLOSING_KINDS:
            self.dropped += 1
            return
        self.size += len(line) + 1
        self.lines.append(line)

    @property
    def events(self) -> list[dict[str, Any]]:
        """The events kept, decoded (a new list of new dicts at each call)."""
        return [json.loads(line) for line in self.lines]

    def recording(self, header: dict[str, Any]) -> Recording:
        """The recording as :func:`load` would read it back from :meth:`save`'s file,
        without the file (the app replays the session's runs from memory)."""
        head = {_HEADER_KEY: FORMAT_VERSION, **header, "cap_bytes": self.cap_bytes}
        return Recording(header=head, events=self.events, dropped=self.dropped,
                         cap_note=self._cap_note()["message"] if self.capped_at is not None else None)

    def save(self, path: Path, header: dict[str, Any]) -> None:
        """Write the recording to ``path`` (whole or not at all: a temporary file is
        renamed over it). OSError when it cannot be written."""
        path = Path(path)
        head = {_HEADER_KEY: FORMAT_VERSION, **header, "cap_bytes": self.cap_bytes}
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            with open(tmp, "w", encoding="utf-8", newline="\n") as out:
                out.write(_encode(head) + "\n")
                for index, line in enumerate(self.lines):
                    if index == self.capped_at:
                        out.write(_encode(self._cap_note()) + "\n")
                    out.write(line + "\n")
                if self.capped_at is not None and self.capped_at >= len(self.lines):
                    out.write(_encode(self._cap_note()) + "\n")
                out.write(_encode({"recording": "end", "events": len(self.lines),
                                   "dropped": self.dropped}) + "\n")
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()

    def _cap_note(self) -> dict[str, Any]:
        return {"recording": "cap", "cap_bytes": self.cap_bytes, "at_event": self.capped_at,
                "message": f"recording cap of {self.cap_bytes} bytes reached at event "
                           f"{self.capped_at}: {self.dropped} later event(s) not kept, "
                           f"only the run's closing events"}


def _encode(obj: dict[str, Any]) -> str:
    # ASCII only (other characters escaped): a line's length is its size in bytes
    return json.dumps(obj, separators=(",", ":"))


def load(path: Path) -> Recording:
    """Read the recording at ``path``; :class:`RecordingError` when it is not one."""
    path = Path(path)

    def fail(problem: str) -> RecordingError:
        return RecordingError(f"{path}: {problem}")

    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as exc:
        raise fail(f"cannot read it ({exc.strerror or exc})") from None
    if not raw.strip():
        raise fail("the file is empty, not a recording")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise fail(f"not an asyncplay recording (not UTF-8 text at byte {exc.start})") from None
    lines = text.split("\n")
    ends_with_newline = lines[-1] == ""
    if ends_with_newline:
        lines.pop()
    header = _header(lines[0], fail)
    events: list[dict[str, Any]] = []
    dropped = 0
    cap_note: str | None = None
    closed = False
    for number, line in enumerate(lines[1:], start=2):
        last = number == len(lines)
        try:
            obj = json.loads(line)
        except ValueError:
            if last and not ends_with_newline:
                raise fail(f"truncated: line {number} is cut short (the file ends in the "
                           f"middle of an event, after {len(events)} whole events)") from None
            raise fail(f"corrupted: line {number} is not valid JSON") from None
        if not isinstance(obj, dict):
            raise fail(f"corrupted: line {number} is not a JSON object")
        if closed:
            raise fail(f"corrupted: line {number} follows the recording's closing line")
        marker = obj.get("recording")
        if marker == "end":
            closed = True
            dropped = int(obj.get("dropped", 0))
            if obj.get("events") != len(events):
                raise fail(f"corrupted: its closing line counts {obj.get('events')} events, "
                           f"the file holds {len(events)}")
        elif marker == "cap":
            cap_note = str(obj.get("message", "recording cap reached"))
        elif isinstance(obj.get("kind"), str):
            events.append(obj)
        else:
            raise fail(f"corrupted: line {number} is neither an event nor a recording note")
    if not closed:
        raise fail(f"truncated: no closing line after {len(events)} events "
                   f"(the run or the writing of the file was cut short)")
    return Recording(header=header, events=events, dropped=dropped, cap_note=cap_note, path=path)


def _header(line: str, fail: Any) -> dict[str, Any]:
    try:
        header = json.loads(line)
    except ValueError:
        header = None
    if not isinstance(header, dict) or _HEADER_KEY not in header:
        raise fail("not an asyncplay recording (its first line is not a recording header)")
    version = header[_HEADER_KEY]
    if version != FORMAT_VERSION:
        raise fail(f"recording format version {version!r}; this asyncplay reads version "
                   f"{FORMAT_VERSION} only")
    return header
