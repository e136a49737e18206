"""A read-only, syntax-highlighted view of a snippet that marks the lines a run blamed.

Highlighting uses :func:`textual.highlight.highlight` (Pygments), which needs
nothing beyond Textual itself. Importing Pygments and compiling its Python lexer took
~45 ms of the app's start, before its first frame: code is shown plain until that frame
is out, and highlighted from the next one. Lines a run points at (the line a stall blocked on,
the line an uncaught error came from, lines with warnings) get a marker in the
gutter and a tinted background, and the view scrolls to the most important one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from textual.app import ComposeResult
from textual.containers import ScrollableContainer
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

__all__ = ["CodeView", "LineMark", "render_code"]

# Marks by importance: a higher rank wins when two fall on one line.
_MARK_RANK = {"warning": 1, "error": 2, "stall": 3, "live": 4}
_MARK_GUTTER = {"warning": ("!", "bold $warning"), "error": ("✗", "bold $error"),
                "stall": ("▶", "bold $error"), "live": ("▶", "bold $text-error")}
_MARK_LINE = {"warning": "on $warning-muted", "error": "on $error-muted",
              "stall": "on $error-muted", "live": "bold on $error-muted"}


#: False until the first frame with code in it is out (then code is highlighted).
_first_frame_out = False


@dataclass(frozen=True)
class LineMark:
    """A line of the snippet that a run points at, and why."""

    line: int
    kind: str  # "live" (a stall going on now), "stall", "error" or "warning"


@lru_cache(maxsize=32)
def _highlighted_lines(source: str) -> tuple[Content, ...]:
    # Content is immutable, so a snippet is highlighted once however often marks change.
    from textual.highlight import highlight  # Pygments: see the module's text

    return tuple(highlight(source, language="python").split("\n"))


def render_code(source: str, marks: tuple[LineMark, ...] = (), *, plain: bool = False) -> Content:
    """The highlighted source (``plain``: not highlighted) with line numbers, and the
    marked lines tinted."""
    lines = (tuple(Content(line) for line in source.removesuffix("\n").split("\n")) if plain
             else _highlighted_lines(source))  # (highlighting drops one final newline too)
    by_line: dict[int, str] = {}
    for mark in marks:
        if _MARK_RANK.get(mark.kind, 0) > _MARK_RANK.get(by_line.get(mark.line, ""), 0):
            by_line[mark.line] = mark.kind
    width = max((line.cell_length for line in lines), default=0)
    digits = len(str(len(lines)))
    out: list[Content] = []
    for number, line in enumerate(lines, start=1):
        kind = by_line.get(number)
        if kind is None:
            out.append(Content.assemble((f"  {number:>{digits}} ", "$text-muted"), line))
            continue
        symbol, symbol_style = _MARK_GUTTER[kind]
        padded = line.pad_right(width - line.cell_length + 1)
        out.append(Content.assemble(
            (f"{symbol} ", symbol_style),
            (f"{number:>{digits}} ", "bold $text"),
            padded.stylize_before(_MARK_LINE[kind]),
        ))
    return Content("\n").join(out)


class CodeView(ScrollableContainer, can_focus=False):
    """A snippet's code, scrollable both ways, with the lines a run blamed marked."""

    source: reactive[str] = reactive("", layout=True)
    marks: reactive[tuple[LineMark, ...]] = reactive(())

    def compose(self) -> ComposeResult:
        yield Static(id="code-text", markup=False)

    def watch_source(self) -> None:
        self._redraw()
        self.scroll_home(animate=False)

    def watch_marks(self, old: tuple[LineMark, ...], new: tuple[LineMark, ...]) -> None:
        self._redraw()
        if new and {m.line for m in new} != {m.line for m in old}:
            self._scroll_to_mark(self._top_mark(new))

    def on_resize(self) -> None:
        # The pane gives the code fewer rows once a run's figures and tabs show (and more
        # when the screen grows): the blamed line stays in sight.
        if self.marks:
            self._scroll_to_mark(self._top_mark(self.marks))

    @staticmethod
    def _top_mark(marks: tuple[LineMark, ...]) -> int:
        return max(marks, key=lambda m: _MARK_RANK.get(m.kind, 0)).line

    def _redraw(self) -> None:
        if not self.is_mounted:
            return
        plain = not _first_frame_out
        if plain:
            def highlight_now() -> None:
                global _first_frame_out
                _first_frame_out = True
                self._redraw()

            self.call_after_refresh(highlight_now)
        self.query_one("#code-text", Static).update(render_code(self.source, self.marks, plain=plain))

    def on_mount(self) -> None:
        self._redraw()

    def show_line(self, line: int) -> None:
        """Scroll so that ``line`` (1-based) is in sight, a few lines below the top (the
        line the editor's cursor was on, as it closes)."""
        self._scroll_to_mark(line)

    def _scroll_to_mark(self, line: int) -> None:
        # Keep a few lines of context above the marked line, after the layout settles.
        def scroll() -> None:
            self.scroll_to(y=max(0, line - 1 - self.size.height // 3), animate=False)

        self.call_after_refresh(scroll)
