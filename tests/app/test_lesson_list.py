"""The lesson list's lines: titles and tags wrapped at spaces beside the number."""

from __future__ import annotations

from collections import Counter

import pytest
from textual.content import Content

from playground.catalog import load_catalog
from playground.tui.app import AsyncPlayApp
from playground.tui import lesson_options
from playground.tui.lesson_options import LessonOption, LessonOptions, wrap_words
from test_app import SIZE


def screen_rows(app: AsyncPlayApp) -> list[str]:
    """The text of every row of the screen, as the terminal shows it."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def test_a_title_breaks_at_spaces_and_only_a_word_longer_than_the_line() -> None:
    """"get_event_loop() and run_until_complete()" showed "run_until_complete" and "()"
    on rows of their own (after "and" alone): a word that fits a row is never broken,
    and one longer than the row breaks after an underscore."""
    app = AsyncPlayApp(catalog=load_catalog())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        # The list's text column: past its border, its padding and the number's column.
        texts = [row[6:26].rstrip() for row in screen_rows(app)]
        first = texts.index("get_event_loop()")
        assert texts[first:first + 3] == ["get_event_loop()", "and run_until_", "complete()"], texts


@pytest.mark.parametrize(("text", "width", "lines"), [
    ("a short title", 20, ["a short title"]),
    ("get_event_loop() and run_until_complete()", 19,
     ["get_event_loop()", "and run_until_", "complete()"]),
    ("get_event_loop() and run_until_complete()", 20,
     ["get_event_loop() and", "run_until_complete()"]),
    ("Fire-and-forget tasks", 14, ["Fire-and-", "forget tasks"]),
    ("Fire-and-forget tasks", 15, ["Fire-and-forget", "tasks"]),
    ("abcdefghij", 4, ["abcd", "efgh", "ij"]),  # no place to break: at the line's end
    ("tasks · gather", 7, ["tasks ·", "gather"]),
    ("", 10, [""]),
])
def test_wrap_words(text: str, width: int, lines: list[str]) -> None:
    wrapped = wrap_words(Content(text), width)
    assert [line.plain for line in wrapped] == lines
    assert all(line.cell_length <= width for line in wrapped)


def test_wrap_words_keeps_the_styles() -> None:
    wrapped = wrap_words(Content.styled("run_until_complete()", "bold"), 12)
    assert [line.plain for line in wrapped] == ["run_until_", "complete()"]
    assert all(line.spans and line.spans[0].style == "bold" for line in wrapped)


async def test_the_list_wraps_only_the_lessons_in_view_and_each_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The list counts every option's lines (its height) but draws only those in view:
    at start it wrapped all 35 lessons' titles and tags into lines, twice (at the
    list's width, then beside the scrollbar their height called for)."""
    wrapped: Counter[str] = Counter()

    def counted(text: Content, width: int) -> list[Content]:
        wrapped[text.plain] += 1
        return wrap_words(text, width)

    monkeypatch.setattr(lesson_options, "wrap_words", counted)
    app = AsyncPlayApp(catalog=load_catalog())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        lessons = app.query_one("#lessons", LessonOptions)
        top, height = lessons.scroll_offset.y, lessons.scrollable_content_region.height
        in_view = {option.lesson.title for index, option in enumerate(lessons.options)
                   if isinstance(option, LessonOption)
                   and (region := lessons.option_region(index)) and region.y < top + height
                   and region.bottom > top}
        titles = {option.lesson.title for option in lessons.lesson_options}
        assert 0 < len(in_view) < len(titles)
        assert {title for title in wrapped if title in titles} == in_view
        assert [text for text, times in wrapped.items() if times > 1] == []
