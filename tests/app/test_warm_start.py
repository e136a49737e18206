"""The app's warm start (playground.tui.warming) with the real app and real runs: each
run gets a fresh child, and the app leaves no process and no work directory behind."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from textual.message import Message
from textual.pilot import Pilot

from conftest import zombie_children

from playground.catalog import load_catalog
from playground.sandbox.supervisor import children_of, descendants
from playground.session import Session
from playground.tui.app import AsyncPlayApp
from playground.tui.messages import RunFinished, RunStarted
from playground.tui.run_pane import RunPane

SIZE = (160, 48)
SNIPPET = "import os\nprint(sorted(os.listdir('.')))\nopen('left-by-the-run', 'w').close()\n"


def write_lesson(root: Path) -> None:
    folder = root / "fresh-dir"
    folder.mkdir()
    (folder / "lesson.toml").write_text(
        'title = "Fresh"\nsummary = "s."\nwhy = "w."\nwatch = "w."\nmistake = "m."\n'
        'fix = "f."\ntags = ["test"]\norder = 1\n')
    (folder / "bad.py").write_text(SNIPPET)
    (folder / "good.py").write_text(SNIPPET)


async def wait_until(pilot: Pilot[None], condition: Any, what: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await pilot.pause(0.05)


def my_descendants() -> set[int]:
    """Every process below this one (the app's runs and warm children)."""
    return descendants(children_of(), [os.getpid()])


async def test_twenty_runs_each_get_a_fresh_child_and_the_exit_leaves_nothing(tmp_path: Path) -> None:
    write_lesson(tmp_path)
    sessions: list[Session] = []
    finished: list[RunFinished] = []
    app = AsyncPlayApp(catalog=load_catalog([tmp_path], include_default=False))

    def hook(message: Message) -> None:
        if isinstance(message, RunStarted):
            session = app.screen.query_one(f"#pane-{message.pane}", RunPane).session
            assert session is not None
            sessions.append(session)
        elif isinstance(message, RunFinished):
            finished.append(message)

    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await wait_until(pilot, lambda: all(
            (warm := app.warming.for_pane(pane)) is not None and warm.key is not None
            for pane in ("bad", "good")), "the first warm children")
        for n in range(1, 21):
            await pilot.press("r")
            await wait_until(pilot, lambda: len(finished) == 2 * n, f"both runs of round {n}")
        ready = []
        for pane in ("bad", "good"):  # one ready for each pane's next run
            warm = app.warming.for_pane(pane)
            assert warm is not None and warm.key is not None
            ready.append(await warm.ready())
        assert all(child is not None and child.waiting for child in ready)
    assert len(sessions) == 40
    # both runs of each round took a warm child (with one child, the good run started cold)
    assert all(s.started_warm for s in sessions), [s.started_warm for s in sessions]
    for message in finished:
        assert message.state.status == "ok", message.summary["message"]
        # a fresh work directory each time: the last run's file is never there
        assert message.summary["stdout"] == "['bad.py']\n" if message.pane == "bad" \
            else message.summary["stdout"] == "['good.py']\n", message.summary["stdout"]
    assert not [child for child in ready if child and Path(f"/proc/{child.pid}").exists()]
    assert not my_descendants(), "processes of the app's runs outlived it"
    assert not zombie_children()
    workdirs = [s._child.workdir for s in sessions if s._child is not None] + \
        [child.workdir for child in ready if child]
    assert len(workdirs) == 42 and not [w for w in workdirs if w.exists()], \
        "work directories outlived the app"


async def test_a_file_shown_keeps_one_child_and_the_lesson_panes_children_go(tmp_path: Path) -> None:
    """A lesson keeps a child for each of its two panes (``r`` starts both warm); a file
    of the user's shows one pane, and keeps one child: the lesson panes' are discarded."""
    write_lesson(tmp_path)
    script = tmp_path / "mine.py"
    script.write_text("print('mine ran')\n")
    finished: list[RunFinished] = []
    app = AsyncPlayApp(catalog=load_catalog([tmp_path], include_default=False))

    def hook(message: Message) -> None:
        if isinstance(message, RunFinished):
            finished.append(message)

    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        lesson_children = []
        for pane in ("bad", "good"):
            await wait_until(pilot, lambda: (warm := app.warming.for_pane(pane)) is not None
                             and warm.key is not None, f"the {pane} pane's warm child")
            warm = app.warming.for_pane(pane)
            assert warm is not None
            lesson_children.append(await warm.ready())
        assert all(child is not None and child.waiting for child in lesson_children)
        await app._file_chosen(script)  # as the open-file dialog gives it
        await wait_until(pilot, lambda: bool(finished), "the file's run")
        await wait_until(pilot, lambda: set(app.warming.warm) == {"file"}, "the file pane's child alone")
        await wait_until(pilot, lambda: not [child for child in lesson_children
                                             if child and Path(f"/proc/{child.pid}").exists()],
                         "the lesson panes' children to be gone")
        assert finished[0].pane == "file" and "mine ran" in finished[0].state.stdout.text
    assert not my_descendants(), "processes of the app's runs outlived it"
    assert not [child.workdir for child in lesson_children if child and child.workdir.exists()]
