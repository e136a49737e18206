"""The snippet's resident memory while it runs: the latest, first and highest sample
(exact) and the series, one per batch, thinned like the lag windows.

A part of :class:`~playground.model.fold.RunState` (a dataclass mixin): its fields are
the state's, ``_on_memory`` folds the ``memory`` event.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from playground import protocol as P
from playground.model.lag import MAX_LAG_WINDOWS
from playground.model.records import Thinned

__all__ = ["MemoryFacts"]


@dataclass
class MemoryFacts:
    """What a run's memory events say."""

    rss_kb: int | None = None  # resident memory, the latest sample (one per batch)
    rss_first_kb: int | None = None  # exact, even when the series is thinned
    rss_max_kb: int | None = None
    _rss: Thinned[int] = field(default_factory=lambda: Thinned(MAX_LAG_WINDOWS), repr=False)

    def _copy_memory(self, twin: MemoryFacts) -> None:
        twin._rss = self._rss.snapshot()

    def _on_memory(self, e: P.MemoryEvent) -> None:
        kb = int(e["rss_kb"])
        self.rss_kb = kb
        if self.rss_first_kb is None:
            self.rss_first_kb = kb
        if self.rss_max_kb is None or kb > self.rss_max_kb:
            self.rss_max_kb = kb
        self._rss.extend([kb])

    def rss(self) -> dict[str, int] | None:
        """Resident memory sampled while the snippet ran: first, highest, last (KiB)."""
        if self.rss_kb is None or self.rss_first_kb is None or self.rss_max_kb is None:
            return None
        return {"first_kb": self.rss_first_kb, "max_kb": self.rss_max_kb, "last_kb": self.rss_kb}

    @property
    def rss_series_kb(self) -> list[int]:
        """Resident memory, one sample per batch, thinned like lag_windows."""
        return self._rss.items
