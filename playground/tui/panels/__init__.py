"""The panels of a run, a module each: status, stalls, lag, memory, tasks, problems,
output, checks.

Each panel draws one aspect of a :class:`~playground.model.RunState`. The run pane
owns the single ``state`` reactive and binds it down with ``data_bind``; a panel
redraws (``draw_state``) only when an event of a kind it draws from has come since
(see :mod:`.base`). The session already limits updates to 20 per second, and panels
that are not on screen (an inactive tab) skip the work and catch up when shown.
"""

from __future__ import annotations

from playground.tui.panels.awaits import AWAIT_LINES_MAX, AwaitGraph
from playground.tui.panels.checks import ChecksPanel
from playground.tui.panels.lag import LAG_BAD_MS, LAG_SCALE_MIN_MS, LagChart, LagPanel
from playground.tui.panels.memory import MEMORY_SCALE_MIN_KB, MemoryChart, MemoryPanel
from playground.tui.panels.output import OutputPanel, OutputView
from playground.tui.panels.problems import ProblemsPanel, problem_count
from playground.tui.panels.stalls import STALLS_SHOWN, StallPanel
from playground.tui.panels.status import EndMessage, StatusPanel
from playground.tui.panels.tasks import TASK_ROWS_MAX, TaskGrid, TaskTable

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
