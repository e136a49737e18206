"""What the snippet printed, drawn line by line: head, the lines left out, tail.

Each line has, in a dim gutter, the time it was printed since the run started
(``+1.002s``), so that "the ticks stop, then burst out late" reads off the screen.
"""

from __future__ import annotations

import re
from typing import Any

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static

from playground.model import OutputLines, RunState
from playground.tui.panels.base import StateView

__all__ = ["OutputPanel", "OutputView"]

#: Control characters (the terminal would obey them) are shown as this instead.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def _printable(line: str) -> str:
    if line.isprintable():  # most lines: one C call instead of a regex and a copy
        return line
    return _CONTROL.sub("\ufffd", line.expandtabs())


class OutputView(ScrollView, can_focus=True):
    """One stream's kept lines, drawn line by line (the line API): the head, a
    marker standing for the lines left out, the tail.

    Each update only swaps the list of lines and sets the virtual size: whatever
    arrived, the screen is redrawn once per frame. While the view is at its end (it
    is at first), it follows new lines; scrolled up, it stays where the reader is.
    """

    COMPONENT_CLASSES = {"output-view--gap", "output-view--time"}
    DEFAULT_CSS = """
    OutputView > .output-view--gap { color: $warning; text-style: italic; }
    OutputView > .output-view--time { color: $text-muted; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._lines: list[str] = []
        #: When each line was printed, in seconds since the run started (None: the
        #: marker, or a run whose start is not known): the gutter.
        self._times: list[float | None] = []
        self._gutter = 0  # the gutter's width, its blank column included (0: none)
        self._gap_at = -1  # the index of the marker line (-1: nothing left out)
        self._head_done: list[str] = []  # the head's lines, made printable once
        self._shown: tuple[int, int, int, int, int] | None = None
        self._width = 0
        self._follow = True  # at the end: new lines scroll into view
        #: The frame's styles while it is drawn (base, marker, gutter), else None.
        self._styles: tuple[Style, Style, Style] | None = None

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        # The reader's own scrolling decides: at the end, follow; elsewhere, stay.
        self._follow = round(new_value) >= self.max_scroll_y

    def on_resize(self) -> None:
        if self._follow:
            self.scroll_end(animate=False, x_axis=False)

    def shown_lines(self) -> list[str]:
        """The lines the view holds, top to bottom (the marker included)."""
        return list(self._lines)

    def shown_times(self) -> list[str]:
        """The gutter's text for each line the view holds ("" for the marker)."""
        return [_time_label(t) if t is not None else "" for t in self._times]

    def show(self, out: OutputLines | None, started_t: float | None = None) -> None:
        """Show ``out`` (None: nothing), each line with its time since ``started_t``
        (the run's start on the child's clock; None: no times); cheap when nothing changed."""
        key = (0, 0, 0, 0, 0) if out is None else (
            id(out), out.complete, out.left_out, len(out.partial), out.cut_chars)
        if key == self._shown:
            return
        self._shown = key
        if out is None:
            self._lines, self._gap_at, self._head_done, self._width = [], -1, [], 0
            self._times, self._gutter = [], 0
        else:
            if len(self._head_done) > len(out.head):  # a new stream
                self._head_done, self._width = [], 0
            for _, line in out.head[len(self._head_done):]:
                done = _printable(line)
                self._head_done.append(done)
                self._width = max(self._width, cell_len(done))
            lines = list(self._head_done)
            self._gap_at = -1
            if out.left_out:
                self._gap_at = len(lines)
                lines.append(out.marker)
            tail = [_printable(line) for _, line in out.tail]
            if out.partial:
                tail.append(_printable(out.partial))
            if tail:
                self._width = max(self._width, max(map(cell_len, tail)))
            lines.extend(tail)
            self._lines = lines
            self._times = _times(out, started_t)
            labels = [t for t in self._times if t is not None]
            # The widest label is the last one (times only grow); one blank column after it.
            self._gutter = len(_time_label(max(labels))) + 1 if labels else 0
        if out is None:
            self._follow = True
        self.virtual_size = Size(self._width + self._gutter, len(self._lines))
        if self._follow:
            # After the next layout, when the size it scrolls within is known.
            self.scroll_end(animate=False, x_axis=False)
        self.refresh()

    def render_lines(self, crop: Region) -> list[Strip]:
        # The styles are the same for every line of a frame: worked out once here, not
        # per line (``rich_style`` walks every ancestor's styles; during a flood the
        # whole view is drawn again each frame).
        self._styles = (self.rich_style, self.get_component_rich_style("output-view--gap"),
                        self.get_component_rich_style("output-view--time"))
        try:
            return super().render_lines(crop)
        finally:
            self._styles = None

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.size.width
        base, gap_style, time_style = self._styles or (
            self.rich_style, self.get_component_rich_style("output-view--gap"),
            self.get_component_rich_style("output-view--time"))
        if index >= len(self._lines):
            return Strip.blank(width, base)
        line = self._lines[index]
        style = base + gap_style if index == self._gap_at else base
        gutter = min(self._gutter, width)
        text_width = width - gutter
        segments: list[Segment] = []
        if gutter:
            # The gutter stays put when the lines scroll sideways.
            t = self._times[index] if index < len(self._times) else None
            label = (_time_label(t) if t is not None else "").rjust(gutter - 1) + " "
            segments.append(Segment(label[:gutter], base + time_style))
        if line.isascii():
            # One cell per character (control characters are replaced): cut by index,
            # one strip made instead of four.
            shown = line[scroll_x:scroll_x + text_width]
            if shown:
                segments.append(Segment(shown, style))
            if len(shown) < text_width:
                segments.append(Segment(" " * (text_width - len(shown)), base))
        else:
            segments.extend(Strip([Segment(line, style)], cell_len(line)).crop_extend(
                scroll_x, scroll_x + text_width, base))
        return Strip(segments, gutter + text_width).apply_offsets(scroll_x, index)


