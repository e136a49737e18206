"""The Textual app, driven through Pilot: the real catalog and real sandboxed runs.

Nothing of the app is mocked. Runs spawn the real child; the tests wait for the
app's own ``RunFinished`` message (captured with ``message_hook``) in a bounded
loop instead of sleeping a guessed time.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from textual.binding import Binding
from textual.message import Message
from textual.content import Content
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input, Static, TabbedContent

from playground.catalog import load_catalog
from playground.model import RunState, format_mb, place
from playground.sandbox import Limits
from playground.session import RunOptions
from playground.tui.app import AsyncPlayApp
from playground.tui.code import CodeView, LineMark, render_code
from playground.tui.formatting import inline_code, lesson_prose, stall_line, strip_comment
from playground.tui.lesson_options import LessonOption, LessonOptions, LevelOption
from playground.tui.lessons import BrokenLessons, LessonInfo
from playground.tui.messages import RunFinished, RunStarted, RunUpdated
from playground.tui.panels import (
    TASK_ROWS_MAX,
    ChecksPanel,
    LagPanel,
    MemoryChart,
    MemoryPanel,
    OutputView,
    StallPanel,
    StatusPanel,
    TaskGrid,
    TaskTable,
)
from playground.tui.run_pane import RunPane, marks_for
from playground.tui.screens import HELP_KEYS, HelpScreen, HelpText, OpenFileScreen
from playground.words import format_ms

SIZE = (160, 48)


class Recorder:
    """Collects the run messages the app handles (a ``message_hook``)."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    def __call__(self, message: Message) -> None:
        if isinstance(message, (RunStarted, RunUpdated, RunFinished)):
            self.messages.append(message)

    def finished(self, pane: str) -> list[RunFinished]:
        return [m for m in self.messages if isinstance(m, RunFinished) and m.pane == pane]

    def updated(self, pane: str) -> list[RunUpdated]:
        return [m for m in self.messages if isinstance(m, RunUpdated) and m.pane == pane]


async def wait_until(pilot: Pilot[None], condition: Callable[[], bool], *, timeout_s: float = 60.0,
                     what: str = "condition") -> None:
    """Let the app work until ``condition()`` holds (bounded: fails after ``timeout_s``)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        await pilot.pause(0.05)


def text_of(widget: Static) -> str:
    """The plain text a Static shows."""
    return str(widget.visual)


def pane(app: AsyncPlayApp, name: str) -> RunPane:
    return app.screen.query_one(f"#pane-{name}", RunPane)


def line_of(path: Path, marker: str) -> int:
    for number, text in enumerate(path.read_text().splitlines(), start=1):
        if marker in text:
            return number
    raise AssertionError(f"{marker!r} not in {path}")


def write_lesson(root: Path, slug: str, *, bad: str, good: str, title: str = "A test lesson",
                 extra: str = "") -> Path:
    folder = root / slug
    folder.mkdir(parents=True)
    (folder / "lesson.toml").write_text(textwrap.dedent(f"""\
        title = "{title}"
        summary = "A lesson written by the test."
        why = "Because the test says so."
        watch = "Watch the status."
        mistake = "The `bad.py` mistake."
        fix = "The `good.py` fix."
        tags = ["test"]
        order = 1
        {extra}
        """))
    (folder / "bad.py").write_text(textwrap.dedent(bad))
    (folder / "good.py").write_text(textwrap.dedent(good))
    return folder


async def select(pilot: Pilot[None], app: AsyncPlayApp, slug: str) -> None:
    """Move the lesson list's cursor to ``slug`` with the keyboard."""
    lessons = app.screen.query_one("#lessons", LessonOptions)
    lessons.focus()
    # The list holds a heading per level too: the target is the option's own index.
    target = lessons.get_option_index(slug)
    while lessons.highlighted != target:
        await pilot.press("down" if (lessons.highlighted or 0) < target else "up")
    await wait_until(pilot, lambda: app.lesson is not None and app.lesson.slug == slug,
                     timeout_s=5, what=f"lesson {slug} selected")


# --------------------------------------------------------------------- lessons
async def test_the_list_shows_every_lesson_of_the_catalog() -> None:
    catalog = load_catalog()
    assert len(catalog.lessons) >= 8
    app = AsyncPlayApp()
    async with app.run_test(size=SIZE):
        lessons = app.screen.query_one("#lessons", LessonOptions)
        items = lessons.lesson_options
        assert [item.lesson.slug for item in items] == [lesson.slug for lesson in catalog.lessons]
        # What each item shows, its wrapped lines joined again (a long word is cut).
        shown = "".join("".join(line.plain for line in lessons.lines_of(item)).replace(" ", "")
                        for item in items)
        for lesson in catalog.lessons:
            assert "".join(lesson.title.split()) in shown
        # The first lesson is shown from the start.
        assert app.lesson is not None and app.lesson.slug == catalog.lessons[0].slug
        assert not app.screen.query_one("#broken", BrokenLessons).display


