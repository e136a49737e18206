"""Finding a lesson in the app: the filter (``/``) and the command palette (ctrl+p).

The real app over a catalog written by the test (so that which lessons match is known
exactly), driven by Pilot; the runs the palette starts are real sandboxed runs.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from textual import events
from textual.command import CommandPalette
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import Input, Static

from playground.catalog import Catalog, load_catalog
from playground.tui.app import AsyncPlayApp
from playground.tui.filter import LessonFilter, lesson_matches
from playground.tui.lesson_options import LessonOptions
from playground.tui.messages import RunFinished, RunStarted
from test_app import wait_until

SIZE = (160, 48)

#: slug -> (title, tags, level); "cpu" is in two slugs, one tag and no title.
LESSONS = {
    "time-sleep": ("Blocking sleep in a coroutine", ["blocking", "sleep"], "basics"),
    "missing-await": ("Forgotten await", ["await", "warnings"], "basics"),
    "cpu-bound": ("CPU work on the loop", ["processes"], "threads and processes"),
    "to-thread-cpu": ("A thread for CPU work", ["threads", "gil"], "threads and processes"),
    "queue-size": ("An unbounded queue", ["memory", "cpu"], "resources"),
}


def write_catalog(root: Path) -> Catalog:
    for order, (slug, (title, tags, level)) in enumerate(LESSONS.items()):
        folder = root / slug
        folder.mkdir()
        (folder / "lesson.toml").write_text(textwrap.dedent(f"""\
            title = "{title}"
            summary = "A lesson written by the test."
            why = "Because."
            watch = "The status."
            mistake = "The mistake."
            fix = "The fix."
            tags = {tags!r}
            level = "{level}"
            order = {order}
            """).replace("'", '"'))
        (folder / "bad.py").write_text(f"print('{slug} bad')\n")
        (folder / "good.py").write_text(f"print('{slug} good')\n")
    catalog = load_catalog([root], include_default=False)
    assert catalog.slugs() and not catalog.errors
    return catalog


class Recorder:
    """The run messages the app handles (a ``message_hook``)."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    def __call__(self, message: Message) -> None:
        if isinstance(message, (RunStarted, RunFinished)):
            self.messages.append(message)

    def of(self, kind: type[Message]) -> list[Message]:
        return [m for m in self.messages if isinstance(m, kind)]



def shown_slugs(app: AsyncPlayApp) -> list[str]:
    lessons = app.screen.query_one("#lessons", LessonOptions)
    return [option.lesson.slug for option in lessons.lesson_options if option.shown]


def shown_levels(app: AsyncPlayApp) -> list[str]:
    lessons = app.screen.query_one("#lessons", LessonOptions)
    return [heading.level for heading in lessons.level_options if heading.shown]


def current(app: AsyncPlayApp) -> str | None:
    return app.lesson.slug if app.lesson is not None else None


# ----------------------------------------------------------------------- filter
def test_a_query_matches_title_slug_or_tag_word_by_word(tmp_path: Path) -> None:
    catalog = write_catalog(tmp_path)
    lesson = catalog.get("time-sleep")
    assert lesson is not None
    assert lesson_matches(lesson, "")
    assert lesson_matches(lesson, "BLOCKING")  # a tag, case ignored
    assert lesson_matches(lesson, "coroutine sleep")  # every word, anywhere
    assert lesson_matches(lesson, "time-sl")  # part of the slug
    assert not lesson_matches(lesson, "sleep cpu")


