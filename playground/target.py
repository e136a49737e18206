"""What a run runs (:class:`RunTarget`: a lesson's variant, a file, an edited copy) and
how (:class:`RunOptions`: limits, stall threshold, sandbox choices, modes). Plain
values, made by the front ends and read by :class:`~playground.session.Session`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playground import sandbox
from playground.catalog import Lesson, LessonUnavailable
from playground.recording import DEFAULT_CAP_BYTES

__all__ = ["RunOptions", "RunTarget"]


@dataclass(frozen=True)
class RunTarget:
    """What to run: a lesson's variant or a file of the user's."""

    label: str  # "time-sleep/bad" or the path as given
    path: Path
    uses_api: bool = False
    timeout_s: float | None = None
    expect: Mapping[str, Any] | None = None  # the lesson's expectations for this variant
    slug: str | None = None
    variant: str | None = None
    #: The text to run instead of the file's (an edited copy); ``path`` still names it,
    #: so every place and traceback reads ``bad.py:15``. The file is never written.
    code: str | None = None

    @property
    def edited(self) -> bool:
        """Whether this runs an edited copy rather than the file as it is."""
        return self.code is not None

    @classmethod
    def from_lesson(cls, lesson: Lesson, variant: str = "bad", code: str | None = None) -> RunTarget:
        """The target of a lesson's variant (or of ``code``, an edited copy of it, labelled
        ``slug/variant (edited)``); :class:`LessonUnavailable` on a Python it excludes."""
        if lesson.unavailable:
            raise LessonUnavailable(
                f"lesson {lesson.slug!r} is not available: {lesson.unavailable}")
        return cls(
            label=f"{lesson.slug}/{variant}" + (" (edited)" if code is not None else ""),
            path=lesson.path(variant),
            # An edit may start using the mock API that the lesson did not need.
            uses_api=lesson.uses_api or (code is not None and "API_URL" in code),
            timeout_s=lesson.timeout_s,
            expect=lesson.expect.get(variant),
            slug=lesson.slug,
            variant=variant,
            code=code,
        )

    @classmethod
    def from_file(cls, path: Path, label: str | None = None) -> RunTarget:
        path = Path(path)
        try:
            uses_api = "API_URL" in path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            uses_api = False
        return cls(label=label or str(path), path=path.resolve(), uses_api=uses_api)


@dataclass(frozen=True)
class RunOptions:
    """How to run: limits, stall threshold, sandbox choices, snapshot rate."""

    limits: sandbox.Limits = field(default_factory=sandbox.Limits)
    stall_ms: float = 50.0
    use_bwrap: bool | None = None  # None: use it when the machine has it
    snapshot_hz: float = 20.0
    timeout_s: float | None = None  # overrides the lesson's and the limits' wall time
    record: bool = False  # keep every event (for replay and export), see Session.save_recording
    record_cap_bytes: int = DEFAULT_CAP_BYTES  # a recording keeps this much at most
    trace: bool = False  # the probe sends every callback the loop runs (RunState.steps)
    step: bool = False  # the loop starts stopped; Session.step/resume/pause/slow drive it
