"""A lesson's expectations, checked against a run summary.

A lesson declares, per variant, what a run should show (``[expect.bad]`` and
``[expect.good]`` in ``lesson.toml``). Every key is optional; all given keys must hold.

- ``status = "ok"``: the run ended with this status (or one of a list of them).
- ``stall = { min_ms = 900, code = "time.sleep" }``: some stall lasted at least
  ``min_ms``; optional filters: ``code`` (text in the blocking line's source) and
  ``line`` (its line number).
- ``no_stalls = true``: no stall at all.
- ``no_stall_over_ms = 100``: every stall lasted at most this long.
- ``lag_max_below_ms = 50`` / ``lag_max_above_ms = 500``: the worst loop lag stayed
  below / went above this.
- ``wall_below_ms = 1500`` / ``wall_above_ms = 2000``: the run's wall time stayed
  below / went above this.
- ``warning = { category = "RuntimeWarning", message = "never awaited", line = 9 }``:
  some warning matches; every filter is optional: ``category`` (exact name),
  ``message`` (text it contains), ``line`` (its line number).
- ``no_warnings = true``: no warning at all.
- ``error = { type = "RuntimeError", message = "running event loop", line = 7 }``:
  the run died of an uncaught exception that matches (same kinds of filters).
- ``no_error = true``: no uncaught exception.
- ``peak_rss_above_kb = 90000`` / ``peak_rss_below_kb = 70000``: the child's peak
  memory (RSS) went above / stayed below this many KB.
- ``stdout_contains = "done"``: the captured output contains this text (or every text
  of a list).
- ``tasks_created_min = 5``: at least this many tasks were created.
- ``tasks_max_alive_min = 5``: at least this many tasks were alive at the same time.

:func:`validate` lists the problems of a declaration (the catalog reports them as
lesson errors); :func:`check` evaluates a declaration against the run summary
(``RunState.summary()`` / ``asyncplay run --json``) and returns human-readable
results. A summary field that is missing (e.g. no lag measured because the run died
early) makes the check unmet, never an exception.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["KEYS", "STATUSES", "check", "validate"]

#: Run statuses a summary may report.
STATUSES = ("ok", "error", "timeout", "limit", "killed", "stopped")

# What each key accepts, used by validate(); the table form keys list their sub-keys.
_NUMBER_KEYS = (
    "no_stall_over_ms",
    "lag_max_below_ms",
    "lag_max_above_ms",
    "wall_below_ms",
    "wall_above_ms",
    "peak_rss_above_kb",
    "peak_rss_below_kb",
)
_INT_KEYS = ("tasks_created_min", "tasks_max_alive_min")
_TRUE_KEYS = ("no_stalls", "no_warnings", "no_error")
_TABLE_KEYS: dict[str, dict[str, str]] = {
    "stall": {"min_ms": "number", "code": "text", "line": "line"},
    "warning": {"category": "text", "message": "text", "line": "line"},
    "error": {"type": "text", "message": "text", "line": "line"},
}
_REQUIRED_SUBKEYS = {"stall": ("min_ms",)}

#: Every key the vocabulary knows, in the order checks are reported.
KEYS = (
    "status",
    "stall",
    "no_stalls",
    "no_stall_over_ms",
    "lag_max_below_ms",
    "lag_max_above_ms",
    "wall_below_ms",
    "wall_above_ms",
    "warning",
    "no_warnings",
    "error",
    "no_error",
    "peak_rss_above_kb",
    "peak_rss_below_kb",
    "stdout_contains",
    "tasks_created_min",
    "tasks_max_alive_min",
)


# -- validation ---------------------------------------------------------------------


def _is_number(value: object) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    )


def _is_line(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _is_text(value: object) -> bool:
    return isinstance(value, str) and value != ""


def _text_list(value: object) -> bool:
    if isinstance(value, str):
        return value != ""
    return (
        isinstance(value, list)
        and len(value) > 0
        and all(isinstance(item, str) and item != "" for item in value)
    )


def validate(expectations: Mapping[str, Any]) -> list[str]:
    """The problems of one variant's expectations (empty when they are valid)."""
    if not isinstance(expectations, Mapping):
        return [f"expectations must be a table, not {_type_name(expectations)}"]
    problems: list[str] = []
    for key, value in expectations.items():
        if key == "status":
            statuses = [value] if isinstance(value, str) else value
            if not _text_list(value) or any(s not in STATUSES for s in statuses):
                problems.append(
                    f"status must be one of {', '.join(STATUSES)} (or a list of them), "
                    f"not {value!r}"
                )
        elif key in _NUMBER_KEYS:
            if not _is_number(value):
                problems.append(f"{key} must be a non-negative number, not {value!r}")
        elif key in _INT_KEYS:
            if not _is_line(value):
                problems.append(f"{key} must be a positive integer, not {value!r}")
        elif key in _TRUE_KEYS:
            if value is not True:
                problems.append(f"{key} must be true (leave it out otherwise), not {value!r}")
        elif key == "stdout_contains":
            if not _text_list(value):
                problems.append(f"stdout_contains must be text or a list of texts, not {value!r}")
        elif key in _TABLE_KEYS:
            problems.extend(_validate_table(key, value))
        else:
            problems.append(f"unknown expectation {key!r} (known: {', '.join(KEYS)})")
    return problems