async def test_typing_in_the_filter_narrows_the_list_and_runs_no_key(tmp_path: Path) -> None:
    recorder = Recorder()
    app = AsyncPlayApp(catalog=write_catalog(tmp_path))
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        assert current(app) == "time-sleep"
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        # c, p, u, b, g, r, s are keys of the app: typed into the filter, none may act
        # (p would go to the previous lesson, b/g/r start runs).
        await pilot.press(*"cpu")
        assert shown_slugs(app) == ["queue-size", "cpu-bound", "to-thread-cpu"]
        assert shown_levels(app) == ["resources", "threads and processes"]
        note = str(app.screen.query_one("#filter-note", Static).visual)
        assert "3 of 5 lessons" in note
        await pilot.press(*" bgrs")
        assert shown_slugs(app) == []
        assert "no lesson matches" in str(app.screen.query_one("#filter-note", Static).visual)
        await pilot.press("enter")  # nothing to open: nothing happens
        await pilot.pause()
        assert current(app) == "time-sleep" and isinstance(app.focused, Input)
        for _ in range(5):
            await pilot.press("backspace")
        assert app.screen.query_one(LessonFilter).text == "cpu"
        # Typing never changed the lesson on screen, nor started or stopped a run.
        assert current(app) == "time-sleep"
        assert recorder.messages == []
        # The best match is the candidate: "cpu" in a slug (cpu-bound) before a tag alone
        # (queue-size, first in the list); enter opens it and leaves the list narrowed.
        candidate = app.screen.query_one(LessonFilter).candidate
        assert candidate is not None and candidate.slug == "cpu-bound"
        await pilot.press("down", "up", "enter")  # down the next match, up back
        await wait_until(pilot, lambda: current(app) == "cpu-bound", what="the lesson to open")
        assert isinstance(app.focused, LessonOptions)
        assert shown_slugs(app) == ["queue-size", "cpu-bound", "to-thread-cpu"]
        # n and p step through the matches only (the level's heading between them too).
        await pilot.press("p")
        await wait_until(pilot, lambda: current(app) == "queue-size", what="p to go back")
        await pilot.press("n", "n")
        await wait_until(pilot, lambda: current(app) == "to-thread-cpu", what="n to the last match")
        # Escape (in the list) clears the filter; the lesson stays.
        await pilot.press("escape")
        await pilot.pause()
        assert len(shown_slugs(app)) == len(LESSONS) and len(shown_levels(app)) == 3
        assert not app.screen.query_one(LessonFilter).display
        assert current(app) == "to-thread-cpu"


