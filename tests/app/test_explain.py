"""Panels that explain themselves: tooltips on their headers, and the same words in the help."""

from __future__ import annotations

from textual.widgets import Static, TabbedContent

from playground.model import RunState
from playground.tui.app import AsyncPlayApp
from playground.tui.explain import OUTPUT_TIP, TASK_COLUMNS, TASKS_TIP
from playground.tui.panels import OutputView, TaskGrid
from playground.tui.run_pane import RunPane
from playground.tui.screens import HelpScreen, HelpText

SIZE = (160, 48)


async def test_a_task_columns_header_says_what_the_column_means() -> None:
    app = AsyncPlayApp()
    async with app.run_test(size=SIZE) as pilot:
        bad = app.screen.query_one("#pane-bad", RunPane)
        await bad.details_mounted()  # mounted after the first frame
        bad.state = RunState(target="t")  # a pane with a run shows its panels
        await pilot.pause()
        tabs = bad.query_one(TabbedContent)
        assert tabs.get_tab("bad-tasks").tooltip == TASKS_TIP
        assert tabs.get_tab("bad-output").tooltip == OUTPUT_TIP
        grid = bad.query_one(TaskGrid)
        seen: dict[str, object] = {}
        x = 0
        for label, width in grid.columns:
            await pilot.hover(grid, offset=(x + 1, 0))  # the header row
            await pilot.pause()
            seen[label] = grid.tooltip
            x += width
        assert seen["busy ms"] == f"busy ms: {TASK_COLUMNS['busy ms']}"
        assert seen["steps"] == f"steps: {TASK_COLUMNS['steps']}"
        assert seen["waits on"] == f"waits on: {TASK_COLUMNS['waits on']}"
        assert set(seen) == set(TASK_COLUMNS)
        # Below the header (the rows), no tooltip hides the tasks.
        grid.set_rows([tuple("x" for _ in grid.columns)])
        await pilot.pause()
        await pilot.hover(grid, offset=(1, 1))
        await pilot.pause()
        assert grid.tooltip is None
        tabs.active = "bad-output"
        await pilot.pause()
        assert bad.query_one("#stdout", OutputView).tooltip == OUTPUT_TIP


async def test_the_help_explains_the_columns_and_the_output_times() -> None:
    app = AsyncPlayApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = " ".join(app.screen.query_one(HelpText).plain.split())
        for column, what in TASK_COLUMNS.items():
            assert f"{column}: {what}" in text
        assert "+1.002s" in text
