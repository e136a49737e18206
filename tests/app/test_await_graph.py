"""The await graph (`a`), live beside the task table of a real run."""

from __future__ import annotations

from pathlib import Path

from playground.catalog import load_catalog
from playground.tui.app import AsyncPlayApp
from playground.tui.panels import AwaitGraph

from test_app import Recorder, pane, text_of, wait_until, write_lesson
from test_app import select as select_lesson

SIZE = (160, 48)

AWAITS = """\
import asyncio

async def leaf():
    await asyncio.sleep(30)

async def waiter(task):
    await task

async def main():
    task = asyncio.create_task(leaf(), name="leaf")
    await asyncio.gather(waiter(task), asyncio.sleep(30))

asyncio.run(main())
"""


async def test_a_shows_which_task_awaits_which_while_it_runs(tmp_path: Path) -> None:
    write_lesson(tmp_path, "awaits", bad=AWAITS, good=AWAITS)
    app = AsyncPlayApp(catalog=load_catalog([tmp_path], include_default=False))
    recorder = Recorder()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await select_lesson(pilot, app, "awaits")
        await pane(app, "bad").details_mounted()  # mounted after the first frame
        graph = pane(app, "bad").query_one(AwaitGraph)
        assert graph.parent is not None and not graph.parent.display  # hidden until asked
        await pilot.press("b", "a")
        assert graph.parent.display

        def drawn() -> str:
            return text_of(graph)

        await wait_until(pilot, lambda: "└─ leaf" in drawn() and "sleep()" in drawn(),
                         what="the await graph of the running tasks")
        lines = drawn().splitlines()
        assert lines[1].startswith("main() waiting · gather")
        assert any(line.startswith("├─ waiter() waiting · task leaf") for line in lines)
        assert any(line.startswith("│  └─ leaf waiting · sleep") for line in lines)
        assert any(line.startswith("└─ sleep() waiting · sleep") for line in lines)
        await pilot.press("s")
        await wait_until(pilot, lambda: bool(recorder.finished("bad")), what="the stop")
        await pilot.press("a")
        assert not graph.parent.display