async def test_selecting_a_lesson_shows_its_texts_and_both_snippets() -> None:
    app = AsyncPlayApp()
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "missing-await")
        lesson = app.catalog.get("missing-await")
        assert lesson is not None
        info = app.screen.query_one(LessonInfo)
        assert lesson.title in text_of(info.query_one("#lesson-heading", Static))
        why = text_of(info.query_one("#why", Static))
        assert "Why it matters" in why and "builds a coroutine object" in why
        assert "What to watch" in text_of(info.query_one("#watch", Static))
        for variant, note in (("bad", lesson.mistake), ("good", lesson.fix)):
            shown = pane(app, variant)
            assert shown.query_one(CodeView).source == lesson.source(variant)
            # Backticks mark code in the lesson's text; they are styled, not shown.
            assert text_of(shown.query_one("#note", Static)) == note.replace("`", "")
        code = str(pane(app, "bad").query_one("#code-text", Static).visual)
        assert "save_score" in code
        # n / p walk the list.
        await pilot.press("n")
        await wait_until(pilot, lambda: app.lesson is not None and app.lesson.slug != "missing-await",
                         timeout_s=5, what="next lesson")
        await pilot.press("p")
        await wait_until(pilot, lambda: app.lesson is not None and app.lesson.slug == "missing-await",
                         timeout_s=5, what="previous lesson")


async def test_help_opens_and_closes() -> None:
    app = AsyncPlayApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        keys = " ".join(app.screen.query_one(HelpText).plain.split())
        assert "run the bad variant" in keys and "stop every run" in keys
        # Run keys do nothing behind the help screen.
        await pilot.press("b")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        assert pane(app, "bad").state is None


def test_help_lists_every_key_the_footer_shows() -> None:
    """The help named every key but l (show or hide the lesson list)."""
    listed = {key for keys, _ in HELP_KEYS for key in keys.split()}
    shown = {b.key_display or b.key for b in AsyncPlayApp.BINDINGS
             if isinstance(b, Binding) and b.show}
    assert shown <= listed, shown - listed


# ------------------------------------------------------------------------ runs
async def test_running_time_sleep_bad_names_the_blocking_line() -> None:
    recorder = Recorder()
    live_views: list[str] = []
    app = AsyncPlayApp()

    def look_at_the_stall_panel() -> None:
        shown = text_of(pane(app, "bad").query_one(StallPanel))
        if "blocking now" in shown:
            live_views.append(shown)

    def hook(message: Message) -> None:
        recorder(message)
        if isinstance(message, RunUpdated) and message.pane == "bad":
            # Runs right after the app has shown this update.
            app.call_later(look_at_the_stall_panel)

    lesson = app.catalog.get("time-sleep")
    assert lesson is not None
    sleep_line = line_of(lesson.bad, "time.sleep(1)")
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await select(pilot, app, "time-sleep")
        bad = pane(app, "bad")
        await pilot.press("b")
        await wait_until(pilot, lambda: bool(recorder.finished("bad")), what="the bad run to finish")
        state = recorder.finished("bad")[0].state
        assert state.status == "ok", state.message
        # While time.sleep(1) held the loop, the stall was shown live, growing, at its line.
        assert live_views, "the live stall was never shown"
        assert len(set(live_views)) >= 2, "the live stall did not grow"
        assert all(f"bad.py:{sleep_line}" in view for view in live_views)
        await wait_until(pilot, lambda: bad.state is state and bad.checks is not None,
                         timeout_s=5, what="the pane to show the final state")
        stalls = text_of(bad.query_one(StallPanel))
        assert "time.sleep(1)" in stalls
        assert f"bad.py:{sleep_line}" in stalls
        assert "✓ ok" in text_of(bad.query_one(StatusPanel))
        assert LineMark(sleep_line, "stall") in bad.query_one(CodeView).marks
        # The lesson's expectations are shown, all met.
        checks = text_of(bad.query_one(".checks", Static))
        assert "✓" in checks and "✗" not in checks
        # Updates arrived while it ran, and the good pane was left alone.
        assert recorder.updated("bad")
        assert pane(app, "good").state is None
        # The sandbox's layers are on screen.
        assert "layers" in text_of(app.screen.query_one("#sandbox-bar", Static))


async def test_running_both_fills_two_panes_side_by_side() -> None:
    recorder = Recorder()
    app = AsyncPlayApp()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await select(pilot, app, "time-sleep")
        await pilot.press("r")
        await wait_until(pilot, lambda: bool(recorder.finished("bad")) and bool(recorder.finished("good")),
                         what="both runs to finish")
        bad, good = pane(app, "bad"), pane(app, "good")
        assert bad.display and good.display
        assert bad.region.y == good.region.y and bad.region.right <= good.region.x
        assert recorder.finished("bad")[0].state.status == "ok"
        good_state = recorder.finished("good")[0].state
        assert good_state.status == "ok" and not good_state.stalls
        # Both ran at the same time: each started before the other finished.
        order = [(type(m).__name__, m.pane) for m in recorder.messages  # type: ignore[attr-defined]
                 if isinstance(m, (RunStarted, RunFinished))]
        first_finish = min(i for i, (kind, _) in enumerate(order) if kind == "RunFinished")
        started = {p for kind, p in order[:first_finish] if kind == "RunStarted"}
        assert started == {"bad", "good"}
        await wait_until(pilot, lambda: good.checks is not None, timeout_s=5, what="good checks")
        assert "none: the loop never blocked" in text_of(good.query_one(StallPanel))


