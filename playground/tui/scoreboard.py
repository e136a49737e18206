"""The scoreboard: the lesson's two latest runs compared, figure by figure.

When both variants have run (``r``, or ``b`` then ``g``), it compares them; when the
latest run is an edit of a variant whose original has run, it compares the edit with
the original. The figures and who did better come from
:func:`playground.compare.compare` (the core); this widget only draws them: a column
per figure, a row per run (``✓`` marks the better value) and a row of changes that
names the runs it compares ("good vs bad"). Laid out for the width it has, so that no
figure is ever cut: one band of columns; a line per figure in two columns (100
columns); two bands of columns (80 columns: then it is tall, and on a short screen the
widgets of :data:`GIVES_ROWS` give it their rows); a line per figure, its headings
broken between words where they are what is too wide (beside the lesson list at 80).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.containers import HorizontalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from playground.tui.formatting import wrap_keeping_figures

if TYPE_CHECKING:
    from playground.compare import Row

__all__ = ["GIVES_ROWS", "TALL", "Scoreboard", "scoreboard_lines"]


#: As many lines or more, the table is tall (two bands, or a line per figure).
TALL = 8

#: The widgets that give a tall table their rows on a short screen (see app.tcss).
GIVES_ROWS = "#reveal, #sandbox-bar, .run-pane .figures, .run-pane CodeView"

#: The gaps tried between columns, the widest first.
_GAPS = (3, 2)


def _band(left: str, right: str, rows: list[Row], gap: int, label_width: int) -> list[Content]:
    """A column per figure: a header of figures, a line per run, a line of changes."""
    widths = [max(len(r.metric), len(r.left) + 2, len(r.right) + 2, len(r.change)) + gap
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
    changes = Content.assemble(cell(_change_label(left, right), label_width, "$text-muted"),
                               *(cell(r.change, w, "$text-muted" if r.better is None else "")
                                 for r, w in zip(rows, widths)))
    return [line.rstrip() for line in (header, left_line, right_line, changes)]


def _change_label(left: str, right: str) -> str:
    """What the change row compares: the right run against the left one."""
    return f"{right} vs {left}"


def _heading(text: str, width: int) -> list[str]:
    """``text`` broken at its spaces into lines of ``width`` at most (a longer word alone)."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def _head_width(text: str, least: int, lines: int | None) -> int:
    """The width of a column headed ``text`` whose figures take ``least``: the heading
    on one line (``lines`` None), or the least width that breaks it into ``lines`` lines
    at most (its longest word, if it has fewer words)."""
    if lines is None:
        return max(least, len(text))
    width = max(least, *(len(word) for word in text.split(" ")))
    while len(_heading(text, width)) > lines:
        width += 1
    return width


