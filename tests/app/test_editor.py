"""Edit and re-run, driven through Pilot on real runs: the editor, "did you fix it?", saving."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.document._syntax_aware_document import SyntaxAwareDocument
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets.text_area import Selection

from playground.catalog import load_catalog
from playground.edits import Edits
from playground.tui.app import AsyncPlayApp
from playground.tui.code import CodeView
from playground.tui.editor import CodeEditor, changed_lines
from playground.tui.lesson_options import LessonOptions
from playground.tui.messages import RunFinished
from playground.tui.panels import ChecksPanel
from playground.tui.panels.fix import FixPanel
from playground.tui.run_pane import RunPane
from test_app import wait_until

SIZE = (160, 48)
BLOCKING = "time.sleep(1)"
FIXED = "await asyncio.sleep(1)"


class Finished:
    """The RunFinished messages the app handles (a ``message_hook``)."""

    def __init__(self) -> None:
        self.messages: list[RunFinished] = []

    def __call__(self, message: Message) -> None:
        if isinstance(message, RunFinished):
            self.messages.append(message)

    def of(self, pane: str) -> list[RunFinished]:
        return [m for m in self.messages if m.pane == pane]



def pane(app: AsyncPlayApp, name: str) -> RunPane:
    return app.screen.query_one(f"#pane-{name}", RunPane)


def title_of(app: AsyncPlayApp, name: str) -> str:
    return str(pane(app, name).border_title)


async def show_time_sleep(pilot: Pilot[None], app: AsyncPlayApp) -> None:
    lessons = app.screen.query_one("#lessons", LessonOptions)
    lessons.highlighted = lessons.get_option_index("time-sleep")
    await wait_until(pilot, lambda: app.lesson is not None and app.lesson.slug == "time-sleep",
                     timeout_s=5, what="time-sleep shown")


async def open_editor(pilot: Pilot[None], app: AsyncPlayApp, variant: str) -> CodeEditor:
    """Show time-sleep, open ``variant`` in its pane's editor (``e``, or ``v`` if the
    other variant is the one ``e`` edits) and wait for the editor to have the focus."""
    await show_time_sleep(pilot, app)
    await pilot.press("e" if app.editing.variant == variant else "v")
    editor = pane(app, variant).query_one(CodeEditor)
    await wait_until(pilot, lambda: app.focused is editor, timeout_s=5, what="editor focused")
    return editor


async def type_over(pilot: Pilot[None], editor: CodeEditor, old: str, new: str) -> int:
    """Select ``old`` in the editor and type ``new`` over it with real key presses;
    returns the (0-based) line."""
    row = next(i for i, line in enumerate(editor.text.split("\n")) if old in line)
    column = editor.text.split("\n")[row].index(old)
    editor.selection = Selection((row, column), (row, column + len(old)))
    await pilot.press(*("space" if c == " " else c for c in new))
    return row


def test_changed_lines_marks_inserted_and_replaced_lines() -> None:
    assert changed_lines("a\nb\nc", "a\nb\nc") == frozenset()
    assert changed_lines("a\nb\nc", "a\nB\nc") == {1}
    assert changed_lines("a\nb\nc", "a\nb\nx\ny\nc") == {2, 3}
    assert changed_lines("a\nb\nc", "a\nc") == {1}  # a deletion: the line after the gap


@pytest.mark.timeout(120)
async def test_editing_time_sleep_into_the_fix_runs_it_and_says_fixed(tmp_path: Path) -> None:
    lesson = load_catalog().get("time-sleep")
    assert lesson is not None
    original_bytes = lesson.path("bad").read_bytes()
    finished = Finished()
    app = AsyncPlayApp(edits=Edits(tmp_path))
    async with app.run_test(size=SIZE, message_hook=finished) as pilot:
        editor = await open_editor(pilot, app, "bad")
        # Highlighting is really on: a tree-sitter document and Python's highlight query.
        assert editor.language == "python" and editor.show_line_numbers
        assert isinstance(editor.document, SyntaxAwareDocument)
        assert editor._highlight_query is not None
        assert not pane(app, "bad").query_one(CodeView).display
        assert editor.text == lesson.source("bad") and editor.changed == frozenset()
        assert "edited" not in title_of(app, "bad")

        # Plain keys go to the editor: "b", "g", "r" and space type, they run nothing.
        row = await type_over(pilot, editor, BLOCKING, FIXED)
        assert FIXED in editor.text.split("\n")[row] and BLOCKING not in editor.text
        assert editor.changed == {row}
        assert "# MISTAKE" in editor.text.split("\n")[row]  # the lesson's marker is kept
        assert "edited" in title_of(app, "bad") and not finished.messages
        assert pane(app, "bad").state is None

        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: bool(finished.of("bad")), what="the edit's run")
        summary = finished.of("bad")[0].summary
        assert summary["target"] == "time-sleep/bad (edited)" and summary["stalls"] == []
        assert finished.of("bad")[0].state.code == editor.text
        await pilot.pause()
        fix = pane(app, "bad").query_one(FixPanel)
        shown = str(fix.visual)
        assert fix.display and "✓ fixed" in shown, shown
        assert "✓ no stall" in shown and "✓ lag max < 50 ms" in shown, shown
        assert not pane(app, "bad").query_one(ChecksPanel).display  # bad's own checks hidden
        assert lesson.path("bad").read_bytes() == original_bytes  # never written

        # Saved: to the user's folder, labelled, and back in the next app.
        await pilot.press("ctrl+s")
        saved = tmp_path / "time-sleep" / "bad.py"
        assert saved.read_text() == editor.text
        assert "saved edit" in title_of(app, "bad")
        # escape leaves the editor; the code view shows the edit; b runs it again.
        await pilot.press("escape")
        assert not editor.display and pane(app, "bad").query_one(CodeView).display
        assert pane(app, "bad").query_one(CodeView).source == editor.text
        await pilot.press("b")
        await wait_until(pilot, lambda: len(finished.of("bad")) == 2, what="b runs the edit")
        assert finished.of("bad")[1].summary["target"] == "time-sleep/bad (edited)"

    again = AsyncPlayApp(edits=Edits(tmp_path))
    async with again.run_test(size=SIZE) as pilot:
        await show_time_sleep(pilot, again)
        assert "saved edit" in title_of(again, "bad")
        assert FIXED in pane(again, "bad").query_one(CodeView).source
        editor = await open_editor(pilot, again, "bad")
        assert FIXED in editor.text and len(editor.changed) == 1
        # Reset brings back the lesson's text (undoable); saving it forgets the saved edit.
        await pilot.click("#pane-bad #reset-edit")
        assert editor.text == lesson.source("bad") and editor.changed == frozenset()
        assert "edited" not in title_of(again, "bad")
        await pilot.press("ctrl+z")
        assert FIXED in editor.text
        await pilot.click("#pane-bad #reset-edit")
        await pilot.press("ctrl+s")
        assert not saved.exists()
        assert lesson.path("bad").read_bytes() == original_bytes


async def test_v_moves_the_editor_to_the_other_variant_and_edits_are_kept_per_variant(
        tmp_path: Path) -> None:
    app = AsyncPlayApp(edits=Edits(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        bad = await open_editor(pilot, app, "bad")
        # v and / typed into the editor: a plain key is text (/ opens the lesson filter
        # elsewhere, with priority)
        await pilot.press("end", "#", "v", "slash")
        assert bad.text.split("\n")[0].endswith("#v/") and app.focused is bad
        await pilot.press("escape", "v")  # out of the editor: v opens the other variant's
        good = pane(app, "good").query_one(CodeEditor)
        assert app.focused is good and not bad.display
        assert good.text == app.lesson.source("good") if app.lesson else False
        assert "edited" in title_of(app, "bad") and "edited" not in title_of(app, "good")
        # Another lesson and back: the edit of bad is still there (kept for the app's life).
        await pilot.press("escape", "n", "p")
        await pilot.pause()
        assert app.lesson is not None and app.lesson.slug == "time-sleep"
        assert "edited" in title_of(app, "bad")
        assert pane(app, "bad").query_one(CodeView).source.split("\n")[0].endswith("#v/")
        assert not (tmp_path / "time-sleep").exists()  # nothing saved without ctrl+s


async def test_reset_from_the_palette_opens_the_editor_with_the_lesson_text_undoably(
        tmp_path: Path) -> None:
    app = AsyncPlayApp(edits=Edits(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        bad = await open_editor(pilot, app, "bad")
        await pilot.press("end", "#", "escape")
        assert not bad.display and "edited" in title_of(app, "bad")
        await pilot.press("ctrl+p")
        await pilot.press(*("space" if c == " " else c for c in "Reset edit"))  # into the palette
        await pilot.press("enter")
        await wait_until(pilot, lambda: bad.display and bad.text == bad.original, timeout_s=10,
                         what="the reset from the palette")
        assert "edited" not in title_of(app, "bad") and app.focused is bad
        await pilot.press("ctrl+z")
        assert bad.text.split("\n")[0].endswith("#")


async def test_ctrl_home_and_ctrl_end_go_to_the_start_and_end_of_the_code(tmp_path: Path) -> None:
    """ctrl+end and ctrl+home (shift: selecting) did nothing in the editor: text pasted
    "at the end" went where the cursor was."""
    app = AsyncPlayApp(edits=Edits(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_editor(pilot, app, "bad")
        end = editor.document.end
        await pilot.press("down", "down", "ctrl+end")
        assert editor.cursor_location == end
        await pilot.press("#")
        assert editor.text.endswith("#")
        await pilot.press("ctrl+home")
        assert editor.cursor_location == (0, 0)
        await pilot.press("down", "ctrl+shift+end")
        assert editor.selection == Selection((1, 0), editor.document.end)
        await pilot.press("ctrl+shift+home")
        assert editor.selection == Selection((1, 0), (0, 0))


async def test_ctrl_q_with_an_unsaved_edit_asks_again_and_a_saved_one_quits(tmp_path: Path) -> None:
    """Edits live in memory until ctrl+s: ctrl+q lost them without a word."""
    app = AsyncPlayApp(edits=Edits(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(pilot, app, "bad")
        await pilot.press("end", "#")
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.is_running and app.return_code is None
        notices = [n.message for n in app._notifications]
        assert any("time-sleep/bad.py: not saved" in m and "ctrl+q again" in m for m in notices)
        # Saved, nothing is lost: ctrl+q quits at once.
        await pilot.press("ctrl+s")
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: app.return_code is not None, timeout_s=5, what="quit")
    assert (tmp_path / "time-sleep" / "bad.py").read_text().split("\n")[0].endswith("#")


async def test_ctrl_q_twice_quits_without_the_unsaved_edit(tmp_path: Path) -> None:
    app = AsyncPlayApp(edits=Edits(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(pilot, app, "bad")
        await pilot.press("end", "#", "escape")
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.return_code is None
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: app.return_code is not None, timeout_s=5, what="quit")
    assert not (tmp_path / "time-sleep").exists()


async def test_an_edit_taken_back_to_the_lessons_text_is_not_unsaved(tmp_path: Path) -> None:
    app = AsyncPlayApp(edits=Edits(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(pilot, app, "bad")
        await pilot.press("end", "#")
        assert app.editing.unsaved() == ["time-sleep/bad.py"]
        await pilot.press("backspace")
        assert app.editing.unsaved() == []
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: app.return_code is not None, timeout_s=5, what="quit")
