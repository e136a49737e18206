"""Turning lesson texts and run facts into styled Textual ``Content``.

Pure functions, no widgets: the panels call them, and the tests can check them
without an app. The words themselves (durations, places, task names) come from
:mod:`playground.words`, which the headless CLI uses too. Every style is a theme variable (``$error``, ``$text-muted``...),
so the app follows the user's theme. User text (snippet code, task names, output)
never goes through markup, so a ``[`` in it is shown as typed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from typing import TYPE_CHECKING

from textual._wrap import compute_wrap_offsets
from textual.content import Content

from playground.words import format_mb, format_ms, task_label
from playground.words import place as short_place

if TYPE_CHECKING:
    from playground.model import RunState, Stall

__all__ = [
    "cell_runs",
    "checks_lines",
    "wrap_keeping_figures",
    "end_message",
    "STATUS_STYLE",
    "STATUS_ICON",
    "TASK_STATE_STYLE",
    "format_ms",
    "format_elapsed",
    "inline_code",
    "lesson_prose",
    "short_place",
    "stall_line",
    "strip_comment",
    "task_label",
    "status_line",
    "group_digits",
]

STATUS_STYLE = {
    "idle": "$text-muted",
    "starting": "$text-muted",
    "running": "bold $warning",
    "ok": "bold $success",
    "error": "bold $error",
    "timeout": "bold $error",
    "limit": "bold $error",
    "killed": "bold $warning",
    "stopped": "bold $warning",
}
STATUS_ICON = {
    "idle": "○",
    "starting": "◌",
    "running": "●",
    "ok": "✓",
    "error": "✗",
    "timeout": "◷",
    "limit": "▲",
    "killed": "◼",
    "stopped": "◼",
}
TASK_STATE_STYLE = {
    "running": "bold $warning",
    "ready": "$accent",
    "waiting": "$primary",
    "done": "dim",
    "failed": "bold $error",
    "cancelled": "dim italic",
}

_CODE_STYLE = "bold $text-accent"
# A new line in lesson prose is kept when it starts a labelled part ("Bad: ...",
# "Good: ...") or a bullet; any other line break is only the TOML file's wrapping.
_KEEP_BREAK = re.compile(r"^(?:[A-Z][\w ]{0,20}:\s|[-*•]\s)")
_LABEL = re.compile(r"^(Bad|Good):")


def format_elapsed(seconds: float) -> str:
    """Elapsed time of a run: ``0.8 s``, ``12.3 s``."""
    return f"{max(seconds, 0.0):.1f} s"


def inline_code(text: str, style: str = "") -> Content:
    """Text with its `backticked` parts shown as code (and the backticks dropped)."""
    parts: list[tuple[str, str] | str] = []
    for i, piece in enumerate(text.split("`")):
        if not piece:
            continue
        # An unbalanced backtick leaves an odd piece count; the text stays readable.
        parts.append((piece, _CODE_STYLE) if i % 2 else (piece, style) if style else piece)
    return Content.assemble(*parts)


def lesson_prose(text: str) -> Content:
    """A lesson text reflowed for the terminal's width, with code and labels styled.

    The TOML files wrap their prose at ~85 columns; those breaks are joined so that
    Textual wraps to the panel's real width. Breaks before ``Bad:``/``Good:`` and
    bullets are kept, and those labels are coloured like the variants.
    """
    paragraphs: list[str] = []
    for raw in text.strip().splitlines():
        line = raw.strip()
        if not line:
            paragraphs.append("")
        elif paragraphs and paragraphs[-1] and not _KEEP_BREAK.match(line):
            paragraphs[-1] += " " + line
        else:
            paragraphs.append(line)
    lines: list[Content] = []
    for paragraph in paragraphs:
        label = _LABEL.match(paragraph)
        if label:
            style = "bold $error" if label.group(1) == "Bad" else "bold $success"
            rest = paragraph[label.end():]
            lines.append(Content.assemble((label.group(0), style), inline_code(rest)))
        else:
            lines.append(inline_code(paragraph))
    return Content("\n").join(lines)


def strip_comment(code: str) -> str:
    """A line of code without its trailing comment (the code view still shows it)."""
    code = code.strip()
    cut = code.find("  #")
    return code[:cut].rstrip() if cut > 0 else code


def cell_runs(cells: Iterable[tuple[str, str]]) -> Content:
    """A row of (character, style) cells as Content, a span per run of one style.

    A chart drawn a span per cell (a timeline's lanes: 64 lanes of 137 columns) costs
    Textual a style per cell on every render; runs cost a style per change of colour.
    """
    parts: list[tuple[str, str]] = []
    text: list[str] = []
    style: str | None = None
    for char, cell_style in cells:
        if cell_style != style:
            if text:
                parts.append(("".join(text), style or ""))
            text, style = [], cell_style
        text.append(char)
    if text:
        parts.append(("".join(text), style or ""))
    return Content.assemble(*parts)


#: Between the figures of a status or gauge line.
FIGURE_SEP = Content.styled("  ·  ", "$text-muted")


def fit_figures(figures: Sequence[Content], width: int, sep: Content = FIGURE_SEP) -> Content:
    """``figures`` joined by ``sep``, each line as full as ``width`` allows: a line
    breaks only between two figures (a plain wrap broke ``1 001 ms`` at its digit
    group). A figure wider than the line starts one of its own and is broken between
    its words, never inside a number (``1 stall, worst`` over ``1 000 ms``: the
    widget's wrap left ``1 stall, worst 1 000`` and its ``ms`` out of sight)."""
    lines: list[Content] = []
    line: Content | None = None
    for figure in figures:
        if line is not None and width > 0 and line.cell_length + sep.cell_length + figure.cell_length > width:
            lines.append(line)
            line = None
        if line is None and 0 < width < figure.cell_length:
            *whole, line = wrap_keeping_figures(figure, width).split("\n")
            lines += whole
            continue
        line = figure if line is None else line + sep + figure
    if line is not None:
        lines.append(line)
    return Content("\n").join(lines)


def status_figures(state: RunState | None, *, label: str, width: int = 0) -> list[Content]:
    """The figures of a run's status: icon, status and time, stalls, memory; the
    stalls' figure said shorter where it is wider than ``width`` (0: any width), as
    beside the lesson list at 80 columns (21): ``1 stall, 1 000 ms`` (the one stall
    is the worst) or ``3 stalls ≤ 1 000 ms``."""
    if state is None:
        return [Content.styled("○ not run yet", STATUS_STYLE["idle"]), Content.styled(label, "$text-muted")]
    status = state.status
    head: list[tuple[str, str] | str] = [
        (f"{STATUS_ICON.get(status, '?')} {status}", STATUS_STYLE.get(status, "bold")),
    ]
    if state.finished:
        ms = state.wall_ms
        if ms is None and state.exit is not None:
            ms = state.exit.total_ms
        head += [("  ", ""), (format_ms(ms), "bold")]
    elif state.started_t is not None or state.last_t:
        head += [("  ", ""), (format_elapsed(state.last_t - (state.started_t or 0.0)), "bold")]
    figures = [Content.assemble(*head)]
    if state.stalls:
        count, worst = len(state.stalls), format_ms(max(s.ms for s in state.stalls))
        stalls = f"{count} stall{'s' * (count != 1)}, worst {worst}"
        if 0 < width < len(stalls):
            stalls = f"1 stall, {worst}" if count == 1 else f"{count} stalls ≤ {worst}"
        figures.append(Content.styled(stalls, "$error"))
    if state.peak_rss_kb:  # once the run has ended
        figures.append(Content(f"{format_mb(state.peak_memory_kb or 0)} peak"))
    return figures


def status_line(state: RunState | None, *, label: str, width: int = 0) -> Content:
    """The status of a run: icon, status, time, stalls, memory; on one line, or
    broken between figures to fit ``width`` (0: one line). Where the memory fits beside
    the status and the stalls do not, it comes before them, on fewer lines: at 80x24
    the pane shows two (``✓ ok  2 511 ms  ·  22 MB peak`` over ``1 stall, worst
    1 000 ms``; in their order the peak was a third line, out of sight)."""
    figures = status_figures(state, label=label, width=width)
    fitted = fit_figures(figures, width)
    if width and len(figures) == 3:
        memory_first = fit_figures([figures[0], figures[2], figures[1]], width)
        if memory_first.plain.count("\n") < fitted.plain.count("\n"):
            return memory_first
    return fitted


def end_message(state: RunState | None) -> Content:
    """How the run ended, in a sentence (empty while it runs)."""
    if state is None or not state.message:
        return Content("")
    return Content.styled(state.message, "$text" if state.status == "ok" else STATUS_STYLE.get(state.status, ""))


def stall_line(stall: Stall, *, shown_ms: float | None = None, coro: str | None = None) -> Content:
    """One stall: how long, which task, where, and the blocking line's code."""
    ms = stall.ms if shown_ms is None else shown_ms
    place = short_place(stall.file, stall.line)
    code = strip_comment(stall.code)
    if stall.live:
        head: tuple[str, str] = (f" ● blocking now… {format_ms(ms)} ", "bold $text-error on $error-muted")
    else:
        head = (f" ■ {format_ms(ms):>9} ", "bold $error")
    return Content.assemble(
        head,
        (" ", ""),
        (task_label(stall.task, coro), "$text-primary"),
        ("  ", ""),
        (place, "$text-muted"),
        ("  ", ""),
        (code, _CODE_STYLE),
    )


#: A figure that a line must not break inside: a number with digit groups
#: (``10 001``, ``1 001 ms``) or a number and its unit (``995 ms``, ``0.2 s``).
_FIGURE = re.compile(r"\d{1,3}(?: \d{3})+(?: (?:ms|MB|KB|s)\b)?|\d+(?:\.\d+)? (?:ms|MB|KB|s)\b")


def wrap_keeping_figures(line: Content, width: int) -> Content:
    """``line`` wrapped at spaces to ``width`` (0: as it is), never inside a figure:
    Textual's own wrap broke ``1 001 ms`` after its ``1``, which read as two numbers."""
    plain = line.plain
    if width <= 0 or line.cell_length <= width:
        return line
    # The wrap sees a figure's spaces as letters (same cell width): it breaks elsewhere.
    glued = _FIGURE.sub(lambda m: m.group(0).replace(" ", "_"), plain)
    offsets = compute_wrap_offsets(glued, width, tab_size=8)
    return Content("\n").join(part.rstrip() for part in line.divide(offsets))


def checks_lines(checks: Sequence[dict[str, object]], width: int = 0) -> Content:
    """Expectation results as ✓/✗ lines: what was expected and what was observed;
    each wrapped to ``width`` (0: not wrapped) between words, never inside a figure."""
    from playground.expect import shown  # the checks' words: loaded with the first checks

    lines = []
    for check in checks:
        met = bool(check.get("met"))
        observed = shown(check)
        lines.append(wrap_keeping_figures(Content.assemble(
            ("✓ " if met else "✗ ", "bold $success" if met else "bold $error"),
            inline_code(str(check.get("check", "")), "" if met else "$text-error"),
            *(((" · ", "$text-muted"), inline_code(observed, "$text-muted"))
              if observed else ()),
        ), width))
    return Content("\n").join(lines)


def group_digits(count: int) -> str:
    """A count with thin groups: ``10 001``."""
    return f"{count:,}".replace(",", " ")
