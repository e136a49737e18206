"""The run's tasks, most relevant first, in a grid that draws only the rows that changed."""

from __future__ import annotations

import os

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from playground.model import RunState
from playground.tui.formatting import (
    TASK_STATE_STYLE,
    fit_figures,
    group_digits,
    short_place,
    task_label,
)
from playground.tui.panels.base import StateView, set_text
from playground.tui.panels.grid import Grid, Row

__all__ = ["TASK_ROWS_MAX", "TaskGrid", "TaskTable"]

#: The tasks table shows at most this many rows (the most relevant tasks).
TASK_ROWS_MAX = 200


# Fixed widths: two panes side by side still fit the whole table at 160 columns. The
# grid has no cell padding; each width keeps one blank column as the gap to the next.
_TASK_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("id", "id", 6),
    ("name", "task", 15),
    ("state", "state", 10),
    ("waits", "waits on", 12),
    ("line", "line", 5),
    ("busy", "busy ms", 8),
    ("steps", "steps", 6),
)


class TaskGrid(Grid):
    """The task table's grid: a row per task shown, the columns of :data:`_TASK_COLUMNS`."""


class TaskTable(StateView, Vertical):
    """The run's tasks, most relevant first: the counts, then a grid of at most
    :data:`TASK_ROWS_MAX` rows (slot *i* shows the *i*-th most relevant task) that
    draws again only the rows that changed, and only while it is seen."""

    READS = ("tasks", "end", "exit")

    # Parsed when the panel is first mounted, not at start-up (app.tcss styles the first screen);
    # not scoped, so each selector keeps the weight it has as written.
    DEFAULT_CSS = """
        TaskTable {
            height: 1fr;
        }

        TaskTable > TaskGrid {
            height: 1fr;
            scrollbar-size: 1 1;
        }
    """
    SCOPED_CSS = False
    state: reactive[RunState | None] = reactive(None, always_update=True, repaint=False)

    _width = 0  # the width the counts were broken for

    def compose(self) -> ComposeResult:
        yield Static(id="task-counts")
        yield TaskGrid([(label, width) for _, label, width in _TASK_COLUMNS])

    def draw_state(self, state: RunState | None) -> None:
        grid = self.query_one(TaskGrid)
        counts = self.query_one("#task-counts", Static)
        # Drawn hidden (a tab about to be shown), it has no width: the one it had shown.
        self._width = counts.content_region.width or self._width
        if state is None:
            grid.set_rows([])
            set_text(counts, Content.styled("tasks: none yet", "$text-muted"))
            return
        tasks = state.task_rows(TASK_ROWS_MAX)
        set_text(counts, _counts(state, len(tasks), self._width))
        snippet = state.file
        rows: list[Row] = []
        for task in tasks:
            place = ""
            if task.line is not None:
                same = snippet is not None and task.file is not None and (
                    os.path.basename(task.file) == os.path.basename(snippet))
                place = str(task.line) if same else short_place(task.file, task.line)
            rows.append((
                str(task.tid),
                _fit(task_label(task.name, task.coro), _NAME_WIDTH),
                Content.styled(task.state, TASK_STATE_STYLE.get(task.state, "")),
                _fit(state.waits_label(task) or "", _WAITS_WIDTH),
                place,
                f"{task.busy_ms:.1f}",
                str(task.steps),
            ))
        grid.set_rows(rows)

    def on_resize(self) -> None:
        # The counts are broken into lines for the width: a new width, new lines.
        if self.query_one("#task-counts", Static).content_region.width != self._width:
            self._drawn = None
            self.watch_state(self.state)


def _counts(state: RunState, shown: int, width: int) -> Content:
    """The counts line, broken between figures to fit ``width`` (a line wider than its
    widget wraps, and a text that may wrap lays the screen out on every report)."""
    muted = "$text-muted"
    alive = group_digits(state.tasks_alive)
    if state.exit is not None and state.tasks_alive:
        # The process ended (os._exit, a limit, the stop key) with these tasks not done:
        # none is alive now; the rows keep the states the probe last saw.
        first = Content.styled(f"tasks  {alive} unfinished when the run ended", "$warning")
    else:
        first = Content(f"tasks  {alive} alive")
    figures = [first,
               Content(f"{group_digits(state.tasks_created)} created"),
               Content(f"{group_digits(state.tasks_max_alive)} max alive")]
    if state.tasks_failed:
        figures.append(Content.styled(f"{state.tasks_failed} failed", "$error"))
    if state.tasks_cancelled:
        figures.append(Content.styled(f"{state.tasks_cancelled} cancelled", "$warning"))
    if state.tasks_untracked:
        figures.append(Content.styled(f"{group_digits(state.tasks_untracked)} not tracked", "$warning"))
    if len(state.tasks) > shown:
        figures.append(Content.styled(f"(showing {shown} of {group_digits(len(state.tasks))})", muted))
    elif state.tasks_created > state.tasks_listed:
        # The probe follows a bounded number of tasks one by one, and counts the rest.
        figures.append(Content.styled(f"(rows for {group_digits(state.tasks_listed)}: the others "
                                      "are counted)", muted))
    return fit_figures(figures, width, Content(" · "))


_COLUMN_WIDTHS = {key: width for key, _, width in _TASK_COLUMNS}
_NAME_WIDTH = _COLUMN_WIDTHS["name"]
_WAITS_WIDTH = _COLUMN_WIDTHS["waits"]


def _fit(text: str, width: int) -> str:
    """Text for a column of ``width`` cells, one of them left as the gap before the
    next column (the table has no cell padding): cut with an ellipsis if longer."""
    return text if len(text) < width else text[: width - 2] + "…"
