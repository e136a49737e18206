"""Shared fixtures: run a snippet written in the test through the real pipeline."""

from __future__ import annotations

import os
import shutil
import textwrap
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from playground.model import RunState
from playground.sandbox import SandboxInfo, detect
from playground.session import RunOptions, RunTarget, Session, summarize

RunSnippet = Callable[..., Awaitable[dict[str, Any]]]

#: scripts/test-as-user.sh runs the suite once per sandbox set-up: with
#: ASYNCPLAY_TEST_SANDBOX=bwrap (or no-bwrap), tests that run under both set-ups run
#: only that one.
_ONLY_SANDBOX = os.environ.get("ASYNCPLAY_TEST_SANDBOX", "")


def sandbox_mode_skipped(mode: str) -> str | None:
    """Why the sandbox set-up ``mode`` ("bwrap" or "no-bwrap") is not tested in this run."""
    if _ONLY_SANDBOX and _ONLY_SANDBOX != mode:
        return f"this run tests only the {_ONLY_SANDBOX} set-up (ASYNCPLAY_TEST_SANDBOX)"
    return None


@pytest.fixture(params=["bwrap", "no-bwrap"])
def info(request: pytest.FixtureRequest) -> SandboxInfo:
    """The sandbox's set-up with bubblewrap, then without (a test runs under each)."""
    if why := sandbox_mode_skipped(request.param):
        pytest.skip(why)
    if request.param == "bwrap":
        got = detect(use_bwrap=True)
        if not got.bwrap:
            why = next((m for m in got.missing if m.startswith("bwrap:")), "bwrap: unavailable")
            pytest.skip(f"bubblewrap layer not available here ({why})")
        return got
    return detect(use_bwrap=False)


#: Both sandbox set-ups where the machine has bubblewrap, else only the fallback.
SANDBOX_MODES = [
    pytest.param(None, id="bwrap", marks=[
        pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed"),
        pytest.mark.skipif(sandbox_mode_skipped("bwrap") is not None,
                           reason=sandbox_mode_skipped("bwrap") or ""),
    ]),
    pytest.param(False, id="no-bwrap", marks=pytest.mark.skipif(
        sandbox_mode_skipped("no-bwrap") is not None, reason=sandbox_mode_skipped("no-bwrap") or "")),
]


def zombie_children() -> list[int]:
    """Children of this process that exited and were never reaped."""
    me = os.getpid()
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                data = Path(f"/proc/{name}/stat").read_bytes()
            except OSError:
                continue
            rest = data[data.rindex(b")") + 2 :].split()
            if rest[0] == b"Z" and int(rest[1]) == me:
                out.append(int(name))
    return out


def write_snippet(folder: Path, source: str, name: str = "snippet.py") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(source).lstrip())
    return path


def line_of(path: Path, marker: str) -> int:
    """1-based number of the first line of ``path`` containing ``marker``."""
    for number, text in enumerate(path.read_text().splitlines(), start=1):
        if marker in text:
            return number
    raise AssertionError(f"{marker!r} not in {path}")


@pytest.fixture
def run_snippet(tmp_path: Path) -> RunSnippet:
    """``await run_snippet(source, timeout_s=..., use_bwrap=..., on_update=...)`` -> summary."""

    async def run(
        source: str,
        *,
        timeout_s: float = 20.0,
        use_bwrap: bool | None = None,
        stall_ms: float = 50.0,
        on_update: Callable[[RunState], None] | None = None,
        name: str = "snippet.py",
    ) -> dict[str, Any]:
        path = write_snippet(tmp_path, source, name)
        options = RunOptions(timeout_s=timeout_s, use_bwrap=use_bwrap, stall_ms=stall_ms)
        session = Session(RunTarget.from_file(path), options, on_update=on_update)
        state = await session.run()
        summary = summarize(session, state)
        summary["_path"] = str(path)
        return summary

    return run


@pytest.fixture(autouse=True, scope="session")
def _own_lesson_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The lessons the tests load are kept in a cache of the test run's, not the user's."""
    os.environ["ASYNCPLAY_LESSON_CACHE"] = str(tmp_path_factory.mktemp("cache") / "lessons.pickle")


@pytest.fixture(autouse=True)
def _own_data_folder(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Saved edits go to a folder of the test's: never the user's, and none of theirs is shown."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("data-home")))
