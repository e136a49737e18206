"""Errors, warnings, refused actions and channel trouble, with their count."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from playground.model import RunState
from playground.tui.panels.base import StateView, set_text
from playground.tui.formatting import short_place

__all__ = ["ProblemsPanel", "problem_count"]

def problem_count(state: RunState | None) -> int:
    """How many things went wrong: errors, warnings, refused actions, channel trouble."""
    if state is None:
        return 0
    return (int(state.error is not None) + len(state.warnings) + len(state.blocked)
            + int(state.channel_problem is not None) + len(state.probe_errors))


class ProblemsPanel(StateView, VerticalScroll):
    """Uncaught errors, warnings, actions the sandbox refused and channel trouble."""

    READS = ("warning", "blocked", "error", "channel", "probe_error", "end", "exit")

    # Parsed when the panel is first mounted, not at start-up (app.tcss styles the first screen);
    # not scoped, so each selector keeps the weight it has as written.
    DEFAULT_CSS = """
        ProblemsPanel {
            height: 1fr;
        }
    """
    SCOPED_CSS = False
    state: reactive[RunState | None] = reactive(None, always_update=True, repaint=False)

    def compose(self) -> ComposeResult:
        yield Static(id="problems-text")

    def version_of(self, state: RunState) -> int:
        # A malformed event of any kind adds a probe error: counted with the kinds.
        return state.version(self.READS or ()) + len(state.probe_errors)

    def draw_state(self, state: RunState | None) -> None:
        # Not laid out again for a text of the same height (each report while live).
        set_text(self.query_one("#problems-text", Static), self._describe(state))

    @staticmethod
    def _describe(state: RunState | None) -> Content:
        if state is None:
            return Content.styled("Nothing yet.", "$text-muted")
        lines: list[Content] = []
        err = state.error
        if err is not None:
            lines.append(Content.assemble(
                ("✗ ", "bold $error"), (err.type, "bold $error"), (": ", ""),
                (err.message, ""),
                (f"  {short_place(err.file, err.line)}", "$text-muted")))
        for warning in state.warnings:
            lines.append(Content.assemble(
                ("! ", "bold $warning"), (warning.category, "bold $warning"),
                (": ", ""), (warning.message, ""),
                (f"  {short_place(warning.file, warning.line)}", "$text-muted")))
        for blocked in state.blocked:
            lines.append(Content.assemble(
                ("⊘ ", "bold $error"), (f"sandbox refused {blocked.what or 'an action'}", "bold"),
                (": ", ""), (blocked.message, "")))
        if state.channel_problem:
            lines.append(Content.assemble(("‼ ", "bold $warning"),
                                          (state.channel_problem, "$warning")))
        for problem in state.probe_errors[:20]:
            lines.append(Content.assemble(("‼ probe: ", "$warning"), (problem, "$text-muted")))
        if not lines:
            word = "No errors or warnings." if state.finished else "No errors or warnings so far."
            return Content.styled(word, "$success" if state.finished else "$text-muted")
        return Content("\n").join(lines)