async def test_stop_kills_a_long_run_which_is_stopped_not_graded(tmp_path: Path) -> None:
    write_lesson(tmp_path, "long-wait",
                 bad="""\
                     import asyncio

                     async def main() -> None:
                         print("waiting a long time", flush=True)
                         await asyncio.sleep(120)

                     asyncio.run(main())
                     """,
                 good="print('quick')\n",
                 extra='[expect.bad]\nstatus = "ok"\nstall = { min_ms = 900 }\n')
    catalog = load_catalog([tmp_path])
    recorder = Recorder()
    app = AsyncPlayApp(catalog=catalog)
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await select(pilot, app, "long-wait")
        await pilot.press("b")
        bad = pane(app, "bad")
        await wait_until(pilot, lambda: bad.state is not None and bad.state.status == "running"
                         and "waiting a long time" in bad.state.stdout.text,
                         what="the long run to be running")
        await pilot.press("s")
        await wait_until(pilot, lambda: bool(recorder.finished("bad")), timeout_s=20,
                         what="the stopped run to end")
        state = recorder.finished("bad")[0].state
        assert state.status == "stopped"
        assert "Stopped by the user" in (state.message or "")
        await wait_until(pilot, lambda: "stopped" in text_of(bad.query_one(StatusPanel)), timeout_s=5,
                         what="the status to say stopped")
        assert "stopped" in str(bad.border_subtitle)
        # not graded: no ✗ for the stall it did not get to make
        checks = bad.query_one(ChecksPanel)
        assert bad.checks is None and not checks.display
        assert "✗" not in text_of(checks)


async def test_the_sandbox_bar_shows_a_runs_layers_while_it_runs(tmp_path: Path) -> None:
    write_lesson(tmp_path, "forever",
                 bad="""\
                     import asyncio
                     async def main():
                         print("started", flush=True)
                         await asyncio.Event().wait()
                     asyncio.run(main())
                     """,
                 good="print('quick')\n")
    app = AsyncPlayApp(catalog=load_catalog([tmp_path], include_default=False))
    async with app.run_test(size=SIZE) as pilot:
        bar = app.screen.query_one("#sandbox-bar", Static)
        await wait_until(pilot, lambda: "detected on this machine" in str(bar.tooltip),
                         timeout_s=30, what="the layers detected at start")
        await pilot.press("b")
        bad = pane(app, "bad")
        # as soon as the session has said the run's layers, while the run goes on
        await wait_until(pilot, lambda: "as used by forever" in str(bar.tooltip),
                         timeout_s=30, what="the bar to show the running run's layers")
        state = bad.state
        assert state is not None and not state.finished
        assert state.sandbox.layers
        assert all(layer in str(bar.tooltip) for layer in state.sandbox.layers)
        assert f"{len(state.sandbox.layers)} layers" in text_of(bar)
        await pilot.press("s")
        await wait_until(pilot, lambda: bad.state is not None and bad.state.finished,
                         timeout_s=20, what="the stopped run to end")


async def test_a_broken_lesson_is_listed_and_the_others_still_work(tmp_path: Path) -> None:
    broken = tmp_path / "broken-one"
    broken.mkdir()
    (broken / "lesson.toml").write_text('title = "unterminated\n')
    (broken / "bad.py").write_text("print('bad')\n")
    (broken / "good.py").write_text("print('good')\n")
    write_lesson(tmp_path, "quick-one", bad="print('hello from bad')\n", good="print('hi')\n",
                 title="A quick one")
    catalog = load_catalog([tmp_path])
    assert catalog.errors and catalog.get("quick-one") is not None
    recorder = Recorder()
    app = AsyncPlayApp(catalog=catalog)
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        panel = app.screen.query_one("#broken", BrokenLessons)
        assert panel.display and panel.region.height > 0
        shown = " ".join(text_of(part) for part in panel.query(Static))
        assert "broken-one" in shown and "lesson.toml" in shown
        assert catalog.errors[0].problem.split("\n")[0][:30] in shown
        slugs = [item.lesson.slug for item in app.screen.query_one(LessonOptions).lesson_options]
        assert "quick-one" in slugs and "broken-one" not in slugs
        assert len(slugs) == len(load_catalog().lessons) + 1
        await select(pilot, app, "quick-one")
        await pilot.press("b")
        await wait_until(pilot, lambda: bool(recorder.finished("bad")), what="the quick run")
        state = recorder.finished("bad")[0].state
        assert state.status == "ok"
        assert "hello from bad" in state.stdout.text


async def test_ten_thousand_tasks_keep_the_table_small(tmp_path: Path) -> None:
    write_lesson(tmp_path, "many-tasks",
                 bad="""\
                     import asyncio

                     async def nap(i: int) -> None:
                         await asyncio.sleep(1.5)

                     async def main() -> None:
                         await asyncio.gather(*(nap(i) for i in range(10_000)))

                     asyncio.run(main())
                     """,
                 good="print('ok')\n", extra="timeout_s = 60")
    recorder = Recorder()
    app = AsyncPlayApp(catalog=load_catalog([tmp_path]))
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await select(pilot, app, "many-tasks")
        await pilot.press("b")
        bad = pane(app, "bad")
        table = bad.query_one(TaskTable).query_one(TaskGrid)
        await wait_until(pilot, lambda: bool(recorder.finished("bad")) or (
            bad.state is not None and bad.state.tasks_alive > 5000), what="thousands of tasks alive")
        if not recorder.finished("bad"):
            # The app answers keys while the run streams thousands of tasks (how fast is
            # measured in benchmarks/, not here).
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape")
            assert not isinstance(app.screen, HelpScreen)
        await wait_until(pilot, lambda: bool(recorder.finished("bad")), what="the run to finish")
        state = recorder.finished("bad")[0].state
        assert state.status == "ok", state.message
        assert state.tasks_created >= 10_000 and state.tasks_max_alive >= 10_000
        await pilot.pause()
        assert table.row_count <= TASK_ROWS_MAX
        counts = text_of(bad.query_one(TaskTable).query_one("#task-counts", Static))
        assert "rows for" in counts and "the others are counted" in counts, counts



