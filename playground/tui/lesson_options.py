"""The lesson list as one widget: an option per level heading and per lesson.

One :class:`~textual.widgets.OptionList` draws every line of the list itself: a widget
per lesson (some 40 of them) cost the app's start-up their styling, layout and drawing,
and again on each change of the list's layout (the filter). Headings are disabled
options, which the cursor skips; a lesson's option draws its number, then its title and
tags wrapped beside it (at spaces; a word longer than the line breaks after ``_``, ``-``,
``.`` or ``/`` when it can). The filter hides lessons (and the headings left empty)
without removing them: the options keep their places, so the cursor stays on the lesson
shown even while the filter hides it, and ``n`` and ``p`` step from there.
"""

from __future__ import annotations

import re
from typing import ClassVar

from rich.cells import cell_len
from textual import _widget_navigation, events
from textual.content import Content
from textual.css.styles import RulesMap
from textual.geometry import Region
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from playground.catalog import Lesson

__all__ = ["LessonOption", "LessonOptions", "LevelOption", "wrap_words"]

#: Where a word too long for a line may break: after these characters.
_BREAKS_AFTER = "_-./"


def wrap_words(text: Content, width: int) -> list[Content]:
    """``text`` in lines of at most ``width`` cells, broken at spaces.

    A word is broken only when it alone is longer than the line: after one of
    ``_ - . /`` where it can (``run_until_`` / ``complete()``), else at the line's end.
    Textual's own wrap broke a word it had moved to a line of its own at the last cell
    (``run_until_complete`` / ``()``).
    """
    return [text[start:end] for start, end in _spans(text.plain, width)] or [Content("")]


def _spans(plain: str, width: int) -> list[tuple[int, int]]:
    """Where each of ``wrap_words``'s lines starts and ends in ``plain``: counting them
    needs no :class:`Content`."""
    width = max(1, width)
    pieces: list[tuple[int, int]] = []
    for word in re.finditer(r"\S+", plain):
        pieces += _pieces(plain, word.start(), word.end(), width)
    lines: list[tuple[int, int]] = []
    for start, end in pieces:
        # A piece joins the line (with the spaces before it) if the line still fits.
        if lines and cell_len(plain[lines[-1][0]:end]) <= width:
            lines[-1] = (lines[-1][0], end)
        else:
            lines.append((start, end))
    return lines


def _pieces(plain: str, start: int, end: int, width: int) -> list[tuple[int, int]]:
    """The word ``plain[start:end]`` whole if it fits ``width``, else in pieces that do."""
    if cell_len(plain[start:end]) <= width:
        return [(start, end)]
    pieces: list[tuple[int, int]] = []
    piece_start = start
    for index in range(start, end):
        if plain[index] in _BREAKS_AFTER or index == end - 1:
            pieces += _fold(plain, piece_start, index + 1, width)
            piece_start = index + 1
    return pieces


def _fold(plain: str, start: int, end: int, width: int) -> list[tuple[int, int]]:
    """``plain[start:end]`` cut into pieces of at most ``width`` cells."""
    pieces: list[tuple[int, int]] = []
    piece_start, cells = start, 0
    for index in range(start, end):
        char_cells = cell_len(plain[index])
        if cells + char_cells > width and index > piece_start:
            pieces.append((piece_start, index))
            piece_start, cells = index, 0
        cells += char_cells
    pieces.append((piece_start, end))
    return pieces


class _Prompt(Visual):
    """An option's drawing: texts wrapped beside a gutter (``indent`` cells wide), of
    no height while the filter hides it.

    The list asks every option's height (at each width it tries: the first layout tries
    the list's width, then the width beside the scrollbar its lines call for), but
    draws only the options in view: a height is counted from the plain texts (kept per
    width), the lines themselves are made only to be drawn (kept for the last width).
    """

    #: The gutter's width: the texts wrap beside it.
    indent = 0

    def __init__(self) -> None:
        self.shown = True
        self._heights: dict[int, int] = {}
        self._wrapped: tuple[int, list[Content]] | None = None

    def texts(self) -> list[Content]:
        """The texts, each wrapped from a line of its own."""
        raise NotImplementedError

    def gutter(self) -> Content:
        """What the first line's gutter shows."""
        return Content("")

    def lines(self, width: int) -> list[Content]:
        """The option's lines at ``width`` cells (kept for the last width asked)."""
        if self._wrapped is None or self._wrapped[0] != width:
            lines: list[Content] = []
            for text in self.texts():
                lines += wrap_words(text, width - self.indent)
            if self.indent:
                gutter = self.gutter()
                gutters = [gutter.pad_right(max(0, self.indent - gutter.cell_length))] + \
                    [Content(" " * self.indent)] * (len(lines) - 1)
                lines = [gutter + line for gutter, line in zip(gutters, lines)]
            self._wrapped = (width, lines)
        return self._wrapped[1]

    def line_count(self, width: int) -> int:
        """How many lines :meth:`lines` makes at ``width``, counted without making them."""
        count = self._heights.get(width)
        if count is None:
            count = self._heights[width] = sum(
                max(1, len(_spans(text.plain, width - self.indent))) for text in self.texts())
        return count

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return container_width

    def get_height(self, rules: RulesMap, width: int) -> int:
        return self.line_count(width) if self.shown else 0

    def render_strips(self, width: int, height: int | None, style: Style,
                      options: RenderOptions) -> list[Strip]:
        return Content("\n").join(self.lines(width)).render_strips(width, height, style, options)


