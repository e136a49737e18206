"""The model of a run: what the front ends read, and nothing else changes.

- :mod:`~playground.model.fold`: :class:`RunState`, the pure fold of a run's events,
  composed of a part per fact: :mod:`~playground.model.tasks` (the task table),
  :mod:`~playground.model.stalls`, :mod:`~playground.model.lag`,
  :mod:`~playground.model.memory`;
- :mod:`~playground.model.records`: the records it keeps (tasks, stalls, output,
  warnings, the error, the exit...), one dataclass each;
- :mod:`~playground.model.output`: what it printed, as timed lines (:class:`OutputLines`);
- :mod:`~playground.model.steps`: a traced run's steps, where a stepped run stopped;
- :mod:`~playground.model.awaits`: which live task awaits which (:func:`await_tree`);
- :mod:`~playground.model.lanes`: the run on one time axis, a lane per task (:func:`timeline`);
- :mod:`~playground.model.outcome`: how a run ended (:func:`classify_exit`);
- :mod:`~playground.model.summary`: the public JSON summary (:func:`summarize`);

The words for those facts (durations, memory, places, task names) are in
:mod:`playground.words`, re-exported here; the vocabulary (statuses, task states,
limits) is defined once, in :mod:`playground.protocol`.
"""

from __future__ import annotations

from playground.model.fold import (
    MAX_LAG_SAMPLES,
    MAX_LAG_WINDOWS,
    MAX_PROBE_ERRORS,
    MAX_STALLS,
    MAX_TASK_VIEWS,
    RunState,
    percentile,
)
from playground.model.awaits import AwaitNode, await_tree, tree_lines
from playground.model.lanes import (
    Lane,
    Timeline,
    lag_cells,
    lane_cells,
    run_span,
    timeline,
)
from playground.model.outcome import classify_exit, limit_of_error
from playground.model.output import OutputLines
from playground.model.records import (
    BlockedRecord,
    ErrorRecord,
    ExitRecord,
    LimitRecord,
    SandboxRecord,
    Stall,
    TaskView,
    WarningRecord,
)
from playground.model.steps import PauseView, Queued, Step, StepTrace, queued_label
from playground.model.summary import summarize, summary_of
from playground.words import format_bytes, format_mb, format_ms, place, task_label
from playground.protocol import FINAL_STATUSES, STOPPED_STATUSES

__all__ = [
    "FINAL_STATUSES",
    "MAX_LAG_SAMPLES",
    "MAX_LAG_WINDOWS",
    "MAX_PROBE_ERRORS",
    "MAX_STALLS",
    "MAX_TASK_VIEWS",
    "STOPPED_STATUSES",
    "BlockedRecord",
    "ErrorRecord",
    "ExitRecord",
    "LimitRecord",
    "OutputLines",
    "PauseView",
    "Queued",
    "Step",
    "StepTrace",
    "queued_label",
    "AwaitNode",
    "Lane",
    "RunState",
    "Timeline",
    "await_tree",
    "lag_cells",
    "lane_cells",
    "run_span",
    "timeline",
    "tree_lines",
    "SandboxRecord",
    "Stall",
    "TaskView",
    "WarningRecord",
    "classify_exit",
    "limit_of_error",
    "format_bytes",
    "format_mb",
    "format_ms",
    "percentile",
    "place",
    "summarize",
    "summary_of",
    "task_label",
]