async def test_open_file_runs_a_file_of_the_users(tmp_path: Path) -> None:
    script = tmp_path / "mine.py"
    script.write_text("import asyncio\n\nasyncio.run(asyncio.sleep(0.1))\nprint('mine ran')\n")
    recorder = Recorder()
    app = AsyncPlayApp()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await pilot.press("o")
        assert isinstance(app.screen, OpenFileScreen)
        path_input = app.screen.query_one(Input)
        path_input.value = str(tmp_path / "missing.py")
        await pilot.press("enter")
        # A wrong path is explained and the dialog stays.
        assert isinstance(app.screen, OpenFileScreen)
        assert "No such file" in text_of(app.screen.query_one("#open-problem", Static))
        path_input.value = str(tmp_path)  # a folder: said so, not "no such file"
        await pilot.press("enter")
        assert isinstance(app.screen, OpenFileScreen)
        assert f"{tmp_path} is a folder" in text_of(app.screen.query_one("#open-problem", Static))
        path_input.value = str(script)
        await pilot.press("enter")
        await wait_until(pilot, lambda: bool(recorder.finished("file")), what="the file's run")
        state = recorder.finished("file")[0].state
        assert state.status == "ok" and "mine ran" in state.stdout.text
        mine = pane(app, "file")
        assert mine.display and not pane(app, "bad").display and not pane(app, "good").display
        assert mine.query_one(CodeView).source == script.read_text()
        # Back to the lessons with the keyboard.
        await pilot.press("n")
        await wait_until(pilot, lambda: pane(app, "bad").display and not mine.display, timeout_s=5,
                         what="the lesson panes to come back")


# ------------------------------------------------------- formatting and folding
def test_lesson_prose_joins_file_wrapping_but_keeps_bad_and_good_lines() -> None:
    text = "\nBad: the stall panel names `time.sleep(1)` and its line,\nheld for 1000 ms.\nGood: no stall.\n"
    shown = lesson_prose(text).plain
    assert shown == "Bad: the stall panel names time.sleep(1) and its line, held for 1000 ms.\nGood: no stall."


def test_inline_code_drops_backticks_and_styles_the_code() -> None:
    content = inline_code("use `await x()` here")
    assert content.plain == "use await x() here"
    assert any(content.plain[span.start:span.end] == "await x()" for span in content.spans)


def test_code_view_marks_the_blamed_lines() -> None:
    source = "import time\n\ntime.sleep(1)\nprint('x')\n"
    shown = render_code(source, (LineMark(3, "stall"), LineMark(4, "warning"))).plain.splitlines()
    assert shown[2].startswith("▶") and "time.sleep(1)" in shown[2]
    assert shown[3].startswith("!")
    assert not shown[0].startswith(("▶", "!", "✗"))


async def test_the_code_is_highlighted_from_the_frame_after_the_first() -> None:
    app = AsyncPlayApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = pane(app, "bad").query_one(CodeView)
        shown = view.query_one("#code-text", Static).visual
        assert isinstance(shown, Content)
        # (Content compares only its text: the spans are its colours.)
        assert shown.plain == render_code(view.source, plain=True).plain
        assert shown.spans == render_code(view.source).spans
        assert shown.spans != render_code(view.source, plain=True).spans


def test_marks_come_from_the_run_state(tmp_path: Path) -> None:
    snippet = str(tmp_path / "bad.py")
    state = RunState(target="t")
    state.apply({"kind": "stall", "t": 1.0, "id": 1, "ms": 120.0, "task": "Task-1",
                 "file": snippet, "line": 7, "code": "time.sleep(1)"})
    state.apply({"kind": "warning", "t": 1.1, "category": "RuntimeWarning", "message": "never awaited",
                 "file": snippet, "line": 3})
    state.apply({"kind": "warning", "t": 1.2, "category": "x", "message": "elsewhere",
                 "file": "/usr/lib/python3.11/asyncio/base_events.py", "line": 99})
    assert set(marks_for(state, snippet)) == {LineMark(7, "live"), LineMark(3, "warning")}
    state.apply({"kind": "stall_end", "t": 2.0, "id": 1, "ms": 1000.0, "task": "Task-1",
                 "file": snippet, "line": 7, "code": "time.sleep(1)"})
    assert LineMark(7, "stall") in marks_for(state, snippet)
    assert "time.sleep(1)" in stall_line(state.stalls[0]).plain
    assert strip_comment("time.sleep(1)  # MISTAKE: blocks") == "time.sleep(1)"


def visible_lines(view: Widget) -> list[str]:
    """The text of the lines a line-API view shows now (its scroll position applied),
    without the output's time gutter (tests/app/test_output_times.py reads that)."""
    return [re.sub(r"^ *(\+\d+\.\d{3}s)? +(?=\S)|^ +$", "", view.render_line(y).text.rstrip())
            if isinstance(view, OutputView) else view.render_line(y).text.rstrip()
            for y in range(view.size.height)]


async def scrolled(pilot: Pilot[None], view: Widget, key: str, *, first: str | None = None,
                   last: str | None = None) -> None:
    """Press ``key`` and let the (animated) scroll end where the first or last line shown
    is the one given."""
    await pilot.press(key)
    await wait_until(pilot, lambda: (first is None or visible_lines(view)[0] == first)
                     and (last is None or visible_lines(view)[-1] == last), timeout_s=10,
                     what=f"{key} to show {first or last!r}")


