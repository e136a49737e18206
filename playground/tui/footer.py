"""The footer: the screen's keys on one line, the run keys and help first.

One widget draws every key: Textual's footer is a container of a widget per key (some
15), and those widgets cost the first screen ~130 M instructions (~7% of its start) to
make, style and lay out, and every change of the keys (the filter opening, a screen
closing over the main one) a layout of them. Here a change of the keys is a repaint of
one line, and a key's look is the same as Textual's (the `$footer-*` colours, `^p
palette` at the right edge).

The keys come from the screen's active bindings, as Textual's footer finds them (those
shown, the first binding of each action), with the run keys, stop and help first so that
a narrow screen keeps them (Textual's order puts the focused widget's keys first; at 80
columns its row lost help). A key is shown only whole, in that order: the first that
does not fit hides those after it (help lists every key). A key is clicked as Textual's
are (as if pressed; a disabled one rings the bell), shows its tooltip and is lit while
the pointer is over it.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from rich.cells import cell_len
from textual import events
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget

__all__ = ["FooterEntry", "RunFooter", "footer_rank"]


def footer_rank(action: str) -> int:
    """Where a binding's action goes in the footer: run keys, then stop, then help."""
    if action.startswith("run(") or action.startswith("run_"):
        return 0
    if action == "stop":
        return 1
    if action == "help":
        return 2
    return 3


class FooterEntry(NamedTuple):
    """One key of the footer."""

    key: str  #: the key pressed when it is clicked
    display: str  #: the key as shown (``^p``, ``?``)
    description: str
    enabled: bool
    tooltip: str
    palette: bool = False  #: the command palette's key (at the right edge)

    @property
    def width(self) -> int:
        """The columns the key takes."""
        return cell_len(self.text)

    @property
    def parts(self) -> tuple[str, str]:
        """The key's two parts as drawn, in the key's and the description's colours:
        `` b `` and ``Run bad `` (the palette's ``^p`` and `` palette ``)."""
        if self.palette:
            return self.display, f" {self.description} "
        return f" {self.display} ", f"{self.description} "

    @property
    def text(self) -> str:
        """The key as drawn: `` b Run bad `` (the palette's ``^p palette ``)."""
        return "".join(self.parts)


#: The palette's key is set off from the others by this bar (Textual's ``vkey`` border).
_BAR = "▏"


class RunFooter(Widget, can_focus=False):
    """The screen's keys, the run keys and help first (``ranked``) or in Textual's order."""

    DEFAULT_CSS = """
    RunFooter {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
    }
    """
    ALLOW_SELECT = False

    def __init__(self, *, ranked: bool = True, show_command_palette: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: Whether the run keys and help come first (else Textual's order: the timeline).
        self.ranked = ranked
        self.show_command_palette = show_command_palette
        #: The key under the pointer, if any.
        self._hovered: FooterEntry | None = None
        #: What the last line was drawn from, the line, and each key's columns.
        self._drawn_from: tuple[object, ...] | None = None
        self._line = Content("")
        self._spans: list[tuple[int, int, FooterEntry]] = []

    # ------------------------------------------------------------------ keys
    def keys_screen(self) -> Screen[Any]:
        """The screen whose keys the footer shows: its own, or a see-through dialog
        over it (a question asked before a run: its keys are the ones that work; the
        footer showed those of the screen under it, most refused while it is open)."""
        top = self.app.screen
        if top is not self.screen and self.screen.is_current and top.styles.background.a < 1:
            return top
        return self.screen

    def entries(self) -> list[FooterEntry]:
        """The keys the screen's bindings give, in the footer's order (the palette's last)."""
        active = self.keys_screen().active_bindings
        by_action: dict[str, FooterEntry] = {}
        app = self.app
        for binding, enabled, tooltip in ((b.binding, b.enabled, b.tooltip) for b in active.values()):
            if binding.show and binding.action not in by_action:
                by_action[binding.action] = FooterEntry(
                    binding.key, app.get_key_display(binding), binding.description,
                    enabled, tooltip)
        keys = list(by_action.items())
        if self.ranked:
            keys.sort(key=lambda item: footer_rank(item[0]))  # stable: the rest keep their order
        entries = [entry for _, entry in keys]
        palette = active.get(app.COMMAND_PALETTE_BINDING)
        if self.show_command_palette and app.ENABLE_COMMAND_PALETTE and palette is not None:
            binding = palette.binding
            entries.append(FooterEntry(
                binding.key, app.get_key_display(binding), binding.description, palette.enabled,
                binding.tooltip or binding.description, palette=True))
        return entries

    def shown(self) -> list[FooterEntry]:
        """The keys on the line as last drawn (those that fit), the palette's last."""
        self._draw()
        return [entry for _, _, entry in self._spans]

    # --------------------------------------------------------------- drawing
    def render(self) -> Content:
        self._draw()
        return self._line

    def _draw(self) -> None:
        """Make the line for the screen's keys at this width (unless made already)."""
        width = self.size.width or self.screen.size.width
        entries = self.entries()
        drawn_from = (tuple(entries), width, self._hovered)
        if drawn_from == self._drawn_from:
            return
        self._drawn_from = drawn_from
        keys = [entry for entry in entries if not entry.palette]
        palette = [entry for entry in entries if entry.palette]
        room = width - sum(len(_BAR) + entry.width for entry in palette)
        parts: list[tuple[str, str] | Content] = []
        spans: list[tuple[int, int, FooterEntry]] = []
        x = 0
        for entry in keys:
            if x + entry.width > room:
                break  # the first that does not fit hides those after it
            parts.append(self._key(entry, hovered=entry == self._hovered))
            spans.append((x, x + entry.width, entry))
            x += entry.width
        if palette:
            parts.append((" " * max(0, room - x), ""))
            x = max(x, room)
            entry = palette[0]
            parts.append((_BAR, "$foreground 20%"))
            x += len(_BAR)
            parts.append(self._key(entry, hovered=entry == self._hovered))
            spans.append((x, x + entry.width, entry))
        self._line = Content.assemble(*parts)
        self._spans = spans

    @staticmethod
    def _key(entry: FooterEntry, *, hovered: bool) -> Content:
        """A key's text in the footer's colours (Textual's footer key's)."""
        background = "on $block-hover-background" if hovered else "on $footer-item-background"
        dim = "" if entry.enabled else " dim"
        key_style = f"bold $footer-key-foreground {background}{dim}"
        text_style = f"$footer-description-foreground {background}{dim}"
        key, text = entry.parts
        return Content.assemble((key, key_style), (text, text_style))

    # ----------------------------------------------------------------- events
    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.app.screen_change_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)
        self.app.screen_change_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[Any]) -> None:
        # A repaint of this line (the keys are found as it is drawn): no layout.
        if self.is_attached:
            self.refresh()

    def _entry_at(self, x: int) -> FooterEntry | None:
        """The key drawn at column ``x``, if any."""
        return next((entry for start, end, entry in self._spans if start <= x < end), None)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        entry = self._entry_at(event.x)
        if entry != self._hovered:
            self._hovered = entry
            self.tooltip = (entry.tooltip or None) if entry is not None else None
            self.refresh()

    def on_leave(self, event: events.Leave) -> None:
        if self._hovered is not None:
            self._hovered = None
            self.tooltip = None
            self.refresh()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        entry = self._entry_at(event.x)
        if entry is None:
            return
        if entry.enabled:
            self.app.simulate_key(entry.key)
        else:
            self.app.bell()
