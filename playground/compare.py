"""The scoreboard: two runs' summaries side by side, figure by figure.

:func:`compare` takes two public run summaries (``asyncplay run --json``, e.g. a
lesson's bad and good variants, or an edit and the original) and returns one
:class:`Row` per figure: wall time, worst stall, stall time, lag p99 and max, tasks,
warnings, peak memory. Each row says both values, the change of the right run against
the left one (a ratio when both are above zero, else the difference: "1.6× less",
"3 more") and which run did better. For every figure lower is
better, except tasks (how many a snippet makes is neither good nor bad: its row
names no winner). A change within a figure's noise (:data:`NOISE`) reads "same".
A run that did not end normally (an error, a timeout, a limit) stopped early: its
times and peaks say nothing about what the code does, so then only the problems are
ranked and :func:`not_compared` says why.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from playground.words import format_mb, format_ms

__all__ = ["NOISE", "Row", "compare", "not_compared"]

Side = Literal["left", "right"]


@dataclass(frozen=True)
class Row:
    """One figure of two runs: both values, the change and the better run."""

    metric: str
    left: str  # the value as shown ("1 003 ms"; "–" when not measured)
    right: str
    change: str  # the right run against the left: "3.2× less", "2 more", "same" or "–"
    better: Side | None  # None: a tie, within the noise, not measured, or no better side
    left_value: float | None = None
    right_value: float | None = None


@dataclass(frozen=True)
class _Figure:
    metric: str
    read: Callable[[Mapping[str, Any]], float | None]
    shown: Callable[[float], str]
    noise: float  # a difference at most this big is "same"
    unit: Literal["time", "memory", "count"]
    ranked: bool = True  # lower is better


def _get(summary: Mapping[str, Any], *keys: str) -> float | None:
    value: Any = summary
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _stall_ms(summary: Mapping[str, Any]) -> list[float]:
    stalls = summary.get("stalls")
    if not isinstance(stalls, list):
        return []
    return [float(s["ms"]) for s in stalls
            if isinstance(s, Mapping) and isinstance(s.get("ms"), (int, float))]


def _worst_stall(summary: Mapping[str, Any]) -> float | None:
    return max(_stall_ms(summary), default=0.0) if "stalls" in summary else None


def _stall_total(summary: Mapping[str, Any]) -> float | None:
    return sum(_stall_ms(summary)) if "stalls" in summary else None


def _warnings(summary: Mapping[str, Any]) -> float | None:
    warnings = summary.get("warnings")
    if not isinstance(warnings, list):
        return None
    # An uncaught exception is a problem too: counted with the warnings.
    return float(len(warnings) + (1 if summary.get("error") else 0))


def _peak_kb(summary: Mapping[str, Any]) -> float | None:
    # The sampled maximum and the exit's peak: whichever is known and higher.
    values = [v for v in (_get(summary, "peak_rss_kb"), _get(summary, "rss", "max_kb")) if v]
    return max(values) if values else None


def _stall_time_shown(summary: Mapping[str, Any], ms: float) -> str:
    count = len(_stall_ms(summary))
    return format_ms(ms) + (f" ({count})" if count > 1 else "")


def _count(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ")


#: The figures, in the order the scoreboard lists them.
_FIGURES: tuple[_Figure, ...] = (
    _Figure("wall time", lambda s: _get(s, "wall_ms"), format_ms, 5.0, "time"),
    _Figure("worst stall", _worst_stall, format_ms, 5.0, "time"),
    _Figure("stall time", _stall_total, format_ms, 5.0, "time"),
    _Figure("lag p99", lambda s: _get(s, "lag", "p99_ms"), format_ms, 5.0, "time"),
    _Figure("lag max", lambda s: _get(s, "lag", "max_ms"), format_ms, 5.0, "time"),
    _Figure("tasks", lambda s: _get(s, "tasks", "created"), _count, 0.0, "count", ranked=False),
    _Figure("warnings", _warnings, _count, 0.0, "count"),
    _Figure("peak memory", _peak_kb, format_mb, 1024.0, "memory"),
)

#: How big a difference must be to count, per figure (ms, KiB or a count): lag and
#: timers jitter by a few ms from run to run, memory by a few hundred KiB.
NOISE: dict[str, float] = {f.metric: f.noise for f in _FIGURES}

#: A ratio closer to 1 than this reads as "same" too (10%: run-to-run jitter).
_SAME_RATIO = 1.1


def _change(figure: _Figure, left: float, right: float) -> tuple[str, Side | None]:
    """The right run against the left one ("1.6× less", "3 more"), and the better side."""
    low, high = sorted((left, right))
    if high - low <= figure.noise or (low > 0 and high / low < _SAME_RATIO):
        return "same", None
    lower: Side = "left" if left < right else "right"
    # Said of the right run, so that "good vs bad: 4.0× more" reads true whichever won.
    if figure.unit == "count":
        diff = _count(high - low)
        if not figure.ranked:
            return (f"+{diff}" if right > left else f"−{diff}"), None
        return f"{diff} {'fewer' if lower == 'right' else 'more'}", lower
    way = "less" if lower == "right" else "more"
    if low > 0:
        ratio = high / low
        text = f"{ratio:.0f}× {way}" if ratio >= 10 else f"{ratio:.1f}× {way}"
    else:
        text = f"{figure.shown(high - low)} {way}"
    return text, lower if figure.ranked else None


def _ended_early(summary: Mapping[str, Any]) -> str | None:
    """The run's status when it did not end normally (None when it did, or is unknown)."""
    status = summary.get("status")
    return status if isinstance(status, str) and status != "ok" else None


def not_compared(left: Mapping[str, Any], right: Mapping[str, Any],
                 labels: tuple[str, str] = ("left", "right")) -> str | None:
    """Why the figures of these runs are shown but not ranked (None when they are)."""
    early = [f"{label} ended with {status}" for label, summary in zip(labels, (left, right))
             if (status := _ended_early(summary))]
    if not early:
        return None
    whose = "its" if len(early) == 1 else "their"
    return f"{' and '.join(early)}: {whose} figures are shown, not compared"


def compare(left: Mapping[str, Any], right: Mapping[str, Any]) -> list[Row]:
    """The scoreboard's rows for two run summaries (``left`` and ``right`` as shown)."""
    rows: list[Row] = []
    early = not_compared(left, right) is not None
    for figure in _FIGURES:
        a, b = figure.read(left), figure.read(right)

        def shown(summary: Mapping[str, Any], value: float | None) -> str:
            if value is None:
                return "–"
            if figure.metric in ("worst stall", "stall time") and value == 0:
                return "none"
            if figure.metric == "stall time":
                return _stall_time_shown(summary, value)
            return figure.shown(value)

        if a is None or b is None or (early and figure.metric != "warnings"):
            change, better = "–", None
        else:
            change, better = _change(figure, a, b)
        rows.append(Row(figure.metric, shown(left, a), shown(right, b), change, better, a, b))
    return rows
