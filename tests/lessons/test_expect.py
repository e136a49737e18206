"""Lesson expectations: validation of declarations and checks against run summaries."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from playground.expect import KEYS, check, shown, validate

BASE: dict[str, Any] = {
    "status": "ok",
    "wall_ms": 1250.0,
    "lag": {"p50_ms": 0.4, "p99_ms": 3.0, "max_ms": 12.5},
    "stalls": [],
    "tasks": {"created": 6, "max_alive": 6, "failed": 0, "cancelled": 0},
    "warnings": [],
    "error": None,
    "peak_rss_kb": 48_000,
    "output": {"stdout_bytes": 40, "stderr_bytes": 21, "truncated": False,
               "stdout_lines": 3, "stderr_lines": 1},
    "stdout": "a tick 0\nb tick 0\nworker: done\n",
    "stderr": "Task exception was never retrieved\n",
    "stdout_timed": [[120.5, "a tick 0"], [321.0, "b tick 0"], [802.2, "worker: done"]],
    "rss": {"first_kb": 20_480, "max_kb": 40_960, "last_kb": 30_720},
    "api": {"requests": 12, "in_flight_max": 4, "connections": 1},
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
    ({"tasks_failed_min": 2},
     summary(tasks={"created": 6, "max_alive": 2, "failed": 2, "cancelled": 0}), summary()),
    ({"tasks_cancelled_min": 1},
     summary(tasks={"created": 6, "max_alive": 2, "failed": 0, "cancelled": 3}), summary()),
    ({"stalls_min": 2}, summary(stalls=[STALL, STALL]), summary(stalls=[STALL])),
    ({"no_warning": {"category": "RuntimeWarning"}},
     summary(warnings=[{**WARNING, "category": "DeprecationWarning"}]),
     summary(warnings=[WARNING])),
    ({"no_warning": {"message": "never awaited"}}, summary(),
     summary(warnings=[{**WARNING, "category": "ResourceWarning"}])),
    ({"no_warning": {}}, summary(), summary(warnings=[WARNING])),
    ({"stdout_order": ["a tick", "b tick", "done"]}, summary(),
     summary(stdout="b tick 0\na tick 0\nworker: done\n")),
    ({"stdout_order": ["tick", "tick"]}, summary(), summary(stdout="a tick\n")),
    ({"stdout_not_contains": "error"}, summary(), summary(stdout="error: boom\n")),
    ({"stdout_not_contains": ["x", "y"]}, summary(), summary(stdout="only y\n")),
    ({"stderr_contains": "never retrieved"}, summary(), summary(stderr="")),
    ({"stderr_contains": ["Task", "retrieved"]}, summary(), summary(stderr="Task\n")),
    ({"stdout_lines_min": 3}, summary(),
     summary(output={**BASE["output"], "stdout_lines": 2})),
    ({"stdout_lines_max": 3}, summary(),
     summary(output={**BASE["output"], "stdout_lines": 4})),
    ({"stdout_at": {"text": "done", "below_ms": 900}}, summary(),
     summary(stdout_timed=[[950.0, "worker: done"]])),
    ({"stdout_at": {"text": "done", "above_ms": 800}}, summary(),
     summary(stdout_timed=[[800.0, "worker: done"]])),  # strictly after
    ({"stdout_at": {"text": "tick", "above_ms": 100, "below_ms": 200}}, summary(),
     summary(stdout_timed=[[50.0, "a tick 0"], [150.0, "b tick 0"]])),  # the first one
    ({"memory_growth_above_mb": 19}, summary(),
     summary(rss={"first_kb": 20_480, "max_kb": 39_936, "last_kb": 30_000})),  # 19 MB
    ({"memory_growth_below_mb": 20.5}, summary(),
     summary(rss={"first_kb": 20_480, "max_kb": 41_984, "last_kb": 41_984})),
    ({"api_requests_above": 11}, summary(),
     summary(api={"requests": 11, "in_flight_max": 1, "connections": 1})),
    ({"api_requests_below": 13}, summary(),
     summary(api={"requests": 13, "in_flight_max": 1, "connections": 1})),
    ({"api_in_flight_above": 3}, summary(),
     summary(api={"requests": 12, "in_flight_max": 3, "connections": 1})),
    ({"api_in_flight_below": 5}, summary(),
     summary(api={"requests": 12, "in_flight_max": 5, "connections": 1})),
    ({"api_connections_above": 0}, summary(),
     summary(api={"requests": 0, "in_flight_max": 0, "connections": 0})),
    ({"api_connections_below": 2}, summary(),
     summary(api={"requests": 12, "in_flight_max": 4, "connections": 12})),
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
            "observed": "1 003 ms at bad.py:7 `time.sleep(1)  # blocks`",
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
        ("lag max < 50 ms", True, "12 ms"),
        ("wall time < 1000 ms", False, "1 250 ms"),
        ('warning RuntimeWarning "never awaited"', True,
         "RuntimeWarning at bad.py:12: coroutine 'save' was never awaited"),
        ("no error", False, "RuntimeError at bad.py:9: asyncio.run() cannot be called "
                            "from a running event loop"),
        ("peak memory < 68 MB", False, "100 MB"),
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
    {"tasks_failed_min": 1},
    {"stdout_contains": "x"},
    {"stdout_not_contains": "x"},
    {"stdout_order": ["x"]},
    {"stderr_contains": "x"},
    {"stdout_lines_min": 0},
    {"stdout_lines_max": 10},
    {"stdout_at": {"text": "x", "below_ms": 10}},
    {"stalls_min": 1},
    {"memory_growth_below_mb": 10},
    {"memory_growth_above_mb": 0},
    {"api_requests_below": 10},
    {"api_in_flight_above": 0},
    {"api_connections_below": 5},
])
def test_missing_measurements_are_unmet_not_errors(expectations: dict[str, Any]) -> None:
    """A summary without the field (an early death, or a version that does not report it)."""
    gone = ("lag", "wall_ms", "peak_rss_kb", "tasks", "stdout", "stderr", "stdout_timed",
            "rss", "api", "stalls", "output")
    for broken in ({"status": "killed"},
                   {k: v for k, v in summary().items() if k not in gone},
                   summary(**dict.fromkeys(gone)),
                   summary(lag={"max_ms": None}, tasks={"created": None, "max_alive": None},
                           output={"stdout_bytes": 0}, rss={"first_kb": None, "max_kb": 9},
                           api={"requests": None}, wall_ms=None, peak_rss_kb=None,
                           stdout=None, stderr=None, stdout_timed=None, stalls=None)):
        result = check(expectations, broken)
        assert result["met"] is False, (expectations, broken)
        assert result["checks"][0]["observed"] in {
            "not measured", "no output captured", "no stderr captured"}


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
    ({"stalls_min": 0}, "stalls_min must be a positive integer"),
    ({"tasks_failed_min": "1"}, "tasks_failed_min must be a positive integer"),
    ({"stdout_order": "first"}, "stdout_order must be a list of texts"),
    ({"stdout_order": []}, "stdout_order must be a list of texts"),
    ({"stdout_not_contains": 3}, "stdout_not_contains must be text or a list of texts"),
    ({"stderr_contains": [""]}, "stderr_contains must be text or a list of texts"),
    ({"stdout_lines_min": -1}, "stdout_lines_min must be a whole number (0 or more)"),
    ({"stdout_lines_max": 2.5}, "stdout_lines_max must be a whole number"),
    ({"stdout_at": {"text": "x"}}, "stdout_at needs below_ms or above_ms"),
    ({"stdout_at": {"below_ms": 5}}, "stdout_at needs text"),
    ({"stdout_at": {"text": "x", "below_ms": "5"}}, "stdout_at.below_ms must be a non-negative"),
    ({"stdout_at": {"text": "x", "below_ms": 5, "at_ms": 5}}, "unknown key 'at_ms' in stdout_at"),
    ({"no_warning": {"line": 3}}, "unknown key 'line' in no_warning"),
    ({"no_warning": "DeprecationWarning"}, "no_warning must be a table"),
    ({"memory_growth_above_mb": -5}, "memory_growth_above_mb must be a non-negative number"),
    ({"api_requests_above": 1.5}, "api_requests_above must be a whole number"),
    ({"api_in_flight_below": True}, "api_in_flight_below must be a whole number"),
    ({"api_connections_above": -1}, "api_connections_above must be a whole number"),
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
        "stdout_order": ["first", "second"],
        "stdout_not_contains": ["a", "b"],
        "stderr_contains": "text",
        "stdout_lines_min": 3,
        "stdout_lines_max": 10,
        "stdout_at": {"text": "first result", "below_ms": 700, "above_ms": 100},
        "tasks_failed_min": 1,
        "tasks_cancelled_min": 1,
        "stalls_min": 2,
        "no_warning": {"category": "DeprecationWarning", "message": "get_event_loop"},
        "memory_growth_above_mb": 50,
        "memory_growth_below_mb": 10,
        "api_requests_above": 10,
        "api_requests_below": 100,
        "api_in_flight_above": 5,
        "api_in_flight_below": 11,
        "api_connections_above": 0,
        "api_connections_below": 2,
    }) == []


def test_each_thing_is_said_once() -> None:
    """The front ends print a check, then its observation only when it adds something."""
    s = summary(status="killed", stalls=[{**STALL, "ms": 60}], peak_rss_kb=96_264)
    result = check({"status": "ok", "no_stalls": True, "no_error": True, "no_warnings": True,
                    "stdout_contains": "done", "peak_rss_below_kb": 70_000,
                    "api_requests_below": 20, "stdout_at": {"text": "done", "below_ms": 900}},
                   s)
    assert [(c["check"], shown(c)) for c in result["checks"]] == [
        ("status is ok", "killed"),
        ("no stalls", "1 stall, longest 60 ms at bad.py:7 `time.sleep(1)  # blocks`"),
        ("no warnings", None),
        ("no error", None),
        ("peak memory < 68 MB", "94 MB"),
        ('output contains "done"', None),
        ('"done" printed within 900 ms', "printed at 802 ms"),
        ("API requests < 20", "12 served"),
    ]
    ok = check({"status": "ok", "no_stalls": True}, summary())["checks"]
    assert [(c["check"], c["observed"], shown(c)) for c in ok] == [
        ("status is ok", "ok", None), ("no stalls", "no stalls", None)]
    # A met status with an error names the error, not the status again
    # (once: "status is error · error (RuntimeError: ...)").
    failed = check({"status": "error"}, summary(status="error", error=ERROR))["checks"]
    assert [(c["check"], shown(c)) for c in failed] == [
        ("status is error", "RuntimeError: asyncio.run() cannot be called from a running event loop")]


def test_validate_rejects_a_non_table() -> None:
    assert validate(["status"]) == ["expectations must be a table, not list"]  # type: ignore[arg-type]


@pytest.mark.parametrize("expectations", [
    {"no_stalls": True}, {"no_stall_over_ms": 100}, {"lag_max_below_ms": 50}])
def test_a_snippet_that_never_ran_its_loop_meets_no_check_of_the_loop(expectations: dict[str, Any]) -> None:
    """An edit with an IndentationError "met" no stalls and lag max < 50 ms (0.0 ms): the
    loop it never ran had neither. A run that made no task and measured nothing of a
    loop meets no check of the loop's health; one with its loop is judged as before."""
    died = summary(status="error", stalls=[], lag={"p50_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0},
                   tasks={"created": 0, "max_alive": 0, "failed": 0, "cancelled": 0})
    result = check(expectations, died)
    assert result["met"] is False
    assert result["checks"][0]["observed"] == "no event loop ran"
    quick = summary(lag={"p50_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0},
                    tasks={"created": 1, "max_alive": 1, "failed": 0, "cancelled": 0})
    assert check(expectations, quick)["met"] is True  # asyncio.run(...) over at once
