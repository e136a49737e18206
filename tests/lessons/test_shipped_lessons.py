"""Every lesson proves its point and the opposite, is fully described, and lints as declared.

- Each lesson's two variants run headless once each (a real sandboxed child); each meets
  its own expectations, and each does NOT meet the other variant's: the expectations are
  strict enough to tell the mistake from the fix. The lessons run in parallel under
  pytest-xdist (``pytest -n 2``), one test per lesson.
- Each lesson's metadata is complete (level, docs, related lessons, both expectations).
- ruff's async rules (``ASYNC``, ``RUF006``, and any other code a lesson declares in
  ``lint``) report every declared code on ``bad.py``, nothing undeclared of those rules
  on it, and nothing at all on ``good.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from playground.catalog import LEVELS, Catalog, Lesson, load_catalog
from playground.expect import check
from playground.session import RunOptions, RunTarget, run_target

CATALOG: Catalog = load_catalog()
LESSONS = pytest.mark.parametrize("lesson", CATALOG.lessons,
                                  ids=[lesson.slug for lesson in CATALOG.lessons])
#: The rule families every lesson is linted with (a lesson may add codes of its own).
ASYNC_RULES = ("ASYNC", "RUF006")


def test_the_catalog_loads_cleanly() -> None:
    assert [str(error) for error in CATALOG.errors] == []
    assert len(CATALOG.lessons) >= 8


def _unmet(result: dict[str, Any]) -> list[str]:
    return [f"{c['check']} · {c['observed']}" for c in result["checks"] if not c["met"]]


@LESSONS
async def test_each_variant_meets_its_own_expectations_and_not_the_others(
    lesson: Lesson,
) -> None:
    if lesson.unavailable:  # declared by requires_python; the other versions run it
        pytest.skip(lesson.unavailable)
    summaries: dict[str, dict[str, Any]] = {}
    for variant in ("bad", "good"):
        summary = await run_target(RunTarget.from_lesson(lesson, variant), RunOptions())
        assert summary["channel"] is None, (variant, summary["channel"])
        own = summary["expect"]
        assert own["met"], (variant, _unmet(own), summary["message"], summary["stderr"][-2000:])
        summaries[variant] = summary
    for variant, other in (("bad", "good"), ("good", "bad")):
        crossed = check(lesson.expect[other], summaries[variant])
        assert not crossed["met"], (
            f"{lesson.slug}/{variant} also meets [expect.{other}]: those expectations do not "
            f"tell the two apart", [c["check"] for c in crossed["checks"]])


@LESSONS
def test_each_lesson_is_fully_described(lesson: Lesson) -> None:
    for text in (lesson.title, lesson.summary, lesson.why, lesson.watch, lesson.mistake,
                 lesson.fix):
        assert text.strip()
    assert lesson.tags
    assert lesson.level in LEVELS
    assert lesson.docs, "links to the documentation of what the lesson uses"
    assert lesson.related, "related lessons"
    assert lesson.expect["bad"] and lesson.expect["good"], "both variants say what to expect"
    assert all(CATALOG.get(slug) is not None for slug in lesson.related)
    assert "# MISTAKE" in lesson.source("bad") and "# FIX" in lesson.source("good")
    for variant in ("bad", "good"):
        source = lesson.source(variant)
        lines = source.splitlines()
        assert len(lines) < 60, "short enough to read at a glance"
        if lesson.uses_api:
            assert 'API_URL = os.environ["API_URL"]' in source
        assert "http://" not in source and "https://" not in source, "no network but the mock API"
        for key, value in lesson.expect[variant].items():
            if isinstance(value, dict) and "line" in value:
                assert 1 <= value["line"] <= len(lines), (variant, key)


def test_the_path_orders_levels_as_listed() -> None:
    ranks = [LEVELS.index(lesson.level) for lesson in CATALOG.lessons if lesson.level]
    assert ranks == sorted(ranks)
    assert {lesson.level for lesson in CATALOG.lessons} <= set(LEVELS)


def _ruff_codes(path: str, codes: tuple[str, ...], *, preview: bool = False) -> set[str]:
    # --isolated: the project's own configuration (if any) does not change what is found.
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache",
         *(["--preview"] if preview else []),
         "--output-format", "json", "--select", ",".join(codes), path],
        capture_output=True, text=True, timeout=60)
    assert result.returncode in (0, 1), result.stderr
    return {finding["code"] for finding in json.loads(result.stdout)}


def _findings(path: str, lint: tuple[str, ...]) -> set[str]:
    """The async rules (stable ones) and the lesson's own codes (which may be preview
    rules, such as RUF029: those alone are checked in preview mode)."""
    found = _ruff_codes(path, (*ASYNC_RULES, *lint))
    own = tuple(code for code in lint if not code.startswith(ASYNC_RULES))
    if own:
        found |= _ruff_codes(path, own, preview=True)
    return found


@LESSONS
def test_ruff_reports_the_declared_rules_on_bad_and_nothing_on_good(lesson: Lesson) -> None:
    on_bad = _findings(str(lesson.bad), lesson.lint)
    on_good = _findings(str(lesson.good), lesson.lint)
    assert set(lesson.lint) <= on_bad, f"declared but not reported on bad.py: {lesson.lint}"
    assert on_bad <= set(lesson.lint), f"reported on bad.py but not declared: {on_bad}"
    assert on_good == set(), f"reported on good.py: {on_good}"
