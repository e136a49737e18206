"""Modal screens: the help (keys and what each panel shows) and "open a file"."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.geometry import Size
from textual.screen import ModalScreen
from textual.scrollbar import ScrollBar
from textual.widget import Widget
from textual.widgets import Input, Static

from playground.recording import Recording, RecordingError
from playground.recording import load as load_recording
from playground.tui.explain import task_columns_help
from playground.tui.keys import HELP_KEYS
from playground.tui.screen_layout import NewSizeLayout

__all__ = ["HELP_KEYS", "HelpDialog", "HelpScreen", "HelpText", "OpenFileScreen", "help_lines"]

_PANELS: tuple[tuple[str, str], ...] = (
    ("status", "how the run is going, or how it ended and why"),
    ("expected", "the lesson's expectations, each ✓ or ✗ with what was seen"),
    ("stalls", "a callback that held the loop (default: over 50 ms): how long, which task, "
               "the line and its code. While it lasts it grows live: \"blocking now…\""),
    ("loop lag", "how late the loop ran work that was due, per 50 ms window; "
                 "p50 / p99 / max over the run"),
    ("tasks", "every task (the 200 most relevant when there are more); its columns:\n"
              + task_columns_help()),
    ("output", "what the snippet printed (stdout, then stderr), each line after the time "
               "it was printed since the run started (+1.002s): lines a stall held back "
               "come out late, together"),
    ("problems", "uncaught errors, warnings (never-awaited coroutines...), actions the "
                 "sandbox refused, and trouble on the event channel"),
    ("code", "▶ marks the line a stall blocked on, ✗ an error's line, ! a warning's"),
)


#: The width of the help's first column (keys, panel names).
_NAME_WIDTH = 14


def help_lines(width: int) -> list[Content]:
    """The help's text for ``width`` cells, line by line: a heading per section, then a
    row per key or panel, its name in a column of :data:`_NAME_WIDTH` cells and its
    explanation wrapped beside it."""
    lines: list[Content] = []
    text_width = max(1, width - _NAME_WIDTH)
    for number, (heading, rows, style) in enumerate((("Keys", HELP_KEYS, "bold $text-accent"),
                                                     ("Panels of a run", _PANELS, "bold $text-primary"))):
        if number:
            lines.append(Content(""))
        lines.append(Content.styled(heading, "bold $text-secondary"))
        for name, what in rows:
            first = Content.styled(name, style)
            first = first.pad_right(_NAME_WIDTH - first.cell_length) if first.cell_length < _NAME_WIDTH \
                else first
            wrapped = [line for paragraph in what.split("\n") for line in Content(paragraph).wrap(text_width)]
            for index, line in enumerate(wrapped or [Content("")]):
                lead = first if index == 0 else Content(" " * _NAME_WIDTH)
                lines.append(lead + line.rstrip())
    return lines


class _LaidOut:
    """A widget not laid out again for the virtual size that the layout which sized it
    has just given it (Textual's default asks for a layout again: on help's first
    showing that laid it out twice more, and drew the whole help a second time)."""

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size,
                      layout: bool = True) -> bool:
        return super()._size_updated(size, virtual_size, container_size, layout=False)  # type: ignore[misc]


class HelpText(_LaidOut, Widget):
    """The whole help as one widget, its lines made once per width.

    A grid of a widget per key and per explanation (some 70) cost the help screen a
    style update and a layout of each whenever it was opened.
    """

    DEFAULT_CSS = """
    HelpText { height: auto; text-wrap: nowrap; }
    """

    _lines: tuple[int, list[Content]] | None = None

    def lines_for(self, width: int) -> list[Content]:
        """The help's lines for ``width`` cells (kept for the last width asked)."""
        if self._lines is None or self._lines[0] != width:
            self._lines = (width, help_lines(width))
        return self._lines[1]

    @property
    def plain(self) -> str:
        """The text shown, as plain text (one line per line)."""
        return "\n".join(line.plain for line in self.lines_for(self.content_region.width or 80))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines_for(width))

    def render(self) -> Content:
        return Content("\n").join(self.lines_for(self.content_region.width))


class _HelpScrollBar(_LaidOut, ScrollBar):
    """The help's scrollbar (its virtual size is its size)."""


