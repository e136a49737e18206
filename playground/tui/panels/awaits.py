"""The await graph (`a`): which live task awaits which, as a tree beside the task table."""

from __future__ import annotations

import time

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

    state: reactive[RunState | None] = reactive(None, always_update=True, repaint=False)

    _cost_s = 0.0  # what the latest drawing cost
    _drawn_at = 0.0

    def watch_state(self, state: RunState | None) -> None:
        # Hidden (its box is shown only after `a`): no work until it is shown.
        if not (isinstance(self.parent, Widget) and self.parent.display):
            return
        # Thousands of live tasks take tens of ms to draw: then a live run is drawn
        # less often, so that drawing takes at most a fifth of the time.
        if state is not None and not state.finished \
                and time.monotonic() - self._drawn_at < 5 * self._cost_s:
            return
        self._draw()

    def on_show(self) -> None:
        self._draw()

    def _draw(self) -> None:
        began = time.monotonic()
        try:
            self._draw_now()
        finally:
            self._drawn_at = time.monotonic()
            self._cost_s = self._drawn_at - began

    def _draw_now(self) -> None:
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
