"""The footer, with the run keys and help first, so that a narrow screen keeps them.

Textual's footer lists the active bindings in the order it finds them (the focused
widget's first) and cuts the row at the screen's edge; at 80 columns the keys after
the sixth were lost, help among them. This one puts the keys that start and stop runs,
then help, before the others.

Textual's footer also composes itself again whenever its screen's bindings change (a
modal screen opened or closed over it, the focus moved), and unmounting and mounting
its keys lays the whole screen out again: closing help cost a layout of every widget
of the main screen. This one composes again only when it would show a key it never
made: a key only enabled or disabled is updated in place, keys no longer wanted are
hidden and shown again when wanted (the filter leaves only the palette's key), and
while another screen covers it (an opaque screen such as help), it waits until it is
seen again. Whether anything changed is told from the bindings themselves, once per
frame, before any key is made; the keys a set of bindings makes are made once, and
each key's width measured once. Its keys are made with the footer's compact setting
(Textual's start compact and take the setting as they mount: each was styled twice
more, alone).

Textual's footer cuts its row at the palette's key, mid-word ("p Previo"); this one
shows a key only if it fits whole, in their order, and hides the rest (help lists
every key), again whenever the footer's width changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from weakref import WeakKeyDictionary

from textual import events
from textual.app import ComposeResult
from textual.geometry import Size
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
    #: The ids of the children the bindings want shown (None: all of them).
    _wanted: set[int] | None = None
    #: What the keys made from each set of bindings look like (:meth:`_wanted_keys`).
    _looks_made: dict[tuple[object, ...], list[tuple[tuple[object, ...] | None, bool]]]

    def __init__(self, *, ranked: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: Whether the run keys and help come first (else Textual's order: the timeline).
        self.ranked = ranked
        self._looks_made = {}
        # The first screen shows its keys: composed with the screen's bindings as they
        # are when the footer mounts (Textual's footer waits for a report of them, and
        # its keys came after the work queued for after the first frame, ~300 ms later).
        self.set_reactive(Footer._bindings_ready, True)

    def compose(self) -> ComposeResult:
        widgets: Iterable[Widget] = super().compose()
        keyed = list(enumerate(widgets))

        def rank(item: tuple[int, Widget]) -> tuple[int, int]:
            index, widget = item
            if not self.ranked:
                return 0, index
            if isinstance(widget, FooterKey) and not widget.has_class("-command-palette"):
                return footer_rank(widget.action), index
            return 4, index

        for _, widget in sorted(keyed, key=rank):
            if isinstance(widget, FooterKey):
                # A key starts compact, then takes the footer's setting (the palette's
                # key stays compact): as it mounted, each key was styled twice more,
                # alone (some 20 keys, ~1 ms each under load). Given its setting now,
                # it is styled once, with the others.
                compact = self.compact or widget.has_class("-command-palette")
                widget.set_reactive(FooterKey.compact, compact)
                widget.set_class(compact, "-compact", update=False)
            yield widget

    def on_mount(self) -> None:
        super().on_mount()
        self.app.screen_change_signal.subscribe(self, self._screen_changed)
        self._fit()  # the first frame's keys, fitted to the screen's width

    def on_unmount(self) -> None:
        self.app.screen_change_signal.unsubscribe(self)
        super().on_unmount()

    def on_resize(self, event: events.Resize) -> None:
        self._fit()

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
        # one update after the frame does for all of them. After the frame, not before
        # the next layout: the key's own change (the filter, the timeline) shows first,
        # the keys a frame later. Made before, they held that frame back (drawing the
        # footer's keys with it: 30-50 ms later under 10,000 stepping tasks, and at
        # start-up their recompose held the first frame back), for one layout saved.
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
        wanted = self._wanted_keys(made_from)
        kept = _kept(wanted, list(self.children))
        if kept is None:
            await self.recompose()
            self._wanted = None
            self._fit()
            return
        # The keys wanted are among those made: the others are hidden, not removed (the
        # filter takes all keys but the palette's, and gives them back on escape).
        self._wanted = {id(old) for _, old in kept}
        self._fit()
        for disabled, old in kept:
            if disabled != old._disabled:
                old._disabled = disabled
                old.set_class(disabled, "-disabled")

    def _wanted_keys(self, made_from: tuple[object, ...]) -> list[tuple[tuple[object, ...] | None, bool]]:
        """What each key made from ``made_from`` looks like (:func:`_looks`), and whether
        it is disabled: the keys are made once per set of bindings (the filter's open
        and close alternate two sets; making ~16 keys each time was most of an update)."""
        try:
            return self._looks_made[made_from]
        except KeyError:
            pass
        except TypeError:  # bindings that cannot be hashed: the keys are made each time
            return [_looks_disabled(key) for key in self.compose()]
        # compose runs in this footer's context, as recompose's does.
        looks = [_looks_disabled(key) for key in self.compose()]
        if len(self._looks_made) >= 16:
            self._looks_made.clear()
        self._looks_made[made_from] = looks
        return looks

    def _fit(self) -> None:
        """Show the keys wanted that fit whole beside the palette's key, in their order
        (the first that does not fit hides those after it), and hide the others."""
        # Not laid out yet (the first frame's keys): the footer spans the screen.
        width = self.size.width or self.screen.size.width
        wanted = [child for child in self.children
                  if self._wanted is None or id(child) in self._wanted]
        room = width - sum(_width(child, width) for child in wanted
                           if child.has_class("-command-palette"))
        fits = width > 0  # no width known yet: all wanted show until the first resize
        for child in self.children:
            if child.has_class("-command-palette"):
                show = child in wanted
            elif child not in wanted:
                show = False
            else:
                need = _width(child, width)
                fits = width == 0 or (fits and need <= room)
                room -= need + child.styles.margin.right
                show = fits
            if child.display != show:
                child.display = show


#: Each key's width (:func:`_width`), measured once: a key's text never changes (a key
#: with other text is another key), and measuring renders it (the filter's escape
#: measured the footer's 15 keys, half of the footer's update).
_widths: WeakKeyDictionary[Widget, int] = WeakKeyDictionary()


def _width(widget: Widget, container: int) -> int:
    """The columns a footer key takes, its margins aside (a key is one row, its width
    its text's)."""
    width = _widths.get(widget)
    if width is None:
        size = Size(container, 1)
        width = _widths[widget] = widget.get_content_width(size, size) + widget.styles.gutter.width
    return width


def _looks_disabled(widget: Widget) -> tuple[tuple[object, ...] | None, bool]:
    return _looks(widget), isinstance(widget, FooterKey) and widget._disabled


def _kept(wanted: list[tuple[tuple[object, ...] | None, bool]],
          shown: list[Widget]) -> list[tuple[bool, FooterKey]] | None:
    """Whether each key wanted is disabled, with the key made before that looks the same
    (in their order), or None if some key wanted was never made."""
    pairs: list[tuple[bool, FooterKey]] = []
    rest = iter(shown)
    for looks, disabled in wanted:
        if looks is None:
            return None
        old = next((old for old in rest if _looks(old) == looks), None)
        if old is None:
            return None
        assert isinstance(old, FooterKey)
        pairs.append((disabled, old))
    return pairs
