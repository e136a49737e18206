"""Editing on small screens (80x24, 100x30): the editor keeps its rows for code, its
keys, the pane's tabs and the line being edited in sight; a saved edit's notice reads whole."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.message import Message
from textual.widgets import Static, Tabs
from textual.widgets._toast import Toast

from playground.catalog import load_catalog
from playground.edits import Edits
from playground.tui.app import AsyncPlayApp
from playground.tui.editor import CodeEditor
from playground.tui.messages import RunFinished
from playground.tui.run_pane import RunPane
from playground.tui.scoreboard import Scoreboard
from test_app import wait_until
from test_editor import open_editor
from test_small_screens import SMALL, after_runs, lessons_app, run_both_answered


@pytest.mark.timeout(180)
async def test_editing_at_100x30_keeps_the_tabs_and_the_edited_line(tmp_path: Path) -> None:
    """At 100x30, with the question's answer above the panes, the editor took ten rows
    and pushed its pane's tabs out of it (failed before); after its run the tabs and
    the scoreboard (tall now: its labels are longer) take rows back, and the line
    being edited stays in sight."""
    finished: list[RunFinished] = []

    def hook(message: Message) -> None:
        if isinstance(message, RunFinished):
            finished.append(message)

    app = AsyncPlayApp(catalog=load_catalog(), edits=Edits(tmp_path), predict=True)
    async with app.run_test(size=(100, 30), message_hook=hook) as pilot:
        await run_both_answered(pilot, app, finished)
        await pilot.press("e")
        editor = app.screen.query_one("#pane-bad CodeEditor", CodeEditor)
        await wait_until(pilot, lambda: app.focused is editor, timeout_s=5, what="editor")
        line = next(n for n, text in enumerate(editor.text.splitlines()) if "time.sleep(1)" in text)
        editor.move_cursor((line, 0))
        editor.replace("    await asyncio.sleep(1)", (line, 0), (line, len(editor.document[line])))
        await pilot.pause()
        pane = app.screen.query_one("#pane-bad", RunPane)
        tabs = pane.query_one(Tabs)
        assert pane.content_region.contains_region(tabs.region), (tabs.region, pane.content_region)
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: len(finished) == 3, what="the edit's run")
        board = app.screen.query_one(Scoreboard)
        await wait_until(pilot, lambda: board.compared == ("bad", "bad (edited)"), timeout_s=10,
                         what="the scoreboard")
        await pilot.pause()
        await pilot.pause()
        rows = editor.scrollable_content_region.height
        assert pane.content_region.contains_region(tabs.region), (tabs.region, pane.content_region)
        top = editor.scroll_offset.y
        assert top <= editor.cursor_location[0] < top + rows, (editor.cursor_location, top, rows)


async def test_the_editor_keeps_its_cursor_in_sight_when_it_shrinks() -> None:
    """The terminal made smaller (or the pane's panels growing) takes the editor's rows:
    the line being edited stays on screen."""
    app = lessons_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await after_runs(pilot)
        await pilot.press("e")
        editor = app.screen.query_one("#pane-bad CodeEditor", CodeEditor)
        await wait_until(pilot, lambda: app.focused is editor, timeout_s=5, what="editor")
        editor.move_cursor(editor.document.end)
        editor.move_cursor((editor.document.line_count - 2, 0))
        await pilot.pause()
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.pause()
        rows = editor.scrollable_content_region.height
        top = editor.scroll_offset.y
        assert top <= editor.cursor_location[0] < top + rows, (editor.cursor_location, top, rows)


@pytest.mark.parametrize("size", SMALL, ids=["80x24", "100x30"])
async def test_a_saved_edits_path_reads_whole_in_its_notice(size: tuple[int, int], tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """ctrl+s says where the edit went: at 80x24 the notice (half the width) cut the path
    in three, inside its names ("…/edits/t", "ime-sleep/bad.py"). The edits folder (~ for
    home) and the edit's file now read whole, each on its line."""
    monkeypatch.setenv("HOME", str(tmp_path))
    app = AsyncPlayApp(catalog=load_catalog(), edits=Edits(tmp_path / ".local/share/asyncplay/edits"))
    async with app.run_test(size=size, notifications=True) as pilot:
        await open_editor(pilot, app, "bad")
        await pilot.press("end", "#", "ctrl+s")
        assert (tmp_path / ".local/share/asyncplay/edits/time-sleep/bad.py").exists()
        await wait_until(pilot, lambda: bool(app.screen.query(Toast)), timeout_s=5, what="the notice")
        await pilot.pause()
        toast = app.screen.query_one(Toast)
        lines = ["".join(seg.text for seg in line).strip("▌▊ ")
                 for line in toast.render_lines(toast.region.reset_offset)]
        assert "~/.local/share/asyncplay/edits/" in lines and "time-sleep/bad.py" in lines, lines


@pytest.mark.parametrize("size", SMALL, ids=["80x24", "100x30"])
async def test_the_editor_keeps_its_rows_for_code_and_its_keys_whole(size: tuple[int, int],
                                                                     tmp_path: Path) -> None:
    """`e` on a short screen: a horizontal scrollbar took one of the editor's few rows,
    and the keys above it were cut ("ctrl+r run the edit…" at 80 columns)."""
    app = AsyncPlayApp(catalog=load_catalog(), edits=Edits(tmp_path))
    async with app.run_test(size=size) as pilot:
        editor = await open_editor(pilot, app, "bad")
        await pilot.pause()
        assert max(len(line) for line in editor.text.splitlines()) > editor.content_region.width
        assert editor.scrollable_content_region.height == editor.region.height > 0, editor.region
        hint = app.screen.query_one("#pane-bad EditorBar").query_one(Static)
        shown = "".join(seg.text for seg in hint.render_lines(hint.region.reset_offset)[0])
        assert "…" not in shown, shown
        assert re.search(r"(\^|ctrl\+)r run\b.*(\^|ctrl\+)s save\b.*\besc leave\b", shown), shown


async def test_leaving_the_editor_shows_the_line_edited(tmp_path: Path) -> None:
    """At 80x24 the code shows a few lines: escape from the editor showed the file's
    first lines, not the line just edited (after runs, line 15 of time-sleep's bad.py
    behind lines 1-2). Here the last line, edited before any run."""
    app = AsyncPlayApp(catalog=load_catalog(), edits=Edits(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("e")
        editor = app.screen.query_one("#pane-bad CodeEditor", CodeEditor)
        await wait_until(pilot, lambda: app.focused is editor, timeout_s=5, what="editor")
        line = editor.document.line_count - 2  # the last line with text
        editor.move_cursor((line, 0))
        editor.insert("# edited\n")
        await pilot.press("escape")
        code = app.screen.query_one("#pane-bad CodeView")
        await pilot.pause()
        await pilot.pause()
        rows = code.scrollable_content_region.height
        top = code.scroll_offset.y
        row = editor.cursor_location[0]
        assert rows <= row, rows  # the file's first rows alone do not show it
        assert top <= row < top + rows, (row, top, rows)
