"""What a key styles and draws again: opening and closing the filter, the footer's keys
made anew, the lessons in the list's other look.

Styling a widget again matches every rule of the stylesheet against it; the main screen
has some 400 widgets, and under a busy run each one styled is time a key waits for. The
counts are of the widgets handed to the stylesheet, the real app driven by Pilot.
"""

from __future__ import annotations

from collections import Counter
from typing import Any


from playground.catalog import load_catalog
from playground.tui.app import AsyncPlayApp
from playground.tui import lesson_options
from playground.tui.lesson_options import LessonOptions


def _count_styled(app: AsyncPlayApp) -> list[Any]:
    """Record every node the stylesheet styles from now on."""
    styled: list[Any] = []
    apply = app.stylesheet.apply

    def counting_apply(node: Any, *args: Any, **kwargs: Any) -> None:
        styled.append(node)
        apply(node, *args, **kwargs)

    app.stylesheet.apply = counting_apply  # type: ignore[method-assign]
    return styled


async def test_opening_and_closing_the_filter_styles_a_few_widgets() -> None:
    """``/`` added a class to the sidebar (its whole subtree styled again, some 50
    widgets), the lesson list lost the focus (its every item styled again), and the
    footer made its keys anew, each styled twice; escape did it all again. Now the
    widgets whose looks change are styled, and the filter still shows and hides."""
    app = AsyncPlayApp(catalog=load_catalog())
    async with app.run_test(size=(160, 48)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("slash", "escape")  # the first time, the filter's widgets are new
        await pilot.pause()
        styled = _count_styled(app)
        await pilot.press("slash")
        await pilot.pause()
        assert app.screen.query_one("#lesson-filter").display
        opened = Counter(type(node).__name__ for node in styled)
        styled.clear()
        await pilot.press("escape")
        await pilot.pause()
        assert not app.screen.query_one("#lesson-filter").display
        closed = Counter(type(node).__name__ for node in styled)
        assert sum(opened.values()) < 20, opened
        assert sum(closed.values()) < 20, closed


async def test_the_lessons_are_not_drawn_again_for_the_filters_focus() -> None:
    """The filter takes the focus from the lesson list and gives it back: the list's
    tint changes, and every lesson on screen was drawn again each time (tens of ms
    while a busy run keeps the loop waiting). Each look is drawn once and kept; the
    list still shows its focus's look (the lines differ with it)."""
    app = AsyncPlayApp(catalog=load_catalog())
    async with app.run_test(size=(160, 48)) as pilot:
        await app.workers.wait_for_complete()
        lessons = app.screen.query_one("#lessons", LessonOptions)
        await pilot.press("slash")
        await pilot.pause()
        blurred = [lessons.render_line(y) for y in range(3, 6)]
        await pilot.press("escape")
        await pilot.pause()
        focused = [lessons.render_line(y) for y in range(3, 6)]
        assert [strip.text for strip in blurred] == [strip.text for strip in focused]
        assert blurred != focused  # the same words, in the other look
        drawn: list[Any] = []
        render_strips = lesson_options._Prompt.render_strips

        def counted(prompt: Any, *args: Any, **kwargs: Any) -> Any:
            drawn.append(prompt)
            return render_strips(prompt, *args, **kwargs)

        lesson_options._Prompt.render_strips = counted  # type: ignore[method-assign, assignment]
        try:
            for _ in range(2):
                await pilot.press("slash")
                await pilot.pause()
                await pilot.press("escape")
                await pilot.pause()
        finally:
            lesson_options._Prompt.render_strips = render_strips  # type: ignore[method-assign]
        assert drawn == [], len(drawn)
        assert [lessons.render_line(y) for y in range(3, 6)] == focused
