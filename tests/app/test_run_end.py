"""What the panels say of a run's tasks once the run has ended: a process that ended
with tasks still waiting (``os._exit``, a limit, the stop key) left them as the probe
last saw them; the counts said "1 alive" of a process that no longer existed."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from playground.catalog import load_catalog
from playground.tui.app import AsyncPlayApp
from playground.tui.panels import TaskTable
from test_app import Recorder, pane, select, text_of, wait_until, write_lesson

SIZE = (160, 48)


async def test_tasks_left_when_the_process_ended_are_not_counted_alive(tmp_path: Path) -> None:
    write_lesson(tmp_path, "ends-early",
                 bad="""\
                     import asyncio
                     import os

                     async def wait_forever() -> None:
                         await asyncio.Event().wait()

                     async def main() -> None:
                         asyncio.create_task(wait_forever(), name="waiter")
                         await asyncio.sleep(0.3)
                         os._exit(3)

                     asyncio.run(main())
                     """,
                 good="""\
                     import asyncio

                     async def nap() -> None:
                         await asyncio.sleep(0.2)

                     async def main() -> None:
                         await asyncio.gather(nap(), nap())

                     asyncio.run(main())
                     """)
    recorder = Recorder()
    app = AsyncPlayApp(catalog=load_catalog([tmp_path]))
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await select(pilot, app, "ends-early")
        await pilot.press("b")
        await wait_until(pilot, lambda: bool(recorder.finished("bad")), what="the bad run")
        await pilot.press("g")
        await wait_until(pilot, lambda: bool(recorder.finished("good")), what="the good run")
        await pilot.pause()
        bad = recorder.finished("bad")[0].state
        assert bad.status == "error" and bad.tasks_alive >= 1, (bad.status, bad.tasks_alive)
        counts = text_of(pane(app, "bad").query_one(TaskTable).query_one("#task-counts", Static))
        assert " alive ·" not in counts and "unfinished when the run ended" in counts, counts
        # A run that ended as it should counts its tasks as before.
        good = recorder.finished("good")[0].state
        assert good.status == "ok" and good.tasks_alive == 0, (good.status, good.tasks_alive)
        counts = text_of(pane(app, "good").query_one(TaskTable).query_one("#task-counts", Static))
        assert counts.startswith("tasks  0 alive"), counts
