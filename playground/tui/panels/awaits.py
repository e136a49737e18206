"""The await graph (`a`): which live task awaits which, as a tree beside the task table."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static

from playground.model import RunState, await_tree, tree_lines
from playground.tui.formatting import TASK_STATE_STYLE, group_digits

__all__ = ["AWAIT_LINES_MAX", "AwaitGraph"]

#: Lines the graph draws at most (the rest are counted).
AWAIT_LINES_MAX = 200


class AwaitGraph(Static):
    """The live tasks as trees of awaits (see :func:`~playground.model.await_tree`);
    drawn only while shown."""

    state: reactive[RunState | None] = reactive(None, always_update=True)

    def watch_state(self, state: RunState | None) -> None:
        # Hidden (its box is shown only after `a`): no work until it is shown.
        if isinstance(self.parent, Widget) and self.parent.display:
            self._draw()

    def on_show(self) -> None:
        self._draw()

    def _draw(self) -> None:
        state = self.state
        title = Content.styled("awaits\n", "bold $text-muted")
        if state is None:
            self.update(title + Content.styled("no run yet", "$text-muted"))
            return
        lines = tree_lines(await_tree(state))
        if not lines:
            none = "no task alive now" + (" (replay the run to see any moment: h)"
                                          if state.finished else "")
            self.update(title + Content.styled(none, "$text-muted"))
            return
        rows = []
        for prefix, node in lines[:AWAIT_LINES_MAX]:
            rows.append(Content.assemble(
                (prefix, "$text-muted"), (node.label, "bold"), " ",
                (node.state, TASK_STATE_STYLE.get(node.state, "")),
                (f" · {node.waits}" if node.waits else "", "$text-muted"),
                (f"  {node.where}" if node.where else "", "$text-muted"),
                (f"  (awaits {node.deeper} more, deeper)" if node.deeper else "", "$text-muted")))
        if len(lines) > AWAIT_LINES_MAX:
            rows.append(Content.styled(f"… {group_digits(len(lines) - AWAIT_LINES_MAX)} more",
                                       "$text-muted"))
        self.update(title + Content("\n").join(rows))
