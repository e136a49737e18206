"""Stalls: each callback that held the loop past the threshold, live while it lasts,
then with its exact duration; kept up to a bound, counted past it.

A part of :class:`~playground.model.fold.RunState` (a dataclass mixin): its fields are
the state's, ``_on_stall`` and ``_on_stall_end`` fold the stall events.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from playground import protocol as P
from playground.model.records import Stall

__all__ = ["MAX_STALLS", "StallFacts"]

#: Stalls kept at most; past it they are counted (``stalls_dropped``), not kept.
MAX_STALLS = 2_000


@dataclass
class StallFacts:
    """What a run's stall events say."""

    stalls: list[Stall] = field(default_factory=list)
    stalls_dropped: int = 0  # stalls past MAX_STALLS, counted only
    _stall_index: dict[int, Stall] = field(default_factory=dict, repr=False)

    def _copy_stalls(self, twin: StallFacts) -> None:
        twin.stalls = [copy.copy(stall) for stall in self.stalls]
        twin._stall_index = {stall.id: stall for stall in twin.stalls}

    def _on_stall(self, e: P.StallEvent) -> None:
        stall = self._stall_index.get(e["id"])
        if stall is None:
            if len(self.stalls) >= MAX_STALLS:
                return  # counted when it ends (each stall ends once)
            stall = Stall(id=e["id"], t=float(e["t"]) - float(e["ms"]) / 1000.0, ms=float(e["ms"]),
                          task=str(e.get("task", "")), file=e.get("file"), line=e.get("line"),
                          code=str(e.get("code", "")), tid=e.get("tid"))
            self._stall_index[stall.id] = stall
            self.stalls.append(stall)
        elif stall.live:
            stall.ms = max(stall.ms, float(e["ms"]))
            stall.file, stall.line, stall.code = e.get("file"), e.get("line"), str(e.get("code", ""))

    def _on_stall_end(self, e: P.StallEvent) -> None:
        self._on_stall(e)
        stall = self._stall_index.get(e["id"])
        if stall is None:
            self.stalls_dropped += 1
            return
        stall.ms = float(e["ms"])  # the exact duration, measured on the snippet's thread
        if e.get("line"):
            stall.file, stall.line, stall.code = e.get("file"), e.get("line"), str(e.get("code", ""))
        stall.live = False

    def _end_stalls(self) -> None:
        """The run (or its snippet) ended: no stall is live any more."""
        for stall in self.stalls:
            stall.live = False

    @property
    def live_stall(self) -> Stall | None:
        """The stall holding the loop now, if any."""
        for stall in reversed(self.stalls):
            if stall.live:
                return stall
        return None
