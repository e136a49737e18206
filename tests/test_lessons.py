"""Every shipped lesson meets its own declared expectations, in both variants."""

from __future__ import annotations

import pytest

from playground.catalog import load_catalog
from playground.session import RunOptions, RunTarget, run_target

CATALOG = load_catalog()


@pytest.mark.parametrize("variant", ["bad", "good"])
@pytest.mark.parametrize("lesson", CATALOG.lessons, ids=[l.slug for l in CATALOG.lessons])
async def test_lesson_meets_its_expectations(lesson, variant) -> None:
    if lesson.unavailable:  # declared by requires_python; the other versions run it
        pytest.skip(lesson.unavailable)
    summary = await run_target(RunTarget.from_lesson(lesson, variant), RunOptions())
    unmet = [c for c in summary["expect"]["checks"] if not c["met"]]
    assert not unmet, (unmet, summary["message"], summary["stderr"][-2000:])
    assert summary["expect"]["checks"], "a lesson must declare what to expect"
    assert summary["channel"] is None
