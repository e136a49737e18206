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
    # For task_rows without sorting every view: the ids of the views not finished, the
    # finished views kept of each state, and whether ``tasks`` is in id order (ids come
    # in increasing order from the probe, so a dict filled as they come is).
    _live: dict[int, None] = field(default_factory=dict, repr=False, compare=False)
    _finished_states: dict[str, int] = field(default_factory=dict, repr=False, compare=False)
    _max_tid: int = field(default=-1, repr=False, compare=False)
    _in_tid_order: bool = field(default=True, repr=False, compare=False)

    def _copy_tasks(self, twin: TaskFacts) -> None:
        twin.tasks = dict(self.tasks)  # the views themselves are never changed: shared
        twin._coro_by_name = None
        twin._live = dict(self._live)
        twin._finished_states = dict(self._finished_states)

    def _keep(self, view: TaskView) -> None:
        """Put ``view`` in the table (in place of the task's old view, if any)."""
        old = self.tasks.get(view.tid)
        if old is not None:
            if old.finished:
                self._finished_states[old.state] -= 1
            else:
                self._live.pop(old.tid, None)
        elif view.tid <= self._max_tid:
            self._in_tid_order = False
        self._max_tid = max(self._max_tid, view.tid)
        self.tasks[view.tid] = view
        if view.finished:
            self._finished_states[view.state] = self._finished_states.get(view.state, 0) + 1
        else:
            self._live[view.tid] = None

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
            self._keep(TaskView(tid=tid, name=str(name), coro=str(coro), parent=parent,
                                created_file=file, created_line=line, created_t=float(e["t"])))
        for tid, state, waits, file, line, busy_us, steps, detail in e.get("upd", ()):
            old = self.tasks.get(tid)
            if old is None:
                continue
            ended_t = old.ended_t
            if ended_t is None and state in P.FINISHED_TASK_STATES:
                ended_t = float(e["t"])
            # A new view, not the old one changed: snapshots share the views.
            task = TaskView(
                old.tid, old.name, old.coro, old.parent, old.created_file, old.created_line,
                state, waits, file, line, float(busy_us) / 1000, int(steps), detail,
                created_t=old.created_t, ended_t=ended_t)
            self._keep(task)
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
            self._finished_states[self.tasks.pop(tid).state] -= 1
            self._finished_kept -= 1
        return len(self.tasks) < MAX_TASK_VIEWS

    def task_rows(self, limit: int | None = None) -> list[TaskView]:
        """The tasks in the order to show them: live ones first (running, ready,
        waiting), then finished ones (failed, cancelled, done) in the room left; by
        task id within a state. At most ``limit``.

        With a limit, only the live views are sorted (the probe follows a bounded number
        at a time); the finished ones in the room left are taken in id order from the
        table, which stops as soon as it has them (it may hold 20,000 views, and this
        runs on every report while the task table is seen).
        """
        order = _TABLE_ORDER

        def key(t: TaskView) -> tuple[int, int]:
            return order.get(t.state, 9), t.tid

        if limit is None or not self._in_tid_order:
            rows = sorted(self.tasks.values(), key=key)
            return rows if limit is None else rows[:limit]
        tasks = self.tasks
        live = sorted((tasks[tid] for tid in self._live), key=key)
        # A state the table does not know (a newer probe's) sorts after the finished ones.
        odd = [t for t in live if t.state not in order]
        rows = [t for t in live if t.state in order][:limit]
        wanted: dict[str, int] = {}
        left = limit - len(rows)
        for state in ("failed", "cancelled", "done"):
            wanted[state] = min(self._finished_states.get(state, 0), left)
            left -= wanted[state]
        picked: dict[str, list[TaskView]] = {state: [] for state in wanted}
        missing = sum(wanted.values())
        if missing:
            for view in tasks.values():  # in id order
                bucket = picked.get(view.state)
                if bucket is not None and len(bucket) < wanted[view.state]:
                    bucket.append(view)
                    missing -= 1
                    if not missing:
                        break
        rows += picked["failed"] + picked["cancelled"] + picked["done"]
        return rows + odd[:limit - len(rows)]

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