def _time_label(seconds: float) -> str:
    return f"+{seconds:.3f}s"


def _times(out: OutputLines, started_t: float | None) -> list[float | None]:
    """Each shown line's time since the start (the marker's is None), as ``show`` lays
    the lines out: the head, the marker, the tail, the unfinished line."""
    if started_t is None:
        return [None] * (out.kept + (1 if out.left_out else 0))

    # Printed before the probe's start: at 0. (Inline, not a function per line: this
    # runs for the 2,000 kept lines on every update of a flood.)
    start = started_t
    times: list[float | None] = [t - start if t > start else 0.0 for t, _ in out.head]
    if out.left_out:
        times.append(None)
    times.extend([t - start if t > start else 0.0 for t, _ in out.tail])
    if out.partial:
        times.append(max(0.0, out.partial_t - start))
    return times


class OutputPanel(StateView, Vertical):
    """What the snippet printed: stdout, and stderr below it when there is any."""

    READS = ("stdout", "stderr", "end", "exit")

    # Parsed when the panel is first mounted, not at start-up (app.tcss styles the first screen);
    # not scoped, so each selector keeps the weight it has as written.
    DEFAULT_CSS = """
        OutputPanel {
            height: 1fr;
        }

        OutputPanel > OutputView {
            height: 1fr;
            scrollbar-size: 1 1;
        }

        OutputPanel > #stderr-label {
            color: $text-error;
            text-style: bold;
        }

        OutputPanel > #stderr-label,
        OutputPanel > #stderr {
            display: none;
        }

        OutputPanel.-has-stderr > #stderr-label,
        OutputPanel.-has-stderr > #stderr {
            display: block;
        }
    """
    SCOPED_CSS = False
    state: reactive[RunState | None] = reactive(None, always_update=True, repaint=False)

    def compose(self) -> ComposeResult:
        yield OutputView(id="stdout")
        yield Static("stderr", id="stderr-label", classes="stream-label")
        yield OutputView(id="stderr")

    def draw_state(self, state: RunState | None) -> None:
        stdout, stderr = self.query_one("#stdout", OutputView), self.query_one("#stderr", OutputView)
        if state is None:
            stdout.show(None)
            stderr.show(None)
            self.set_class(False, "-has-stderr")
            return
        stdout.show(state.stdout, state.started_t)
        stderr.show(state.stderr, state.started_t)
        self.set_class(bool(state.stderr.total_bytes or state.stderr.lines), "-has-stderr")
