"""The await graph's core: which live task awaits which, from the probe's waits-on facts."""

from __future__ import annotations

from typing import Any

from playground.model import AwaitNode, RunState, await_tree, tree_lines
from playground.model.awaits import MAX_DEPTH


def state_with(rows: list[tuple[int, str, str, int | None, str, str | None]]) -> RunState:
    """Tasks as (tid, name, coro, parent, state, waits_on), folded from one tasks event."""
    event: dict[str, Any] = {
        "kind": "tasks", "t": 0.1,
        "new": [[tid, name, coro, parent, "x.py", 1] for tid, name, coro, parent, _, _ in rows],
        "upd": [[tid, state, waits, "x.py", 10 + tid, 0, 1, None]
                for tid, _, _, _, state, waits in rows],
        "created": len(rows), "alive": len(rows), "max_alive": len(rows), "failed": 0,
        "cancelled": 0}
    state = RunState(target="test")
    state.apply(event)
    return state


def shape(nodes: list[AwaitNode]) -> list[Any]:
    return [(n.label, shape(n.children)) if n.children else n.label for n in nodes]


def test_gather_awaits_its_children_and_a_named_task_hangs_under_its_awaiter() -> None:
    state = state_with([
        (1, "Task-1", "main", None, "waiting", "gather"),
        (2, "leaf", "leaf", 1, "waiting", "sleep"),
        (3, "Task-3", "waiter", 1, "waiting", "task leaf"),
        (4, "Task-4", "sleep", 1, "waiting", "sleep"),
        (5, "Task-5", "background", 1, "running", None),
        (6, "Task-6", "old", 1, "done", None),
    ])
    trees = await_tree(state)
    # leaf is main's child, but waiter awaits it by name: it hangs under waiter only.
    assert shape(trees) == [("main()", [("waiter()", ["leaf"]), "sleep()", "background()"])]
    node = trees[0].children[0]
    assert (node.state, node.waits, node.where) == ("waiting", "task leaf", "x.py:13")
    lines = [(prefix, n.label) for prefix, n in tree_lines(trees)]
    assert lines == [("", "main()"), ("├─ ", "waiter()"), ("│  └─ ", "leaf"),
                     ("├─ ", "sleep()"), ("└─ ", "background()")]


def test_a_task_awaiting_something_else_does_not_adopt_its_children() -> None:
    state = state_with([
        (1, "Task-1", "main", None, "waiting", "Event"),
        (2, "Task-2", "worker", 1, "waiting", "Queue.get"),
        (3, "Task-3", "worker", 1, "waiting", "Queue.get"),
    ])
    assert shape(await_tree(state)) == ["main()", "worker()", "worker()"]


def test_tasks_awaiting_each_other_in_a_ring_are_shown_once_each() -> None:
    state = state_with([
        (1, "a", "one", None, "waiting", "task b"),
        (2, "b", "two", None, "waiting", "task a"),
    ])
    trees = await_tree(state)
    assert shape(trees) == [("a", ["b"])]


def test_finished_tasks_are_left_out() -> None:
    state = state_with([(1, "Task-1", "main", None, "done", None)])
    assert await_tree(state) == [] and tree_lines([]) == []


def test_a_long_chain_of_awaits_is_cut_at_a_depth_and_says_so() -> None:
    chain = [(i, f"t{i}", "link", None, "waiting", f"task t{i + 1}") for i in range(1, 2000)]
    state = state_with([*chain, (2000, "t2000", "link", None, "waiting", "sleep")])
    trees = await_tree(state)  # no RecursionError: 2,000 tasks each awaiting the next
    assert len(trees) == 1
    depth, node = 1, trees[0]
    while node.children:
        depth, node = depth + 1, node.children[0]
    assert depth == MAX_DEPTH and node.deeper == 1 and node.label == f"t{MAX_DEPTH}"
    assert len(tree_lines(trees)) == MAX_DEPTH
