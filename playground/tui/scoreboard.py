"""The scoreboard: the lesson's two latest runs compared, figure by figure.

When both variants have run (``r``, or ``b`` then ``g``), it compares them; when the
latest run is an edit of a variant whose original has run, it compares the edit with
the original. The figures and who did better come from
:func:`playground.compare.compare` (the core); this widget only draws them: a column
per figure, a row per run (``✓`` marks the better value) and a row of changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual.app import ComposeResult
from textual.containers import HorizontalScroll
from textual.content import Content
from textual.widgets import Static

from playground.compare import Row, compare, not_compared

__all__ = ["Scoreboard", "scoreboard_lines"]


def scoreboard_lines(left: str, right: str, rows: list[Row], note: str | None = None) -> Content:
    """The table: a header of figures, a line per run, a line of changes (and a note
    when a run ended early, see :func:`playground.compare.not_compared`)."""
    label_width = max(len(left), len(right), len("change")) + 2
    widths = [max(len(r.metric), len(r.left) + 2, len(r.right) + 2, len(r.change)) + 3
              for r in rows]

    def cell(text: str, width: int, style: str = "") -> Content:
        return Content.styled(text.ljust(width), style)

    def value(row: Row, side: str, width: int) -> Content:
        text = row.left if side == "left" else row.right
        if row.better == side:
            return Content.assemble(("✓ ", "bold $success"),
                                    (text.ljust(width - 2), "bold $text-success"))
        worse = row.better is not None
        return cell("  " + text, width, "$text-error" if worse else "")

    header = Content.assemble(cell("", label_width),
                              *(cell(r.metric, w, "bold $text-secondary") for r, w in zip(rows, widths)))
    left_line = Content.assemble(cell(left, label_width, "bold"),
                                 *(value(r, "left", w) for r, w in zip(rows, widths)))
    right_line = Content.assemble(cell(right, label_width, "bold"),
                                  *(value(r, "right", w) for r, w in zip(rows, widths)))
    changes = Content.assemble(cell("change", label_width, "$text-muted"),
                               *(cell(r.change, w, "$text-muted" if r.better is None else "")
                                 for r, w in zip(rows, widths)))
    lines = [header, left_line, right_line, changes]
    if note:
        lines.append(Content.assemble(("✗ ", "bold $error"), (note, "$text-warning")))
    return Content("\n").join(lines)


def _run_label(summary: Mapping[str, Any]) -> str:
    """"bad", "good" or "bad (edited)": the target without its lesson."""
    return str(summary.get("target", "?")).rpartition("/")[2]


class Scoreboard(HorizontalScroll):
    """Two runs of the lesson on screen, figure by figure (hidden until two have run)."""

    DEFAULT_CSS = """
    Scoreboard {
        height: auto;
        display: none;
        border: round $primary 50%;
        border-title-color: $text-primary;
        padding: 0 1;
        scrollbar-size-horizontal: 1;
    }
    Scoreboard > Static {
        width: auto;
    }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.border_title = "scoreboard"
        self._runs: dict[str, Mapping[str, Any]] = {}  # the latest summary per run label
        self._latest: dict[str, str] = {}  # pane -> the label of its latest finished run
        self._edit_alone = False  # the latest start was one edited variant alone
        #: The two run labels compared now (left, right), or None when hidden.
        self.compared: tuple[str, str] | None = None
        self.rows: list[Row] = []
        #: Why the figures are shown but not ranked (a run ended early), or None.
        self.note: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="scoreboard-table", markup=False)

    def clear(self) -> None:
        """Another lesson (or a file) is on screen: forget the runs."""
        self._runs.clear()
        self._latest.clear()
        self._show(None)

    def runs_started(self, panes: tuple[str, ...], edited: bool) -> None:
        """Runs started in ``panes``; ``edited`` when it is one variant's edit alone."""
        self._edit_alone = edited and len(panes) == 1
        for pane in panes:
            self._latest.pop(pane, None)

    def run_finished(self, pane: str, summary: Mapping[str, Any]) -> None:
        """A run of the lesson ended: compare it when there is a pair."""
        if pane not in ("bad", "good") or summary.get("status") == "stopped":
            return
        label = _run_label(summary)
        self._runs[label] = summary
        self._latest[pane] = label
        original = label.removesuffix(" (edited)")
        if self._edit_alone and original != label and original in self._runs:
            self._show((original, label))
        elif "bad" in self._latest and "good" in self._latest:
            self._show((self._latest["bad"], self._latest["good"]))

    def _show(self, pair: tuple[str, str] | None) -> None:
        self.compared = pair
        self.display = pair is not None
        if pair is None:
            self.rows = []
            self.note = None
            return
        left, right = pair
        self.rows = compare(self._runs[left], self._runs[right])
        self.note = not_compared(self._runs[left], self._runs[right], (left, right))
        self.border_title = f"scoreboard · {left} vs {right}"
        self.query_one("#scoreboard-table", Static).update(
            scoreboard_lines(left, right, self.rows, self.note))
