"""The footer, with the run keys and help first, so that a narrow screen keeps them.

Textual's footer lists the active bindings in the order it finds them (the focused
widget's first) and cuts the row at the screen's edge; at 80 columns the keys after
the sixth were lost, help among them. This one puts the keys that start and stop runs,
then help, before the others.

Textual's footer also composes itself again whenever its screen's bindings change (a
modal screen opened or closed over it, the focus moved), and unmounting and mounting
its keys lays the whole screen out again: closing help cost a layout of every widget
of the main screen. This one composes again only when the keys it would show differ;
a key only enabled or disabled is updated in place, and while another screen covers
it (an opaque screen such as help), it waits until it is seen again. Whether anything
changed is told from the bindings themselves, once per frame, before any key is made.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import ComposeResult
from textual.screen import Screen
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


def _looks(widget: Widget) -> tuple[object, ...] | None:
    """What a footer key shows, but whether it is enabled (None: not a key)."""
    if not isinstance(widget, FooterKey):
        return None
    return (widget.key, widget.key_display, widget.description, widget.action,
            widget.tooltip, widget.has_class("-command-palette"), widget.has_class("-grouped"))


class RunFooter(Footer):
    """Textual's footer, with the run keys and help first (the rest in their order),
    composed again only when the keys it shows change."""

    #: The bindings changed while another screen covered this one.
    _stale = False
    #: An update is asked for, after the next frame.
    _update_asked = False
    #: What the keys shown were made from (:meth:`_made_from`; None: not known).
    _shown_from: tuple[object, ...] | None = None

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

    def on_mount(self) -> None:
        super().on_mount()
        self.app.screen_change_signal.subscribe(self, self._screen_changed)

    def on_unmount(self) -> None:
        self.app.screen_change_signal.unsubscribe(self)
        super().on_unmount()

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        if not self._seen():
            self._stale = True  # covered: brought up to date when seen again
            return
        self._ask_update()

    def _seen(self) -> bool:
        """Whether this footer's screen shows: on top, or under a see-through screen
        (a question asked over the lessons) rather than an opaque one (help)."""
        top = self.app.screen
        return top is self.screen or (self.screen.is_current and top.styles.background.a < 1)

    def _screen_changed(self, screen: Screen) -> None:
        if self._stale and self.is_attached and screen is self.screen:
            self._stale = False
            self._ask_update()

    def _ask_update(self) -> None:
        # Closing help changes the bindings three times (the screen, the focus...):
        # one update after the frame does for all of them.
        if not self._update_asked:
            self._update_asked = True
            self.call_after_refresh(self._update_keys)

    def _made_from(self) -> tuple[object, ...]:
        """What the keys would be made from: the screen's active bindings (each with
        whether it is enabled, and its tooltip) and the footer's own settings."""
        bindings = tuple((binding, enabled, tooltip)
                         for _, binding, enabled, tooltip in self.screen.active_bindings.values())
        return bindings, self.show_command_palette, self.compact

    async def _update_keys(self) -> None:
        """Show the screen's keys now: in place if only which are enabled changed."""
        self._update_asked = False
        if not self.is_attached:
            return
        if not self._seen():
            self._stale = True  # covered since the change was heard
            return
        self._stale = False
        made_from = self._made_from()
        if made_from == self._shown_from:
            return  # the same bindings: making the keys (some 20 widgets) to compare is waste
        self._shown_from = made_from
        wanted = list(self.compose())  # runs in this footer's context, as recompose's does
        shown = list(self.children)
        same = len(wanted) == len(shown) and all(
            _looks(new) is not None and _looks(new) == _looks(old) for new, old in zip(wanted, shown))
        if not same:
            await self.recompose()
            return
        for new, old in zip(wanted, shown):
            assert isinstance(new, FooterKey) and isinstance(old, FooterKey)
            if new._disabled != old._disabled:
                old._disabled = new._disabled
                old.set_class(new._disabled, "-disabled")