async def test_output_view_scrolls_over_the_head_the_gap_and_the_tail() -> None:
    app = AsyncPlayApp()
    async with app.run_test(size=SIZE) as pilot:
        bad = pane(app, "bad")
        await bad.details_mounted()  # mounted after the first frame
        bad.query_one(TabbedContent).active = "bad-output"
        view = bad.query_one("#stdout", OutputView)
        state = RunState(target="t")
        out = state.stdout
        out.append("".join(f"line {i}\n" for i in range(20_000)), 0, 1.0)
        bad.state = state  # a pane with a run shows its panels
        await pilot.pause()
        view.show(out)  # nothing new: nothing redone
        assert view.shown_lines()[999:1002] == ["line 999", "[… 18 000 lines left out …]", "line 19000"]
        # It follows the end, once the panels that just appeared are laid out (under
        # load that can take more than one pause).
        await wait_until(pilot, lambda: visible_lines(view)[-1] == "line 19999", timeout_s=10,
                         what="the view to follow the end")
        view.focus()
        await scrolled(pilot, view, "home", first="line 0")
        await scrolled(pilot, view, "pagedown", first=f"line {view.size.height}")
        await scrolled(pilot, view, "end", last="line 19999")
        await scrolled(pilot, view, "pageup", last=f"line {19999 - view.size.height}")
        assert all(visible_lines(view))
        # Scrolled up, new lines do not move the reader; back at the end, it follows again.
        before = view.scroll_y
        out.append("one more\n", 0, 2.0)
        view.show(out)
        await pilot.pause()
        assert view.scroll_y == before and "one more" not in visible_lines(view)
        await scrolled(pilot, view, "end", last="one more")
        out.append("and another\n", 0, 2.0)
        view.show(out)
        await pilot.pause()
        assert visible_lines(view)[-1] == "and another"
        # However many lines an update brings, the view asks for one redraw (issue 11
        # item 4: a Log redrew once per line).
        redraws: list[object] = []
        original = view.refresh

        def counted(*args: Any, **kwargs: Any) -> Any:
            redraws.append(args)
            return original(*args, **kwargs)

        view.refresh = counted  # type: ignore[method-assign]
        out.append("".join(f"flood {i}\n" for i in range(5000)), 0, 3.0)
        view.show(out)
        assert len(redraws) == 1
        await pilot.pause()
        assert visible_lines(view)[-1] == "flood 4999"


async def test_a_long_output_stays_readable_after_the_run(tmp_path: Path) -> None:
    """Issue 11 item 3: 20,000 printed lines left the Output panel blank at the end."""
    write_lesson(tmp_path, "chatty", bad="""\
        for i in range(20_000):
            print(f"line {i}")
        """, good="print('quiet')\n")
    recorder = Recorder()
    app = AsyncPlayApp(catalog=load_catalog([tmp_path]))
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await select(pilot, app, "chatty")
        bad = pane(app, "bad")
        await bad.details_mounted()  # mounted after the first frame
        bad.query_one(TabbedContent).active = "bad-output"
        await pilot.press("b")
        await wait_until(pilot, lambda: bool(recorder.finished("bad")), what="the run to finish")
        await pilot.pause(0.2)
        view = bad.query_one("#stdout")
        assert visible_lines(view)[-1] == "line 19999"
        view.focus()
        await scrolled(pilot, view, "home", first="line 0")
        assert visible_lines(view)[:2] == ["line 0", "line 1"]
        await scrolled(pilot, view, "end", last="line 19999")
        assert visible_lines(view)[-2:] == ["line 19998", "line 19999"]
        assert any("lines left out" in line for line in view.shown_lines())  # type: ignore[attr-defined]


async def test_a_flood_stopped_at_the_output_limit_ends_with_a_whole_line(tmp_path: Path) -> None:
    """The output limit cut the last chunk at any byte, and the tail's last line was a
    stump ("lin") in about one flood in five: the kept output ends at a line's end.
    Each run's cut falls inside a 102-byte line unless it lands on a line's end by
    chance (1 in 102): three runs catch the old behaviour all but for certain."""
    write_lesson(tmp_path, "limited", bad="""\
        import sys
        block = "".join(f"L{i:07d} " + "x" * 88 + " END\\n" for i in range(100))
        while True:
            sys.stdout.write(block)
            sys.stdout.flush()
        """, good="print('quiet')\n")
    recorder = Recorder()
    options = RunOptions(limits=Limits(output_bytes=1024 * 1024))
    app = AsyncPlayApp(catalog=load_catalog([tmp_path]), options=options)
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await select(pilot, app, "limited")
        bad = pane(app, "bad")
        await bad.details_mounted()  # mounted after the first frame
        bad.query_one(TabbedContent).active = "bad-output"
        for run in range(1, 4):
            await pilot.press("b")
            await wait_until(pilot, lambda: len(recorder.finished("bad")) == run,
                             what=f"run {run} to finish")
            state = recorder.finished("bad")[-1].state
            await wait_until(pilot, lambda: bad.state is state, timeout_s=5, what="the final state")
            await pilot.pause()
            assert state.status == "limit"
            lines = bad.query_one("#stdout").shown_lines()  # type: ignore[attr-defined]
            assert lines[0].startswith("L0000000 ") and lines[0].endswith(" END")
            assert any("lines left out" in line for line in lines)
            assert state.stdout.partial == "", f"run {run} ends in a stump: {lines[-1]!r}"
            # A pump's read may hold many blocks: what passes the limit is not kept.
            assert state.stdout.total_bytes == 1024 * 1024
            assert lines[-1].startswith("L") and lines[-1].endswith(" END"), lines[-1]


