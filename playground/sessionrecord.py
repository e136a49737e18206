"""A session's recording: the events it kept (``RunOptions.record``), and the file it
writes them to (see :mod:`playground.recording` for the format)."""

from __future__ import annotations

import platform
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playground.model import RunState
    from playground.recording import Recorder
    from playground.target import RunOptions, RunTarget

__all__ = ["SessionRecording"]


class SessionRecording:
    """The recording of a :class:`~playground.session.Session`, which keeps the
    recorder (None unless recording), its target, options, state and start time."""

    recorder: Recorder | None
    target: RunTarget
    options: RunOptions
    state: RunState
    started_at: datetime | None

    @property
    def recording(self) -> list[dict[str, Any]]:
        """The events kept so far, decoded anew (empty unless ``RunOptions.record``)."""
        return self.recorder.events if self.recorder is not None else []

    def save_recording(self, path: Path) -> None:
        """Write the run's recording (see :mod:`playground.recording`); OSError when
        the file cannot be written, ValueError when the run was not recorded."""
        if self.recorder is None:
            raise ValueError("this run was not recorded (RunOptions.record is off)")
        self.recorder.save(path, self.recording_header())

    def recording_header(self) -> dict[str, Any]:
        """The header of this run's recording (see :mod:`playground.recording`)."""
        state, target = self.state, self.target
        return {
            "target": target.label, "slug": target.slug, "variant": target.variant,
            "path": str(target.path),
            "expect": dict(target.expect) if target.expect is not None else None,
            "code": state.code, "python": state.python or platform.python_version(),
            "sandbox": state.sandbox.as_summary(), "stall_ms": self.options.stall_ms,
            "started": self.started_at.isoformat() if self.started_at else None,
        }
