"""The lesson side of the screen: the list of lessons, and the texts of the chosen one.

The list is the learning path: a heading per level (not selectable: the cursor skips
it), then that level's lessons, numbered along the whole path. Broken lesson folders
are listed under the lessons with the file at fault and the problem, never hidden: a
workshop author sees at once what to fix.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.geometry import Size
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.strip import Strip
from textual.style import Style as VisualStyle
from textual.visual import Visual
from textual.widget import Widget, _RenderCache
from textual.widgets import ListItem, ListView, Static

from playground.catalog import Catalog, Lesson, LessonError
from playground.tui.filter import LessonFilter
from playground.tui.formatting import inline_code, lesson_prose

__all__ = ["BrokenLessons", "LessonInfo", "LessonItem", "LessonList", "LessonListView", "LevelHeading"]


class LevelHeading(ListItem):
    """A level's heading in the lesson list (disabled, so the cursor passes it by)."""

    def __init__(self, level: str) -> None:
        super().__init__(disabled=True, classes="level-heading")
        self.level = level

    def render(self) -> Content:
        return Content.styled(self.level, "bold $text-secondary")


class LessonItem(ListItem):
    """One lesson in the list: its number, then its title and its tags beside it.

    One widget that draws its own lines (not a label per part): the list holds every
    lesson, and each widget costs the app's start-up its styles, layout and drawing.
    """

    #: The number's column ("10. "): the title and tags wrap beside it.
    NUMBER_WIDTH = 4

    def __init__(self, lesson: Lesson, number: int) -> None:
        super().__init__(id=f"lesson-{_css_id(lesson.slug)}")
        self.lesson = lesson
        self.number = number
        self._wrapped: tuple[int, list[Content]] | None = None
        self._drawn: dict[tuple[Size, VisualStyle], list[Strip]] = {}

    def _texts(self) -> list[Content]:
        texts = [Content.styled(self.lesson.title, "bold")]
        if self.lesson.unavailable:
            texts.append(Content.styled(f"not available: {self.lesson.unavailable}", "$text-warning"))
        elif self.lesson.tags:
            texts.append(Content.styled(" · ".join(self.lesson.tags), "$text-muted"))
        return texts

    def lines(self, width: int) -> list[Content]:
        """The item's lines at ``width`` cells: the number, then the texts wrapped beside it."""
        if self._wrapped is not None and self._wrapped[0] == width:
            return self._wrapped[1]
        column = self.NUMBER_WIDTH
        text_width = max(1, width - column)
        lines: list[Content] = []
        for text in self._texts():
            lines += text.wrap(text_width)
        number = Content.styled(f"{self.number}.", "$text-muted")
        gutters = [number.pad_right(max(0, column - number.cell_length))] + \
            [Content(" " * column)] * (len(lines) - 1)
        lines = [gutter + line for gutter, line in zip(gutters, lines)]
        self._wrapped = (width, lines)
        return lines

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines(width))

    def render(self) -> Content:
        return Content("\n").join(self.lines(self.content_size.width))

    def _render_content(self) -> None:
        # Kept drawn for each look: the list's focus (the filter takes it and gives it
        # back) tints every item, and each was drawn again on each change (some 35
        # items, tens of ms while a run keeps the loop busy). A look drawn before is
        # taken back; a selection of text is drawn as ever.
        size, style = self.size, self.visual_style
        if self.text_selection is not None:
            self._drawn.clear()
            super()._render_content()
            return
        strips = self._drawn.get((size, style))
        if strips is None:
            if len(self._drawn) >= 8:
                self._drawn.clear()
            strips = Visual.to_strips(self, self._render(), size.width, size.height, style)
            self._drawn[size, style] = strips
        self._render_cache = _RenderCache(size, strips)
        self._dirty_regions.clear()


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


class LessonListView(ListView):
    """The list of lessons: ``home``, ``end``, ``page up`` and ``page down`` move its
    cursor (a plain ListView only scrolled, leaving the cursor, and the lesson on
    screen, where they were), passing by the headings and the filter's misses."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home", "first_lesson", "First lesson", show=False),
        Binding("end", "last_lesson", "Last lesson", show=False),
        Binding("pageup", "page_lessons(-1)", "A page up", show=False),
        Binding("pagedown", "page_lessons(1)", "A page down", show=False),
    ]

    def watch_has_focus(self, _has_focus: bool) -> None:
        # Textual styles the list and every item again as the focus comes or goes (the
        # filter takes it and gives it back: some 50 widgets, 20 ms under load). Focus
        # changes the looks of the list and its highlighted item alone (ListView's
        # ``:focus`` rules); the other items only draw again on the list's new tint.
        highlighted = self.highlighted_child
        styled = [self] if highlighted is None else [self, *highlighted.walk_children(with_self=True)]
        self.app.stylesheet.update_nodes(styled, animate=True)
        for node in self.walk_children():
            if node not in styled and isinstance(node, Widget):
                node.notify_style_update()
                node.refresh()

    def _enabled(self) -> list[int]:
        # Headings and the lessons the filter hides are disabled: the cursor skips them.
        return [index for index, item in enumerate(self.children) if not item.disabled]

    def action_first_lesson(self) -> None:
        """Highlight the first lesson."""
        if enabled := self._enabled():
            self.index = enabled[0]

    def action_last_lesson(self) -> None:
        """Highlight the last lesson."""
        if enabled := self._enabled():
            self.index = enabled[-1]

    def action_page_lessons(self, direction: int) -> None:
        """Highlight the lesson a page (the list's height) below (1) or above (-1)."""
        enabled = self._enabled()
        if self.index is None:
            if enabled:
                self.index = enabled[0] if direction > 0 else enabled[-1]
            return
        top = self.children[self.index].virtual_region.y
        target = top + direction * max(1, self.scrollable_content_region.height - 1)
        ahead = [i for i in enabled if (i - self.index) * direction > 0]
        if not ahead:
            return
        # The farthest lesson that starts within a page; at least the next one.
        within = [i for i in ahead if (target - self.children[i].virtual_region.y) * direction >= 0]
        nearest = ahead[0] if direction > 0 else ahead[-1]
        farthest = (max(within) if direction > 0 else min(within)) if within else nearest
        self.index = farthest


class LessonList(Vertical):
    """The lessons (grouped by level, in catalog order) and, below them, the folders
    that are broken; above them, when ``/`` opens it, the filter."""

    BINDINGS = [Binding("escape", "clear_filter", "Clear the filter", show=False)]

    def __init__(self, catalog: Catalog, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.catalog = catalog

    def compose(self) -> ComposeResult:
        items: list[ListItem] = []
        number = 0
        for level, lessons in self.catalog.by_level():
            items.append(LevelHeading(level))
            for lesson in lessons:
                number += 1
                items.append(LessonItem(lesson, number))
        list_view = LessonListView(*items, id="lessons")
        list_view.border_title = "lessons"
        if items:
            list_view.border_subtitle = Content.styled("/ filter", "$text-muted")
        yield LessonFilter(list_view, id="lesson-filter")
        yield list_view
        if not items:
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


def _css_id(slug: str) -> str:
    """A slug made safe for a CSS id (slugs may hold dots)."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in slug)
