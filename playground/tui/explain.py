"""What each panel of a run shows, and its columns: as tooltips on the panels' headers,
and (the same words) in the help.

A tab's label, the tasks' counts line, the lag, memory and stalls panels and the output
explain themselves on hover; in the task table, the header cell under the mouse says
what its column means (busy ms, steps, waits on...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.css.query import NoMatches
from textual.widget import Widget

from playground.tui.panels import TaskGrid

if TYPE_CHECKING:
    from textual.widgets import TabbedContent

__all__ = ["OUTPUT_TIP", "TASK_COLUMNS", "TASKS_TIP", "explain_pane", "task_columns_help"]

#: The task table's columns, by their header, as the tooltips and the help say them.
TASK_COLUMNS: dict[str, str] = {
    "id": "the task's number, in the order it was created",
    "task": "its name (its coroutine's when it has none)",
    "state": "running, ready (due to run next), waiting, done, failed or cancelled",
    "waits on": "what it awaits now: a sleep, a future, an Event, Lock, Semaphore or Queue, "
                "a socket, another task, gather...",
    "line": "the line it is suspended at (file:line outside the snippet)",
    "busy ms": "how long it held the loop, all its steps added up: a big figure is a "
               "task that blocks",
    "steps": "how many times the loop ran it (once per resumption after an await)",
}

TASKS_TIP = ("Every task, the most relevant first (at most 200 rows): alive now (or left "
             "unfinished when the run's process ended), created in all, the most alive at "
             "once. Hover a column's header for its meaning.")
OUTPUT_TIP = ("What the snippet printed. The gutter is when each line was printed, in "
              "seconds since the run started: lines held back by a stall come out late, "
              "together.")
PROBLEMS_TIP = ("Uncaught errors, warnings (never-awaited coroutines, exceptions never "
                "retrieved...), what the sandbox refused, trouble on the event channel.")
LAG_TIP = ("Loop lag: how late the loop ran work that was due, per 50 ms window (a bar "
           "each); p50 / p99 / max over the run. A stall is a wall.")
MEMORY_TIP = "The snippet's resident memory: now, the most so far, and its chart."
STALLS_TIP = ("Callbacks that held the loop past the threshold, the worst first: how long, "
              "the task, the line and its code. A stall going on grows live.")

_TABS = {"tasks": TASKS_TIP, "output": OUTPUT_TIP, "problems": PROBLEMS_TIP}


def task_columns_help() -> str:
    """The task table's columns, a line each (for the help)."""
    return "\n".join(f"  {name}: {what}" for name, what in TASK_COLUMNS.items())


def explain_pane(pane: Widget, name: str, tabs: TabbedContent) -> None:
    """Put the tooltips on the panels of the run pane ``pane`` (called ``name``), whose
    tabs are ``tabs``."""
    for tab_id, tip in _TABS.items():
        try:
            tabs.get_tab(f"{name}-{tab_id}").tooltip = tip
        except NoMatches:  # a tab another layout leaves out: nothing to explain
            continue
    for selector, tip in ((".lag", LAG_TIP), (".memory", MEMORY_TIP), (".stalls", STALLS_TIP),
                          ("#task-counts", TASKS_TIP), ("OutputView", OUTPUT_TIP)):
        for widget in pane.query(selector):
            widget.tooltip = tip
    # The header cell under the mouse explains its column; the rows explain nothing
    # (a tooltip over the rows would hide the tasks one reads).
    for grid in pane.query(TaskGrid):
        grid.column_tips = {label: f"{label}: {what}" for label, what in TASK_COLUMNS.items()}