class _LessonPrompt(_Prompt):
    #: The number's column ("10. "): the title and tags wrap beside it.
    indent = 4

    def __init__(self, lesson: Lesson, number: int) -> None:
        super().__init__()
        self.lesson = lesson
        self.number = number

    def texts(self) -> list[Content]:
        texts = [Content.styled(self.lesson.title, "bold")]
        if self.lesson.unavailable:
            texts.append(Content.styled(f"not available: {self.lesson.unavailable}", "$text-warning"))
        elif self.lesson.tags:
            texts.append(Content.styled(" · ".join(self.lesson.tags), "$text-muted"))
        return texts

    def gutter(self) -> Content:
        return Content.styled(f"{self.number}.", "$text-muted")


class _HeadingPrompt(_Prompt):
    def __init__(self, level: str) -> None:
        super().__init__()
        self.level = level

    def texts(self) -> list[Content]:
        return [Content.styled(self.level, "bold $text-secondary")]


class _ListOption(Option):
    """An option of the lesson list: its drawing wraps to the list's width, and the
    filter can hide it."""

    def __init__(self, drawing: _Prompt, *, id: str | None = None, disabled: bool = False) -> None:
        super().__init__(drawing, id=id, disabled=disabled)
        self._drawing = drawing

    @property
    def shown(self) -> bool:
        """Whether the filter keeps the option in the list."""
        return self._drawing.shown

    @shown.setter
    def shown(self, shown: bool) -> None:
        self._drawing.shown = shown

    def lines(self, width: int) -> list[Content]:
        """What the option shows in ``width`` cells, line by line."""
        return self._drawing.lines(width)


class LessonOption(_ListOption):
    """A lesson's option: its number, then its title and its tags (or why it is not
    available) beside it."""

    def __init__(self, lesson: Lesson, number: int) -> None:
        super().__init__(_LessonPrompt(lesson, number), id=lesson.slug)
        self.lesson = lesson
        self.number = number


class LevelOption(_ListOption):
    """A level's heading (disabled: the cursor passes it by; shown while the filter
    keeps some lesson of the level)."""

    def __init__(self, level: str) -> None:
        super().__init__(_HeadingPrompt(level), disabled=True)
        self.level = level