def _validate_table(key: str, value: object) -> list[str]:
    spec = _TABLE_KEYS[key]
    if not isinstance(value, Mapping):
        return [f"{key} must be a table like {{ {', '.join(spec)} }}, not {value!r}"]
    problems: list[str] = []
    for sub, sub_value in value.items():
        kind = spec.get(sub)
        if kind is None:
            problems.append(f"unknown key {sub!r} in {key} (known: {', '.join(spec)})")
        elif kind == "number" and not _is_number(sub_value):
            problems.append(f"{key}.{sub} must be a non-negative number, not {sub_value!r}")
        elif kind == "text" and not _is_text(sub_value):
            problems.append(f"{key}.{sub} must be non-empty text, not {sub_value!r}")
        elif kind == "line" and not _is_line(sub_value):
            problems.append(f"{key}.{sub} must be a line number (1 or more), not {sub_value!r}")
    for sub in _REQUIRED_SUBKEYS.get(key, ()):
        if sub not in value:
            problems.append(f"{key} needs {sub}")
    return problems


def _type_name(value: object) -> str:
    return type(value).__name__


# -- checking -------------------------------------------------------------------------

_Result = tuple[bool, str]  # (met, observed)


def check(expectations: Mapping[str, Any], summary: Mapping[str, Any]) -> dict[str, Any]:
    """Check ``expectations`` against a run ``summary``.

    Returns ``{"met": bool, "checks": [{"check": str, "met": bool, "observed": str}]}``;
    ``met`` is true when every check is met (and for no expectations at all). Keys
    :func:`validate` would reject are reported as unmet checks instead of raising.
    """
    checks: list[dict[str, Any]] = []
    ordered = sorted(expectations, key=lambda k: KEYS.index(k) if k in KEYS else len(KEYS))
    for key in ordered:
        value = expectations[key]
        problems = validate({key: value})
        if problems:
            checks.append({"check": f"{key} = {value!r}", "met": False, "observed": problems[0]})
            continue
        described, evaluate = _CHECKS[key](value)
        try:
            met, observed = evaluate(summary)
        except (TypeError, ValueError, KeyError, AttributeError, IndexError):
            met, observed = False, "not measured"
        checks.append({"check": described, "met": met, "observed": observed})
    return {"met": all(c["met"] for c in checks), "checks": checks}


def _ms(value: Any) -> str:
    return f"{float(value):.0f} ms"


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _where(item: Mapping[str, Any]) -> str:
    file = item.get("file")
    line = item.get("line")
    if not file:
        return f"line {line}" if line else "unknown place"
    name = os.path.basename(str(file))
    return f"{name}:{line}" if line else name


def _stall_text(stall: Mapping[str, Any]) -> str:
    text = f"{_ms(stall['ms'])} at {_where(stall)}"
    code = stall.get("code")
    if code:
        text += f" `{str(code).strip()}`"
    return text


