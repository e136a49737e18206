"""The code editor of a run pane: a lesson variant's code, editable, its changes marked.

A Textual ``TextArea`` in code-editor mode: Python highlighting (tree-sitter, from
``textual[syntax]``), line numbers, tab indents. The gutter marks each line that
differs from the lesson's text (``▎``) and the lines the latest run blamed (``▶`` a
stall, ``✗`` an error, ``!`` a warning), so an edit and its effect are read in one
place. A focused TextArea takes plain keys, so the editor's own keys are ctrl keys
(run, save) with priority; escape, which code-editor mode would use to move focus,
leaves the editor instead (the edit is kept).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable

from rich.segment import Segment
from textual import events
from textual.binding import Binding
from textual.strip import Strip
from textual.widgets import TextArea

from playground.tui.code import LineMark

__all__ = ["CodeEditor", "changed_lines"]

# A run's mark outranks "changed" on a line; among marks, as in the code view.
_MARK_RANK = {"changed": 0, "warning": 1, "error": 2, "stall": 3, "live": 4}
_MARK_SYMBOL = {"changed": "▎", "warning": "!", "error": "✗", "stall": "▶", "live": "▶"}


def changed_lines(original: str, text: str) -> frozenset[int]:
    """The 0-based lines of ``text`` that differ from ``original`` (inserted or
    replaced; where lines were only deleted, the line that follows the gap)."""
    before, after = original.split("\n"), text.split("\n")
    changed: set[int] = set()
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, _i1, _i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "insert"):
            changed.update(range(j1, j2))
        elif tag == "delete":
            changed.add(min(j1, len(after) - 1))
    return frozenset(changed)


class CodeEditor(TextArea):
    """A lesson variant's code, editable, with changed and blamed lines marked."""

    DEFAULT_CSS = """
    CodeEditor, CodeEditor:focus {
        height: 1fr;
        min-height: 5;
        border: none;
        padding: 0;
        scrollbar-size: 1 1;
    }
    CodeEditor > .code-editor--changed { color: $warning; text-style: bold; }
    CodeEditor > .code-editor--stall { color: $error; text-style: bold; }
    CodeEditor > .code-editor--warning { color: $warning; text-style: bold; }
    """
    COMPONENT_CLASSES = {"code-editor--changed", "code-editor--stall", "code-editor--warning"}
    BINDINGS = [
        Binding("ctrl+r", "app.run_edit", "Run edit", priority=True),
        Binding("ctrl+s", "app.save_edit", "Save edit", priority=True),
        Binding("escape", "app.close_editor", "Leave editor"),  # see _on_key
        # TextArea moves only within a line on home/end; editors go to the code's ends.
        Binding("ctrl+home", "code_end(False, False)", "Start of the code", show=False),
        Binding("ctrl+end", "code_end(True, False)", "End of the code", show=False),
        Binding("ctrl+shift+home", "code_end(False, True)", "Select to the start", show=False),
        Binding("ctrl+shift+end", "code_end(True, True)", "Select to the end", show=False),
    ]

    def __init__(self, *, on_change: Callable[[str], None] | None = None) -> None:
        super().__init__("", language="python", theme="css", soft_wrap=False,
                         tab_behavior="indent", show_line_numbers=True, id="editor")
        self.original = ""
        self.changed: frozenset[int] = frozenset()
        self.marks: tuple[LineMark, ...] = ()
        self._on_change = on_change
        self._gutter: dict[int, str] = {}

    def load_edit(self, original: str, text: str) -> None:
        """Show ``text`` (an edit of ``original``, or ``original`` itself), undo history fresh."""
        self.original = original
        self.load_text(text)
        self._mark_changes()

    def reset(self) -> None:
        """Bring back the original text (one undoable change: ctrl+z brings the edit back)."""
        if self.text != self.original:
            self.replace(self.original, self.document.start, self.document.end)

    def action_code_end(self, end: bool, select: bool) -> None:
        """Move the cursor to the end (or the start) of the code, selecting if ``select``."""
        self.move_cursor(self.document.end if end else self.document.start, select=select)

    def show_marks(self, marks: tuple[LineMark, ...]) -> None:
        """Mark the lines a run points at (1-based lines, as a run reports them)."""
        if marks != self.marks:
            self.marks = marks
            self._update_gutter()

    # ----------------------------------------------------------------- events
    async def _on_key(self, event: events.Key) -> None:
        if event.key == "escape":
            # Code-editor mode moves focus on escape; here it leaves the editor.
            event.stop()
            event.prevent_default()
            await self.run_action("app.close_editor")
            return
        await super()._on_key(event)

    def on_resize(self) -> None:
        # The pane takes rows back when a run's panels (or the scoreboard) appear: the
        # line being edited stays in sight.
        self.call_after_refresh(self.scroll_cursor_visible)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if event.text_area is self:
            self._mark_changes()
            if self._on_change is not None:
                self._on_change(self.text)

    # ---------------------------------------------------------------- drawing
    def _mark_changes(self) -> None:
        changed = changed_lines(self.original, self.text) if self.text != self.original else frozenset()
        if changed != self.changed:
            self.changed = changed
            self._update_gutter()

    def _update_gutter(self) -> None:
        gutter: dict[int, str] = {line: "changed" for line in self.changed}
        for mark in self.marks:
            line = mark.line - 1
            if _MARK_RANK.get(mark.kind, 0) > _MARK_RANK.get(gutter.get(line, ""), -1):
                gutter[line] = mark.kind
        self._gutter = gutter
        self.refresh()

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        if not self._gutter or not self.show_line_numbers:
            return strip
        kind = self._gutter.get(self.scroll_offset.y + y)  # no soft wrap: a row is a line
        width = self.gutter_width
        if kind is None or width < 3 or strip.cell_length < width:
            return strip
        # The number is right-aligned before two spaces; the mark takes the first one.
        left, middle, right = strip.divide([width - 2, width - 1, strip.cell_length])
        component = {"changed": "code-editor--changed", "warning": "code-editor--warning"}.get(
            kind, "code-editor--stall")
        base = next((s.style for s in middle if s.style is not None), None)
        style = self.get_component_rich_style(component, partial=True)
        mark = Segment(_MARK_SYMBOL[kind], base + style if base is not None else style)
        return Strip.join([left, Strip([mark], 1), right])
