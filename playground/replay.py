"""A recorded run, folded again: its state at any moment, found quickly.

:class:`Replay` folds a :class:`~playground.recording.Recording` once, keeping a
snapshot of the RunState every so many events (a checkpoint). The state after any
event, or at any time, is then the nearest checkpoint before it plus the few events
between: seeking costs one snapshot and at most ``every`` events, whatever the
recording's length (benchmarks/seek.py measures it).
"""

from __future__ import annotations

import bisect
from typing import Any

from playground.model import RunState, summarize
from playground.recording import Recording

__all__ = ["Replay", "CHECKPOINTS"]

#: About how many checkpoints a replay keeps (fewer for a short recording: one every
#: MIN_EVERY events at least), so memory stays bounded and seek time even.
CHECKPOINTS = 100
MIN_EVERY = 128


class Replay:
    """The states of a recorded run: :meth:`state_at` (after N events) and
    :meth:`state_at_time` (at a time on the child's clock, in seconds)."""

    def __init__(self, recording: Recording, every: int | None = None) -> None:
        self.recording = recording
        self.events = recording.events
        n = len(self.events)
        self.every = every or max(MIN_EVERY, -(-n // CHECKPOINTS))
        state = RunState(target=recording.target)
        self._checkpoints: list[RunState] = [state.snapshot()]
        # The run's clock after each event: the latest ``t`` seen so far (an event can
        # carry an earlier ``t`` than the one before it: output is timed by estimate).
        self._times: list[float] = []
        for index, event in enumerate(self.events, start=1):
            state.apply(event)
            self._times.append(state.last_t)
            if index % self.every == 0:
                self._checkpoints.append(state.snapshot())
        self.final = state

    def __len__(self) -> int:
        return len(self.events)

    @property
    def checkpoints(self) -> int:
        """How many snapshots of the fold it keeps."""
        return len(self._checkpoints)

    @property
    def start_t(self) -> float:
        return self._times[0] if self._times else 0.0

    @property
    def end_t(self) -> float:
        return self._times[-1] if self._times else 0.0

    def time_of(self, index: int) -> float:
        """The run's clock once the first ``index`` events are folded."""
        index = max(0, min(index, len(self.events)))
        return self._times[index - 1] if index else self.start_t

    def index_at_time(self, t: float) -> int:
        """How many events had arrived by time ``t`` (every event timed at or before it)."""
        return bisect.bisect_right(self._times, t)

    def state_at(self, index: int) -> RunState:
        """The state once the first ``index`` events are folded (clamped to 0..len);
        a fresh copy, the caller's to keep or fold on."""
        index = max(0, min(index, len(self.events)))
        if index == len(self.events):
            return self.final.snapshot()
        base = index // self.every
        state = self._checkpoints[base].snapshot()
        for event in self.events[base * self.every:index]:
            state.apply(event)
        return state

    def state_at_time(self, t: float) -> RunState:
        """The state at time ``t`` on the run's clock (seconds, as events' ``t``)."""
        return self.state_at(self.index_at_time(t))

    def summary(self) -> dict[str, Any]:
        """The run's summary, as the live run printed it (graded against the
        expectations the recording carries)."""
        return summarize(self.final, self.recording.header.get("expect"))
