"""What opening and closing help costs the app: the layouts, the restyles and the
drawing of help's text that each does (counted on the real app, at both sizes the
keys are measured at). Each was more before: help's first showing laid help out three
times, made its text for two widths and drew it twice, and laid the main screen out
under it; nothing had changed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

import pytest
from textual.css.stylesheet import Stylesheet
from textual.dom import DOMNode
from textual.geometry import Size
from textual.pilot import Pilot
from textual.screen import Screen

from playground.catalog import load_catalog
from playground.tui.app import AsyncPlayApp
from playground.tui.footer import RunFooter
from playground.tui.main_screen import MainScreen
from playground.tui import screens
from playground.tui.screens import HelpScreen, HelpText


class Costs:
    """Counts, while it is on, each screen's layouts, the screens whose nodes are
    restyled, and the drawings of help's text (the real methods still run)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.counts: Counter[str] = Counter()
        layout, render, update_nodes = Screen._refresh_layout, HelpText.render, Stylesheet.update_nodes
        help_lines = screens.help_lines
        counts = self.counts

        def counted_lines(width: int) -> list[Any]:
            counts["help text made"] += 1
            return help_lines(width)

        def counted_layout(screen: Screen[Any], size: Size | None = None, scroll: bool = False) -> None:
            counts[f"layout {type(screen).__name__}"] += 1
            layout(screen, size, scroll)

        def counted_render(text: HelpText) -> Any:
            counts["help text drawn"] += 1
            return render(text)

        def counted_update(sheet: Stylesheet, nodes: Iterable[DOMNode], animate: bool = False) -> None:
            nodes = list(nodes)
            for screen in {type(node.screen).__name__ for node in nodes if node.is_attached}:
                counts[f"restyle {screen}"] += 1
            update_nodes(sheet, nodes, animate)

        monkeypatch.setattr(Screen, "_refresh_layout", counted_layout)
        monkeypatch.setattr(HelpText, "render", counted_render)
        monkeypatch.setattr(Stylesheet, "update_nodes", counted_update)
        monkeypatch.setattr(screens, "help_lines", counted_lines)

    async def settle(self, pilot: Pilot[None]) -> None:
        """Until the app is idle: two pauses in a row with nothing laid out or restyled
        (start-up's work, done in a worker, is shown a moment after it ends, later on a
        busy machine)."""
        await pilot.app.workers.wait_for_complete()
        quiet = 0
        for _ in range(200):
            self.counts.clear()
            await pilot.pause()
            quiet = quiet + 1 if not self.counts else 0
            if quiet == 2:
                return
        raise AssertionError(f"the app is never idle: {self.counts}")

    async def of(self, pilot: Pilot[None], key: str) -> Counter[str]:
        """What pressing ``key`` cost, once its effect is drawn and all is idle."""
        await self.settle(pilot)
        self.counts.clear()
        await pilot.press(key)
        await pilot.pause()
        await pilot.pause()
        return Counter(self.counts)


@pytest.mark.parametrize("size", [(160, 48), (80, 24)])
async def test_help_is_laid_out_and_drawn_once_and_the_main_screen_not_at_all(
        size: tuple[int, int], monkeypatch: pytest.MonkeyPatch) -> None:
    app = AsyncPlayApp(catalog=load_catalog())
    async with app.run_test(size=size) as pilot:
        costs = Costs(monkeypatch)

        first = await costs.of(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        # Its text made for one width (its height was measured at another, without the
        # scrollbar's gutter) and drawn once; one layout, and one more of its scrollbar
        # alone (made before the first, it is styled after it); styled as it mounts and
        # as it shows.
        assert first["help text made"] == 1 and first["help text drawn"] == 1, first
        assert first["layout HelpScreen"] <= 2, first
        assert first["restyle HelpScreen"] <= 2, first
        assert first["layout MainScreen"] == 0 and first["restyle MainScreen"] == 0, first

        closed = await costs.of(pilot, "escape")
        assert isinstance(app.screen, MainScreen)
        assert closed["layout MainScreen"] == 0 and closed["restyle MainScreen"] == 0, closed

        again = await costs.of(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        # Kept from its first showing: drawn and laid out as it was.
        assert again["help text made"] == 0 and again["help text drawn"] == 0, again
        assert again["layout HelpScreen"] == 0, again
        assert again["layout MainScreen"] == 0 and again["restyle MainScreen"] == 0, again
        closed = await costs.of(pilot, "escape")
        assert closed["layout MainScreen"] == 0 and closed["restyle MainScreen"] == 0, closed


async def test_a_new_size_still_lays_out_help_and_the_main_screen_under_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    app = AsyncPlayApp(catalog=load_catalog())
    async with app.run_test(size=(160, 48)) as pilot:
        costs = Costs(monkeypatch)
        await costs.of(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        await costs.settle(pilot)
        await pilot.resize_terminal(100, 30)
        await costs.settle(pilot)
        assert app.screen._compositor.size == Size(100, 30)
        assert app.screen_stack[0]._compositor.size == Size(100, 30)
        assert app.screen.query_one("#help-dialog").outer_size.width == 90  # max-width: 90%
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


@pytest.mark.parametrize("size", [(160, 48), (80, 24)])
async def test_the_filter_lays_the_main_screen_out_once(
        size: tuple[int, int], monkeypatch: pytest.MonkeyPatch) -> None:
    """The filter shows: one layout, and the footer's keys (the palette's alone while
    the filter has the focus) a repaint of its line. The footer was a widget per key:
    hiding and showing them laid the screen out again a frame later. At 80x24 the list
    shows with the filter and narrows the panes: the status line broke its figures for
    the new width, and its new text (as many lines as the layout had given it) laid the
    screen out a third time; and the filter's note, set just before the filter's layout,
    asked for another when its request came in."""
    app = AsyncPlayApp(catalog=load_catalog())
    async with app.run_test(size=size) as pilot:
        costs = Costs(monkeypatch)
        await pilot.press("slash", "escape")  # the first time, the filter's widgets are new
        footer = app.screen.query_one(RunFooter)
        for _ in range(2):
            opened = await costs.of(pilot, "slash")
            assert app.screen.query_one("#lesson-filter").display
            assert [entry.palette for entry in footer.shown()] == [True]  # the palette's key alone
            assert opened["layout MainScreen"] <= 1, opened
            closed = await costs.of(pilot, "escape")
            assert not app.screen.query_one("#lesson-filter").display
            assert {"b", "question_mark"} <= {entry.key for entry in footer.shown()}
            assert closed["layout MainScreen"] <= 1, closed
