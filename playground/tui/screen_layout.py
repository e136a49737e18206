"""Screens laid out again only when their size changes.

Textual lays a screen out whenever it gets a resize event, and also each background
screen under it, even at the size they were just laid out at. A screen's first layout
sends it such a resize (it is new in its own layout): help's first showing laid help
out twice and the main screen under it once more, with nothing changed (some 40 ms of
CPU at 160x48). A change inside a screen still lays it out (Textual's layout
requests); a new size (the terminal resized) lays out every screen as before.
"""

from __future__ import annotations

from typing import Any

from textual.geometry import Size
from textual.screen import Screen

__all__ = ["NewSizeLayout"]


class NewSizeLayout(Screen[Any]):
    """A screen that skips a resize's layout when it is already laid out at that size."""

    def _screen_resized(self, size: Size) -> None:
        # The compositor keeps the size of the screen's last layout.
        if self._compositor.size == size:
            return
        super()._screen_resized(size)
