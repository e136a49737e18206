"""One run pane: a snippet's code and, once it runs, everything its run shows.

The pane owns one ``state`` reactive (the :class:`~playground.model.RunState` of
its current run) and binds it down to its panels with ``data_bind``. Two panes
stand side by side for a lesson's bad and good variants; a third one shows a file
of the user's.
"""

from __future__ import annotations

import os
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static, TabbedContent, TabPane

from playground.model import RunState
from playground.tui.code import CodeView, LineMark
from playground.tui.formatting import STATUS_ICON, STATUS_STYLE, format_ms, inline_code
from playground.tui.panels import (
    ChecksPanel,
    EndMessage,
    LagPanel,
    MemoryPanel,
    OutputPanel,
    ProblemsPanel,
    StallPanel,
    StatusPanel,
    TaskTable,
    problem_count,
)

__all__ = ["RunPane", "marks_for"]


def marks_for(state: RunState | None, snippet: str | None) -> tuple[LineMark, ...]:
    """The lines of ``snippet`` (a path) that the run points at."""
    if state is None or snippet is None:
        return ()
    name = os.path.basename(snippet)

    def ours(file: str | None) -> bool:
        return file is not None and (file == snippet or os.path.basename(file) == name)

    marks: list[LineMark] = []
    for warning in state.warnings:
        if ours(warning.file) and warning.line:
            marks.append(LineMark(int(warning.line), "warning"))
    if state.error is not None and ours(state.error.file) and state.error.line:
        marks.append(LineMark(int(state.error.line), "error"))
    for stall in state.stalls:
        if ours(stall.file) and stall.line:
            marks.append(LineMark(stall.line, "live" if stall.live else "stall"))
    return tuple(marks)


class RunPane(Vertical):
    """A snippet (bad, good or the user's file) with the panels of its latest run."""

    state: reactive[RunState | None] = reactive(None, always_update=True)
    checks: reactive[tuple[dict[str, Any], ...] | None] = reactive(None)

    def __init__(self, pane: str, **kwargs: Any) -> None:
        super().__init__(id=f"pane-{pane}", classes=f"run-pane -{pane}", **kwargs)
        self.pane = pane
        self.run_id = 0
        self.snippet: str | None = None  # the path of the code shown
        self.run_key = {"bad": "b", "good": "g"}.get(pane, "b")
        self._subtitle_shown: tuple[str, float | None] | None = None
        self._problems_shown = 0

    def compose(self) -> ComposeResult:
        yield Static(id="note", classes="note")
        yield CodeView()
        yield StatusPanel(label=f"press {self.run_key} to run it", classes="status").data_bind(
            RunPane.state)
        yield EndMessage(classes="end-message").data_bind(RunPane.state)
        yield ChecksPanel(classes="checks").data_bind(RunPane.checks)
        with VerticalScroll(classes="stalls"):  # every stall, the worst first: it scrolls
            yield StallPanel().data_bind(RunPane.state)
        with Horizontal(classes="gauges"):  # the loop's lag and, beside it, memory
            yield LagPanel(classes="lag").data_bind(RunPane.state)
            yield MemoryPanel(classes="memory").data_bind(RunPane.state)
        with TabbedContent(classes="details"):
            with TabPane("Tasks", id=f"{self.pane}-tasks"):
                yield TaskTable().data_bind(RunPane.state)
            with TabPane("Output", id=f"{self.pane}-output"):
                yield OutputPanel().data_bind(RunPane.state)
            with TabPane("Problems", id=f"{self.pane}-problems"):
                yield ProblemsPanel().data_bind(RunPane.state)

    # ----------------------------------------------------------------- showing
    def show_snippet(self, *, title: Content, note: str, path: str, source: str) -> None:
        """Show a snippet that has not run yet (forgetting any previous run)."""
        self.run_id += 1  # whatever still reports from an older run is now ignored
        self.snippet = path
        self.border_title = title
        self.query_one("#note", Static).update(inline_code(note))
        self.query_one("#note", Static).display = bool(note)
        self.query_one(CodeView).source = source
        self.checks = None
        self.state = None

    def begin_run(self) -> int:
        """Prepare for a new run; returns its number (messages carry it back)."""
        self.run_id += 1
        self.checks = None
        self.state = None
        return self.run_id

    def show_checks(self, expect: dict[str, Any] | None) -> None:
        """Show a finished lesson run's expectation results."""
        self.checks = tuple(expect.get("checks", ())) if expect else None

    def watch_state(self, state: RunState | None) -> None:
        if not self.is_mounted:
            return
        code = self.query_one(CodeView)
        if state is not None and state.code is not None and state.code != code.source:
            code.source = state.code  # the code that ran, even if the file changed since
        code.marks = marks_for(state, self.snippet)
        status = "idle" if state is None else state.status
        wall_ms = state.wall_ms if state is not None and state.finished else None
        if (status, wall_ms) != self._subtitle_shown:
            self._subtitle_shown = (status, wall_ms)
            subtitle = Content.styled(f" {STATUS_ICON.get(status, '')} {status} ", STATUS_STYLE.get(status, ""))
            if wall_ms is not None:
                subtitle += Content.styled(f"{format_ms(wall_ms)} ", "$text-muted")
            self.border_subtitle = subtitle
        self.set_class(state is not None and not state.finished, "-running")
        self.set_class(state is None, "-idle")
        count = problem_count(state)
        if count != self._problems_shown:
            # Relabelling a tab lays the tabs out again: only when the count changes.
            self._problems_shown = count
            tab = self.query_one(TabbedContent).get_tab(f"{self.pane}-problems")
            tab.label = Content.assemble("Problems", " " if count else "",
                                         (str(count), "bold $error") if count else "")
