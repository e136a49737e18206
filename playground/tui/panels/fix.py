""""Did you fix it?": an edited bad variant's run against the lesson's good expectations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual.content import Content
from textual.widgets import Static

from playground.tui.formatting import checks_lines

__all__ = ["FixPanel", "fix_lines"]


def fix_lines(result: Mapping[str, Any], width: int = 0) -> Content:
    """The verdict ("fixed", or how many of the good expectations are met) and each
    expectation ✓ or ✗ with what the run showed (wrapped to ``width`` between words,
    never inside a figure; 0: not wrapped)."""
    checks = list(result.get("checks", ()))
    met = sum(1 for c in checks if c.get("met"))
    if result.get("met"):
        head = Content.assemble(("did you fix it? ", "bold"), ("✓ fixed", "bold $success"),
                                (" · the edit meets every expectation of good.py", "$text-muted"))
    else:
        head = Content.assemble(("did you fix it? ", "bold"), ("not yet", "bold $warning"),
                                (f" · {met} of {len(checks)} expectations of good.py met",
                                 "$text-muted"))
    return Content("\n").join([head, checks_lines(checks, width)]) if checks else head


class FixPanel(Static):
    """Which of the lesson's good expectations an edited bad variant's run meets."""

    DEFAULT_CSS = """
    FixPanel {
        height: auto;
        padding: 0 1;
        display: none;
    }
    """

    _result: Mapping[str, Any] | None = None
    _width = 0  # the width the lines were wrapped for

    def show_result(self, result: Mapping[str, Any] | None) -> None:
        """Show a check result (``playground.expect.check``), or hide the panel (None)."""
        self._result = result
        self.display = result is not None
        if result is not None:
            self._width = self.content_region.width
            self.update(fix_lines(result, self._width))

    def on_resize(self) -> None:
        # The lines are wrapped for the width: a new width, new lines.
        if self._result is not None and self.content_region.width != self._width:
            self.show_result(self._result)
