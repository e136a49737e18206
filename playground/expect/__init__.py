"""A lesson's expectations, checked against a run summary.

A lesson declares, per variant, what a run should show (``[expect.bad]`` and
``[expect.good]`` in ``lesson.toml``). Every key is optional; all given keys must hold.
"above" is strictly greater, "below" strictly less, "_min"/"_max" inclusive.

- ``status = "ok"``: the run ended with this status (or one of a list of them).
- ``stall = { min_ms = 900, code = "time.sleep" }``: some stall lasted at least
  ``min_ms``; optional filters: ``code`` (text in the blocking line's source) and
  ``line`` (its line number).
- ``no_stalls = true``: no stall at all. ``stalls_min = 3``: at least 3 stalls.
- ``no_stall_over_ms = 100``: every stall lasted at most this long.
- ``lag_max_below_ms = 50`` / ``lag_max_above_ms = 500``: the worst loop lag.
- ``wall_below_ms = 1500`` / ``wall_above_ms = 2000``: the run's wall time.
- ``warning = { category = "RuntimeWarning", message = "never awaited", line = 9 }``:
  some warning matches; every filter is optional: ``category`` (exact name),
  ``message`` (text it contains), ``line`` (its line number).
- ``no_warnings = true``: no warning at all; ``no_warning = { category = "...",
  message = "..." }``: no warning matches (filters optional).
- ``error = { type = "RuntimeError", message = "running event loop", line = 7 }``:
  the run died of an uncaught exception that matches (same kinds of filters).
- ``no_error = true``: no uncaught exception.
- ``peak_rss_above_kb = 90000`` / ``peak_rss_below_kb = 70000``: the child's peak
  memory (RSS) in KB.
- ``memory_growth_above_mb = 50`` / ``memory_growth_below_mb = 10``: the live memory's
  growth (``rss.max_kb - rss.first_kb``) in MB.
- ``stdout_contains = "done"`` (or a list: every text), ``stdout_not_contains`` (none of
  them), ``stderr_contains``; ``stdout_order = ["first", "second"]``: each text occurs in
  the output, in this order.
- ``stdout_lines_min = 3`` / ``stdout_lines_max = 10``: lines printed (every line
  counted, kept or not).
- ``stdout_at = { text = "first result", below_ms = 700, above_ms = 100 }``: the first
  output line containing ``text`` was printed within / after this many ms of the start
  (one bound or both).
- ``tasks_created_min``, ``tasks_max_alive_min``, ``tasks_failed_min``,
  ``tasks_cancelled_min``: at least this many tasks created, alive at once, failed,
  cancelled.
- ``api_requests_above`` / ``_below``, ``api_in_flight_above`` / ``_below``,
  ``api_connections_above`` / ``_below``: what the mock API saw: requests served, the
  most in flight at once, TCP connections accepted.

Every key is one row of :data:`EXPECTATIONS` (its kind of value and how it reads the
summary); :func:`validate` and :func:`check` both work from that table.
:func:`validate` lists the problems of a declaration (the catalog reports them as
lesson errors); :func:`check` evaluates a declaration against the run summary
(``RunState.summary()`` / ``asyncplay run --json``). A summary field that is missing
(no lag measured because the run died early; a field this version does not report)
makes the check unmet, never an exception. The checks that a run without a loop would
meet vacuously (``no_stalls``, ``no_stall_over_ms``, ``lag_max_below_ms``) are unmet
("no event loop ran") when the snippet died before running one. :func:`shown` is what the front ends print
after a check: the observation, or nothing when it would only repeat the check.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from playground.expect import checks as C
from playground.expect import kinds as K
from playground.protocol import FINAL_STATUSES
from playground.words import format_mb

__all__ = ["EXPECTATIONS", "KEYS", "STATUSES", "Expectation", "check", "shown", "validate"]

#: Run statuses a summary may report.
STATUSES = FINAL_STATUSES


@dataclass(frozen=True)
class Expectation:
    """One key of the vocabulary: what it accepts and how it is checked."""

    key: str
    kind: K.Kind
    build: C.Builder


def _ms(value: Any) -> str:
    return f"{C.num(value)} ms"


def _mb(value: Any) -> str:
    return f"{C.num(value)} MB"


def _mb_measured(value: Any) -> str:
    return format_mb(float(value) * 1024)


def _growth_mb(summary: Mapping[str, Any]) -> float | None:
    kb = C.memory_growth_kb(summary)
    return None if kb is None else kb / 1024


def _api(field: str, label: str, op: str, unit: str) -> C.Builder:
    return C.compare(C.path("api", field), label, op, shown=lambda v: f"{v} {unit}",
                     value_shown=C.num)


_MATCH_TEXT = {"category": K.TEXT, "message": K.TEXT, "line": K.LINE}

#: The vocabulary, in the order checks are reported.
EXPECTATIONS: tuple[Expectation, ...] = (
    Expectation("status", K.one_of(STATUSES), C.status),
    Expectation("stall", K.table({"min_ms": K.NUMBER, "code": K.TEXT, "line": K.LINE},
                                 required=("min_ms",)), C.stall),
    Expectation("no_stalls", K.TRUE, lambda value: C.of_the_loop(C.no_stalls(value))),
    Expectation("stalls_min", K.POSITIVE, C.stalls_min),
    Expectation("no_stall_over_ms", K.NUMBER, lambda value: C.of_the_loop(C.no_stall_over(value))),
    Expectation("lag_max_below_ms", K.NUMBER,
                lambda value: C.of_the_loop(C.compare(C.path("lag", "max_ms"), "lag max", "<",
                                                      shown=C.ms, value_shown=_ms)(value))),
    Expectation("lag_max_above_ms", K.NUMBER,
                C.compare(C.path("lag", "max_ms"), "lag max", ">", shown=C.ms, value_shown=_ms)),
    Expectation("wall_below_ms", K.NUMBER,
                C.compare(C.path("wall_ms"), "wall time", "<", shown=C.ms, value_shown=_ms)),
    Expectation("wall_above_ms", K.NUMBER,
                C.compare(C.path("wall_ms"), "wall time", ">", shown=C.ms, value_shown=_ms)),
    Expectation("warning", K.table(_MATCH_TEXT), C.warning),
    Expectation("no_warnings", K.TRUE, C.no_warnings),
    Expectation("no_warning", K.table({"category": K.TEXT, "message": K.TEXT}), C.no_warning),
    Expectation("error", K.table({"type": K.TEXT, "message": K.TEXT, "line": K.LINE}), C.error),
    Expectation("no_error", K.TRUE, C.no_error),
    Expectation("peak_rss_above_kb", K.NUMBER,
                C.compare(C.path("peak_rss_kb"), "peak memory", ">", shown=C.mb)),
    Expectation("peak_rss_below_kb", K.NUMBER,
                C.compare(C.path("peak_rss_kb"), "peak memory", "<", shown=C.mb)),
    Expectation("memory_growth_above_mb", K.NUMBER,
                C.compare(_growth_mb, "memory growth", ">", shown=_mb_measured,
                          value_shown=_mb)),
    Expectation("memory_growth_below_mb", K.NUMBER,
                C.compare(_growth_mb, "memory growth", "<", shown=_mb_measured,
                          value_shown=_mb)),
    Expectation("stdout_contains", K.TEXTS, C.contains("stdout")),
    Expectation("stdout_not_contains", K.TEXTS, C.contains("stdout", negate=True)),
    Expectation("stdout_order", K.TEXT_LIST, C.stdout_order),
    Expectation("stdout_lines_min", K.COUNT,
                C.compare(C.path("output", "stdout_lines"), "output lines", ">=")),
    Expectation("stdout_lines_max", K.COUNT,
                C.compare(C.path("output", "stdout_lines"), "output lines", "<=")),
    Expectation("stdout_at", K.table({"text": K.TEXT, "below_ms": K.NUMBER,
                                      "above_ms": K.NUMBER},
                                     required=("text",), one_required=("below_ms", "above_ms")),
                C.stdout_at),
    Expectation("stderr_contains", K.TEXTS, C.contains("stderr")),
    Expectation("tasks_created_min", K.POSITIVE, C.tasks_min("created", "tasks created")),
    Expectation("tasks_max_alive_min", K.POSITIVE,
                C.tasks_min("max_alive", "tasks alive at once")),
    Expectation("tasks_failed_min", K.POSITIVE, C.tasks_min("failed", "tasks failed")),
    Expectation("tasks_cancelled_min", K.POSITIVE,
                C.tasks_min("cancelled", "tasks cancelled")),
    Expectation("api_requests_above", K.COUNT, _api("requests", "API requests", ">", "served")),
    Expectation("api_requests_below", K.COUNT, _api("requests", "API requests", "<", "served")),
    Expectation("api_in_flight_above", K.COUNT,
                _api("in_flight_max", "API requests in flight", ">", "at most")),
    Expectation("api_in_flight_below", K.COUNT,
                _api("in_flight_max", "API requests in flight", "<", "at most")),
    Expectation("api_connections_above", K.COUNT,
                _api("connections", "API connections", ">", "accepted")),
    Expectation("api_connections_below", K.COUNT,
                _api("connections", "API connections", "<", "accepted")),
)
_BY_KEY = {e.key: e for e in EXPECTATIONS}
_KINDS = {e.key: e.kind for e in EXPECTATIONS}
#: Every key the vocabulary knows, in the order checks are reported.
KEYS = tuple(_BY_KEY)


def validate(expectations: Mapping[str, Any]) -> list[str]:
    """The problems of one variant's expectations (empty when they are valid)."""
    if not isinstance(expectations, Mapping):
        return [f"expectations must be a table, not {type(expectations).__name__}"]
    return K.entry_problems(expectations, _KINDS,
                            unknown=lambda key: f"unknown expectation {key!r} (known: {', '.join(KEYS)})")


