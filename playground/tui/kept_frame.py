"""The main screen's last frame, kept: uncovered again, it is not composited whole.

When a screen that covered the main screen closes (help, the timeline), Textual
repaints the main screen whole: every widget's lines cut at every other widget's edges
and joined again, line by line (45-50 ms at 160x48 on a quiet machine, a key's whole
budget under a busy run). Most of it is what the terminal showed before the other
screen opened. :class:`KeptFrameCompositor` keeps the screen's lines as its frames
wrote them (a whole frame's lines; then what each partial frame writes, noted per line
and drawn in when needed: about 1% of a partial frame's CPU), and :class:`KeptFrame`
makes the frame that uncovers the screen from them: the widgets that changed while it
was covered are drawn into the kept lines, and the whole screen is written from them.

The kept lines are dropped when they may not be what the screen would show: a new
size, a layout while covered (what moved is not known by widget), or a see-through
screen on top (it draws the covered screen's changes itself); the frame is then
composited whole, as Textual does.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from textual import messages
from textual._compositor import ChopsUpdate, LayoutUpdate
from textual.geometry import Size
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget

from playground.tui.screen_layout import ResizingCompositor

__all__ = ["KeptFrame", "KeptFrameCompositor"]


class KeptFrameCompositor(ResizingCompositor):
    """Textual's compositor, keeping each line of the screen as its frames drew it (and
    telling each widget its new size: :class:`ResizingCompositor`)."""

    def __init__(self) -> None:
        super().__init__()
        #: The screen's lines as the frames drew them (None: not known).
        self._kept: list[Strip] | None = None
        #: The size the kept lines are for.
        self._kept_size: Size | None = None
        self._pending: dict[int, dict[tuple[int, int], Strip]] = {}
        #: The next update is the whole screen, from the kept lines.
        self.whole_from_kept = False

    @property
    def has_kept(self) -> bool:
        """Whether the kept lines are the screen's, at its size."""
        return self._kept is not None and self._kept_size == self.size

    def drop_kept(self) -> None:
        """Forget the kept lines (the next uncovering composites the whole screen)."""
        self._kept = None
        self._pending = {}

    def render_full_update(self, simplify: bool = False) -> LayoutUpdate:
        update = super().render_full_update(simplify)
        self._kept = [Strip.join(line) for line in update.strips]
        self._pending = {}
        self._kept_size = self.size
        return update

    def render_partial_update(self) -> ChopsUpdate | None:
        update = super().render_partial_update()
        if update is not None and self.has_kept:
            self._keep(update)
        return update

    # _pending: per line, the pieces written since the kept line was made, (x, end) ->
    # strip in the order written. A frame writes mostly what the last one did: a piece
    # that covers earlier ones replaces them, and the line is made when it is needed.

    #: Pieces waiting on a line before it is made.
    _MAX_PENDING = 16

    def _keep(self, update: ChopsUpdate) -> None:
        """Note what ``update`` writes (as its ``render_segments`` does) over the kept lines."""
        pending = self._pending
        for y, x1, x2 in update.spans:
            line = pending.setdefault(y, {})
            for end, (x, strip) in zip(update.chop_ends[y], update.chops[y].items()):
                if strip is None or x > x2 or end <= x1:
                    continue
                end = min(end, x2)
                for covered in [span for span in line if x <= span[0] and span[1] <= end]:
                    del line[covered]
                line[x, end] = strip
            if len(line) > self._MAX_PENDING:
                self._make_line(y)

    def _make_line(self, y: int) -> None:
        """Draw the pieces pending on line ``y`` into its kept line, in one pass: each
        cell from the last piece written over it, or from the kept line."""
        kept = self._kept
        assert kept is not None
        line = kept[y]
        width = line.cell_length
        pieces = list(self._pending.pop(y, {}).items())
        owner = [-1] * width
        for index, ((x, end), _) in enumerate(pieces):
            owner[x:end] = [index] * (min(end, width) - x)
        parts: list[Strip] = []
        for index, cells in groupby(range(width), key=owner.__getitem__):
            first = next(cells)
            last = first + sum(1 for _ in cells) + 1
            if index < 0:
                parts.append(line.crop(first, last))
            else:
                (x, _), strip = pieces[index]
                parts.append(strip.crop(first - x, last - x))
        kept[y] = Strip.join(parts)

    def kept_lines(self) -> list[Strip]:
        """The kept lines, with every piece drawn since."""
        for y in list(self._pending):
            self._make_line(y)
        assert self._kept is not None
        return self._kept

    def render_update(self, full: bool = False, screen_stack: list[Screen[Any]] | None = None,
                      simplify: bool = False) -> Any:
        if self.whole_from_kept:
            self.whole_from_kept = False
            if not full and not simplify and self.has_kept \
                    and self.size.region not in self._dirty_regions:
                # What changed, drawn into the kept lines; then the whole screen.
                super().render_update(screen_stack=screen_stack)
                if self._kept is not None:
                    return LayoutUpdate([[line] for line in self.kept_lines()], self.size.region)
            self._dirty_regions.add(self.size.region)  # as Textual would: whole
        return super().render_update(full, screen_stack, simplify)


class KeptFrame(Screen[Any]):
    """A screen whose frame, when it is uncovered, is made from its kept lines and the
    widgets that changed while it was covered (:class:`KeptFrameCompositor`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._compositor = KeptFrameCompositor()
        #: The widgets that asked to be drawn while the screen was covered.
        self._changed_covered: set[Widget] = set()

    async def _on_update(self, message: messages.Update) -> None:
        # Textual calls this handler, then Screen's own (which keeps the widget as dirty
        # until a repaint of the whole screen forgets it).
        if self is not self.app.screen and isinstance(message.widget, Widget):
            self._changed_covered.add(message.widget)

    def _refresh_layout(self, size: Size | None = None, scroll: bool = False) -> None:
        if self is not self.app.screen:
            # Laid out under another screen: what moved is not known by widget.
            self._kept_compositor().drop_kept()
        super()._refresh_layout(size, scroll)

    def _compositor_refresh(self) -> None:
        if self is not self.app.screen:
            # Textual hands a covered screen's changes to the screen on top (which draws
            # them only if it is see-through): they are drawn here once uncovered.
            if self.app.screen.styles.background.a == 1:
                # Not the screen itself: Textual repaints it whole for a focus moved
                # (as the other screen opened), which changes no widget's look.
                self._changed_covered |= self._dirty_widgets - {self}
            else:
                self._kept_compositor().drop_kept()
        super()._compositor_refresh()

    def _kept_compositor(self) -> KeptFrameCompositor:
        compositor = self._compositor
        assert isinstance(compositor, KeptFrameCompositor)
        return compositor

    def _on_timer_update(self) -> None:
        compositor = self._kept_compositor()
        if (self._repaint_required and self is self.app.screen and not self.app._batch_count
                and not self._layout_required and not self._scroll_required
                and compositor.has_kept):
            # Uncovered (Textual repaints a resumed screen whole).
            self._repaint_required = False
            self._dirty_widgets |= {widget for widget in self._changed_covered if widget.is_attached}
            # And those changed just now, whose word has not reached the screen yet (the
            # panels that waited under the other screen catch up as it closes).
            self._dirty_widgets |= {widget for widget in compositor.visible_widgets
                                    if widget._repaint_regions and widget is not self}
            compositor.whole_from_kept = True
            super()._on_timer_update()
            if compositor.whole_from_kept:  # nothing was dirty: the frame is still made
                self._compositor_refresh()
        else:
            super()._on_timer_update()
        if self is self.app.screen:
            self._changed_covered.clear()
