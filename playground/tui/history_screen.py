"""The session's last runs (`h`): pick one to replay it."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from playground.tui.formatting import STATUS_ICON, STATUS_STYLE, format_ms
from playground.tui.history import RecordedRun

__all__ = ["HistoryScreen", "run_line"]


def run_line(number: int, run: RecordedRun) -> Content:
    """One run of the list: when it ended, what ran, how it ended, how long, its size."""
    status = run.status
    wall = format_ms(run.wall_ms) if run.wall_ms is not None else "?"
    size_mb = run.size / (1024 * 1024)
    size = f"{size_mb:.1f} MB" if size_mb >= 0.1 else f"{max(1, run.size // 1024)} kB"
    return Content.assemble(
        (f"{number:>2}. ", "$text-muted"),
        (run.finished_at.astimezone().strftime("%H:%M:%S "), "$text-muted"),
        (f"{run.target:<28} ", "bold"),
        (f"{STATUS_ICON.get(status, '')} {status:<8}", STATUS_STYLE.get(status, "")),
        (f" {wall:>9}  {size:>8}", "$text-muted"),
    )


class HistoryScreen(ModalScreen[RecordedRun | None]):
    """The session's last runs, newest first; enter replays the one chosen."""

    BINDINGS = [Binding("escape,h", "cancel", "Close")]

    # Parsed when the screen is first shown, not at start-up (app.tcss styles the first screen);
    # not scoped, so each selector keeps the weight it has as written.
    DEFAULT_CSS = """
        HistoryScreen {
            align: center middle;
        }

        #history-dialog {
            width: 80;
            max-width: 90%;
            height: auto;
            max-height: 80%;
            padding: 0 1;
            border: round $primary;
            background: $surface;
        }

        #history-list {
            height: auto;
            max-height: 20;
        }
    """
    SCOPED_CSS = False

    def __init__(self, runs: list[RecordedRun]) -> None:
        super().__init__()
        self.runs = runs

    def compose(self) -> ComposeResult:
        with Vertical(id="history-dialog") as dialog:
            dialog.border_title = "this session's runs"
            dialog.border_subtitle = "enter to replay · esc to close"
            if self.runs:
                yield OptionList(*(Option(run_line(n, run), id=str(n - 1))
                                   for n, run in enumerate(self.runs, start=1)), id="history-list")
            else:
                yield Static(Content.styled("No runs yet: run a lesson (b, g or r) first.",
                                            "$text-muted"), id="history-empty")

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.runs[int(event.option.id or 0)])

    def action_cancel(self) -> None:
        self.dismiss(None)