class HelpDialog(_LaidOut, VerticalScroll):
    """The help's scrolling frame, with its scrollbar made and shown before the first
    layout: the help is taller than the dialog at most sizes, and a scrollbar that the
    first layout shows asks for another (its gutter is kept: the text's width is the
    same with or without it)."""

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        # Measured at the width its text has beside the scrollbar's gutter: measured at
        # the whole width (as Textual does), the help was made for two widths.
        return super().get_content_height(container, viewport, width - self.scrollbar_size_vertical)

    def on_mount(self) -> None:
        self.set_reactive(VerticalScroll.show_vertical_scrollbar, True)
        if self._vertical_scrollbar is None:
            bar = self._vertical_scrollbar = _HelpScrollBar(
                vertical=True, name="vertical", thickness=self.scrollbar_size_vertical)
            bar.styles.set_rule("display", "block")  # as the layout would set it
            self.app._start_widget(self, bar)


class HelpScreen(NewSizeLayout, ModalScreen[None]):
    """Keys and panels, explained on one page.

    Laid out once when first shown (its scrollbar once more): no size classes (its
    style does not use them; set by its first resize, they restyled it and laid it out
    again), no layout again at the same size (:class:`NewSizeLayout`), and none for the
    virtual sizes and the scrollbar its first layout gives it.
    """

    HORIZONTAL_BREAKPOINTS = []
    VERTICAL_BREAKPOINTS = []

    BINDINGS = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close"),
    ]

    # Parsed when the screen is first shown, not at start-up (app.tcss styles the first screen);
    # not scoped, so each selector keeps the weight it has as written.
    DEFAULT_CSS = """
        /* Help covers the screen: an opaque dialog screen is drawn alone, where a see-through
           one had the whole screen below it drawn again, dimmed, on every frame it was open. */
        HelpScreen {
            align: center middle;
            background: $background;
        }

        #help-dialog {
            width: 100;
            max-width: 90%;
            height: auto;
            max-height: 90%;
            /* The scrollbar's columns kept, shown or not (its text's width stays the same: a
               scrollbar shown by the first layout laid help out again), and no row for a
               horizontal one (the text is made for the width; a kept gutter would add it). */
            scrollbar-gutter: stable;
            scrollbar-size-horizontal: 0;
            padding: 0 2 1 2;
            border: round $primary;
            background: $surface;
        }

        #help-text {
            margin-top: 1;
        }
    """
    SCOPED_CSS = False

    def compose(self) -> ComposeResult:
        with HelpDialog(id="help-dialog") as dialog:
            dialog.border_title = "asyncplay · help"
            dialog.border_subtitle = "esc to close"
            yield HelpText(id="help-text")


class OpenFileScreen(ModalScreen[Path | Recording | None]):
    """Ask for the path of a Python file to run (dismissed with the path) or of a
    recording to replay (dismissed with the recording, read); None if cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    # Parsed when the screen is first shown, not at start-up (app.tcss styles the first screen);
    # not scoped, so each selector keeps the weight it has as written.
    DEFAULT_CSS = """
        OpenFileScreen {
            align: center middle;
        }

        #open-dialog {
            width: 80;
            max-width: 90%;
            height: auto;
            padding: 1 2;
            border: round $primary;
            background: $surface;
        }

        #open-problem {
            height: auto;
        }
    """
    SCOPED_CSS = False

    def __init__(self, start: str = "") -> None:
        super().__init__()
        self.start = start

    def compose(self) -> ComposeResult:
        with Vertical(id="open-dialog") as dialog:
            dialog.border_title = "run a file of your own, or replay a recording"
            dialog.border_subtitle = "enter to open · esc to cancel"
            yield Input(value=self.start, placeholder="path/to/snippet.py or run.jsonl",
                        id="open-path")
            yield Static(id="open-problem")

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        path = Path(event.value.strip()).expanduser()
        problem = ""
        if not event.value.strip():
            problem = "Type the path of a .py file."
        elif path.is_dir():
            problem = f"{path} is a folder: type the path of a file in it."
        elif not path.is_file():
            problem = f"No such file: {path}"
        elif path.suffix != ".py":
            # Not Python: a recording, or the reason it is not one (naming the file).
            try:
                self.dismiss(load_recording(path))
                return
            except RecordingError as exc:
                problem = f"{exc} (o runs .py files and replays recordings)"
        if problem:
            self.query_one("#open-problem", Static).update(Content.styled(problem, "$text-error"))
            return
        self.dismiss(path)

    def action_cancel(self) -> None:
        self.dismiss(None)
