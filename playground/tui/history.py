"""The session's last runs, kept recorded, and where the app saves a recording.

Every run the app starts is recorded (in memory, encoded, see
:class:`~playground.recording.Recorder`). :class:`RunHistory` keeps the last
:data:`HISTORY_RUNS` of them, and at most :data:`HISTORY_BYTES` in all (the oldest go
first), so `h` can open any of them in replay and `w` can save the one on screen.
Saved recordings go to :func:`recordings_folder`.
"""

from __future__ import annotations

import os
import re
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playground.recording import Recorder, Recording

__all__ = ["HISTORY_BYTES", "HISTORY_RUNS", "RUN_RECORD_CAP_BYTES", "RecordedRun", "RunHistory",
           "recordings_folder", "save_run"]

#: How many runs of the session the app keeps for replay.
HISTORY_RUNS = 10
#: What those runs may take in memory at most, in all (their encoded events).
HISTORY_BYTES = 96 * 1024 * 1024
#: The cap of one run's recording in the app (past it, see recording.CLOSING_KINDS).
RUN_RECORD_CAP_BYTES = 16 * 1024 * 1024


@dataclass(eq=False)
class RecordedRun:
    """One finished run of the session: its recording's header and events, and what
    the history list says about it."""

    header: dict[str, Any]
    recorder: Recorder
    status: str
    wall_ms: float | None
    finished_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    @property
    def target(self) -> str:
        return str(self.header.get("target", "?"))

    @property
    def size(self) -> int:
        return self.recorder.size

    def recording(self) -> Recording:
        """The run as a recording (decoded anew), ready to replay."""
        return self.recorder.recording(self.header)

    def save(self, path: Path) -> None:
        """Write it to ``path`` (OSError when it cannot be written)."""
        self.recorder.save(path, self.header)


class RunHistory:
    """The session's last runs, newest first, bounded in number and in bytes."""

    def __init__(self, runs: int = HISTORY_RUNS, max_bytes: int = HISTORY_BYTES) -> None:
        self.max_bytes = max_bytes
        self._runs: deque[RecordedRun] = deque(maxlen=runs)

    def add(self, run: RecordedRun) -> None:
        self._runs.appendleft(run)
        while len(self._runs) > 1 and self.size > self.max_bytes:
            self._runs.pop()

    @property
    def size(self) -> int:
        return sum(run.size for run in self._runs)

    @property
    def runs(self) -> list[RecordedRun]:
        """Newest first."""
        return list(self._runs)

    def __len__(self) -> int:
        return len(self._runs)


def recordings_folder() -> Path:
    """Where `w` saves recordings: ``$ASYNCPLAY_RECORDINGS`` if set, else
    ``$XDG_DATA_HOME/asyncplay/recordings`` (``~/.local/share/asyncplay/recordings``)."""
    chosen = os.environ.get("ASYNCPLAY_RECORDINGS")
    if chosen:
        return Path(chosen).expanduser()
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data).expanduser() / "asyncplay" / "recordings"


def save_run(run: RecordedRun, folder: Path | None = None) -> Path:
    """Save ``run`` in ``folder`` (default: :func:`recordings_folder`, made if missing)
    under a new name from its target and time; returns the path. OSError on failure."""
    folder = recordings_folder() if folder is None else folder
    folder.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", run.target).strip("-") or "run"
    stamp = run.finished_at.astimezone().strftime("%Y%m%d-%H%M%S")
    path = folder / f"{name}-{stamp}.jsonl"
    number = 2
    while path.exists():
        path = folder / f"{name}-{stamp}-{number}.jsonl"
        number += 1
    run.save(path)
    return path
