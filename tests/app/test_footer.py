"""The footer: one line drawn from the screen's bindings (playground/tui/footer.py)."""

from __future__ import annotations

from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from playground.catalog import load_catalog
from playground.tui.app import AsyncPlayApp
from playground.tui.footer import RunFooter
from playground.tui.screens import HelpScreen


class Keys(App[None]):
    """An app of a few keys: ``x`` shown, ``d`` shown but disabled (dim), ``h`` hidden
    until ``shown_h`` is set."""

    BINDINGS = [
        Binding("x", "note('x')", "Ex", tooltip="does x"),
        Binding("d", "note('d')", "Dee"),
        Binding("h", "note('h')", "Aitch"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.notes: list[str] = []
        self.bells = 0
        self.shown_h = False

    def compose(self) -> ComposeResult:
        yield Static("body")
        yield RunFooter(ranked=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "note" and parameters == ("d",):
            return None  # shown, disabled
        if action == "note" and parameters == ("h",):
            return self.shown_h or False
        return True

    def action_note(self, what: str) -> None:
        self.notes.append(what)

    def bell(self) -> None:
        self.bells += 1


def row(footer: RunFooter) -> str:
    return "".join(strip.text for strip in footer.render_lines(footer.region.reset_offset))


async def test_a_key_is_clicked_as_if_pressed_and_a_disabled_one_rings_the_bell() -> None:
    app = Keys()
    async with app.run_test(size=(60, 5)) as pilot:
        footer = app.query_one(RunFooter)
        line = row(footer)
        assert line.startswith(" x Ex  d Dee ") and line.rstrip().endswith("▏^p palette"), line
        await pilot.click(RunFooter, offset=(line.index("Ex"), 0))
        await pilot.pause()
        assert app.notes == ["x"]
        await pilot.click(RunFooter, offset=(line.index("Dee"), 0))
        await pilot.pause()
        assert app.notes == ["x"] and app.bells == 1
        await pilot.click(RunFooter, offset=(line.index("Ex") + 30, 0))  # between the keys
        await pilot.pause()
        assert app.notes == ["x"] and app.bells == 1


async def test_the_key_under_the_pointer_is_lit_and_tells_its_tooltip() -> None:
    app = Keys()
    async with app.run_test(size=(60, 5)) as pilot:
        footer = app.query_one(RunFooter)
        line = row(footer)

        def background_at(x: int) -> Any:
            strip = footer.render_lines(footer.region.reset_offset)[0]
            at = 0
            for segment in strip:
                if at <= x < at + len(segment.text):
                    return segment.style.bgcolor if segment.style else None
                at += len(segment.text)
            raise AssertionError(x)

        plain = background_at(line.index("Ex"))
        await pilot.hover(RunFooter, offset=(line.index("Ex"), 0))
        await pilot.pause()
        assert footer.tooltip == "does x"
        assert background_at(line.index("Ex")) != plain
        assert background_at(line.index("Dee")) == plain
        await pilot.hover(Static, offset=(0, 0))
        await pilot.pause()
        assert footer.tooltip is None and background_at(line.index("Ex")) == plain


async def test_a_change_of_the_bindings_repaints_the_line_and_lays_nothing_out(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The keys were a widget each: one made, hidden or shown was a layout of the screen."""
    app = Keys()
    async with app.run_test(size=(60, 5)) as pilot:
        footer = app.query_one(RunFooter)
        assert "Aitch" not in row(footer)
        await pilot.pause()  # start-up's own layouts are done
        await pilot.pause()
        layouts: list[Screen[Any]] = []
        layout = Screen._refresh_layout

        def counted(screen: Screen[Any], size: Any = None, scroll: bool = False) -> None:
            layouts.append(screen)
            layout(screen, size, scroll)

        monkeypatch.setattr(Screen, "_refresh_layout", counted)
        app.shown_h = True
        app.screen.refresh_bindings()
        await pilot.pause()
        assert " h Aitch " in row(footer)
        assert layouts == []


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_the_apps_footer_shows_whole_keys_run_keys_and_help_first(size: tuple[int, int]) -> None:
    app = AsyncPlayApp(catalog=load_catalog())
    async with app.run_test(size=size) as pilot:
        footer = app.screen.query_one(RunFooter)
        shown = footer.shown()
        assert [entry.key for entry in shown[:5]] == ["b", "g", "r", "s", "question_mark"]
        assert shown[-1].key == "ctrl+p"
        line = row(footer)
        assert len(line) == size[0]
        for entry in shown:
            assert entry.text in line, (entry, line)
        # ? clicked opens help, as pressed.
        await pilot.click(RunFooter, offset=(line.index(" ? Help") + 1, 0))
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_under_a_question_the_footer_shows_the_questions_keys() -> None:
    """Asked before a run, the question (a see-through dialog) takes the keys: the
    footer showed the main screen's, most of them refused while it is open."""
    from playground.tui.predict import PredictScreen

    app = AsyncPlayApp(catalog=load_catalog(), predict=True)
    async with app.run_test(size=(160, 48)) as pilot:
        footer = app.screen.query_one(RunFooter)
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, PredictScreen)
        keys = {entry.key: entry for entry in footer.shown()}
        assert "escape" in keys and keys["escape"].description == "Skip"
        assert "b" not in keys and " esc Skip " in row(footer)
        await pilot.press("escape")  # skipped: the run starts, the lesson's keys are back
        await pilot.pause()
        assert not isinstance(app.screen, PredictScreen)
        assert {"b", "question_mark"} <= {entry.key for entry in footer.shown()}
