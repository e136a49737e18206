"""Warm starts (playground.warmstart) with real children, with bwrap and without: a run
that takes a child started ahead gets what a cold start gives it, a child that does not
fit is discarded, and nothing of a warm child outlives it."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import time
from pathlib import Path
from typing import Any


from conftest import zombie_children

from playground import sandbox
from playground.catalog import load_catalog
from playground.sandbox import Limits, SandboxInfo
from playground.sandbox.child import LIVE_PIDS
from playground.session import RunOptions, RunTarget, Session, summarize
from playground.warmstart import WarmStart, warm_key

SMALL = Limits(wall_s=20, cpu_s=10, memory_mb=1024, processes=32, file_size_mb=8)


def options_for(info: SandboxInfo, **changes: Any) -> RunOptions:
    return RunOptions(**{"limits": SMALL, "use_bwrap": info.bwrap, **changes})


def gone(pid: int) -> bool:
    """The process is gone (reaped, not a zombie)."""
    return not Path(f"/proc/{pid}").exists()


async def run(target: RunTarget, options: RunOptions, warm: WarmStart | None) -> tuple[Session, dict[str, Any]]:
    session = Session(target, options, warm=warm)
    state = await asyncio.wait_for(session.run(), 60)
    return session, summarize(session, state)


async def test_a_warm_start_reports_what_a_cold_start_does(info: SandboxInfo) -> None:
    lesson = load_catalog().get("time-sleep")
    assert lesson is not None
    target = RunTarget.from_lesson(lesson, "bad")
    options = options_for(info)
    cold_session, cold = await run(target, options, None)
    warm = WarmStart()
    try:
        warm.prepare(target.uses_api, options)
        child = await warm.ready()
        assert child is not None and child.waiting
        assert os.listdir(child.workdir) == []  # nothing of the run before it starts
        warm_session, hot = await run(target, options, warm)
    finally:
        await warm.close()
    assert (cold_session.started_warm, warm_session.started_warm) == (False, True)
    for summary in (cold, hot):
        assert summary["status"] == "ok", summary["message"]
        assert summary["expect"]["met"], summary["expect"]
        worst = max(summary["stalls"], key=lambda s: s["ms"])
        assert (worst["file"], worst["line"]) == (str(target.path), 15), worst
    for field in ("status", "exit_code", "stdout", "stderr", "error", "channel", "sandbox",
                  "warnings"):
        assert hot[field] == cold[field], field
    assert [(c["check"], c["met"]) for c in hot["expect"]["checks"]] == \
        [(c["check"], c["met"]) for c in cold["expect"]["checks"]]
    assert gone(child.pid) and not child.workdir.exists()
    assert not zombie_children()


async def test_each_run_takes_a_fresh_child(info: SandboxInfo, tmp_path: Path) -> None:
    path = tmp_path / "who.py"
    path.write_text("import os\nprint(os.getpid(), sorted(os.listdir('.')))\n")
    options = options_for(info)
    warm = WarmStart()
    seen = []
    try:
        for _ in range(3):
            warm.prepare(False, options)
            child = await warm.ready()
            assert child is not None
            session, summary = await run(RunTarget.from_file(path), options, warm)
            assert session.started_warm and summary["status"] == "ok", summary["message"]
            seen.append((child.pid, child.workdir, summary["stdout"]))
    finally:
        await warm.close()
    assert len({pid for pid, _, _ in seen}) == 3
    for pid, workdir, stdout in seen:
        assert stdout.endswith(" ['who.py']\n"), stdout  # its work directory: the snippet only
        assert gone(pid) and not workdir.exists()


async def test_a_child_that_does_not_fit_the_run_is_discarded(info: SandboxInfo, tmp_path: Path) -> None:
    path = tmp_path / "hello.py"
    path.write_text("print('hello')\n")
    warm = WarmStart()
    try:
        warm.prepare(False, options_for(info))
        child = await warm.ready()
        assert child is not None
        other = options_for(info, limits=dataclasses.replace(SMALL, memory_mb=512))
        assert warm_key(False, other) != warm.key
        session, summary = await run(RunTarget.from_file(path), other, warm)
        assert not session.started_warm
        assert (summary["status"], summary["stdout"]) == ("ok", "hello\n")
        await warm.close()  # waits for the discard under way
        assert gone(child.pid) and not child.workdir.exists()
        assert child.pid not in LIVE_PIDS and not zombie_children()
        # and step mode (a control channel fixed at spawn) does not take one either
        warm = WarmStart()
        warm.prepare(False, options_for(info))
        stepped = options_for(info, step=True)
        assert warm_key(False, stepped) != warm.key
    finally:
        await warm.close()


async def test_closing_and_the_idle_limit_leave_nothing(info: SandboxInfo) -> None:
    warm = WarmStart(idle_s=0.3)
    warm.prepare(False, options_for(info))
    child = await warm.ready()
    assert child is not None and child.waiting
    deadline = time.monotonic() + 20
    while (not gone(child.pid) or child.workdir.exists()) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)  # the idle limit's discard: no event to wait on here
    assert gone(child.pid) and not child.workdir.exists() and warm.key is None
    # closed while still starting: the spawn is cancelled and cleans up after itself
    warm.prepare(False, options_for(info))
    await warm.close()
    assert not zombie_children()
    assert not [p for p in LIVE_PIDS if not gone(p)]
    warm.prepare(False, options_for(info))  # closed: nothing starts any more
    assert warm.key is None


async def test_a_warm_child_that_died_is_not_used(info: SandboxInfo, tmp_path: Path) -> None:
    path = tmp_path / "hello.py"
    path.write_text("print('hello')\n")
    options = options_for(info)
    warm = WarmStart()
    try:
        warm.prepare(False, options)
        child = await warm.ready()
        assert isinstance(child, sandbox.Child)
        await child.kill()
        session, summary = await run(RunTarget.from_file(path), options, warm)
        assert not session.started_warm
        assert (summary["status"], summary["stdout"]) == ("ok", "hello\n")
        assert gone(child.pid) and not child.workdir.exists()
    finally:
        await warm.close()
    assert not zombie_children()


async def test_a_warm_start_serves_the_mock_api(info: SandboxInfo, tmp_path: Path) -> None:
    """With bwrap the probe makes the API's socket in the run's network namespace
    before it waits for its run; without, the API's port is the run's own: no warm start."""
    path = tmp_path / "fetch.py"
    path.write_text("import os, urllib.request\n"
                    "print(urllib.request.urlopen(os.environ['API_URL'] + '/users/1').status)\n")
    target = RunTarget.from_file(path)
    assert target.uses_api
    options = options_for(info)
    if not info.bwrap:
        assert warm_key(True, options) is None
        return
    from playground.mockapi import MockAPI

    mock = MockAPI()
    await mock.start()
    warm = WarmStart()
    try:
        warm.prepare(True, options)
        child = await warm.ready()
        assert child is not None and child.api_socket is not None
        session = Session(target, options, mock=mock, warm=warm)
        summary = summarize(session, await asyncio.wait_for(session.run(), 60))
    finally:
        await warm.close()
        await mock.close()
    assert session.started_warm
    assert (summary["status"], summary["stdout"]) == ("ok", "200\n"), summary["stderr"][-800:]
    assert summary["api"]["requests"] == 1, summary["api"]
    assert gone(child.pid) and not child.workdir.exists()


async def test_a_snippet_larger_than_a_pipe_reaches_a_warm_child(info: SandboxInfo, tmp_path: Path) -> None:
    path = tmp_path / "big.py"
    path.write_text("".join(f"# padding {i:06d} {'y' * 40}\n" for i in range(4000))
                    + "import os\nprint(os.path.getsize('big.py'))\n")
    options = options_for(info)
    warm = WarmStart()
    try:
        warm.prepare(False, options)
        session, summary = await run(RunTarget.from_file(path), options, warm)
    finally:
        await warm.close()
    assert session.started_warm and path.stat().st_size > 65536
    assert (summary["status"], summary["stdout"]) == ("ok", f"{path.stat().st_size}\n")
