"""Lesson expectations: validation of declarations and checks against run summaries."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from playground.expect import KEYS, check, validate

BASE: dict[str, Any] = {
    "status": "ok",
    "wall_ms": 1250.0,
    "lag": {"p50_ms": 0.4, "p99_ms": 3.0, "max_ms": 12.5},
    "stalls": [],
    "tasks": {"created": 6, "max_alive": 6, "failed": 0, "cancelled": 0},
    "warnings": [],
    "error": None,
    "peak_rss_kb": 48_000,
    "output": {"stdout_bytes": 40, "stderr_bytes": 0, "truncated": False},
    "stdout": "a tick 0\nb tick 0\nworker: done\n",
}

STALL = {"ms": 1003.2, "task": "Task-4", "file": "/home/me/snippets/x/bad.py", "line": 7,
         "code": "time.sleep(1)  # blocks"}
WARNING = {"category": "RuntimeWarning", "message": "coroutine 'save' was never awaited",
           "file": "/home/me/snippets/x/bad.py", "line": 12}
ERROR = {"type": "RuntimeError",
         "message": "asyncio.run() cannot be called from a running event loop",
         "file": "/home/me/snippets/x/bad.py", "line": 9}


def summary(**changes: Any) -> dict[str, Any]:
    result = copy.deepcopy(BASE)
    result.update(changes)
    return result


# (expectations, a summary meeting them, a summary not meeting them)
CASES: list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = [
    ({"status": "ok"}, summary(), summary(status="error", error=ERROR)),
    ({"status": ["error", "timeout"]}, summary(status="timeout"), summary()),
    ({"stall": {"min_ms": 900}}, summary(stalls=[STALL]), summary()),
    ({"stall": {"min_ms": 900, "code": "time.sleep"}},
     summary(stalls=[{**STALL, "code": "x = 1", "ms": 2000}, STALL]),
     summary(stalls=[{**STALL, "code": "x = 1", "ms": 2000}])),
    ({"stall": {"min_ms": 900, "code": "time.sleep"}},
     summary(stalls=[STALL]), summary(stalls=[{**STALL, "ms": 600}])),
    ({"stall": {"min_ms": 900, "line": 7}},
     summary(stalls=[STALL]), summary(stalls=[{**STALL, "line": 8}])),
    ({"no_stalls": True}, summary(), summary(stalls=[{**STALL, "ms": 51}])),
    ({"no_stall_over_ms": 100},
     summary(stalls=[{**STALL, "ms": 60}]), summary(stalls=[{**STALL, "ms": 101}])),
    ({"lag_max_below_ms": 50}, summary(), summary(lag={"p50_ms": 1, "p99_ms": 900,
                                                       "max_ms": 1001})),
    ({"lag_max_above_ms": 500}, summary(lag={"p50_ms": 1, "p99_ms": 900, "max_ms": 1001}),
     summary()),
    ({"wall_below_ms": 1500}, summary(), summary(wall_ms=2600)),
    ({"wall_above_ms": 2000}, summary(wall_ms=2600), summary()),
    ({"warning": {"category": "RuntimeWarning", "message": "never awaited"}},
     summary(warnings=[WARNING]),
     summary(warnings=[{**WARNING, "category": "DeprecationWarning"}])),
    ({"warning": {"message": "never awaited", "line": 12}},
     summary(warnings=[{**WARNING, "line": 3}, WARNING]),
     summary(warnings=[{**WARNING, "line": 3}])),
    ({"warning": {}}, summary(warnings=[WARNING]), summary()),
    ({"no_warnings": True}, summary(), summary(warnings=[WARNING])),
    ({"error": {"type": "RuntimeError", "message": "running event loop"}},
     summary(status="error", error=ERROR), summary()),
    ({"error": {"type": "ValueError"}},
     summary(status="error", error={**ERROR, "type": "ValueError"}),
     summary(status="error", error=ERROR)),
    ({"error": {"line": 9}}, summary(status="error", error=ERROR),
     summary(status="error", error={**ERROR, "line": 10})),
    ({"no_error": True}, summary(), summary(status="error", error=ERROR)),
    ({"peak_rss_above_kb": 90_000}, summary(peak_rss_kb=130_000), summary()),
    ({"peak_rss_below_kb": 70_000}, summary(), summary(peak_rss_kb=130_000)),
    ({"stdout_contains": "worker: done"}, summary(), summary(stdout="a tick 0\n")),
    ({"stdout_contains": ["tick", "done"]}, summary(), summary(stdout="a tick 0\n")),
    ({"tasks_created_min": 5}, summary(),
     summary(tasks={"created": 1, "max_alive": 1, "failed": 0, "cancelled": 0})),
    ({"tasks_max_alive_min": 5}, summary(),
     summary(tasks={"created": 6, "max_alive": 2, "failed": 0, "cancelled": 0})),
]


@pytest.mark.parametrize(("expectations", "meeting", "failing"), CASES,
                         ids=[next(iter(c[0])) for c in CASES])
def test_each_key_met_and_unmet(
    expectations: dict[str, Any], meeting: dict[str, Any], failing: dict[str, Any]
) -> None:
    assert validate(expectations) == []
    good = check(expectations, meeting)
    assert good["met"] is True, good
    assert len(good["checks"]) == 1 and good["checks"][0]["met"] is True
    bad = check(expectations, failing)
    assert bad["met"] is False, bad
    assert len(bad["checks"]) == 1 and bad["checks"][0]["met"] is False
    for result in (good, bad):
        item = result["checks"][0]
        assert set(item) == {"check", "met", "observed"}
        assert isinstance(item["check"], str) and item["check"]
        assert isinstance(item["observed"], str) and item["observed"]


def test_every_key_is_covered() -> None:
    covered = {key for case in CASES for key in case[0]}
    assert covered == set(KEYS)


def test_stall_texts_name_the_line() -> None:
    result = check({"stall": {"min_ms": 900, "code": "time.sleep"}}, summary(stalls=[STALL]))
    assert result == {
        "met": True,
        "checks": [{
            "check": "stall >= 900 ms at `time.sleep`",
            "met": True,
            "observed": "1003 ms at bad.py:7 `time.sleep(1)  # blocks`",
        }],
    }


def test_unmet_stall_shows_the_closest_candidate() -> None:
    short = {**STALL, "ms": 400}
    other = {**STALL, "ms": 2000, "code": "json.loads(body)", "line": 3}
    result = check({"stall": {"min_ms": 900, "code": "time.sleep"}},
                   summary(stalls=[short, other]))
    assert result["checks"][0]["observed"] == "400 ms at bad.py:7 `time.sleep(1)  # blocks`"
    assert check({"stall": {"min_ms": 1}}, summary())["checks"][0]["observed"] == "no stalls"


def test_observed_texts() -> None:
    s = summary(status="error", error=ERROR, warnings=[WARNING],
                stalls=[{**STALL, "ms": 120}], peak_rss_kb=102_400)
    result = check({
        "status": "ok",
        "no_stall_over_ms": 100,
        "lag_max_below_ms": 50,
        "wall_below_ms": 1000,
        "warning": {"category": "RuntimeWarning", "message": "never awaited"},
        "no_error": True,
        "peak_rss_below_kb": 70_000,
        "tasks_created_min": 10,
    }, s)
    assert [(c["check"], c["met"], c["observed"]) for c in result["checks"]] == [
        ("status is ok", False,
         "error (RuntimeError: asyncio.run() cannot be called from a running event loop)"),
        ("no stall over 100 ms", False,
         "longest stall 120 ms at bad.py:7 `time.sleep(1)  # blocks`"),
        ("lag max < 50 ms", True, "lag max 12 ms"),
        ("wall time < 1000 ms", False, "wall time 1250 ms"),
        ('warning RuntimeWarning "never awaited"', True,
         "RuntimeWarning at bad.py:12: coroutine 'save' was never awaited"),
        ("no error", False, "RuntimeError at bad.py:9: asyncio.run() cannot be called "
                            "from a running event loop"),
        ("peak memory < 70000 KB", False, "peak memory 102400 KB (100.0 MB)"),
        ("at least 10 tasks created", False, "6 tasks created"),
    ]
    assert result["met"] is False


def test_checks_follow_vocabulary_order() -> None:
    result = check({"no_error": True, "status": "ok", "wall_below_ms": 5000}, summary())
    assert [c["check"] for c in result["checks"]] == [
        "status is ok", "wall time < 5000 ms", "no error"]
    assert result["met"] is True


def test_no_expectations_are_met() -> None:
    assert check({}, summary()) == {"met": True, "checks": []}


@pytest.mark.parametrize("expectations", [
    {"lag_max_below_ms": 50},
    {"wall_above_ms": 10},
    {"peak_rss_above_kb": 10},
    {"tasks_created_min": 1},
    {"tasks_max_alive_min": 1},
    {"stdout_contains": "x"},
])
def test_missing_measurements_are_unmet_not_errors(expectations: dict[str, Any]) -> None:
    for broken in ({"status": "killed"},
                   summary(lag=None, wall_ms=None, peak_rss_kb=None, tasks=None, stdout=None),
                   summary(lag={"max_ms": None}, tasks={"created": None, "max_alive": None},
                           wall_ms=None, peak_rss_kb=None, stdout=None)):
        result = check(expectations, broken)
        assert result["met"] is False
        assert result["checks"][0]["observed"] in {"not measured", "no output captured"}


def test_invalid_declarations_are_unmet_checks() -> None:
    result = check({"lag_max_below_ms": "fast", "frobnicate": 1}, summary())
    assert result["met"] is False
    assert [c["met"] for c in result["checks"]] == [False, False]
    assert "non-negative number" in result["checks"][0]["observed"]
    assert "unknown expectation" in result["checks"][1]["observed"]


@pytest.mark.parametrize(("expectations", "problem"), [
    ({"frobnicate": 1}, "unknown expectation 'frobnicate'"),
    ({"status": "fine"}, "status must be one of ok, error, timeout, limit, killed"),
    ({"status": []}, "status must be one of"),
    ({"status": ["ok", "bogus"]}, "status must be one of"),
    ({"lag_max_below_ms": "50"}, "lag_max_below_ms must be a non-negative number"),
    ({"wall_below_ms": -1}, "wall_below_ms must be a non-negative number"),
    ({"peak_rss_above_kb": True}, "peak_rss_above_kb must be a non-negative number"),
    ({"no_stall_over_ms": float("inf")}, "no_stall_over_ms must be a non-negative number"),
    ({"tasks_created_min": 2.5}, "tasks_created_min must be a positive integer"),
    ({"tasks_max_alive_min": 0}, "tasks_max_alive_min must be a positive integer"),
    ({"no_warnings": False}, "no_warnings must be true"),
    ({"no_error": "yes"}, "no_error must be true"),
    ({"no_stalls": 1}, "no_stalls must be true"),
    ({"stdout_contains": ""}, "stdout_contains must be text or a list of texts"),
    ({"stdout_contains": ["a", 3]}, "stdout_contains must be text or a list of texts"),
    ({"stall": 900}, "stall must be a table"),
    ({"stall": {"code": "time.sleep"}}, "stall needs min_ms"),
    ({"stall": {"min_ms": "900"}}, "stall.min_ms must be a non-negative number"),
    ({"stall": {"min_ms": 900, "file": "bad.py"}}, "unknown key 'file' in stall"),
    ({"stall": {"min_ms": 900, "line": 0}}, "stall.line must be a line number"),
    ({"warning": {"category": ""}}, "warning.category must be non-empty text"),
    ({"warning": {"text": "x"}}, "unknown key 'text' in warning"),
    ({"error": "RuntimeError"}, "error must be a table"),
    ({"error": {"type": 1}}, "error.type must be non-empty text"),
])
def test_validate_names_each_problem(expectations: dict[str, Any], problem: str) -> None:
    problems = validate(expectations)
    assert len(problems) == 1, problems
    assert problems[0].startswith(problem), problems


def test_validate_accepts_the_documented_examples() -> None:
    assert validate({
        "status": "ok",
        "stall": {"min_ms": 900, "code": "time.sleep", "line": 7},
        "no_stalls": True,
        "no_stall_over_ms": 50,
        "lag_max_below_ms": 50,
        "lag_max_above_ms": 500.5,
        "wall_below_ms": 1500,
        "wall_above_ms": 2000,
        "warning": {"category": "RuntimeWarning", "message": "never awaited", "line": 9},
        "no_warnings": True,
        "error": {"type": "RuntimeError", "message": "running event loop", "line": 7},
        "no_error": True,
        "peak_rss_above_kb": 90_000,
        "peak_rss_below_kb": 70_000,
        "stdout_contains": ["done"],
        "tasks_created_min": 5,
        "tasks_max_alive_min": 5,
    }) == []


def test_validate_rejects_a_non_table() -> None:
    assert validate(["status"]) == ["expectations must be a table, not list"]  # type: ignore[arg-type]