async def test_every_stall_is_listed_worst_first_and_the_rest_counted(tmp_path: Path) -> None:
    """Issue 11 item 5: the list showed the last 4 stalls only, without saying so."""
    write_lesson(tmp_path, "six-stalls", bad="""\
        import asyncio
        import time

        async def main() -> None:
            for ms in (60, 70, 400, 80, 90, 100):
                time.sleep(ms / 1000)  # BLOCK
                await asyncio.sleep(0.02)

        asyncio.run(main())
        """, good="print('quiet')\n")
    recorder = Recorder()
    app = AsyncPlayApp(catalog=load_catalog([tmp_path]))
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await select(pilot, app, "six-stalls")
        await pilot.press("b")
        await wait_until(pilot, lambda: bool(recorder.finished("bad")), what="the run to finish")
        bad = pane(app, "bad")
        state = recorder.finished("bad")[0].state
        await wait_until(pilot, lambda: bad.state is state, timeout_s=5, what="the final state")
        await pilot.pause()
        assert len(state.stalls) == 6, state.stalls
        panel = bad.query_one(StallPanel)
        lines = text_of(panel).splitlines()
        rows = [line for line in lines if "bad.py:" in line]
        assert len(rows) == 6  # every one, not the last four
        shown_ms = [float(re.search(r"(\d+) ms", row).group(1)) for row in rows]  # type: ignore[union-attr]
        assert shown_ms == sorted(shown_ms, reverse=True) and shown_ms[0] >= 400
        # They do not all fit: the panel scrolls, and its first line says how many are below.
        box = panel.parent
        assert isinstance(box, Widget)
        hidden = 6 - (box.scrollable_content_region.height - 1)
        assert hidden > 0 and box.max_scroll_y == hidden
        total = format_ms(sum(s.ms for s in state.stalls))
        assert lines[0] == f"stalls 6, {total} in all, worst first; {hidden} more below"
        # The whole line fits the panel at 160x48: the total is not cut to "1…".
        assert cell_len(lines[0]) <= panel.content_region.width, (lines[0], panel.content_region)


async def test_the_code_shown_is_the_code_that_ran(tmp_path: Path) -> None:
    """Issue 11 item 7: after the file changed on disk, a run used the new code while
    the code panel still showed the old text."""
    folder = write_lesson(tmp_path, "edited", bad="""\
        import asyncio, time

        async def main() -> None:
            time.sleep(0.1)  # BLOCK

        asyncio.run(main())
        """, good="print('quiet')\n")
    recorder = Recorder()
    app = AsyncPlayApp(catalog=load_catalog([tmp_path]))
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await select(pilot, app, "edited")
        bad = pane(app, "bad")
        assert "time.sleep(0.1)" in bad.query_one(CodeView).source
        edited = ("import asyncio, time\n\n\nasync def main() -> None:\n"
                  "    time.sleep(0.3)  # BLOCK, edited\n\nasyncio.run(main())\n")
        (folder / "bad.py").write_text(edited)
        await pilot.press("b")
        await wait_until(pilot, lambda: bool(recorder.finished("bad")), what="the run to finish")
        state = recorder.finished("bad")[0].state
        assert state.code == edited
        assert [s.code for s in state.stalls] == ["time.sleep(0.3)  # BLOCK, edited"]
        await wait_until(pilot, lambda: bad.state is state, timeout_s=5, what="the final state")
        assert bad.query_one(CodeView).source == edited
        assert LineMark(5, "stall") in bad.query_one(CodeView).marks


async def test_memory_is_shown_live_beside_the_lag(tmp_path: Path) -> None:
    """Issue 11 item 13: memory was shown only at the end of a run."""
    # 2 s of growth: on a loaded machine the app may show its first figure up to a
    # second into the run, and still see the rest climb by more than 40 MB.
    write_lesson(tmp_path, "growing", bad="""\
        import asyncio

        async def main() -> None:
            kept = []
            for _ in range(20):
                kept.append(bytearray(8 * 1024 * 1024))  # 8 MB more, touched
                await asyncio.sleep(0.1)

        asyncio.run(main())
        """, good="print('quiet')\n")
    recorder = Recorder()
    live: list[str] = []
    app = AsyncPlayApp(catalog=load_catalog([tmp_path]))

    def look() -> None:
        bad = pane(app, "bad")
        if bad.state is not None and not bad.state.finished:
            live.append(text_of(bad.query_one(MemoryPanel).query_one("#memory-numbers", Static)))

    def hook(message: Message) -> None:
        recorder(message)
        if isinstance(message, RunUpdated) and message.pane == "bad":
            app.call_later(look)

    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await select(pilot, app, "growing")
        await pilot.press("b")
        await wait_until(pilot, lambda: bool(recorder.finished("bad")), what="the run to finish")
        bad = pane(app, "bad")
        state = recorder.finished("bad")[0].state
        await wait_until(pilot, lambda: bad.state is state, timeout_s=5, what="the final state")
        figures = [int(m.group(1)) for m in (re.search(r"memory (\d+) MB", x) for x in live) if m]
        assert figures and max(figures) >= figures[0] + 40, live  # it climbs, while it runs
        panel = bad.query_one(MemoryPanel)
        assert panel.query_one(MemoryChart).values == tuple(state.rss_series_kb)
        assert len(state.rss_series_kb) >= 2
        # The run's one peak (the end's or the highest sample, the higher), as the pane,
        # the scoreboard and the command line show it.
        assert text_of(panel.query_one("#memory-numbers", Static)) == \
            f"memory {format_mb(state.peak_memory_kb or 0)} peak"


