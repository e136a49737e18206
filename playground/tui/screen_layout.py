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
tab switch) laid the whole screen out again, to the same result; so did a scrollbar
whose widget changed size. A request made while
the layout runs is kept when it has another cause: a scrollbar shown or hidden.

Nor is a screen laid out again for requests its layout has already seen. A widget
hands its request to the screen at its own next idle, a message: a change made just
before the screen's layout (the filter's note, the footer's keys as the filter opens)
was laid out, then asked for a layout of the whole screen again. The requests
pending when a layout starts are taken into it, as Textual would have taken them, and
the messages of requests made before it began are dropped when they arrive.

And every widget whose size a layout changed is told (:class:`ResizingCompositor`):
Textual tells those whose place differs from its last map, but a scroll's reflow lets
that map be made again on demand, from the widgets as they are then; asked for a
widget's region after a change (the lesson list shown, not yet laid out), it already
held the new places, and the widgets the list narrowed were told nothing (their status
lines kept the lines broken for their old width, wrapped inside a figure).
"""

from __future__ import annotations

from typing import Any

from textual import _time, messages
from textual._compositor import Compositor, ReflowResult
from textual.geometry import Size
from textual.screen import Screen
from textual.widget import Widget

__all__ = ["NewSizeLayout", "ResizingCompositor"]


class ResizingCompositor(Compositor):
    """Textual's compositor, whose layout names as resized every widget whose size is
    not the one it was last told (not only those that moved since its last map)."""

    def reflow(self, parent: Widget, size: Size) -> ReflowResult:
        result = super().reflow(parent, size)
        # The screen lays out every widget of the map with its place after this (a
        # widget's _size is the size it was last told), and sends a resize to these.
        missed = {widget for widget, geometry in self._full_map.items()
                  if widget._size != geometry.region.size and widget is not parent}
        missed -= result.shown
        if missed <= result.resized:
            return result
        return ReflowResult(result.hidden, result.shown, result.resized | missed)


class NewSizeLayout(Screen[Any]):
    """A screen that skips a resize's layout when it is already laid out at that size,
    and the layout its widgets ask for as it hands them their virtual sizes."""

    def _screen_resized(self, size: Size) -> None:
        # The compositor keeps the size of the screen's last layout.
        if self._compositor.size == size:
            return
        super()._screen_resized(size)

    #: When the last whole layout began (Textual's clock; messages carry its time).
    _laid_out_at = float("-inf")

    async def _on_layout(self, message: messages.Layout) -> None:
        # Textual calls this handler, then Screen's own, unless this one prevents it.
        if message.time < self._laid_out_at:
            # Asked before the last layout began, which laid out the whole screen.
            message.stop()
            message.prevent_default()

    def _refresh_layout(self, size: Size | None = None, scroll: bool = False) -> None:
        if scroll and not self._layout_widgets:  # Textual's scroll-only path: no reflow
            super()._refresh_layout(size, scroll)
            return
        self._laid_out_at = _time.get_time()
        widgets = list(self.walk_children(Widget))
        # A scrollbar is no child of its widget, but gets its virtual size the same way
        # (the lesson list's, as the filter above it shows: a second layout).
        widgets += [bar for widget in widgets if widget.is_scrollable
                    for bar in (widget._vertical_scrollbar, widget._horizontal_scrollbar)
                    if bar is not None]
        for widget in widgets:
            if widget._layout_required:
                _take_request(widget)
        bars = {widget: _bars(widget) for widget in widgets if widget.is_scrollable}
        super()._refresh_layout(size, scroll)
        for widget in widgets:
            # Asked while this layout ran, for nothing but the virtual size it measured.
            if widget._layout_required and bars.get(widget, (False, False)) == _bars(widget):
                widget._layout_required = False


def _take_request(widget: Widget) -> None:
    """Take a widget's layout request into the layout about to run, as Textual does
    when the widget hands it to its screen (a message, at the widget's next idle)."""
    widget._layout_required = False
    for ancestor in widget.ancestors:
        if not isinstance(ancestor, Widget):
            break
        ancestor._clear_arrangement_cache()
        ancestor._layout_updates += 1
        if not ancestor.styles.auto_dimensions:
            break


def _bars(widget: Widget) -> tuple[bool, bool]:
    return widget.show_vertical_scrollbar, widget.show_horizontal_scrollbar
