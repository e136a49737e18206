"""Opening the app somewhere: ``asyncplay --lesson SLUG [--variant]``, ``asyncplay FILE.py``.

The app is built by the function the entry point uses (``cli.app.build_app`` over
``cli.parse``), then driven by Pilot; a file opened so runs in the real sandbox.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from textual.message import Message
from textual.pilot import Pilot

from playground.cli import main, parse
from playground.cli.app import build_app, file_shorthand
from playground.cli.common import UsageError
from playground.catalog import Lesson
from playground.tui.app import AsyncPlayApp
from playground.tui.code import CodeView
from playground.tui.lesson_options import LessonOptions
from playground.tui.messages import RunFinished
from playground.tui.run_pane import RunPane
from test_app import wait_until

SIZE = (160, 48)
COMMANDS = ["list", "run", "replay", "export", "doctor"]



def highlighted_slug(pilot: Pilot[None]) -> str | None:
    lesson = pilot.app.screen.query_one("#lessons", LessonOptions).highlighted_lesson
    return lesson.slug if lesson is not None else None


@pytest.mark.parametrize("variant", ["bad", "good"])
async def test_lesson_opens_the_app_at_it_with_the_variants_pane_focused(variant: str) -> None:
    app = build_app(parse(["--lesson", "cpu-bound", "--variant", variant]))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: highlighted_slug(pilot) == "cpu-bound", timeout_s=5,
                         what="the list's cursor on the lesson")
        assert app.lesson is not None and app.lesson.slug == "cpu-bound"
        assert "CPU" in app.sub_title or app.lesson.title in app.sub_title
        focused = app.focused
        assert isinstance(focused, RunPane) and focused.pane == variant
        assert focused.query_one(CodeView).source == app.lesson.source(variant)
        # Nothing runs until asked; the keys work from the focused pane.
        assert not any(p.running for p in app.screen.query(RunPane))
        await pilot.press("n")
        await wait_until(pilot, lambda: app.lesson is not None and app.lesson.slug != "cpu-bound",
                         timeout_s=5, what="n to move on")


async def test_lesson_without_variant_keeps_the_list_focused() -> None:
    app = build_app(parse(["--lesson", "missing-await"]))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: highlighted_slug(pilot) == "missing-await", timeout_s=5,
                         what="the list's cursor on the lesson")
        assert isinstance(app.focused, LessonOptions)


async def test_a_lesson_of_snippets_given_on_the_command_line(tmp_path: Path) -> None:
    folder = tmp_path / "my-own-lesson"
    folder.mkdir()
    (folder / "lesson.toml").write_text(textwrap.dedent("""\
        title = "My own lesson"
        summary = "Mine."
        why = "Mine."
        watch = "Mine."
        mistake = "Mine."
        fix = "Mine."
        tags = ["mine"]
        """))
    (folder / "bad.py").write_text("print('bad')\n")
    (folder / "good.py").write_text("print('good')\n")
    app = build_app(parse(["--snippets", str(tmp_path), "--lesson", "my-own-lesson"]))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: highlighted_slug(pilot) == "my-own-lesson", timeout_s=5,
                         what="the list's cursor on the lesson")


@pytest.mark.parametrize("how", ["positional", "--file"])
async def test_a_file_opens_the_app_at_it_and_runs_it(tmp_path: Path, how: str) -> None:
    script = tmp_path / "mine.py"
    script.write_text("import asyncio\n\nasyncio.run(asyncio.sleep(0.05))\nprint('mine ran')\n")
    finished: list[RunFinished] = []

    def hook(message: Message) -> None:
        if isinstance(message, RunFinished):
            finished.append(message)

    argv = [str(script)] if how == "positional" else ["--file", str(script)]
    app = build_app(parse(argv))
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await wait_until(pilot, lambda: bool(finished), what="the file's run")
        assert finished[0].pane == "file" and "mine ran" in finished[0].state.stdout.text
        mine = app.screen.query_one("#pane-file", RunPane)
        assert mine.display and mine.query_one(CodeView).source == script.read_text()
        assert app.file_path == script


@pytest.mark.parametrize(("argv", "message"), [
    (["--lesson", "cpu"], "unknown lesson 'cpu'; did you mean cpu-bound or to-thread-cpu?"),
    (["--lesson", "time-slep"], "did you mean time-sleep?"),
    (["--lesson", "qqqqqqq"], "lessons is called that or anything close (`asyncplay list` shows "
                              "them all)"),  # not the 35 names on one line
    (["--variant", "good"], "--variant goes with --lesson SLUG"),
    (["--lesson", "time-sleep", "--file", "x.py"], "give --lesson or a file, not both"),
    (["no-such-file.py"], "no-such-file.py: no such file"),
    (["--file", "/"], "/: a folder, not a file"),
])
def test_a_mistake_is_a_usage_error_before_the_app_starts(
        argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(UsageError) as caught:
        build_app(parse(argv))
    assert message in str(caught.value)
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_the_headless_run_names_close_lessons_too(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "blocking"]) == 2
    err = capsys.readouterr().err
    assert "unknown lesson 'blocking'; did you mean " in err and "blocking-io" in err


def test_file_shorthand_only_takes_a_python_file_where_a_command_would_be(tmp_path: Path) -> None:
    existing = tmp_path / "script"
    existing.write_text("print(1)\n")
    assert file_shorthand(["x.py"], COMMANDS) == ["--file", "x.py"]
    assert file_shorthand(["--snippets", "d.py", "x.py"], COMMANDS) == ["--snippets", "d.py", "--file", "x.py"]
    assert file_shorthand([str(existing)], COMMANDS) == ["--file", str(existing)]
    assert file_shorthand(["run", "--file", "x.py"], COMMANDS) == ["run", "--file", "x.py"]
    assert file_shorthand(["lsit"], COMMANDS) == ["lsit"]  # argparse says: invalid choice
    assert file_shorthand(["--", "x.py"], COMMANDS) == ["--", "x.py"]
    assert file_shorthand([], COMMANDS) == []


@pytest.mark.parametrize("args", [[], ["--lesson", "missing-await"],
                                  ["--lesson", "cpu-bound", "--variant", "good"]])
async def test_the_app_shows_one_lesson_at_start_once(args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """``--lesson`` showed the first lesson, then its own, then each again (the list's
    late reports of its cursor): four lessons' texts and snippets set out where one is
    shown."""
    shown: list[str] = []
    watch = AsyncPlayApp.watch_lesson

    def counted(app: AsyncPlayApp, lesson: Lesson | None) -> None:
        if lesson is not None:
            shown.append(lesson.slug)
        watch(app, lesson)

    monkeypatch.setattr(AsyncPlayApp, "watch_lesson", counted)
    app = build_app(parse(args))
    expected = args[1] if args else app.catalog.lessons[0].slug
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: highlighted_slug(pilot) == expected, timeout_s=5,
                         what="the list's cursor on the lesson")
        await pilot.pause()
        assert app.lesson is not None and app.lesson.slug == expected
        assert shown == [expected]
