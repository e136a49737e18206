"""The public JSON summary of a run (``asyncplay run --json``, ``RunState.summary()``).

Its field names are an interface: add fields, rename none (docs/ARCHITECTURE.md
lists them). :func:`summarize` adds a lesson's expectation results to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from playground.expect import check as check_expectations

if TYPE_CHECKING:
    from playground.model.fold import RunState

__all__ = ["summarize", "summary_of"]


def summary_of(state: RunState) -> dict[str, Any]:
    """The public JSON summary of ``state``."""
    ex = state.exit
    return {
        "target": state.target,
        "status": state.status,
        "exit_code": ex.exit_code if ex else None,
        "signal": ex.signal if ex else None,
        "wall_ms": round(state.wall_ms, 3) if state.wall_ms is not None else None,
        "total_ms": ex.total_ms if ex else None,
        "lag": state.lag(),
        "stalls": [s.as_summary() for s in state.stalls],
        "tasks": {"created": state.tasks_created, "max_alive": state.tasks_max_alive,
                  "failed": state.tasks_failed, "cancelled": state.tasks_cancelled},
        "warnings": [w.as_summary() for w in state.warnings],
        "error": state.error.as_summary() if state.error else None,
        "limit": ex.limit if ex else None,
        "message": ex.message if ex else None,
        "sandbox": state.sandbox.as_summary(),
        "api": dict(state.api) if state.api is not None else None,
        "output": {"stdout_bytes": state.stdout.total_bytes,
                   "stderr_bytes": state.stderr.total_bytes,
                   "stdout_lines": state.stdout.lines,
                   "stderr_lines": state.stderr.lines,
                   "truncated": bool(ex and ex.output_truncated)
                   or state.stdout.truncated or state.stderr.truncated},
        "peak_rss_kb": state.peak_rss_kb or 0,
        "rss": state.rss(),
        "stdout": state.stdout.text,
        "stdout_timed": state.stdout.timed(state.started_t),
        "stderr": state.stderr.text,
        "blocked": [b.as_summary() for b in state.blocked],
        "channel": state.channel_problem,
        "dropped": {"tasks": state.tasks_untracked, "stalls": state.stalls_dropped},
    }


def summarize(state: RunState, expect: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The run's summary, with ``expect`` (the results of ``expect``, a lesson's
    expectations for this variant) when given and the run ended on its own.

    A run the user stopped is not graded: what it did not get to do is not a failure.
    """
    summary = summary_of(state)
    if expect is not None and not state.stopped:
        summary["expect"] = check_expectations(expect, summary)
    return summary
