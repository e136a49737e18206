"""How a panel redraws: when an event it draws from has come, and only while it is seen.

The run pane hands its panels the live :class:`~playground.model.RunState` up to 20
times a second. Each panel names the event kinds it draws from (``READS``); the
state counts the events of each kind it folded (``RunState.version``), so a panel
whose kinds did not move since it last drew does nothing. While the run is live, a
panel that is not on screen (a tab behind another, a pane shown narrow) skips the
work and catches up when it is shown (also under an opaque screen, help or the timeline,
until its screen is shown again); a tab about to be shown catches its panels up first
(:meth:`StateView.catch_up`), so that the switch is laid out once; the final state is
always drawn. A ``state``
reactive is declared ``repaint=False``: the panel repaints what its drawing changed,
and an update that changes nothing repaints nothing (a repainted pane is composited
again whole, every frame).

:func:`set_text` updates a one-line-per-line ``Static`` without laying the whole
screen out again when its height cannot change (``Static.update`` lays it out by
default, and a flood of output updates every panel many times a second), and not at
all when its text is the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

if TYPE_CHECKING:
    from playground.model import RunState

__all__ = ["StateView", "set_text"]


def set_text(widget: Static, content: Content) -> None:
    """``widget.update(content)``, laying the screen out only if the height may change:
    the number of lines differs from the old text's and from the height the widget was
    laid out at, or a line is wider than the widget and it wraps; nothing
    if ``content`` is what the widget shows (its text and styles)."""
    width = widget.content_region.width
    old = widget.visual
    if isinstance(old, Content) and old.plain == content.plain and old.spans == content.spans:
        # The same text (a run's task counts while its tasks only step, every report):
        # updated, the widget was drawn again and the frame composited it.
        return
    wraps = widget.styles.text_wrap != "nowrap"

    def fits(lines: list[Content]) -> bool:
        return not wraps or all(line.cell_length <= width for line in lines)

    lines = content.split("\n", allow_blank=True)
    same_height = False
    if width > 0 and isinstance(old, Content) and fits(lines):
        old_lines = old.split("\n", allow_blank=True)  # split once, not twice
        # Or as high as the widget was laid out: a panel that breaks its text for its
        # width (the status line) gets a new width, then its lines for it, as many as
        # the old text took there, wrapped.
        same_height = (len(old_lines) == len(lines) and fits(old_lines)) \
            or widget.content_region.height == len(lines)
    widget.update(content, layout=not same_height)


class StateView:
    """Mixin for a widget with a ``state`` reactive: :meth:`draw_state` runs when the state
    is another run's, or an event of a kind in ``READS`` came since the last drawing
    (``None``: any event); while the run is live, only when the widget is on screen."""

    #: The event kinds the panel draws from (None: every event, as a clock does).
    READS: ClassVar[tuple[str, ...] | None] = None
    _drawn: tuple[int, int] | None = None
    _caught_up = False  # drawn just before being shown (catch_up)

    def draw_state(self, state: RunState | None) -> None:
        """Draw ``state`` (None: no run yet)."""
        raise NotImplementedError

    def version_of(self, state: RunState) -> int:
        return state.events if self.READS is None else state.version(self.READS)

    def watch_state(self, state: RunState | None) -> None:
        widget: Any = self
        assert isinstance(widget, Widget)
        if not widget.is_mounted:
            return
        if state is not None and not state.finished and not _seen(widget):
            return  # seen again, it catches up (on_show, or its screen shown again)
        self._draw_if_new(state)

    def catch_up(self) -> None:
        """Draw the latest state now, seen or not: a tab about to be shown. Drawn once it
        showed, the panel changed its size or text after the switch's layout: a second
        layout of the whole screen, and its text a frame late."""
        if getattr(self, "is_mounted", False):
            self._draw_if_new(getattr(self, "state"))
            self._caught_up = True

    def _draw_if_new(self, state: RunState | None) -> None:
        key = (0, -1) if state is None else (id(state), self.version_of(state))
        if key != self._drawn:
            self._drawn = key
            self.draw_state(state)

    def on_show(self) -> None:
        if not self._caught_up:
            self._drawn = None
        self._caught_up = False
        self.watch_state(getattr(self, "state"))

    def on_mount(self) -> None:
        self._drawn = None
        self.watch_state(getattr(self, "state"))
        widget: Any = self
        widget.app.screen_change_signal.subscribe(widget, self._screen_changed)

    def on_unmount(self) -> None:
        widget: Any = self
        widget.app.screen_change_signal.unsubscribe(widget)

    def _screen_changed(self, screen: Screen[Any]) -> None:
        widget: Any = self
        if screen is widget.screen:  # shown again: what came meanwhile is drawn
            self.watch_state(getattr(self, "state"))


def _seen(widget: Widget) -> bool:
    """Whether ``widget`` shows: on screen, and its screen not under an opaque one (help,
    the timeline: its panels drew every report there, unseen, while the keys of the
    screen on top waited)."""
    top = widget.app.screen
    if top is not widget.screen and top.styles.background.a >= 1:
        return False
    return widget.is_on_screen
