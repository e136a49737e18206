"""The footer, with the run keys and help first, so that a narrow screen keeps them.

Textual's footer lists the active bindings in the order it finds them (the focused
widget's first) and cuts the row at the screen's edge; at 80 columns the keys after
the sixth were lost, help among them. This one puts the keys that start and stop runs,
then help, before the others.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

__all__ = ["RunFooter", "footer_rank"]


def footer_rank(action: str) -> int:
    """Where a binding's action goes in the footer: run keys, then stop, then help."""
    if action.startswith("run(") or action.startswith("run_"):
        return 0
    if action == "stop":
        return 1
    if action == "help":
        return 2
    return 3


class RunFooter(Footer):
    """Textual's footer, with the run keys and help first (the rest in their order)."""

    def compose(self) -> ComposeResult:
        widgets: Iterable[Widget] = super().compose()
        keyed = list(enumerate(widgets))

        def rank(item: tuple[int, Widget]) -> tuple[int, int]:
            index, widget = item
            if isinstance(widget, FooterKey) and not widget.has_class("-command-palette"):
                return footer_rank(widget.action), index
            return 4, index

        for _, widget in sorted(keyed, key=rank):
            yield widget
