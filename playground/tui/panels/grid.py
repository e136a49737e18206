"""A table drawn a line at a time: only the rows on screen, each row's line kept until
one of its cells changes (the task table's grid).

``DataTable.update_cell`` drops the drawn lines of every row, so a table updated in
place on every report of a run was drawn whole on every frame: with 64 tasks stepping,
about 170 ms a frame. :class:`Grid` draws a row again only when the row differs from
the one it drew, and only if it is on screen; a row is drawn a cell at a time, and a
cell drawn before (the same text, width and stripe) is not drawn again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from textual import events
from textual.content import Content
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.style import Style as VisualStyle
from textual.visual import Visual

__all__ = ["Cell", "Grid", "Row"]

Cell = Content | str
Row = tuple[Cell, ...]

#: Cells kept drawn at most (a run's tasks come and go: the oldest are let go at once).
_CELLS_KEPT = 4096


def _content(cell: Cell) -> Content:
    return cell if isinstance(cell, Content) else Content(cell)


class Grid(ScrollView, can_focus=True):
    """Rows of cells under a header that stays in place, with zebra stripes.

    Columns have fixed widths (no padding: each width keeps its own gap). :meth:`set_rows`
    gives the rows; the header cell under the mouse shows its column's tip.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"grid--header", "grid--even-row", "grid--odd-row"}

    # The looks of Textual's DataTable, which this replaces.
    DEFAULT_CSS = """
    Grid {
        background: $surface;
        color: $foreground;
        height: auto;
        max-height: 100%;
        text-wrap: nowrap;
        text-overflow: clip;
        &:focus {
            background-tint: $foreground 5%;
            & > .grid--header { background-tint: $foreground 5%; }
        }
        &:dark > .grid--even-row { background: $surface-darken-1 40%; }
        & > .grid--header { text-style: bold; background: $panel; color: $foreground; }
        &:ansi > .grid--header { background: ansi_bright_blue; color: ansi_default; }
        & > .grid--even-row { background: $surface-lighten-1 50%; }
    }
    """

    def __init__(self, columns: Sequence[tuple[str, int]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: (label, width) of each column.
        self.columns: tuple[tuple[str, int], ...] = tuple(columns)
        #: What the header cell of a column says on hover, by the column's label.
        self.column_tips: dict[str, str] = {}
        self.rows: list[Row] = []
        self._table_width = sum(width for _, width in self.columns)
        # Row index -> (the row, the width, its line): the line is reused while both hold.
        self._lines: dict[int, tuple[Row, int, Strip]] = {}
        self._header: tuple[int, Strip] | None = None
        # (a cell, its width, the row's look) -> its drawing.
        self._cells: dict[tuple[object, ...], Strip] = {}
        self.set_reactive(Grid.virtual_size, Size(self._table_width, 1))

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def set_rows(self, rows: Sequence[Row]) -> None:
        """Show ``rows``: only the lines on screen of the rows that changed are drawn again."""
        old, self.rows = self.rows, list(rows)
        for index in [i for i in self._lines if i >= len(self.rows)]:
            del self._lines[index]
        if len(old) != len(self.rows):
            self.virtual_size = Size(self._table_width, len(self.rows) + 1)
            self.refresh()
            return
        top = self.scroll_offset.y
        shown = range(top, top + max(0, self.size.height - 1))
        for index, (before, after) in enumerate(zip(old, self.rows)):
            if before != after and index in shown:
                self.refresh_lines(index + 1)

    def notify_style_update(self) -> None:
        # A new theme or focus: every line is drawn again in the new styles.
        self._lines.clear()
        self._cells.clear()
        self._header = None
        super().notify_style_update()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        if y == 0:
            strip = self._header_line()
        else:
            index = scroll_y + y - 1
            if index >= len(self.rows):
                return Strip.blank(width, self.rich_style)
            strip = self._row_line(index)
        return strip.crop(scroll_x, scroll_x + width)

    def _full_width(self) -> int:
        # Rows fill the widget's width, so the stripes go all the way across.
        return max(self._table_width, self.size.width)

    def _header_line(self) -> Strip:
        width = self._full_width()
        if self._header is None or self._header[0] != width:
            self._header = (width, self._draw(tuple(label for label, _ in self.columns),
                                              width, "grid--header"))
        return self._header[1]

    def _row_line(self, index: int) -> Strip:
        row, width = self.rows[index], self._full_width()
        kept = self._lines.get(index)
        if kept is not None and kept[1] == width and kept[0] == row:
            return kept[2]
        strip = self._draw(row, width, "grid--even-row" if index % 2 == 0 else "grid--odd-row")
        self._lines[index] = (row, width, strip)
        return strip

    def _draw(self, row: Row, width: int, component: str) -> Strip:
        style = self.get_visual_style(component)
        if self.text_selection is not None:  # the selection spans cells: the row at once
            cells = [_content(cell).truncate(cell_width, pad=True)
                     for cell, (_, cell_width) in zip(row, self.columns)]
            return Visual.to_strips(self, Content.assemble(*cells), width, 1, style, pad=True)[0]
        # A cell at a time, each kept: a report changes a few cells of a row (busy ms,
        # steps, state), and rows move as tasks change state, so most cells drawn are
        # cells drawn before (a row drawn whole each time took most of a frame's work
        # with 64 tasks stepping).
        strips = [self._cell(cell, cell_width, component, style)
                  for cell, (_, cell_width) in zip(row, self.columns)]
        if width > self._table_width:
            strips.append(self._cell("", width - self._table_width, component, style))
        return Strip.join(strips)

    def _cell(self, cell: Cell, width: int, component: str, style: VisualStyle) -> Strip:
        key = (cell, width, component) if isinstance(cell, str) else (
            cell.plain, tuple(cell.spans), width, component)
        strip = self._cells.get(key)
        if strip is None:
            if len(self._cells) >= _CELLS_KEPT:
                self._cells.clear()
            content = _content(cell).truncate(width, pad=True)
            strip = Visual.to_strips(self, content, width, 1, style, pad=True)[0]
            self._cells[key] = strip
        return strip

    def column_at(self, x: int) -> str | None:
        """The label of the column at ``x`` (cells from the table's left edge)."""
        left = 0
        for label, width in self.columns:
            if left <= x < left + width:
                return label
            left += width
        return None

    def on_mouse_move(self, event: events.MouseMove) -> None:
        # The rows explain nothing: a tooltip over them would hide the tasks one reads.
        label = self.column_at(event.x + self.scroll_offset.x) if event.y == 0 else None
        self.tooltip = self.column_tips.get(label) if label is not None else None

    def on_leave(self, event: events.Leave) -> None:
        self.tooltip = None