class LessonOptions(OptionList):
    """The list of lessons, a heading per level: ``up``, ``down``, ``home``, ``end``,
    ``page up`` and ``page down`` move its cursor past the headings and the lessons the
    filter hides, and stop at the ends; enter or a click opens the lesson."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"lesson-options--candidate"}

    def __init__(self, *options: LessonOption | LevelOption, id: str | None = None) -> None:
        super().__init__(*options, id=id)
        #: The filter's candidate (an option's index), marked while the filter is typed in.
        self.candidate: int | None = None
        self._drawn_width = 0

    def _on_resize(self, event: events.Resize | None = None) -> None:
        # OptionList forgets every option's drawing on any resize (its handler, which
        # this one replaces); the drawings depend on the width alone (checked as the
        # lines are counted), and the filter, shown above the list, changes its height.
        if event is not None:
            event.prevent_default()
        self._update_lines()
        self.refresh()

    def _update_lines(self) -> None:
        # The options are drawn, and their lines counted, for the width of the list's
        # content: a scrollbar that comes or goes changes it without a resize.
        width = self.scrollable_content_region.width
        if width != self._drawn_width:
            self._drawn_width = width
            self._option_render_cache.clear()
            self._line_cache.clear()
        super()._update_lines()

    @property
    def lesson_options(self) -> list[LessonOption]:
        """The lessons' options, in the list's order (hidden ones too)."""
        return [option for option in self.options if isinstance(option, LessonOption)]

    @property
    def level_options(self) -> list[LevelOption]:
        """The headings' options, in the list's order (hidden ones too)."""
        return [option for option in self.options if isinstance(option, LevelOption)]

    @property
    def highlighted_lesson(self) -> Lesson | None:
        """The lesson under the cursor (hidden by the filter or not)."""
        option = self.highlighted_option
        return option.lesson if isinstance(option, LessonOption) else None

    def lines_of(self, option: LessonOption | LevelOption) -> list[Content]:
        """What ``option`` shows at the list's width now, line by line."""
        padding = self.get_component_styles("option-list--option").padding
        return option.lines(self.scrollable_content_region.width - padding.width)

    def index_of(self, lesson: Lesson) -> int | None:
        """The index of ``lesson``'s option, if the list holds it."""
        return next((index for index, option in enumerate(self.options)
                     if isinstance(option, LessonOption) and option.lesson == lesson), None)

    def highlight(self, lesson: Lesson) -> None:
        """Move the cursor to ``lesson``."""
        index = self.index_of(lesson)
        if index is not None:
            self.highlighted = index

    def show_only(self, lessons: set[str] | None) -> None:
        """Show the lessons of these slugs (and their levels' headings), or all (None);
        hidden ones are disabled, so the cursor skips them."""
        levels: set[str] = set()
        changed = False
        for option in self.lesson_options:
            shown = lessons is None or option.lesson.slug in lessons
            changed |= option.shown != shown
            option.shown = shown
            option.disabled = not shown
            if shown:
                levels.add(option.lesson.level_name)
        for heading in self.level_options:
            changed |= heading.shown != (heading.level in levels)
            heading.shown = heading.level in levels
        if changed:
            # Only the lines' places change (counted again, cheaply: each option keeps
            # its wrapped lines); an option's drawing is the same wherever it shows, and
            # stays kept (OptionList's cache, by option and look).
            self._line_cache.clear()
            self._update_lines()
            self.refresh()

    def mark_candidate(self, index: int | None) -> None:
        """Mark the filter's candidate (None: no mark) and scroll it into view."""
        self.candidate = index
        self.refresh()
        if index is not None:
            self._scroll_to_option(index)

    def option_region(self, index: int) -> Region:
        """Where the option at ``index`` is in the list's content (scrolled or not);
        empty when the list is not laid out yet, or the filter hides the option."""
        self._update_lines()
        y = self._index_to_line.get(index)
        if y is None:
            return Region()
        return Region(0, y, self.scrollable_content_region.width, self._heights.get(index, 0))

    def _scroll_to_option(self, index: int) -> None:
        region = self.option_region(index)
        if region and self.is_mounted:
            self.scroll_to_region(region, force=True, animate=False, immediate=True)

    def render_line(self, y: int) -> Strip:
        candidate = self.candidate
        if candidate is not None:
            line = self.scroll_offset.y + y
            lines = self._lines
            if line < len(lines) and lines[line][0] == candidate:
                # The candidate's mark above the cursor's (the filter has the focus).
                style = self.get_visual_style("option-list--option", "lesson-options--candidate")
                return self._get_option_render(self.options[candidate], style)[lines[line][1]]
        return super().render_line(y)

    # The cursor stops at the ends (OptionList wraps around): n at the last lesson stays.
    def action_cursor_down(self) -> None:
        self._step(1)

    def action_cursor_up(self) -> None:
        self._step(-1)

    def _step(self, direction: _widget_navigation.Direction) -> None:
        if self.highlighted is None:
            self.highlighted = _widget_navigation.find_first_enabled(self.options) if direction > 0 \
                else _widget_navigation.find_last_enabled(self.options)
            return
        index = _widget_navigation.find_next_enabled_no_wrap(self.options, self.highlighted, direction)
        if index is not None:
            self.highlighted = index

    def action_page_up(self) -> None:
        self._page(-1)

    def action_page_down(self) -> None:
        self._page(1)

    def _page(self, direction: int) -> None:
        """Highlight the lesson a page (the list's height) below (1) or above (-1): the
        farthest one that starts within a page, at least the next one."""
        enabled = [index for index, option in enumerate(self.options) if not option.disabled]
        if self.highlighted is None:
            if enabled:
                self.highlighted = enabled[0] if direction > 0 else enabled[-1]
            return
        ahead = [i for i in enabled if (i - self.highlighted) * direction > 0]
        if not ahead:
            return
        starts = self._index_to_line
        target = starts[self.highlighted] + direction * max(1, self.scrollable_content_region.height - 1)
        within = [i for i in ahead if (target - starts[i]) * direction >= 0]
        nearest = ahead[0] if direction > 0 else ahead[-1]
        self.highlighted = (max(within) if direction > 0 else min(within)) if within else nearest
