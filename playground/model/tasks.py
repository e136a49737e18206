"""The task table: every task the probe listed (up to a bound; finished ones make room
for new ones past it), the counters it sends, and the rows in the order to show them.

A part of :class:`~playground.model.fold.RunState` (a dataclass mixin): its fields are
the state's, ``_on_tasks`` folds the ``tasks`` event.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from playground import protocol as P
from playground.model.records import TaskView
from playground.words import task_label

__all__ = ["MAX_TASK_VIEWS", "TaskFacts"]

#: Task views kept at most: past it, finished tasks make room for new ones, and a new
#: task is counted (``tasks_untracked``), not kept, when all are alive.
MAX_TASK_VIEWS = 20_000

#: The order of a task table (task_rows): live tasks first.
_TABLE_ORDER = {state: i for i, state in enumerate(
    ("running", "ready", "waiting", "failed", "cancelled", "done"))}


@dataclass
class TaskFacts:
    """What a run's task events say."""

    tasks: dict[int, TaskView] = field(default_factory=dict)
    tasks_created: int = 0
    tasks_alive: int = 0
    tasks_max_alive: int = 0
    tasks_failed: int = 0
    tasks_cancelled: int = 0
    tasks_untracked: int = 0  # new tasks not kept (MAX_TASK_VIEWS live ones already)
    tasks_listed: int = 0  # tasks the probe sent a row for (the others it only counts)
    _finished_kept: int = field(default=0, repr=False)
    # task name -> coroutine, made when first asked for after a tasks event
    _coro_by_name: dict[str, str] | None = field(default=None, repr=False, compare=False)

    def _copy_tasks(self, twin: TaskFacts) -> None:
        twin.tasks = dict(self.tasks)  # the views themselves are never changed: shared
        twin._coro_by_name = None

    def _on_tasks(self, e: P.TasksEvent) -> None:
        self._coro_by_name = None
        for tid, name, coro, parent, file, line in e.get("new", ()):
            self.tasks_listed += 1
            if tid not in self.tasks and len(self.tasks) >= MAX_TASK_VIEWS \
                    and not self._make_room():
                self.tasks_untracked += 1
                continue
            old = self.tasks.get(tid)
            if old is not None and old.finished:
                self._finished_kept -= 1
            self.tasks[tid] = TaskView(tid=tid, name=str(name), coro=str(coro), parent=parent,
                                       created_file=file, created_line=line,
                                       created_t=float(e["t"]))
        for tid, state, waits, file, line, busy_us, steps, detail in e.get("upd", ()):
            old = self.tasks.get(tid)
            if old is None:
                continue
            ended_t = old.ended_t
            if ended_t is None and state in P.FINISHED_TASK_STATES:
                ended_t = float(e["t"])
            # A new view, not the old one changed: snapshots share the views.
            task = self.tasks[tid] = TaskView(
                old.tid, old.name, old.coro, old.parent, old.created_file, old.created_line,
                state, waits, file, line, float(busy_us) / 1000, int(steps), detail,
                created_t=old.created_t, ended_t=ended_t)
            self._finished_kept += task.finished - old.finished
        self.tasks_created = int(e.get("created", self.tasks_created))
        self.tasks_alive = int(e.get("alive", self.tasks_alive))
        self.tasks_max_alive = int(e.get("max_alive", self.tasks_max_alive))
        self.tasks_failed = int(e.get("failed", self.tasks_failed))
        self.tasks_cancelled = int(e.get("cancelled", self.tasks_cancelled))

    def _make_room(self) -> bool:
        """Forget the oldest finished tasks (down to 90% of the cap); False if none."""
        if self._finished_kept <= 0:
            return False
        target = MAX_TASK_VIEWS * 9 // 10
        for tid in [t for t, v in self.tasks.items() if v.finished]:
            if len(self.tasks) <= target:
                break
            del self.tasks[tid]
            self._finished_kept -= 1
        return len(self.tasks) < MAX_TASK_VIEWS

    def task_rows(self, limit: int | None = None) -> list[TaskView]:
        """The tasks in the order to show them: live ones first (running, ready,
        waiting), then finished ones (failed, cancelled, done) in the room left; by
        task id within a state. At most ``limit``."""
        order = _TABLE_ORDER
        rows = sorted(self.tasks.values(), key=lambda t: (order.get(t.state, 9), t.tid))
        return rows if limit is None else rows[:limit]

    def coro_named(self, name: str) -> str | None:
        """The coroutine of the task called ``name``, when the table has it."""
        # Made once per state: a list of stalls or of tasks asks for each of its rows.
        if self._coro_by_name is None:
            self._coro_by_name = {t.name: t.coro for t in self.tasks.values()}
        return self._coro_by_name.get(name)

    def waits_label(self, task: TaskView) -> str | None:
        """What ``task`` waits on, an awaited task called as everywhere else
        (``task worker()`` rather than ``task Task-4``)."""
        waits = task.waits_on
        if waits is None or not waits.startswith("task "):
            return waits
        name = waits[len("task "):]
        return f"task {task_label(name, self.coro_named(name))}"
