"""The lesson side of the screen: the list of lessons, and the texts of the chosen one.

The list is the learning path: a heading per level (not selectable: the cursor skips
it), then that level's lessons, numbered along the whole path (one widget:
:mod:`playground.tui.lesson_options`). Broken lesson folders
are listed under the lessons with the file at fault and the problem, never hidden: a
workshop author sees at once what to fix.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from playground.catalog import Catalog, Lesson, LessonError
from playground.tui.filter import LessonFilter
from playground.tui.formatting import inline_code, lesson_prose
from playground.tui.lesson_options import LessonOption, LessonOptions, LevelOption

__all__ = ["BrokenLessons", "LessonInfo", "LessonList"]


class BrokenLessons(Vertical):
    """Lesson folders that failed to load: each folder once, with all of its problems."""

    def __init__(self, errors: tuple[LessonError, ...], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.errors = errors

    def compose(self) -> ComposeResult:
        by_folder: dict[str, list[Content]] = {}
        for error in self.errors:
            path = error.path
            if path.is_dir() or not path.suffix:
                folder, file = path.name, ""
            else:
                folder, file = path.parent.name, f"{path.name}: "
            by_folder.setdefault(folder, []).append(
                Content.assemble((file, "$text-muted"), (error.problem, "$text-error")))
        for folder, problems in by_folder.items():
            yield Static(Content.assemble(("✗ ", "bold $error"), (folder, "bold")), classes="broken-folder")
            yield Static(Content("\n").join(problems), classes="broken-problems")
        self.border_title = Content.styled(f"broken lessons ({len(by_folder)})", "bold $error")
        self.tooltip = Content("\n".join(str(error) for error in self.errors))

    def on_mount(self) -> None:
        self.display = bool(self.errors)


class LessonList(Vertical):
    """The lessons (grouped by level, in catalog order) and, below them, the folders
    that are broken; above them, when ``/`` opens it, the filter."""

    BINDINGS = [Binding("escape", "clear_filter", "Clear the filter", show=False)]

    def __init__(self, catalog: Catalog, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.catalog = catalog

    def compose(self) -> ComposeResult:
        options: list[LessonOption | LevelOption] = []
        number = 0
        for level, lessons in self.catalog.by_level():
            options.append(LevelOption(level))
            for lesson in lessons:
                number += 1
                options.append(LessonOption(lesson, number))
        lesson_options = LessonOptions(*options, id="lessons")
        lesson_options.border_title = "lessons"
        if options:
            lesson_options.border_subtitle = Content.styled("/ filter", "$text-muted")
        yield LessonFilter(lesson_options, id="lesson-filter")
        yield lesson_options
        if not options:
            yield Static(Content.styled("No lessons found.", "$text-muted"), id="no-lessons")
        with VerticalScroll(id="broken-scroll"):
            yield BrokenLessons(self.catalog.errors, id="broken")

    def on_mount(self) -> None:
        self.query_one("#broken-scroll").display = bool(self.catalog.errors)

    def action_clear_filter(self) -> None:
        lesson_filter = self.query_one(LessonFilter)
        if lesson_filter.display:
            lesson_filter.clear()


class LessonInfo(Vertical):
    """The chosen lesson's title, summary, why it matters and what to watch."""

    def __init__(self, broken_folders: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.broken_folders = broken_folders

    def compose(self) -> ComposeResult:
        if self.broken_folders:
            # Shown (by the stylesheet) only while the lesson list, and its broken
            # folders, are out of sight.
            many = "s" if self.broken_folders > 1 else ""
            yield Static(Content.assemble(
                (f"✗ {self.broken_folders} broken lesson folder{many}", "bold $error"),
                (" · press ", "$text-muted"), ("l", "bold"), (" to see the lesson list", "$text-muted")),
                id="broken-note")
        yield Static(id="lesson-heading")
        with Horizontal(id="lesson-texts"):
            yield Static(id="why", classes="lesson-text")
            yield Static(id="watch", classes="lesson-text")

    def show_lesson(self, lesson: Lesson) -> None:
        """Show a lesson's texts."""
        self.set_class(False, "-file")
        self.query_one("#lesson-heading", Static).update(Content.assemble(
            (lesson.title, "bold $text-primary"),
            ("   " + "  ".join(f"#{tag}" for tag in lesson.tags), "$text-muted"),
            ("\n", ""),
            inline_code(lesson.summary),
            *((("\n", ""), (f"Not available: {lesson.unavailable}", "bold $text-warning"))
              if lesson.unavailable else ()),
        ))
        self.query_one("#why", Static).update(
            Content.styled("Why it matters\n", "bold $text-secondary") + lesson_prose(lesson.why))
        self.query_one("#watch", Static).update(
            Content.styled("What to watch\n", "bold $text-secondary") + lesson_prose(lesson.watch))

    def show_file(self, path: str) -> None:
        """Show that the panes below run a file of the user's, not a lesson."""
        self.set_class(True, "-file")
        self.query_one("#lesson-heading", Static).update(Content.assemble(
            ("Your file  ", "bold $text-primary"), (path, "bold"), ("\n", ""),
            ("Runs in the same sandbox as the lessons; press ", "$text-muted"), ("b", "bold"),
            (" to run it again, ", "$text-muted"), ("s", "bold"), (" to stop it, or pick a lesson.", "$text-muted"),
        ))