def _stalls(summary: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    stalls = summary.get("stalls")
    if stalls is None:
        return []
    return [s for s in stalls if isinstance(s, Mapping) and s.get("ms") is not None]


def _longest(stalls: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    return max(stalls, key=lambda s: float(s["ms"]), default=None)


def _warning_text(warning: Mapping[str, Any]) -> str:
    return f"{warning.get('category', '?')} at {_where(warning)}: {warning.get('message', '')}"


def _error_text(error: Mapping[str, Any]) -> str:
    return f"{error.get('type', '?')} at {_where(error)}: {error.get('message', '')}"


def _matches(item: Mapping[str, Any], want: Mapping[str, Any], exact: str, contains: str) -> bool:
    if exact in want and str(item.get(exact)) != want[exact]:
        return False
    if contains in want and want[contains] not in str(item.get(contains) or ""):
        return False
    return not ("line" in want and item.get("line") != want["line"])


def _describe_match(head: str, want: Mapping[str, Any], exact: str, contains: str) -> str:
    parts = [head]
    if exact in want:
        parts.append(str(want[exact]))
    if contains in want:
        parts.append(f'"{want[contains]}"')
    if "line" in want:
        parts.append(f"at line {want['line']}")
    return " ".join(parts)


Evaluator = Callable[[Mapping[str, Any]], _Result]


def _status(value: Any) -> tuple[str, Evaluator]:
    wanted = [value] if isinstance(value, str) else list(value)

    def evaluate(summary: Mapping[str, Any]) -> _Result:
        status = summary.get("status")
        observed = str(status)
        error = summary.get("error")
        if isinstance(error, Mapping) and error.get("type"):
            observed += f" ({error['type']}: {error.get('message', '')})"
        return status in wanted, observed

    return f"status is {' or '.join(wanted)}", evaluate


def _stall(value: Any) -> tuple[str, Evaluator]:
    min_ms = float(value["min_ms"])
    described = f"stall >= {min_ms:.0f} ms"
    if "code" in value:
        described += f" at `{value['code']}`"
    if "line" in value:
        described += f" on line {value['line']}"

    def evaluate(summary: Mapping[str, Any]) -> _Result:
        stalls = _stalls(summary)
        if not stalls:
            return False, "no stalls"
        placed = [
            s
            for s in stalls
            if ("code" not in value or value["code"] in str(s.get("code") or ""))
            and ("line" not in value or s.get("line") == value["line"])
        ]
        long_enough = [s for s in placed if float(s["ms"]) >= min_ms]
        best = _longest(long_enough) or _longest(placed) or _longest(stalls)
        if best is None:
            return False, "no stalls"
        return bool(long_enough), _stall_text(best)

    return described, evaluate


def _no_stalls(value: Any) -> tuple[str, Evaluator]:
    def evaluate(summary: Mapping[str, Any]) -> _Result:
        stalls = _stalls(summary)
        longest = _longest(stalls)
        if longest is None:
            return True, "no stalls"
        count = f"{len(stalls)} stall{'s' if len(stalls) != 1 else ''}"
        return False, f"{count}, longest {_stall_text(longest)}"

    return "no stalls", evaluate


def _no_stall_over(value: Any) -> tuple[str, Evaluator]:
    def evaluate(summary: Mapping[str, Any]) -> _Result:
        longest = _longest(_stalls(summary))
        if longest is None:
            return True, "no stalls"
        return float(longest["ms"]) <= value, f"longest stall {_stall_text(longest)}"

    return f"no stall over {_num(value)} ms", evaluate


def _threshold(
    value: Any, *, below: bool, field: Callable[[Mapping[str, Any]], Any], label: str,
    unit: str, observed: Callable[[Any], str],
) -> tuple[str, Evaluator]:
    """A number in the summary compared with the expectation's bound."""

    def evaluate(summary: Mapping[str, Any]) -> _Result:
        measured = field(summary)
        if measured is None:
            return False, "not measured"
        met = measured < value if below else measured > value
        return met, observed(measured)

    return f"{label} {'<' if below else '>'} {_num(value)} {unit}", evaluate


def _lag(value: Any, *, below: bool) -> tuple[str, Evaluator]:
    return _threshold(value, below=below, field=lambda s: s["lag"]["max_ms"],
                      label="lag max", unit="ms", observed=lambda v: f"lag max {_ms(v)}")


def _wall(value: Any, *, below: bool) -> tuple[str, Evaluator]:
    return _threshold(value, below=below, field=lambda s: s["wall_ms"],
                      label="wall time", unit="ms", observed=lambda v: f"wall time {_ms(v)}")


def _rss(value: Any, *, below: bool) -> tuple[str, Evaluator]:
    return _threshold(
        value, below=below, field=lambda s: s["peak_rss_kb"], label="peak memory", unit="KB",
        observed=lambda v: f"peak memory {float(v):.0f} KB ({float(v) / 1024:.1f} MB)")


def _warning(value: Any) -> tuple[str, Evaluator]:
    def evaluate(summary: Mapping[str, Any]) -> _Result:
        warnings = [w for w in summary.get("warnings") or [] if isinstance(w, Mapping)]
        if not warnings:
            return False, "no warnings"
        found = [w for w in warnings if _matches(w, value, "category", "message")]
        return bool(found), _warning_text((found or warnings)[0])

    return _describe_match("warning", value, "category", "message"), evaluate


def _no_warnings(value: Any) -> tuple[str, Evaluator]:
    def evaluate(summary: Mapping[str, Any]) -> _Result:
        warnings = [w for w in summary.get("warnings") or [] if isinstance(w, Mapping)]
        if not warnings:
            return True, "no warnings"
        count = f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''}"
        return False, f"{count}, first: {_warning_text(warnings[0])}"

    return "no warnings", evaluate


def _error(value: Any) -> tuple[str, Evaluator]:
    def evaluate(summary: Mapping[str, Any]) -> _Result:
        error = summary.get("error")
        if not isinstance(error, Mapping):
            return False, "no error"
        return _matches(error, value, "type", "message"), _error_text(error)

    return _describe_match("error", value, "type", "message"), evaluate


def _no_error(value: Any) -> tuple[str, Evaluator]:
    def evaluate(summary: Mapping[str, Any]) -> _Result:
        error = summary.get("error")
        if not isinstance(error, Mapping):
            return True, "no error"
        return False, _error_text(error)

    return "no error", evaluate


def _stdout_contains(value: Any) -> tuple[str, Evaluator]:
    wanted = [value] if isinstance(value, str) else list(value)

    def evaluate(summary: Mapping[str, Any]) -> _Result:
        stdout = summary["stdout"]
        if not isinstance(stdout, str):
            return False, "no output captured"
        missing = [w for w in wanted if w not in stdout]
        if not missing:
            return True, "found"
        return False, f'"{missing[0]}" not in {len(stdout.encode())} bytes of output'

    return "output contains " + " and ".join(f'"{w}"' for w in wanted), evaluate


def _tasks_min(field: str, what: str) -> Callable[[Any], tuple[str, Evaluator]]:
    def build(value: Any) -> tuple[str, Evaluator]:
        def evaluate(summary: Mapping[str, Any]) -> _Result:
            count = summary["tasks"][field]
            if count is None:
                return False, "not measured"
            return count >= value, f"{count} {what}"

        return f"at least {value} {what}", evaluate

    return build


_CHECKS: dict[str, Callable[[Any], tuple[str, Evaluator]]] = {
    "status": _status,
    "stall": _stall,
    "no_stalls": _no_stalls,
    "no_stall_over_ms": _no_stall_over,
    "lag_max_below_ms": lambda v: _lag(v, below=True),
    "lag_max_above_ms": lambda v: _lag(v, below=False),
    "wall_below_ms": lambda v: _wall(v, below=True),
    "wall_above_ms": lambda v: _wall(v, below=False),
    "warning": _warning,
    "no_warnings": _no_warnings,
    "error": _error,
    "no_error": _no_error,
    "peak_rss_above_kb": lambda v: _rss(v, below=False),
    "peak_rss_below_kb": lambda v: _rss(v, below=True),
    "stdout_contains": _stdout_contains,
    "tasks_created_min": _tasks_min("created", "tasks created"),
    "tasks_max_alive_min": _tasks_min("max_alive", "tasks alive at once"),
}
