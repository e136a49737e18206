"""The scoreboard in the app, after real runs: both variants, then an edit against its original."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.message import Message
from textual.widgets import Static

from playground.compare import compare
from playground.edits import Edits
from playground.model import RunState
from playground.model.summary import summary_of
from playground.tui.formatting import status_figures
from playground.words import format_mb
from playground.tui.app import AsyncPlayApp
from playground.tui.editor import CodeEditor
from playground.tui.lesson_options import LessonOptions
from playground.tui.messages import RunFinished
from playground.tui.scoreboard import Scoreboard
from test_app import wait_until

SIZE = (160, 48)



def test_a_runs_peak_is_the_same_figure_in_the_pane_and_on_the_board() -> None:
    """The end's peak (getrusage) can be a little under a sample of the resident memory:
    the pane showed the one, the board the higher, 21 MB beside 22 MB for one run."""
    state = RunState(target="t")
    state.apply({"kind": "memory", "t": 0.1, "rss_kb": 22_600})
    state.apply({"kind": "end", "t": 0.2, "wall_ms": 200.0, "peak_rss_kb": 22_400})
    assert state.peak_memory_kb == 22_600
    peak = {row.metric: row for row in compare(summary_of(state), summary_of(state))}["peak memory"]
    shown = " ".join(str(figure) for figure in status_figures(state, label="b"))
    assert f"{peak.left} peak" in shown and peak.left == format_mb(22_600)


@pytest.mark.timeout(180)
async def test_the_scoreboard_compares_both_variants_after_r_then_an_edit_with_its_original(
        tmp_path: Path) -> None:
    finished: list[RunFinished] = []

    def hook(message: Message) -> None:
        if isinstance(message, RunFinished):
            finished.append(message)

    app = AsyncPlayApp(edits=Edits(tmp_path))
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        lessons = app.screen.query_one("#lessons", LessonOptions)
        lessons.highlighted = lessons.get_option_index("time-sleep")
        await wait_until(pilot, lambda: app.lesson is not None and app.lesson.slug == "time-sleep",
                         timeout_s=5, what="time-sleep shown")
        board = app.screen.query_one(Scoreboard)
        assert not board.display and board.compared is None

        await pilot.press("r")
        await wait_until(pilot, lambda: len(finished) == 2, what="both runs")
        await pilot.pause()
        assert board.display and board.compared == ("bad", "good")
        rows = {row.metric: row for row in board.rows}
        assert list(rows) == ["wall time", "worst stall", "stall time", "lag p99", "lag max",
                              "tasks", "warnings", "peak memory"]
        # time.sleep(1) held the loop about a second in bad, never in good.
        assert rows["worst stall"].better == "right" and rows["worst stall"].right == "none"
        assert rows["lag max"].better == "right"
        assert rows["tasks"].better is None
        table = str(board.query_one("#scoreboard-table", Static).visual)
        assert "worst stall" in table and "✓ none" in table and "less" in table
        assert "bad vs good" in str(board.border_title)
        # Each pane's peak is the board's (they took different figures: 21 MB beside 22 MB).
        for variant, side in (("bad", "left"), ("good", "right")):
            figures = str(app.screen.query_one(f"#pane-{variant} .status", Static).visual)
            assert f"{getattr(rows['peak memory'], side)} peak" in figures, (variant, figures)

        # An edit of bad, run alone: compared with the original bad.
        await pilot.press("e")
        editor = app.screen.query_one("#pane-bad CodeEditor", CodeEditor)
        await wait_until(pilot, lambda: app.focused is editor, timeout_s=5, what="editor")
        fixed = editor.text.replace("time.sleep(1)", "await asyncio.sleep(1)")
        editor.replace(fixed, editor.document.start, editor.document.end)
        await pilot.pause()
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: len(finished) == 3, what="the edit's run")
        await pilot.pause()
        assert board.compared == ("bad", "bad (edited)")
        assert {r.metric: r for r in board.rows}["worst stall"].better == "right"

        # An edit that does not even compile ends at once: its "0.6 ms, no stall" is no
        # win. Only the problems are ranked, and the board says why.
        editor.replace(fixed.replace("await asyncio.sleep(1)", "    await asyncio.sleep(1)"),
                       editor.document.start, editor.document.end)
        await pilot.pause()
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: len(finished) == 4, what="the broken edit's run")
        await pilot.pause()
        assert board.compared == ("bad", "bad (edited)")
        rows = {r.metric: r for r in board.rows}
        assert {m for m, r in rows.items() if r.better is not None} == {"warnings"}
        assert rows["warnings"].better == "left" and rows["wall time"].change == "–"
        assert board.note == "bad (edited) ended with error: its figures are shown, not compared"
        assert board.note in str(board.query_one("#scoreboard-table", Static).visual)

        # Another lesson: nothing to compare yet.
        await pilot.press("escape", "n")
        await wait_until(pilot, lambda: not board.display, timeout_s=5, what="scoreboard hidden")
