"""An edited copy of a lesson's variant runs in the sandbox; the lesson's file stays as it was."""

from __future__ import annotations

import pytest

from playground.catalog import load_catalog
from playground.expect import check
from playground.session import RunOptions, RunTarget, Session, summarize


@pytest.mark.timeout(120)
async def test_an_edit_of_time_sleep_runs_its_own_text_and_meets_the_good_expectations() -> None:
    lesson = load_catalog().get("time-sleep")
    assert lesson is not None
    path = lesson.path("bad")
    original = path.read_bytes()
    edited = original.decode().replace("time.sleep(1)", "await asyncio.sleep(1)")
    assert edited != original.decode()

    target = RunTarget.from_lesson(lesson, "bad", code=edited)
    assert target.edited and target.label == "time-sleep/bad (edited)"
    assert target.path == path and target.expect == lesson.expect["bad"]
    session = Session(target, RunOptions(timeout_s=30))
    state = await session.run()
    summary = summarize(session, state)

    assert state.code == edited  # the code event carries the text that ran
    assert summary["status"] == "ok" and summary["stalls"] == []
    assert summary["target"] == "time-sleep/bad (edited)"
    assert path.read_bytes() == original  # the lesson's file is never written
    # Graded as the bad variant it no longer is, and against the good one it now is.
    assert summary["expect"]["met"] is False
    assert check(lesson.expect["good"], summary)["met"] is True


def test_an_unedited_target_reads_the_file() -> None:
    lesson = load_catalog().get("time-sleep")
    assert lesson is not None
    target = RunTarget.from_lesson(lesson, "good")
    assert not target.edited and target.code is None and target.label == "time-sleep/good"
