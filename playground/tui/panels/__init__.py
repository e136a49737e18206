"""The panels of a run, a module each: status, stalls, lag, memory, tasks, problems,
output, checks.

Each panel draws one aspect of a :class:`~playground.model.RunState`. The run pane
owns the single ``state`` reactive and binds it down with ``data_bind``; a panel
redraws (``draw_state``) only when an event of a kind it draws from has come since
(see :mod:`.base`). The session already limits updates to 20 per second, and panels
that are not on screen (an inactive tab) skip the work and catch up when shown.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playground.tui.panels.awaits import AWAIT_LINES_MAX, AwaitGraph
    from playground.tui.panels.checks import ChecksPanel
    from playground.tui.panels.lag import LAG_BAD_MS, LAG_SCALE_MIN_MS, LagChart, LagPanel
    from playground.tui.panels.memory import MEMORY_SCALE_MIN_KB, MemoryChart, MemoryPanel
    from playground.tui.panels.output import OutputPanel, OutputView
    from playground.tui.panels.problems import ProblemsPanel, problem_count
    from playground.tui.panels.stalls import STALLS_SHOWN, StallPanel
    from playground.tui.panels.status import EndMessage, StatusPanel
    from playground.tui.panels.tasks import TASK_ROWS_MAX, TaskGrid, TaskTable

# A panel's module is imported when the panel is first asked for (as Textual's widgets
# are): the first screen shows only the status line, and the other panels are mounted
# after it; importing all of them with the package was some 30 M instructions of a start.
_MODULE_OF = {
    "AWAIT_LINES_MAX": "awaits", "AwaitGraph": "awaits",
    "ChecksPanel": "checks",
    "LAG_BAD_MS": "lag", "LAG_SCALE_MIN_MS": "lag", "LagChart": "lag", "LagPanel": "lag",
    "MEMORY_SCALE_MIN_KB": "memory", "MemoryChart": "memory", "MemoryPanel": "memory",
    "OutputPanel": "output", "OutputView": "output",
    "ProblemsPanel": "problems", "problem_count": "problems",
    "STALLS_SHOWN": "stalls", "StallPanel": "stalls",
    "EndMessage": "status", "StatusPanel": "status",
    "TASK_ROWS_MAX": "tasks", "TaskGrid": "tasks", "TaskTable": "tasks",
}


def __getattr__(name: str) -> object:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # found directly from now on
    return value


__all__ = [
    "AWAIT_LINES_MAX",
    "AwaitGraph",
    "LAG_BAD_MS",
    "LAG_SCALE_MIN_MS",
    "MEMORY_SCALE_MIN_KB",
    "STALLS_SHOWN",
    "TASK_ROWS_MAX",
    "ChecksPanel",
    "EndMessage",
    "LagChart",
    "LagPanel",
    "MemoryChart",
    "MemoryPanel",
    "OutputPanel",
    "OutputView",
    "ProblemsPanel",
    "StallPanel",
    "StatusPanel",
    "TaskGrid",
    "TaskTable",
    "problem_count",
]
