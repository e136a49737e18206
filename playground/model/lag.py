"""The loop's lag: every heartbeat's sample and each batch window's worst, thinned
evenly past a bound (the maximum stays exact), and the percentiles read from them.

A part of :class:`~playground.model.fold.RunState` (a dataclass mixin): its fields are
the state's, ``_on_lag`` folds the ``lag`` event.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from playground import protocol as P
from playground.model.records import Thinned

__all__ = ["MAX_LAG_SAMPLES", "MAX_LAG_WINDOWS", "LagFacts", "percentile"]

#: Lag samples and lag windows kept at most (MAX_LAG_WINDOWS bounds the memory series
#: too): past these they are thinned evenly.
MAX_LAG_SAMPLES = 200_000
MAX_LAG_WINDOWS = 10_000


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list (0.0 for an empty one)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(q / 100.0 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


@dataclass
class LagFacts:
    """What a run's lag events say."""

    lag_max_ms: float = 0.0  # exact, even when the samples are thinned
    _lag_sorted: list[float] | None = field(default=None, repr=False, compare=False)
    _lag: Thinned[float] = field(default_factory=lambda: Thinned(MAX_LAG_SAMPLES), repr=False)
    _windows: Thinned[tuple[float, float]] = field(
        default_factory=lambda: Thinned(MAX_LAG_WINDOWS), repr=False)

    def _copy_lag(self, twin: LagFacts) -> None:
        twin._lag = self._lag.snapshot()
        twin._windows = self._windows.snapshot()
        twin._lag_sorted = None

    def _on_lag(self, e: P.LagEvent) -> None:
        samples = [float(s) for s in e["samples_ms"]]
        if samples:
            top = max(samples)
            self.lag_max_ms = max(self.lag_max_ms, top)
            self._lag.extend(samples)
            self._lag_sorted = None
            self._windows.extend([(float(e["t"]), top)])

    @property
    def lag_samples_ms(self) -> list[float]:
        """Every heartbeat's lag, thinned evenly past MAX_LAG_SAMPLES."""
        return self._lag.items

    @property
    def lag_windows(self) -> list[tuple[float, float]]:
        """(t, worst lag in ms) per batch window, thinned evenly past MAX_LAG_WINDOWS."""
        return self._windows.items

    @property
    def lag_sorted(self) -> list[float]:
        if self._lag_sorted is None:
            self._lag_sorted = sorted(self.lag_samples_ms)
        return self._lag_sorted

    def lag(self) -> dict[str, float]:
        """p50, p99 and the exact maximum, in ms."""
        s = self.lag_sorted
        return {"p50_ms": round(percentile(s, 50), 3), "p99_ms": round(percentile(s, 99), 3),
                "max_ms": round(max(self.lag_max_ms, s[-1]), 3) if s else 0.0}
