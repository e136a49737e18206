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
    good = check(lesson.expect["good"], summary)
    unmet = [f"{c['check']} · {c['observed']}" for c in good["checks"] if not c["met"]]
    # The lag bound (50 ms) is a timing figure: on a loaded 2-core machine (CI runs its
    # legs side by side) a callback can wait longer for a core; the rest must hold.
    assert good["met"] or all(line.startswith("lag max") for line in unmet), unmet


def test_an_unedited_target_reads_the_file() -> None:
    lesson = load_catalog().get("time-sleep")
    assert lesson is not None
    target = RunTarget.from_lesson(lesson, "good")
    assert not target.edited and target.code is None and target.label == "time-sleep/good"


@pytest.mark.timeout(120)
async def test_an_edit_that_does_not_compile_meets_none_of_the_good_loops_checks() -> None:
    """An edit of time-sleep indented wrongly died of an IndentationError before its loop,
    and "did you fix it?" said 2 of 3: no stalls and lag max < 50 ms (0.0 ms), of a
    loop that never ran."""
    lesson = load_catalog().get("time-sleep")
    assert lesson is not None
    edited = lesson.path("bad").read_text().replace("time.sleep(1)", "    await asyncio.sleep(1)")
    session = Session(RunTarget.from_lesson(lesson, "bad", code=edited), RunOptions(timeout_s=30))
    summary = summarize(session, await session.run())
    assert summary["status"] == "error" and summary["error"]["type"] == "IndentationError"
    result = check(lesson.expect["good"], summary)
    assert result["checks"] and not [c for c in result["checks"] if c["met"]], result
    loop_checks = [c for c in result["checks"] if c["check"].startswith(("no stall", "lag max"))]
    assert loop_checks and {c["observed"] for c in loop_checks} == {"no event loop ran"}, result