async def test_escape_in_the_filter_forgets_it_and_keeps_the_lesson(tmp_path: Path) -> None:
    app = AsyncPlayApp(catalog=write_catalog(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"await", "escape")
        await pilot.pause()
        assert len(shown_slugs(app)) == len(LESSONS)
        assert current(app) == "time-sleep" and isinstance(app.focused, LessonOptions)
        # No lesson keeps the candidate's mark (one did, after escape).
        assert app.screen.query_one(LessonFilter).candidate is None
        assert app.screen.query_one(LessonOptions).candidate is None
        # Opened again, it starts empty.
        await pilot.press("slash")
        assert app.screen.query_one(LessonFilter).text == ""


async def test_the_filter_shows_the_list_on_a_narrow_screen(tmp_path: Path) -> None:
    app = AsyncPlayApp(catalog=write_catalog(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        sidebar = app.screen.query_one("#sidebar")
        assert not sidebar.display or sidebar.region.width == 0
        await pilot.press("slash", *"thread")
        await pilot.pause()
        assert sidebar.region.width > 0
        await pilot.press("enter")
        await wait_until(pilot, lambda: current(app) == "to-thread-cpu", what="the lesson to open")
        # The lesson chosen, the panes get their room back (the list stayed, 28 columns
        # of 80, until escape); the list stays narrowed, / shows it again.
        await pilot.pause()
        assert sidebar.region.width == 0
        assert app.screen.query_one("#pane-bad").region.width > 30
        await pilot.press("slash")
        await pilot.pause()
        assert sidebar.region.width > 0 and app.screen.query_one(LessonFilter).text == "thread"
        await pilot.press("escape")
        await pilot.pause()
        assert sidebar.region.width == 0


# ---------------------------------------------------------------------- palette
async def pick_in_palette(pilot: Pilot[None], query: str, expected: str) -> None:
    """Open the palette, type ``query``, wait for ``expected`` to be the first hit, pick it."""
    app = pilot.app
    await pilot.press("ctrl+p")
    await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")
    await pilot.press(*query)
    palette = app.screen

    def first_hit() -> str:
        options = palette.query_one("CommandList")
        if not getattr(options, "option_count", 0):
            return ""
        return str(options.get_option_at_index(0).prompt)  # type: ignore[attr-defined]

    await wait_until(pilot, lambda: expected in first_hit(), timeout_s=10,
                     what=f"{expected!r} first for {query!r}")
    if palette.query_one("CommandList").highlighted != 0:  # type: ignore[attr-defined]
        await pilot.press("down")
        await wait_until(pilot, lambda: palette.query_one("CommandList").highlighted == 0,  # type: ignore[attr-defined]
                         what="the first hit to be highlighted")
    await pilot.press("enter")
    await wait_until(pilot, lambda: not isinstance(app.screen, CommandPalette), what="the palette to close")


@pytest.mark.parametrize(("query", "slug"), [
    ("forgotten", "missing-await"),  # the title
    ("cpu-bound", "cpu-bound"),      # the slug
    ("gil", "to-thread-cpu"),        # a tag
])
async def test_the_palette_finds_a_lesson_and_opens_it(tmp_path: Path, query: str, slug: str) -> None:
    catalog = write_catalog(tmp_path)
    lesson = catalog.get(slug)
    assert lesson is not None
    app = AsyncPlayApp(catalog=catalog)
    async with app.run_test(size=SIZE) as pilot:
        await pick_in_palette(pilot, query, lesson.title)
        await wait_until(pilot, lambda: current(app) == slug, what=f"{slug} to open")
        lessons = app.screen.query_one("#lessons", LessonOptions)
        highlighted = lessons.highlighted_lesson
        assert highlighted is not None and highlighted.slug == slug


async def test_the_palette_opens_a_lesson_the_filter_hides(tmp_path: Path) -> None:
    app = AsyncPlayApp(catalog=write_catalog(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"cpu", "enter")
        await wait_until(pilot, lambda: current(app) == "cpu-bound", what="the filter's pick")
        await pick_in_palette(pilot, "forgotten", "Forgotten await")
        await wait_until(pilot, lambda: current(app) == "missing-await", what="the palette's pick")
        assert "missing-await" in shown_slugs(app)  # the filter was cleared to show it


async def test_the_palette_runs_the_apps_actions(tmp_path: Path) -> None:
    recorder = Recorder()
    app = AsyncPlayApp(catalog=write_catalog(tmp_path))
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await pick_in_palette(pilot, "run both", "Run both")
        await wait_until(pilot, lambda: len(recorder.of(RunFinished)) == 2, what="both runs")
        finished = {m.pane: m.state for m in recorder.of(RunFinished)}  # type: ignore[attr-defined]
        assert "time-sleep bad" in finished["bad"].stdout.text
        assert "time-sleep good" in finished["good"].stdout.text
        # The help is an action too, and the palette shows each action's key.
        await pick_in_palette(pilot, "help", "Help")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "HelpScreen", what="the help")


async def test_keys_typed_right_after_the_slash_go_to_the_filter(tmp_path: Path) -> None:
    # A terminal delivers "/cpu" typed fast (or pasted) in one read: the four keys are
    # queued before the slash is handled. The filter must take the focus at once, not
    # after the keys already queued, which would run c, p and u as the app's keys.
    recorder = Recorder()
    app = AsyncPlayApp(catalog=write_catalog(tmp_path))
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        assert current(app) == "time-sleep"
        for key, char in (("slash", "/"), ("c", "c"), ("p", "p"), ("u", "u")):
            app.post_message(events.Key(key, char))
        await wait_until(pilot, lambda: app.screen.query_one(LessonFilter).text == "cpu",
                         timeout_s=5, what="cpu in the filter")
        assert shown_slugs(app) == ["queue-size", "cpu-bound", "to-thread-cpu"]
        assert current(app) == "time-sleep" and recorder.messages == []
        await pilot.press("slash")  # in the filter, / is typed
        assert app.screen.query_one(LessonFilter).text == "cpu/"


# --------------------------------------------------------------- list keys
async def test_home_end_and_page_keys_move_through_the_lesson_list() -> None:
    """home, end, page down and page up scrolled the list but left its cursor (and
    the lesson on screen) where it was: now they move the cursor, which opens the
    lesson it lands on, like up and down."""
    app = AsyncPlayApp(catalog=load_catalog())
    async with app.run_test(size=SIZE) as pilot:
        lessons = app.screen.query_one("#lessons", LessonOptions)
        order = [option.lesson.slug for option in lessons.lesson_options if not option.disabled]
        assert current(app) == order[0] and app.focused is lessons
        await pilot.press("end")
        await wait_until(pilot, lambda: current(app) == order[-1], what="end to the last lesson")
        await pilot.press("home")
        await wait_until(pilot, lambda: current(app) == order[0], what="home to the first lesson")
        await pilot.press("pagedown")
        await wait_until(pilot, lambda: current(app) != order[0], what="page down to move")
        paged = order.index(current(app) or "")
        assert 1 < paged < len(order) - 1, paged  # a page: more than one lesson, not all
        await pilot.pause()
        # The highlighted lesson is in view, all of its lines.
        assert lessons.highlighted is not None
        region = lessons.option_region(lessons.highlighted)
        view = lessons.scrollable_content_region.reset_offset.translate(lessons.scroll_offset)
        assert region and view.contains_region(region), (region, view)
        await pilot.press("pageup")
        await wait_until(pilot, lambda: current(app) == order[0], what="page up back to the first")


async def test_home_and_end_keep_to_the_filters_matches(tmp_path: Path) -> None:
    app = AsyncPlayApp(catalog=write_catalog(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"cpu", "enter")
        await wait_until(pilot, lambda: current(app) == "cpu-bound", what="the best match")
        await pilot.press("end")
        await wait_until(pilot, lambda: current(app) == "to-thread-cpu", what="end to the last match")
        await pilot.press("home")
        await wait_until(pilot, lambda: current(app) == "queue-size", what="home to the first match")
