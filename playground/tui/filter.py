"""The lesson filter: ``/``, then typing narrows the lesson list (title, slug, tag).

The filter is an :class:`~textual.widgets.Input` above the list, so every key typed
goes to it (``cpu`` never runs ``p``). While it has the focus the list's own cursor
does not move: a *candidate* is marked instead (the best match: the words in a lesson's
title or slug before a tag alone; or the one chosen with up and down), so typing never
switches the lesson on screen nor stops its runs.
Enter opens the candidate (through the list's own selection, as a click would) and
leaves the list narrowed, so ``n`` and ``p`` step through the matches; escape clears
the filter, in the filter or in the list. A screen too narrow for the list shows it
while the filter is open, and hides it again once enter has opened a lesson.
"""

from __future__ import annotations

import sys
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Input, Static

from playground.catalog import Lesson
from playground.tui.lesson_options import LessonOption, LessonOptions

__all__ = ["LessonFilter", "lesson_matches", "takes_typing"]


def takes_typing(widget: Widget | None) -> bool:
    """Whether ``widget`` takes typed text (the filter, an editor): there ``/`` is typed,
    it does not open the filter."""
    if isinstance(widget, Input):
        return True
    # TextArea is imported with the editor, on first use: before that none exists.
    text_area = sys.modules.get("textual.widgets._text_area")
    return text_area is not None and isinstance(widget, text_area.TextArea)


def lesson_matches(lesson: Lesson, query: str) -> bool:
    """Whether every word of ``query`` is part of the lesson's title, slug or a tag
    (case ignored; an empty query matches every lesson)."""
    return match_rank(lesson, query) is not None


def match_rank(lesson: Lesson, query: str) -> int | None:
    """How well the lesson matches ``query``: 0 when every word is in its title or slug,
    1 when some are only in its tags; None when it does not match. ``cpu`` finds three
    lessons; the one with "cpu" in its name comes before one only tagged "cpu"."""
    words = query.casefold().split()
    name = " ".join((lesson.title, lesson.slug)).casefold()
    tags = " ".join(lesson.tags).casefold()
    if not all(word in name or word in tags for word in words):
        return None
    return 0 if all(word in name for word in words) else 1


class FilterInput(Input):
    """The filter's text; up and down choose among the matches without leaving it."""

    BINDINGS = [
        Binding("down", "candidate(1)", "Next match", show=False),
        Binding("up", "candidate(-1)", "Previous match", show=False),
        Binding("escape", "clear_filter", "Clear the filter", show=False),
    ]

    @property
    def focusable(self) -> bool:
        # Hidden with its filter, it must not take the focus: Textual's auto focus (the
        # screen resumed after help, at 80x24 where the hidden list had not taken it)
        # chose it, and the keys typed then went into the hidden filter.
        return super().focusable and self.parent is not None and self.parent.display

    def action_candidate(self, step: int) -> None:
        filter_ = self.parent
        if isinstance(filter_, LessonFilter):
            filter_.move_candidate(step)

    def action_clear_filter(self) -> None:
        filter_ = self.parent
        if isinstance(filter_, LessonFilter):
            filter_.clear()