def check(expectations: Mapping[str, Any], summary: Mapping[str, Any]) -> dict[str, Any]:
    """Check ``expectations`` against a run ``summary``.

    Returns ``{"met": bool, "checks": [{"check": str, "met": bool, "observed": str}]}``;
    ``met`` is true when every check is met (and for no expectations at all). Keys
    :func:`validate` would reject are reported as unmet checks instead of raising.
    """
    results: list[dict[str, Any]] = []
    ordered = sorted(expectations, key=lambda k: KEYS.index(k) if k in KEYS else len(KEYS))
    for key in ordered:
        value = expectations[key]
        problems = validate({key: value})
        if problems:
            results.append({"check": f"{key} = {value!r}", "met": False,
                            "observed": problems[0]})
            continue
        described, evaluate = _BY_KEY[key].build(value)
        try:
            met, observed = evaluate(summary)
        except (TypeError, ValueError, KeyError, AttributeError, IndexError):
            met, observed = False, C.NOT_MEASURED
        results.append({"check": described, "met": met, "observed": observed})
    return {"met": all(c["met"] for c in results), "checks": results}


def shown(result: Mapping[str, Any]) -> str | None:
    """What to print after a check result: its observation, or None when the
    observation only repeats the check's own words (``status is ok``, not
    ``status is ok · ok``)."""
    observed = str(result.get("observed") or "")
    if not observed or observed.lower() in str(result.get("check", "")).lower():
        return None
    return observed
