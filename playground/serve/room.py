"""The room of a served workshop: the presenter's lesson and the answers to its question.

It lives in the serve process, in memory only: nothing is kept after the server stops.
The presenter's app moves the room (``move``) and opens or reveals a question (``ask``,
``reveal``); attendees' apps answer (``answer``). After each change every app hears
:meth:`Room.view`: the lesson, whether its question is open or revealed, and the tally.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Room"]


@dataclass
class Room:
    """Where the room is, and who answered what (per lesson, by viewer)."""

    lesson: str | None = None
    asking: str | None = None  # the lesson whose question is open
    revealed: set[str] = field(default_factory=set)
    answers: dict[str, dict[str, int]] = field(default_factory=dict)
    attendees: set[str] = field(default_factory=set)

    def apply(self, viewer: str, presenter: bool, message: dict[str, Any]) -> str | None:
        """Apply one message from ``viewer``; returns why it was refused, or None."""
        kind = message.get("type")
        slug = message.get("lesson")
        if kind == "answer":
            choice = message.get("choice")
            if not isinstance(slug, str) or not isinstance(choice, int) or isinstance(choice, bool):
                return "an answer needs a lesson (text) and a choice (a number)"
            if not 0 <= choice < 4:
                return "a choice is 0 to 3"
            self.answers.setdefault(slug, {})[viewer] = choice
            return None
        if not presenter:
            return f"only the presenter may {kind!r}"
        if kind == "move":
            if not isinstance(slug, str):
                return "move needs a lesson"
            self.lesson = slug
            self.asking = None
            return None
        if kind == "ask":
            if not isinstance(slug, str):
                return "ask needs a lesson"
            self.lesson = slug
            self.asking = slug
            self.revealed.discard(slug)
            return None
        if kind == "reveal":
            if not isinstance(slug, str):
                return "reveal needs a lesson"
            self.revealed.add(slug)
            if self.asking == slug:
                self.asking = None
            return None
        return f"unknown message type {kind!r}"

    def tally(self, slug: str) -> list[int]:
        """How many chose each choice (index 0-3) for ``slug``."""
        counts = [0, 0, 0, 0]
        for choice in self.answers.get(slug, {}).values():
            counts[choice] += 1
        return counts

    def view(self) -> dict[str, Any]:
        """What every app hears after a change."""
        slug = self.lesson
        return {
            "lesson": slug,
            "asking": self.asking,
            "revealed": sorted(self.revealed),
            "tally": {s: self.tally(s) for s in self.answers},
            "answered": {s: len(a) for s in self.answers for a in [self.answers[s]]},
            "attendees": len(self.attendees),
            "current_tally": self.tally(slug) if slug else [0, 0, 0, 0],
        }
