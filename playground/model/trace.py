"""Trace and step modes: the callbacks a traced run ran (``steps`` events, kept in a
bounded :class:`~playground.model.steps.StepTrace`) and where a stepped run stopped
(``paused`` and ``resumed`` events).

A part of :class:`~playground.model.fold.RunState` (a dataclass mixin): its fields are
the state's, its ``_on_*`` methods fold those events (the ``hello`` event says whether
the run is traced or stepped; the fold reads it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from playground import protocol as P
from playground.model.steps import PauseView, Queued, StepChunk, StepTrace

__all__ = ["TraceFacts"]


@dataclass
class TraceFacts:
    """What a traced or stepped run's events say."""

    #: Trace and step modes: every callback the loop ran (bounded, see model.steps).
    traced: bool = False
    steps: StepTrace = field(default_factory=StepTrace)
    #: Step mode: where the loop stopped (or how it goes on); None when not stepped.
    stepped: bool = False
    pause: PauseView | None = None

    def _copy_trace(self, twin: TraceFacts) -> None:
        twin.steps = self.steps.snapshot()

    def _on_steps(self, e: P.StepsEvent) -> None:
        self.steps.add(StepChunk.decode(dict(e)))

    def _on_paused(self, e: P.PausedEvent) -> None:
        self.pause = PauseView(
            paused=True, mode="paused", n=int(e["n"]), t=float(e["t"]),
            ready=tuple(Queued.of(dict(q)) for q in e["ready"][:100]),
            ready_count=int(e.get("ready_count", len(e["ready"]))),
            timers=tuple(Queued.of(dict(q)) for q in e.get("timers", [])[:100]))

    def _on_resumed(self, e: P.ResumedEvent) -> None:
        mode = str(e.get("mode", "run"))
        self.pause = PauseView(paused=False, mode=mode if mode in ("step", "slow", "run") else "run",
                               n=int(e["n"]), t=float(e["t"]))
