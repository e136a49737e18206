"""The run's tasks, most relevant first, in a table updated in place."""

from __future__ import annotations

import os
from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import DataTable, Static

from playground.model import RunState
from playground.tui.panels.base import StateView, set_text
from playground.tui.formatting import (
    TASK_STATE_STYLE,
    relevant_tasks,
    short_place,
    task_label,
    group_digits,
)

__all__ = ["TASK_ROWS_MAX", "TaskTable"]

#: The tasks table shows at most this many rows (the most relevant tasks).
TASK_ROWS_MAX = 200


# Fixed widths: cells are updated in place without rescanning a column, and two
# panes side by side still fit the whole table at 160 columns. The table has no cell
# padding; each width keeps one blank column as the gap to the next.
_TASK_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("id", "id", 6),
    ("name", "task", 15),
    ("state", "state", 10),
    ("waits", "waits on", 12),
    ("line", "line", 5),
    ("busy", "busy ms", 8),
    ("steps", "steps", 6),
)


class TaskTable(StateView, Vertical):
    """The run's tasks, most relevant first, updated in place (never rebuilt).

    Rows are slots: slot *i* shows the *i*-th most relevant task, and only the cells
    that changed are written. With ten thousand tasks the table still holds at most
    :data:`TASK_ROWS_MAX` rows.
    """

    READS = ("tasks", "end", "exit")
    state: reactive[RunState | None] = reactive(None, always_update=True, repaint=False)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._rows: list[tuple[Content | str, ...]] = []

    def compose(self) -> ComposeResult:
        yield Static(id="task-counts")
        table: DataTable[Content | str] = DataTable(cursor_type="row", zebra_stripes=True, cell_padding=0)
        for key, label, width in _TASK_COLUMNS:
            table.add_column(label, width=width, key=key)
        yield table

    def draw_state(self, state: RunState | None) -> None:
        table = self.query_one(DataTable)
        counts = self.query_one("#task-counts", Static)
        if state is None:
            if self._rows:
                table.clear()
                self._rows = []
            counts.update(Content.styled("tasks: none yet", "$text-muted"))
            return
        tasks = relevant_tasks(state.tasks.values(), TASK_ROWS_MAX)
        text = (f"tasks  {group_digits(state.tasks_alive)} alive · {group_digits(state.tasks_created)} created · "
                f"{group_digits(state.tasks_max_alive)} max alive")
        counts_parts: list[tuple[str, str] | str] = [(text, "")]
        if state.tasks_failed:
            counts_parts.append((f" · {state.tasks_failed} failed", "$error"))
        if state.tasks_cancelled:
            counts_parts.append((f" · {state.tasks_cancelled} cancelled", "$warning"))
        if state.tasks_untracked:
            counts_parts.append((f" · {group_digits(state.tasks_untracked)} not tracked", "$warning"))
        if len(state.tasks) > len(tasks):
            counts_parts.append((f"  (showing {len(tasks)} of {group_digits(len(state.tasks))})", "$text-muted"))
        elif state.tasks_created > state.tasks_listed:
            # The probe follows a bounded number of tasks one by one, and counts the rest.
            counts_parts.append((f"  (rows for {group_digits(state.tasks_listed)}: the others are counted)",
                                 "$text-muted"))
        set_text(counts, Content.assemble(*counts_parts))
        snippet = state.file
        for slot, task in enumerate(tasks):
            place = ""
            if task.line is not None:
                same = snippet is not None and task.file is not None and (
                    os.path.basename(task.file) == os.path.basename(snippet))
                place = str(task.line) if same else short_place(task.file, task.line)
            row: tuple[Content | str, ...] = (
                str(task.tid),
                _fit(task_label(task.name, task.coro), _NAME_WIDTH),
                Content.styled(task.state, TASK_STATE_STYLE.get(task.state, "")),
                _fit(state.waits_label(task) or "", _WAITS_WIDTH),
                place,
                f"{task.busy_ms:.1f}",
                str(task.steps),
            )
            if slot < len(self._rows):
                old = self._rows[slot]
                for (key, _, _), before, after in zip(_TASK_COLUMNS, old, row):
                    if before != after:
                        table.update_cell(str(slot), key, after)
                self._rows[slot] = row
            else:
                table.add_row(*row, key=str(slot))
                self._rows.append(row)
        while len(self._rows) > len(tasks):
            table.remove_row(str(len(self._rows) - 1))
            self._rows.pop()


_COLUMN_WIDTHS = {key: width for key, _, width in _TASK_COLUMNS}
_NAME_WIDTH = _COLUMN_WIDTHS["name"]
_WAITS_WIDTH = _COLUMN_WIDTHS["waits"]


def _fit(text: str, width: int) -> str:
    """Text for a column of ``width`` cells, one of them left as the gap before the
    next column (the table has no cell padding): cut with an ellipsis if longer."""
    return text if len(text) < width else text[: width - 2] + "…"
