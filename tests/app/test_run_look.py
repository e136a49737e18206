"""A pane's first run: the pane leaves its idle look by restyling the widgets that
look depends on, not its whole subtree (some 50-175 widgets: tens of ms between the
run key and the first live figure), and every widget is styled as a whole restyle
would style it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest
from textual.css.stylesheet import Stylesheet
from textual.dom import DOMNode

from playground.catalog import load_catalog
from playground.model import RunState
from playground.tui.app import AsyncPlayApp
from playground.tui.run_pane import RunPane


def _rules(pane: RunPane) -> dict[int, Any]:
    return {id(node): (type(node).__name__, node.id, node._css_styles.get_rules())
            for node in pane.walk_children(with_self=True)}


@pytest.mark.parametrize("size", [(160, 48), (80, 24)])
async def test_a_run_starting_restyles_the_widgets_of_the_idle_look_only(
        size: tuple[int, int], monkeypatch: pytest.MonkeyPatch) -> None:
    app = AsyncPlayApp(catalog=load_catalog())
    async with app.run_test(size=size) as pilot:
        await app.workers.wait_for_complete()
        pane = app.screen.query_one("#pane-bad", RunPane)
        await pane.details_mounted()
        await pilot.pause()
        assert pane.has_class("-idle")
        styled: list[DOMNode] = []
        update_nodes = Stylesheet.update_nodes

        def counted(sheet: Stylesheet, nodes: Iterable[DOMNode], animate: bool = False) -> None:
            nodes = list(nodes)
            styled.extend(node for node in nodes if pane in node.ancestors_with_self)
            update_nodes(sheet, nodes, animate)

        monkeypatch.setattr(Stylesheet, "update_nodes", counted)
        state = RunState(target="many/bad")
        state.apply({"kind": "hello", "t": 0.0, "pid": 7, "python": "3.12.0", "file": "/x/bad.py"})
        pane.state = state
        await pilot.pause()
        monkeypatch.undo()
        assert not pane.has_class("-idle") and pane.has_class("-running")
        assert 0 < len(styled) <= 10, [type(node).__name__ for node in styled]
        assert pane.query_one(".details").display and not pane.query_one(".note").display

        seen = _rules(pane)
        app.stylesheet.update_nodes(list(pane.walk_children(with_self=True)))  # a whole restyle
        assert _rules(pane) == seen
