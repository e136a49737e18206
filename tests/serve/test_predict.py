"""Predict, then reveal: the ``[predict]`` table (validated by the catalog), the first
lessons of the path that carry one, and the app asking before a run and revealing after
(the real app driven by Pilot, a real run)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from playground.catalog import load_catalog
from playground.tui.app import AsyncPlayApp
from playground.tui.predict import PredictScreen, RevealBar

from children import leaves_no_child_behind  # noqa: F401  (autouse: checks every test here)

TOML = """\
title = "Quick"
summary = "A quick lesson."
why = "Why."
watch = "Watch."
mistake = "The mistake."
fix = "The fix."
tags = ["quick"]
level = "basics"
order = 1
"""

PREDICT = """
[predict]
question = "What does it print?"
choices = ["hello", "nothing"]
answer = 0
explain = "print() prints."
"""


def lesson_folder(parent: Path, toml: str) -> Path:
    folder = parent / "quick"
    folder.mkdir()
    (folder / "lesson.toml").write_text(toml)
    (folder / "bad.py").write_text("print('hello')\n")
    (folder / "good.py").write_text("print('hello')\n")
    return parent


@pytest.mark.parametrize(("table", "problem"), [
    ('[predict]\nquestion = "Q?"\nchoices = ["a"]\nanswer = 0\nexplain = "E."\n',
     "'choices' must be a list of 2 to 4 non-empty texts"),
    ('[predict]\nquestion = "Q?"\nchoices = ["a", "b"]\nanswer = 2\nexplain = "E."\n',
     "'answer' must be the index of the right choice (0 to 1), not 2"),
    ('[predict]\nquestion = "Q?"\nchoices = ["a", "b"]\nanswer = 0\n',
     "misses 'explain'"),
    ('[predict]\nquestion = "Q?"\nchoices = ["a", "b"]\nanswer = 0\nexplain = "E."\nhint = "h"\n',
     "unknown key 'hint'"),
    ('predict = "yes"\n', "must be a table"),
])
def test_a_bad_predict_table_is_named_with_its_problem(tmp_path: Path, table: str, problem: str) -> None:
    # A top-level key must come before the first table: put it right after the texts.
    toml = TOML + table if table.startswith("[") else table + TOML
    catalog = load_catalog([lesson_folder(tmp_path, toml)], include_default=False)
    assert not catalog.lessons
    (error,) = catalog.errors
    assert error.path.name == "lesson.toml" and "'predict'" in str(error) and problem in str(error)


def test_the_first_eight_lessons_of_the_path_ask_a_question() -> None:
    lessons = load_catalog().lessons[:8]
    assert [l.slug for l in lessons if l.predict is None] == []
    for lesson in lessons:
        assert lesson.predict is not None and 2 <= len(lesson.predict.choices) <= 4


async def wait_until(pilot: Pilot[None], condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await pilot.pause(0.05)


async def test_the_app_asks_before_the_run_and_reveals_after(tmp_path: Path) -> None:
    catalog = load_catalog([lesson_folder(tmp_path, TOML + PREDICT)], include_default=False)
    app = AsyncPlayApp(catalog=catalog, predict=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("b")
        await wait_until(pilot, lambda: isinstance(app.screen, PredictScreen), "the question")
        assert app.finished == {} and not app.query_one("#pane-bad").has_class("-running")
        await pilot.press("2")  # "nothing": wrong
        # The keys go back to the lesson list (not to a text field that would eat n, p...).
        assert app.focused is app.query_one("#lessons")
        await wait_until(pilot, lambda: "bad" in app.finished, "the run's end")
        reveal = app.query_one("#reveal", RevealBar)
        await wait_until(pilot, lambda: reveal.display, "the reveal")
        text = reveal.text.plain
        assert "✗ not this time: you chose B (nothing)" in text
        assert "Answer A: hello" in text and "print() prints." in text
        await pilot.press("b")  # asked once per lesson: the second run starts at once
        await pilot.pause()
        assert not isinstance(app.screen, PredictScreen)