def _listed(left: str, right: str, rows: list[Row], columns: int = 1,
            head_lines: int | None = None) -> list[Content]:
    """A line per figure (figure, both values, the change), in ``columns`` side by side;
    ``head_lines``: the headings broken at their spaces into that many lines at most,
    so that a column is only as wide as its figures need ("bad (edited) vs bad" over
    "1 000 ms less" took 19 columns; on two lines, 13)."""
    change_label = _change_label(left, right)
    metric_width = max(len(r.metric) for r in rows) + 1
    # A value column: "✓ ", the value, a gap; its heading is where the value is.
    left_width = _head_width(left, max(len(r.left) for r in rows), head_lines) + 4
    right_width = _head_width(right, max(len(r.right) for r in rows), head_lines) + 4
    change_width = _head_width(change_label, max(len(r.change) for r in rows), head_lines)

    def value(row: Row, side: str, width: int) -> Content:
        text = row.left if side == "left" else row.right
        if row.better == side:
            return Content.assemble(("✓ ", "bold $success"),
                                    (text.ljust(width - 2), "bold $text-success"))
        return Content.styled(("  " + text).ljust(width),
                              "$text-error" if row.better is not None else "")

    heads = [_heading(left, left_width - 4), _heading(right, right_width - 4),
             _heading(change_label, change_width)]
    height = max(len(head) for head in heads)
    heads = [head + [""] * (height - len(head)) for head in heads]
    header = [Content.assemble(" " * metric_width, (("  " + heads[0][i]).ljust(left_width), "bold"),
                               (("  " + heads[1][i]).ljust(right_width), "bold"),
                               (heads[2][i].ljust(change_width), "$text-muted"))
              for i in range(height)]
    lines = [Content.assemble(
        (row.metric.ljust(metric_width), "bold $text-secondary"),
        value(row, "left", left_width), value(row, "right", right_width),
        (row.change.ljust(change_width), "$text-muted" if row.better is None else ""))
        for row in rows]
    per_column = -(-len(lines) // columns)
    blocks = [[*header, *lines[at:at + per_column]] for at in range(0, len(lines), per_column)]
    blank = Content(" " * header[0].cell_length)
    return [Content("   ").join(block[i] if i < len(block) else blank for block in blocks).rstrip()
            for i in range(per_column + height)]


def scoreboard_lines(left: str, right: str, rows: list[Row], note: str | None = None,
                     width: int | None = None) -> Content:
    """The table, as wide as ``width`` allows (None: one line per run, however wide).

    A column per figure and a line per run, then a line of changes (the right run
    against the left); where that is too wide, a line per figure in two columns, or
    the figures in two bands of columns; where even that is too wide, a line per
    figure, its headings broken between words if they are what makes it too wide (an
    edit against its original beside the lesson list: 52 columns). A note follows
    when a run ended early (see :func:`playground.compare.not_compared`), broken
    between words to fit.
    """
    label_width = max(len(left), len(right), len(_change_label(left, right))) + 2
    half = (len(rows) + 1) // 2
    # The layouts, the fewest lines first: one band (4 lines), a line per figure in two
    # columns (5), two bands (8), a line per figure (9), the same with its headings on
    # two lines, three... (the narrowest: each heading a word a line).
    layouts = [_band(left, right, rows, gap, label_width) for gap in _GAPS]
    layouts.append(_listed(left, right, rows, columns=2))
    layouts += [_band(left, right, rows[:half], gap, label_width)
                + _band(left, right, rows[half:], gap, label_width) for gap in _GAPS]
    layouts.append(_listed(left, right, rows))
    words = max(len(text.split(" ")) for text in (left, right, _change_label(left, right)))
    layouts += [_listed(left, right, rows, head_lines=lines) for lines in range(2, words + 1)]
    lines = next((layout for layout in layouts
                  if width is None or max(line.cell_length for line in layout) <= width),
                 layouts[-1])
    if note:
        lines.append(wrap_keeping_figures(
            Content.assemble(("✗ ", "bold $error"), (note, "$text-warning")), width or 0))
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
        self._drawn_width: int | None = None  # the width the table was laid out for
        self._tall = False  # GIVES_ROWS carry -board-tall

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
        self._drawn_width = None
        if pair is None:
            self.rows = []
            self.note = None
            self._set_tall(False)
            return
        from playground.compare import compare, not_compared  # with the first pair of runs

        left, right = pair
        self.rows = compare(self._runs[left], self._runs[right])
        self.note = not_compared(self._runs[left], self._runs[right], (left, right))
        self.border_title = f"scoreboard · {left} vs {right}"
        self._draw()

    def _available_width(self) -> int:
        if self.size.width:
            return self.scrollable_content_region.width
        # Not laid out yet (it was hidden): the width of the column it is in.
        parent = self.parent
        width = parent.size.width if isinstance(parent, Widget) else self.app.size.width
        return max(0, width - self.styles.gutter.width)

    def _draw(self) -> None:
        if self.compared is None:
            return
        width = self._available_width()
        if width == self._drawn_width:
            return
        self._drawn_width = width
        left, right = self.compared
        table = scoreboard_lines(left, right, self.rows, self.note, width=width or None)
        self.query_one("#scoreboard-table", Static).update(table)
        self._set_tall(len(table.plain.splitlines()) >= TALL)

    def _set_tall(self, tall: bool) -> None:
        # On the few widgets that give the table rows on a short screen (app.tcss), not
        # on the screen: a class there styles every widget again, and the next lesson's
        # key (n, p) paid for it.
        if tall == self._tall or not self.is_attached:
            return
        self._tall = tall
        for widget in self.screen.query(GIVES_ROWS):
            widget.set_class(tall, "-board-tall")

    def on_resize(self) -> None:
        # A narrower screen (or the lesson list shown beside it) may need another layout.
        self._draw()
