"""What switching the detail tabs (`1` `2` `3`) costs on a live run: the layouts of the
main screen and the stylesheet's passes, counted on the real app (the real methods
still run). A tab's panels catch up before it shows, so that the switch is laid out
once; the tabs whose class changes (two per pane) are styled in one pass."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest
from textual.css.stylesheet import Stylesheet
from textual.dom import DOMNode
from textual.geometry import Size
from textual.screen import Screen
from textual.widgets import Static, TabbedContent
from textual.widgets._tabbed_content import ContentTab

from playground.catalog import load_catalog
from playground.tui.app import AsyncPlayApp
from playground.tui.panels import ProblemsPanel
from playground.tui.run_pane import RunPane

from test_app import wait_until
from test_panel_redraws import _live_state_with_output


class Counts:
    """The main screen's layouts and each pass of the stylesheet (its nodes), while on."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.layouts = 0
        self.passes: list[list[DOMNode]] = []
        layout, update_nodes = Screen._refresh_layout, Stylesheet.update_nodes

        def counted_layout(screen: Screen[Any], size: Size | None = None, scroll: bool = False) -> None:
            if screen is screen.app.screen_stack[0]:
                self.layouts += 1
            layout(screen, size, scroll)

        def counted_update(sheet: Stylesheet, nodes: Iterable[DOMNode], animate: bool = False) -> None:
            nodes = list(nodes)
            self.passes.append(nodes)
            update_nodes(sheet, nodes, animate)

        monkeypatch.setattr(Screen, "_refresh_layout", counted_layout)
        monkeypatch.setattr(Stylesheet, "update_nodes", counted_update)

    def clear(self) -> None:
        self.layouts = 0
        self.passes.clear()


@pytest.mark.parametrize("key, tab", [("3", "problems"), ("2", "output")])
async def test_a_tab_switch_lays_the_screen_out_once_and_styles_its_tabs_in_one_pass(
        key: str, tab: str, monkeypatch: pytest.MonkeyPatch) -> None:
    app = AsyncPlayApp(catalog=load_catalog())
    state, later = _live_state_with_output()
    async with app.run_test(size=(160, 48)) as pilot:
        await app.workers.wait_for_complete()
        panes = list(app.screen.query(RunPane))
        for pane in panes:
            await pane.details_mounted()  # mounted after the first frame
            pane.state = state
        await pilot.pause()
        for event in later[:40]:  # the run goes on while the tab is hidden
            state.apply(event)
        for pane in panes:
            pane.state = state
        await pilot.pause()
        await pilot.pause()
        counts = Counts(monkeypatch)
        await pilot.press(key)
        for _ in range(4):
            await pilot.pause()
        for pane in panes:
            assert pane.query_one(TabbedContent).active == f"{pane.pane}-{tab}"
        problems = panes[0].query_one(ProblemsPanel).query_one("#problems-text", Static)
        assert "so far" in str(problems.content) or tab != "problems"
        # One layout for the tabs' new contents: their panels drew before they showed.
        assert counts.layouts == 1, counts.layouts
        # The two tabs of each pane whose -active changed, in one pass.
        tab_passes = [nodes for nodes in counts.passes if any(isinstance(n, ContentTab) for n in nodes)]
        assert len(tab_passes) == 1, [[type(n).__name__ for n in nodes] for nodes in counts.passes]
        assert sorted(str(n.id) for n in tab_passes[0]) == sorted(
            f"--content-tab-{pane.pane}-{name}" for pane in panes for name in ("tasks", tab))


async def test_the_underline_jumps_to_the_new_tab(monkeypatch: pytest.MonkeyPatch) -> None:
    """Its slide (0.3 s, set off 20 ms after the switch) animated the tabs frame after
    frame, under a busy run too: the switch now asks for none."""
    from textual.widgets._tabs import Tabs

    slides: list[bool] = []  # each move of the underline: whether it would slide
    highlight = Tabs._highlight_active

    def counted(self: Tabs, animate: bool = True) -> None:
        slides.append(animate and self.app.animation_level != "none")  # as Tabs decides
        highlight(self, animate)

    monkeypatch.setattr(Tabs, "_highlight_active", counted)
    app = AsyncPlayApp(catalog=load_catalog())
    async with app.run_test(size=(160, 48)) as pilot:
        pane = app.screen.query_one("#pane-bad", RunPane)
        await pane.details_mounted()
        pane.state = _live_state_with_output()[0]
        await pilot.pause()
        slides.clear()
        await pilot.press("2")
        await wait_until(pilot, lambda: pane.query_one(TabbedContent).active == "bad-output",
                         timeout_s=5, what="the Output tab")
        await pilot.pause()
        assert slides and not any(slides), slides  # the underline moved, without a slide
        assert app.animation_level != "none"  # the app's other animations are left on
