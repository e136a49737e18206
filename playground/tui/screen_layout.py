"""Screens laid out again only when their size changes.

Textual lays a screen out whenever it gets a resize event, and also each background
screen under it, even at the size they were just laid out at. A screen's first layout
sends it such a resize (it is new in its own layout): help's first showing laid help
out twice and the main screen under it once more, with nothing changed (some 40 ms of
CPU at 160x48). A change inside a screen still lays it out (Textual's layout
requests); a new size (the terminal resized) lays out every screen as before.

Nor is a screen laid out a second time for the sizes its layout has just handed out.
Textual gives each widget the virtual size its layout measured, a reactive that asks
for a layout: every widget that appeared or changed size (a tab's panels, shown by a
tab switch) laid the whole screen out again, to the same result. A request made while
the layout runs is kept when it has another cause: a scrollbar shown or hidden.
"""

from __future__ import annotations

from typing import Any

from textual.geometry import Size
from textual.screen import Screen
from textual.widget import Widget

__all__ = ["NewSizeLayout"]


class NewSizeLayout(Screen[Any]):
    """A screen that skips a resize's layout when it is already laid out at that size,
    and the layout its widgets ask for as it hands them their virtual sizes."""

    def _screen_resized(self, size: Size) -> None:
        # The compositor keeps the size of the screen's last layout.
        if self._compositor.size == size:
            return
        super()._screen_resized(size)

    def _refresh_layout(self, size: Size | None = None, scroll: bool = False) -> None:
        widgets = list(self.walk_children(Widget))
        asked = {widget for widget in widgets if widget._layout_required}
        bars = {widget: _bars(widget) for widget in widgets if widget.is_scrollable}
        super()._refresh_layout(size, scroll)
        for widget in widgets:
            # Asked while this layout ran, for nothing but the virtual size it measured.
            if widget._layout_required and widget not in asked \
                    and bars.get(widget, (False, False)) == _bars(widget):
                widget._layout_required = False


def _bars(widget: Widget) -> tuple[bool, bool]:
    return widget.show_vertical_scrollbar, widget.show_horizontal_scrollbar
