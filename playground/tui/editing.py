"""Edit and re-run: the app's side of editing a lesson's variants.

:class:`Editing` opens a run pane's code in a :class:`~playground.tui.editor.CodeEditor`
(``e``; ``v`` switches between bad and good), keeps every edit per lesson and variant
for the app's life (:class:`~playground.edits.Edits`), saves it on ctrl+s to the
user's data folder, and brings back the lesson's text on reset. A run of a variant
with an edit runs the edited text (see :meth:`Editing.code`); when that variant is
the bad one, the run is also checked against the lesson's good expectations, and the
pane says which it meets ("did you fix it?"). The pane's title says "edited" or
"saved edit" while the text differs from the lesson's.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Button, Static

from playground.edits import EditError, Edits
from playground.tui.code import CodeView
from playground.tui.run_pane import RunPane, marks_for

if TYPE_CHECKING:
    from playground.catalog import Lesson
    from playground.tui.messages import RunFinished
    from playground.tui.panels.fix import FixPanel
    from playground.tui.editor import CodeEditor
    from playground.tui.app import AsyncPlayApp

__all__ = ["EditActions", "EditorBar", "EditorHint", "Editing", "saved_notice"]


def saved_notice(path: Path, folder: Path) -> str:
    """Where an edit was saved, in a notice: the edits folder (``~`` for the home folder)
    on its line, the lesson's folder and file on the next. A notice at 80 columns has 37
    for its text: the whole path broke inside a name, these two lines read whole."""
    try:
        name = path.relative_to(folder).as_posix()
    except ValueError:
        return str(path)
    try:
        place = ("~/" + folder.relative_to(Path.home()).as_posix()).removesuffix("/.")
    except ValueError:
        place = str(folder)
    return f"{place.rstrip('/')}/\n{name}"


def _hint(*keys: tuple[str, str]) -> Content:
    """Keys and what each does, two spaces apart."""
    return Content("  ").join(Content.assemble((key, "bold $text-accent"), f" {word}")
                              for key, word in keys)


#: The editor's keys, from the longest words to the shortest: the first that fits shows.
HINTS = (
    _hint(("ctrl+r", "run the edit"), ("ctrl+s", "save"), ("esc", "leave")),
    _hint(("ctrl+r", "run"), ("ctrl+s", "save"), ("esc", "leave")),
    _hint(("^r", "run"), ("^s", "save"), ("esc", "leave")),
)


class EditorHint(Static):
    """The editor's keys in the longest words that fit whole (a narrow pane cut them:
    "ctrl+r run the edit…" at 80 columns)."""

    def render(self) -> Content:
        width = self.content_size.width
        return next((hint for hint in HINTS if hint.cell_length <= width), HINTS[-1])


class EditorBar(Horizontal):
    """Above the editor: its keys, and the reset button."""

    DEFAULT_CSS = """
    EditorBar {
        height: 1;
        background: $boost;
    }
    EditorBar > Button {
        width: auto;
        min-width: 0;  /* a Button's 16 left the keys 20 columns of a pane at 80 */
    }
    EditorBar > Static {
        width: 1fr;
        padding: 0 1;
        color: $text-muted;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def compose(self) -> ComposeResult:
        yield EditorHint()
        yield Button("Reset", id="reset-edit", compact=True, variant="warning",
                     tooltip="Bring back the lesson's text (ctrl+z undoes it)")


class Editing:
    """The editors of the run panes, and the edits they hold."""

    def __init__(self, app: AsyncPlayApp, edits: Edits | None = None) -> None:
        self.app = app
        self.edits = edits if edits is not None else Edits()
        #: The variant ``e`` edits (``v`` switches it).
        self.variant = "bad"
        self._titles: dict[str, Content] = {}  # each pane's title, without the label
        self._fix_runs: dict[str, int] = {}  # pane -> the edited bad run to check as good
        # Widgets added to the panes, by pane: kept here, so that showing a lesson (every
        # move in the list) needs no query of the panes' many widgets.
        self._editors: dict[str, CodeEditor] = {}
        self._fix_panels: dict[str, FixPanel] = {}

    # ----------------------------------------------------------------- texts
    def source(self, lesson: Lesson, variant: str) -> str:
        """The text a variant's pane shows and runs: the learner's edit, else the lesson's."""
        original = self._original(lesson, variant)
        try:
            text = self.edits.text(lesson.slug, variant)
        except EditError as exc:
            self.app.notify(str(exc), title="Saved edit not loaded", severity="error", timeout=10)
            return original
        return original if text is None else text

    def code(self, lesson: Lesson, variant: str) -> str | None:
        """The edited text to run for a variant, or None when it is the lesson's own."""
        text = self.source(lesson, variant)
        return None if text == self._original(lesson, variant) else text

    @staticmethod
    def _original(lesson: Lesson, variant: str) -> str:
        try:
            return lesson.source(variant)
        except OSError as exc:
            return f"# cannot read {lesson.path(variant)}: {exc}"

    def label(self, lesson: Lesson, variant: str) -> str:
        """"edited", "saved edit" or "" (the lesson's text)."""
        text = self.source(lesson, variant)
        if text == self._original(lesson, variant):
            return ""
        try:
            return "saved edit" if text == self.edits.saved(lesson.slug, variant) else "edited"
        except EditError:
            return "edited"

    def shown(self, lesson: Lesson, variant: str) -> None:
        """A lesson's variant was just shown in its pane (its title set): add the label."""
        pane = self._pane(variant)
        if pane.border_title is not None:
            # The widget keeps a title as markup: parsed back, the label is added to it.
            self._titles[variant] = Content.from_markup(str(pane.border_title))
        self._show_label(lesson, variant)
        self._close(pane)
        if variant in self._fix_panels:
            self._fix_panels[variant].show_result(None)

    def _show_label(self, lesson: Lesson, variant: str) -> None:
        pane = self._pane(variant)
        label = self.label(lesson, variant)
        title = self._titles.get(variant, Content(""))
        if label:
            title = title + Content.styled(f" {label} ", "bold $text-warning on $warning-muted")
        pane.border_title = title

    # ---------------------------------------------------------------- editors
    def _pane(self, variant: str) -> RunPane:
        return self.app.query_one(f"#pane-{variant}", RunPane)

    def editor(self, variant: str) -> CodeEditor | None:
        """The pane's editor, if it was ever opened."""
        return self._editors.get(variant)

    async def open(self, variant: str | None = None) -> None:
        """Open ``variant`` (None: the chosen one, ``e``) of the lesson on screen in its
        pane's editor."""
        lesson = self.app.lesson
        if lesson is None:
            self.app.notify("e edits a lesson's variant; edit a file of yours in your own "
                            "editor, then o runs it again.", timeout=5)
            return
        focused = self.app.focused
        # The pane that holds the focus (a table, after --variant good...) is the one meant.
        for node in focused.ancestors_with_self if focused is not None and variant is None else ():
            if isinstance(node, RunPane) and node.pane in ("bad", "good"):
                self.variant = node.pane
                break
        variant = self.variant = variant or self.variant
        pane = self._pane(variant)
        editor = self.editor(variant)
        if editor is None:
            # Imported on the first edit: the TextArea and its tree-sitter grammar are
            # a noticeable part of the app's start-up otherwise.
            from playground.tui.editor import CodeEditor

            editor = self._editors[variant] = CodeEditor(
                on_change=lambda text: self._changed(variant, text))
            await pane.mount(EditorBar(), editor, after=pane.query_one(CodeView))
            editor.watch(pane, "state", lambda state: editor.show_marks(
                marks_for(state, pane.snippet)))
        original = self._original(lesson, variant)
        editor.load_edit(original, self.source(lesson, variant))
        editor.show_marks(marks_for(pane.state, pane.snippet))
        pane.query_one(CodeView).display = False
        pane.query_one(EditorBar).display = True
        editor.display = True
        pane.add_class("-editing")
        editor.focus()

    def close(self) -> None:
        """Leave the editors (escape): the edits are kept and shown in the code view."""
        for variant in ("bad", "good"):
            self._close(self._pane(variant))
        self.app.query_one("#lessons").focus()

    def _close(self, pane: RunPane) -> None:
        editor = self._editors.get(pane.pane)
        if editor is None or not editor.display:
            return
        editor.display = False
        pane.query_one(EditorBar).display = False
        code = pane.query_one(CodeView)
        code.source = editor.text
        code.display = True
        code.show_line(editor.cursor_location[0] + 1)  # the line edited, not the file's top
        pane.remove_class("-editing")

    def _open_variant(self) -> str | None:
        """The variant whose editor is open, if one is."""
        for variant in ("bad", "good"):
            editor = self.editor(variant)
            if editor is not None and editor.display:
                return variant
        return None

    async def switch(self) -> None:
        """Edit the other variant (``v``): an open editor moves over to it; with none
        open, the other variant than ``e`` would edit opens (it only said so, in a
        notice a user could miss, and ``v`` seemed to do nothing)."""
        open_variant = self._open_variant()
        other = "good" if (open_variant or self.variant) == "bad" else "bad"
        if open_variant is not None:
            self._close(self._pane(open_variant))
        await self.open(other)

    def unsaved(self) -> list[str]:
        """The edits that ctrl+s has not saved ("time-sleep/bad.py"): kept in memory, and
        neither the saved file's text nor, without one, the lesson's own."""
        names = []
        for (slug, variant), text in self.edits.kept().items():
            lesson = self.app.catalog.get(slug)
            try:
                saved = self.edits.saved(slug, variant)
            except EditError:
                saved = None
            if saved is None and lesson is not None:
                saved = self._original(lesson, variant)
            if text != saved:
                names.append(f"{slug}/{variant}.py")
        return names

    def _changed(self, variant: str, text: str) -> None:
        lesson = self.app.lesson
        if lesson is not None:
            self.edits.keep(lesson.slug, variant, text)
            self._show_label(lesson, variant)

    # ---------------------------------------------------------------- actions
    def run(self) -> None:
        """Run the open editor's text (ctrl+r) in its pane, as the run keys would."""
        variant = self._open_variant() or self.variant
        self.app.action_run(variant)

    def save(self) -> None:
        """Save the open editor's text (ctrl+s) to the user's data folder."""
        lesson, variant = self.app.lesson, self._open_variant()
        editor = self.editor(variant) if variant is not None else None
        if lesson is None or variant is None or editor is None:
            return
        try:
            path = self.edits.save(lesson.slug, variant, editor.text, editor.original)
        except EditError as exc:
            self.app.notify(str(exc), title="Not saved", severity="error", timeout=10)
            return
        self._show_label(lesson, variant)
        if path is None:
            self.app.notify(f"{variant}.py is the lesson's own again: no saved edit.", timeout=4)
        else:
            self.app.notify(saved_notice(path, self.edits.folder), title="Saved to", timeout=4,
                            markup=False)

    async def reset(self) -> None:
        """Bring back the lesson's text in the open editor (the chosen variant's opened
        first if none is open): one undoable change, ctrl+z brings the edit back."""
        if self.app.lesson is None:
            return
        variant = self._open_variant()
        if variant is not None:
            self.variant = variant
        editor = self.editor(self.variant)
        if editor is None or not editor.display:
            await self.open()
            editor = self.editor(self.variant)
        if editor is not None:
            editor.reset()  # its change event keeps the text and the label
            editor.focus()  # the button took the focus: give it back, ctrl+z undoes the reset

    async def reset_pressed(self, button: Button) -> None:
        """The reset button of one pane's editor bar."""
        pane = next((a for a in button.ancestors if isinstance(a, RunPane)), None)
        if pane is not None and pane.pane in ("bad", "good"):
            self.variant = pane.pane
        await self.reset()

    # ------------------------------------------------------------------- runs
    def run_started(self, variant: str, edited: bool) -> None:
        """A variant's run just started; an edited bad one is checked as good when it ends."""
        if variant in self._fix_panels:
            self._fix_panels[variant].show_result(None)
        if edited and variant == "bad":
            self._fix_runs[variant] = self._pane(variant).run_id
        else:
            self._fix_runs.pop(variant, None)

    def run_finished(self, message: RunFinished) -> None:
        """Check an edited bad variant's run against the lesson's good expectations."""
        lesson = self.app.lesson
        if self._fix_runs.get(message.pane) != message.run_id or lesson is None:
            return
        good = lesson.expect.get("good")
        if not good or message.state.stopped:
            return
        from playground.expect import check  # loaded by the run's summary already

        pane = self._pane(message.pane)
        result: dict[str, Any] = check(good, message.summary)
        pane.show_checks(None)  # the bad variant's own checks would read as failures
        self._fix_panel(pane).show_result(result)

    def _fix_panel(self, pane: RunPane) -> FixPanel:
        panel = self._fix_panels.get(pane.pane)
        if panel is None:
            from playground.tui.panels import ChecksPanel
            from playground.tui.panels.fix import FixPanel

            panel = self._fix_panels[pane.pane] = FixPanel()
            pane.mount(panel, after=pane.query_one(ChecksPanel))
        return panel


class EditActions(App[None]):
    """The app's editing keys (``e``, ``v``, ctrl+r, ctrl+s, reset, escape), each handed
    to the app's :class:`Editing`; and ctrl+q, which asks again while an edit is unsaved."""

    editing: Editing
    #: When ctrl+q last warned of unsaved edits (a second press within QUIT_AGAIN_S quits).
    _quit_warned_at: float | None = None
    QUIT_AGAIN_S = 5.0

    async def action_quit(self) -> None:
        unsaved = self.editing.unsaved()
        now = time.monotonic()
        warned = self._quit_warned_at
        if unsaved and (warned is None or now - warned > self.QUIT_AGAIN_S):
            self._quit_warned_at = now
            names = ", ".join(unsaved[:3]) + (f" and {len(unsaved) - 3} more" if len(unsaved) > 3 else "")
            self.notify(f"{names}: not saved (ctrl+s in the editor saves). "
                        "ctrl+q again quits without them.", title="Unsaved edits",
                        severity="warning", timeout=self.QUIT_AGAIN_S)
            return
        await super().action_quit()

    async def action_edit(self) -> None:
        await self.editing.open()

    async def action_switch_variant(self) -> None:
        await self.editing.switch()

    def action_run_edit(self) -> None:
        self.editing.run()

    def action_save_edit(self) -> None:
        self.editing.save()

    async def action_reset_edit(self) -> None:
        await self.editing.reset()

    def action_close_editor(self) -> None:
        self.editing.close()

    @on(Button.Pressed, "#reset-edit")
    async def reset_pressed(self, event: Button.Pressed) -> None:
        await self.editing.reset_pressed(event.button)