async def test_a_long_check_wraps_instead_of_being_cut(tmp_path: Path) -> None:
    """Issue 11 item 12: a check line was cut at the pane's edge (``96264 KB (94.0 M…``)."""
    wanted = "a rather long sentence that the snippet prints, and the check names in full"
    write_lesson(tmp_path, "long-check", bad=f"print({wanted!r})\n", good="print('quiet')\n",
                 extra=f'[expect.bad]\nstdout_contains = "{wanted}"\npeak_rss_below_kb = 10\n')
    recorder = Recorder()
    app = AsyncPlayApp(catalog=load_catalog([tmp_path]))
    async with app.run_test(size=(80, 40), message_hook=recorder) as pilot:
        await select(pilot, app, "long-check")
        await pilot.press("b")
        await wait_until(pilot, lambda: bool(recorder.finished("bad")), what="the run to finish")
        bad = pane(app, "bad")
        await wait_until(pilot, lambda: bad.checks is not None, timeout_s=5, what="the checks")
        await pilot.pause()
        panel = bad.query_one(ChecksPanel)
        shown = [panel.render_line(y).text.rstrip() for y in range(panel.size.height)]
        assert not any(line.endswith("…") for line in shown), shown
        flat = " ".join(line.strip() for line in shown)
        assert " ".join(wanted.split()) in flat, shown
        peak = format_mb(recorder.finished("bad")[0].state.peak_rss_kb or 0)
        assert peak in flat and "KB" not in flat, shown


async def test_a_small_screen_hides_the_list_until_asked(tmp_path: Path) -> None:
    broken = tmp_path / "broken-one"
    broken.mkdir()
    (broken / "lesson.toml").write_text("title = 1\n")
    app = AsyncPlayApp(catalog=load_catalog([tmp_path]))
    async with app.run_test(size=(120, 36)) as pilot:
        sidebar = app.screen.query_one("#sidebar")
        note = app.screen.query_one("#broken-note", Static)
        texts = app.screen.query_one("#lesson-texts")
        assert not sidebar.display and not texts.display
        # The broken folder is still announced while the list is out of sight.
        assert note.display and "1 broken lesson folder" in text_of(note)
        await pilot.press("l")
        assert sidebar.display and not note.display
        await pilot.press("i")
        assert texts.display
        # n still walks the lessons with the list hidden or shown.
        first = app.lesson
        await pilot.press("n")
        assert app.lesson is not first
    app = AsyncPlayApp(catalog=load_catalog([tmp_path]))
    async with app.run_test(size=SIZE) as pilot:
        assert app.screen.query_one("#sidebar").display
        assert not app.screen.query_one("#broken-note").display
        await pilot.press("l")
        assert not app.screen.query_one("#sidebar").display
        assert app.screen.query_one("#broken-note").display


@pytest.mark.slow
@pytest.mark.parametrize("slug", load_catalog().slugs())
async def test_each_shipped_lesson_runs_both_variants_side_by_side(slug: str) -> None:
    """A lesson's bad and good at once (sharing one mock API), results on screen.

    One test per lesson: a catalog of thirty lessons, some ended by their time limit,
    would not fit one test's time limit."""
    recorder = Recorder()
    app = AsyncPlayApp()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        lesson = app.catalog.get(slug)
        assert lesson is not None
        if lesson.unavailable:  # the app refuses it (tested on its own); other versions run it
            pytest.skip(lesson.unavailable)
        await select(pilot, app, slug)
        await pilot.press("r")
        await wait_until(pilot, lambda: bool(recorder.finished("bad")) and bool(recorder.finished("good")),
                         timeout_s=100, what=f"both runs of {slug}")
        for variant in ("bad", "good"):
            finished = recorder.finished(variant)[0]
            shown = pane(app, variant)
            await wait_until(pilot, lambda: shown.state is finished.state, timeout_s=5,
                             what=f"{slug}/{variant} on screen")
            assert finished.state.finished and finished.state.channel_problem is None, (
                slug, variant, finished.state.message, finished.state.channel_problem)
            if lesson.expect.get(variant):
                checks = text_of(shown.query_one(".checks", Static))
                assert checks.count("✓") + checks.count("✗") == len(finished.summary["expect"]["checks"])


async def test_long_task_names_are_cut_and_keep_a_gap_before_the_state() -> None:
    """The table has no cell padding: a name as wide as its column would run into the
    state (``_wait_for_closedone``)."""
    state = RunState("names")
    state.apply({"kind": "tasks", "t": 0.1, "created": 2, "alive": 0, "max_alive": 2,
                 "failed": 0, "cancelled": 0,
                 "new": [[1, "Task-1", "_wait_for_close", None, None, None],
                         [2, "a-name-much-longer-than-the-column", "work", None, None, None]],
                 "upd": [[1, "done", None, None, None, 0.0, 2, None],
                         [2, "waiting", "socket connect", None, None, 0.0, 1, None]]})
    state.apply({"kind": "exit", "t": 0.2, "exit_code": 0, "signal": None, "status": "ok",
                 "limit": None, "message": "", "total_ms": 200.0})
    app = AsyncPlayApp()
    async with app.run_test(size=SIZE) as pilot:
        await pane(app, "bad").details_mounted()  # mounted after the first frame
        table = pane(app, "bad").query_one(TaskTable)
        table.state = state
        await pilot.pause()
        grid = table.query_one(TaskGrid)
        names = [str(grid.rows[row][1]) for row in range(2)]
        waits = [str(grid.rows[row][3]) for row in range(2)]
        width = dict(grid.columns)["task"]
        assert all(len(name) < width for name in names), names
        assert "_wait_for_clo…" in names and "a-name-much-l…" in names
        assert "socket con…" in waits


