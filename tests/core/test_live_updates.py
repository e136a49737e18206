"""When a session tells its front end about a run: what cannot wait for the next snapshot."""

from __future__ import annotations

from pathlib import Path

from conftest import write_snippet
from playground.model import RunState
from playground.session import RunOptions, RunTarget, Session


async def test_the_child_coming_up_is_told_at_once_not_at_the_next_snapshot(tmp_path: Path) -> None:
    """The status line's "running" is the first live figure a learner sees after the key:
    it is sent when the probe says hello, not up to a snapshot period later."""
    path = write_snippet(tmp_path, "print('up')\n")
    seen: list[tuple[str, bool]] = []

    def on_update(state: RunState) -> None:
        seen.append((state.status, state.finished))

    # One snapshot per 10 s: the run is over long before the first periodic one.
    session = Session(RunTarget.from_file(path), RunOptions(snapshot_hz=0.1), on_update=on_update)
    final = await session.run()
    assert final.status == "ok", final.message
    assert ("running", False) in seen, seen
