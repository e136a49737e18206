"""Which task awaits which: the live tasks as a forest, like ``python -m asyncio pstree``.

:func:`await_tree` reads the probe's waits-on facts in ``RunState.tasks``: a task
waiting on ``task NAME`` awaits that task; a task waiting on ``gather``, ``wait``,
``wait_for``, ``timeout`` or a bare ``future`` (a TaskGroup's exit, an awaited task
group of futures) awaits its own children still alive (the tasks it created, which is
where gather and TaskGroup put theirs), except those another task awaits by name,
which hang under that one. Every other live task is a root. Finished
tasks are left out: the graph is of one moment (a replay shows any moment's).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from playground.words import place, task_label

if TYPE_CHECKING:
    from playground.model.fold import RunState
    from playground.model.records import TaskView

__all__ = ["AwaitNode", "CHILDREN_WAITS", "MAX_DEPTH", "await_tree", "tree_lines"]

#: How deep a tree goes at most (a chain of tasks each awaiting the next can be long).
MAX_DEPTH = 32

#: What a task waits on when it awaits the tasks it created (gather, TaskGroup...).
CHILDREN_WAITS = frozenset({"gather", "wait", "wait_for", "timeout", "future"})


@dataclass
class AwaitNode:
    """A live task, and the tasks it awaits."""

    tid: int
    label: str
    state: str
    waits: str | None  # what it waits on itself (sleep, Queue.get, gather...)
    where: str | None  # the line it is suspended at (file:line)
    children: list[AwaitNode] = field(default_factory=list)
    deeper: int = 0  # tasks it awaits left out, past MAX_DEPTH


def _awaited_task(task: TaskView, by_name: dict[str, int]) -> int | None:
    """The task ``task`` awaits by name (``task NAME``), if it is alive."""
    waits = task.waits_on
    if waits is None or not waits.startswith("task "):
        return None
    tid = by_name.get(waits[len("task "):])
    return tid if tid != task.tid else None


def await_tree(state: RunState) -> list[AwaitNode]:
    """The live tasks as trees: roots are the tasks no live task awaits (by task id)."""
    live = {tid: t for tid, t in sorted(state.tasks.items()) if not t.finished}
    by_name = {t.name: tid for tid, t in live.items()}
    children: dict[int, list[int]] = {}
    for tid, t in live.items():
        if t.parent is not None and t.parent in live:
            children.setdefault(t.parent, []).append(tid)
    direct = {tid: _awaited_task(t, by_name) for tid, t in live.items()}
    named = {child for child in direct.values() if child is not None}
    awaits: dict[int, list[int]] = {}
    for tid, t in live.items():
        child = direct[tid]
        if child is not None:
            awaits[tid] = [child]
        elif t.waits_on in CHILDREN_WAITS:
            # its children, but those another task awaits by name hang under that one
            awaits[tid] = [c for c in children.get(tid, ()) if c not in named]
        else:
            awaits[tid] = []
    awaited = {child for kids in awaits.values() for child in kids}

    def node(tid: int, path: frozenset[int]) -> AwaitNode:
        t = live[tid]
        n = AwaitNode(tid=tid, label=task_label(t.name, t.coro), state=t.state,
                      waits=state.waits_label(t), where=place(t.file, t.line) if t.line else None)
        if len(path) >= MAX_DEPTH:  # a chain of tasks awaiting tasks can be thousands long
            n.deeper = len(awaits[tid])
            return n
        for child in awaits[tid]:
            if child not in path:  # a cycle of awaits cannot nest forever
                n.children.append(node(child, path | {child}))
        return n

    roots = [tid for tid in live if tid not in awaited]
    # Tasks awaiting each other in a ring have no root: start from the first of them.
    placed: set[int] = set()

    def mark(root: int) -> None:
        # every task under ``root``, deeper than the tree shows too (no recursion)
        stack = [root]
        while stack:
            tid = stack.pop()
            if tid not in placed:
                placed.add(tid)
                stack.extend(awaits[tid])

    trees = []
    for tid in roots:
        trees.append(node(tid, frozenset({tid})))
        mark(tid)
    for tid in live:
        if tid not in placed:
            trees.append(node(tid, frozenset({tid})))
            mark(tid)
    return trees


def tree_lines(trees: list[AwaitNode]) -> list[tuple[str, AwaitNode]]:
    """The forest as lines: (the connectors before the node, the node), depth first."""
    out: list[tuple[str, AwaitNode]] = []

    def walk(n: AwaitNode, prefix: str, last: bool, top: bool) -> None:
        out.append(("" if top else prefix + ("└─ " if last else "├─ "), n))
        inner = "" if top else prefix + ("   " if last else "│  ")
        for i, child in enumerate(n.children):
            walk(child, inner, i == len(n.children) - 1, False)

    for tree in trees:
        walk(tree, "", True, True)
    return out