async def test_the_app_and_the_headless_run_say_the_same_words(tmp_path: Path) -> None:
    """Task names, places, lag and memory: both front ends word them through the model."""
    folder = write_lesson(tmp_path, "same-words",
                          bad="""\
                              import asyncio
                              import time

                              async def worker() -> None:
                                  time.sleep(0.1)  # BLOCK

                              async def main() -> None:
                                  await asyncio.create_task(worker())

                              asyncio.run(main())
                              """,
                          good="print('quick')\n")
    line = line_of(folder / "bad.py", "# BLOCK")
    headless = {
        variant: subprocess.run(
            [sys.executable, "-m", "playground", "--snippets", str(tmp_path), "run", "same-words",
             "--variant", variant], capture_output=True, text=True, timeout=60)
        for variant in ("bad", "good")
    }
    for result in headless.values():
        assert result.returncode == 0, result.stderr
    recorder = Recorder()
    app = AsyncPlayApp(catalog=load_catalog([tmp_path]))
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await select(pilot, app, "same-words")
        await pilot.press("r")
        await wait_until(pilot, lambda: bool(recorder.finished("bad")) and bool(recorder.finished("good")),
                         what="both runs to finish")
        bad, good = pane(app, "bad"), pane(app, "good")
        await wait_until(pilot, lambda: bad.state is not None and bad.state.finished
                         and good.state is not None and good.state.finished, what="both panes to show the end")
        bad_state, good_state = recorder.finished("bad")[0].state, recorder.finished("good")[0].state
        stall = bad_state.stalls[0]
        words = f"{bad_state.stall_task(stall)} at {place(stall.file, stall.line)}"
        assert words == f"worker() at bad.py:{line}"  # not Task-2
        assert f"in {words}" in headless["bad"].stdout and "Task-" not in headless["bad"].stdout
        stalls_text = text_of(bad.query_one(StallPanel))
        assert f"worker()  bad.py:{line}" in stalls_text and "Task-" not in stalls_text
        note = good_state.lag_note()
        assert note == "none measured: the run ended too soon"  # not "0.0 ms"
        assert f"lag      {note}" in headless["good"].stdout
        assert note in text_of(good.query_one(LagPanel).query_one("#lag-numbers", Static))
        for state, panel, cli in ((bad_state, bad, headless["bad"]), (good_state, good, headless["good"])):
            assert state.peak_rss_kb and state.peak_memory_kb
            assert f"{format_mb(state.peak_memory_kb)} peak" in text_of(panel.query_one(StatusPanel))
            assert re.search(r"memory   \d+ MB peak", cli.stdout), cli.stdout


async def test_the_list_groups_lessons_by_level_and_the_cursor_skips_the_headings(
    tmp_path: Path,
) -> None:
    for slug, extra in (("conc", 'level = "concurrency"'), ("basic-two", 'level = "basics"'),
                        ("basic-one", 'level = "basics"'), ("mine", "")):
        write_lesson(tmp_path, slug, bad="print('bad')\n", good="print('good')\n", title=slug,
                     extra=extra)
    app = AsyncPlayApp(catalog=load_catalog([tmp_path], include_default=False))
    async with app.run_test(size=SIZE) as pilot:
        lessons = app.screen.query_one("#lessons", LessonOptions)
        shown = [f"# {item.level}" if isinstance(item, LevelOption)
                 else f"{item.number}. {item.lesson.slug}" if isinstance(item, LessonOption) else ""
                 for item in lessons.options]
        assert shown == ["# basics", "1. basic-one", "2. basic-two", "# concurrency", "3. conc",
                         "# other", "4. mine"]
        assert app.lesson is not None and app.lesson.slug == "basic-one"
        for key, slug in (("down", "basic-two"), ("down", "conc"), ("down", "mine"),
                          ("up", "conc"), ("up", "basic-two"), ("n", "conc"), ("p", "basic-two")):
            await pilot.press(key)
            await wait_until(pilot, lambda: app.lesson is not None and app.lesson.slug == slug,
                             timeout_s=5, what=f"{key} to {slug}")
        assert app.sub_title.endswith("2/4")


async def test_a_lesson_for_another_python_says_why_and_does_not_run(tmp_path: Path) -> None:
    write_lesson(tmp_path, "future", bad="print('bad')\n", good="print('good')\n",
                 extra='requires_python = ">=99"')
    app = AsyncPlayApp(catalog=load_catalog([tmp_path], include_default=False))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        lessons = app.screen.query_one(LessonOptions)
        item = lessons.lesson_options[0]
        assert "not available: needs Python >=99" in " ".join(
            line.plain.strip() for line in lessons.lines_of(item))
        heading = text_of(app.screen.query_one("#lesson-heading", Static))
        assert "Not available: needs Python >=99 (this is Python 3." in heading
        for key in ("b", "g", "r"):
            await pilot.press(key)
        await pilot.pause()
        assert pane(app, "bad").state is None and pane(app, "good").state is None
        # what the user sees: a toast says why (Textual's Toast widget, by its type name)
        await wait_until(pilot, lambda: any("needs Python >=99" in str(toast.render())
                                            for toast in app.screen.query("Toast")),
                         timeout_s=10, what="a toast saying why")