class LessonFilter(Vertical):
    """The filter line above the lesson list, and how many lessons it keeps."""

    def __init__(self, lesson_options: LessonOptions, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lesson_options = lesson_options

    def compose(self) -> ComposeResult:
        yield FilterInput(id="filter-input")
        yield Static(id="filter-note")

    def on_mount(self) -> None:
        self.display = False
        self.border_title = "filter"
        self.border_subtitle = "↵ opens · esc clears"

    @property
    def text(self) -> str:
        return self.query_one(FilterInput).value

    @property
    def active(self) -> bool:
        """Whether the list is narrowed now."""
        return self.display and bool(self.text.strip())

    def open(self) -> None:
        """Show the filter and give it the keys."""
        self.display = True
        self._set_filtering(True)
        # At once, not with focus() (which waits its turn behind the keys already
        # queued): "/cpu" typed fast arrives in one read, and c, p, u must be typed.
        self.screen.set_focus(self.query_one(FilterInput))
        self._apply(self.text)

    def clear(self) -> None:
        """Show every lesson again and give the keys back to the list."""
        self.query_one(FilterInput).value = ""
        self._apply("")
        self.lesson_options.mark_candidate(None)
        self.display = False
        self._set_filtering(False)
        self.lesson_options.focus()

    def _set_filtering(self, filtering: bool) -> None:
        """A narrow screen shows the list while the filter is open (app.tcss). The class
        goes on the two widgets it changes, and they alone are styled again: on the
        screen, it styled the screen's ~400 widgets again (~90 ms); on the two, their
        subtrees (some 50 widgets, 20 ms under load), whose looks it does not change."""
        nodes = list(self.screen.query("#sidebar, #broken-note"))
        for node in nodes:
            node.set_class(filtering, "-filtering", update=False)
        self.app.stylesheet.update_nodes(nodes, animate=True)

    def reveal(self, lesson: Lesson) -> None:
        """Clear the filter if it hides ``lesson`` (opened some other way)."""
        if self.active and not lesson_matches(lesson, self.text):
            self.clear()

    @property
    def candidate(self) -> Lesson | None:
        """The lesson enter would open (marked in the list while the filter is typed in)."""
        index = self.lesson_options.candidate
        option = None if index is None else self.lesson_options.options[index]
        return option.lesson if isinstance(option, LessonOption) else None

    def move_candidate(self, step: int) -> None:
        shown = self._shown()
        if not shown:
            return
        candidate = self.lesson_options.candidate
        index = shown.index(candidate) + step if candidate in shown else 0
        self.lesson_options.mark_candidate(shown[max(0, min(len(shown) - 1, index))])

    @on(Input.Changed, "#filter-input")
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        if self.display:  # not the text emptied by clear(), reported once it is closed
            self._apply(event.value)

    @on(Input.Submitted, "#filter-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        options = self.lesson_options
        candidate = options.candidate
        if candidate is None:
            return  # nothing matches: the note says so, and the text stays to be fixed
        options.mark_candidate(None)
        options.focus()
        options.highlighted = candidate
        # The list's own selection, as enter in the list would: the app opens it.
        options.action_select()
        if not self.text.strip():
            self.clear()
        elif self._list_hidden_by_size():
            # The screen showed the list for the filter only: with the lesson chosen,
            # the panes get their room back. The list stays narrowed (n and p step
            # through the matches; / shows it again, escape there clears it).
            self._set_filtering(False)
            self.screen.set_focus(None)

    def _list_hidden_by_size(self) -> bool:
        """Whether the screen hides the list when the filter does not show it (app.tcss:
        a narrow screen, unless l showed it; a wide one where l hid it)."""
        return self.screen.has_class("-narrow") != self.screen.has_class("-lessons-toggled")

    def _shown(self) -> list[int]:
        """The indexes of the lessons' options the filter keeps."""
        return [index for index, option in enumerate(self.lesson_options.options)
                if isinstance(option, LessonOption) and not option.disabled]

    def _best(self, shown: list[int], query: str) -> int | None:
        """The candidate among the matches: the best ranked (:func:`match_rank`); among
        equals, the candidate already marked, then the lesson on screen, then the first."""
        options = self.lesson_options.options
        ranks = {index: match_rank(option.lesson, query) or 0 for index in shown
                 if isinstance(option := options[index], LessonOption)}
        if not ranks:
            return None
        best = min(ranks.values())
        tied = [index for index in shown if ranks.get(index) == best]
        for preferred in (self.lesson_options.candidate, self.lesson_options.highlighted):
            if preferred in tied:
                return preferred
        return tied[0]

    def _apply(self, query: str) -> None:
        options = self.lesson_options
        lessons = [option.lesson for option in options.lesson_options]
        options.show_only(None if not query.strip() else
                          {lesson.slug for lesson in lessons if lesson_matches(lesson, query)})
        shown = self._shown()
        options.mark_candidate(self._best(shown, query))
        note = self.query_one("#filter-note", Static)
        if not query.strip():
            note.update(Content.styled("title, slug or tag", "$text-muted"))
        elif shown:
            note.update(Content.styled(f"{len(shown)} of {len(lessons)} lessons", "$text-muted"))
        else:
            note.update(Content.styled(f"no lesson matches “{query.strip()}”", "$text-warning"))
