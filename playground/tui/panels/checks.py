"""A lesson run's expectations, each met or not, with what was seen."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual.reactive import reactive
from textual.widgets import Static

from playground.tui.formatting import checks_lines

__all__ = ["ChecksPanel"]


class ChecksPanel(Static):
    """A lesson run's expectations, each ✓ or ✗ with what was observed (wrapped
    between words, never inside a figure such as ``1 001 ms``)."""

    checks: reactive[tuple[dict[str, Any], ...] | None] = reactive(None)

    _width = 0  # the width the lines were wrapped for

    def watch_checks(self, checks: Sequence[dict[str, Any]] | None) -> None:
        self.display = bool(checks)
        if checks:
            self._width = self.content_region.width
            self.update(checks_lines(checks, self._width))

    def on_resize(self) -> None:
        # The lines are wrapped for the width: a new width, new lines.
        if self.checks and self.content_region.width != self._width:
            self.watch_checks(self.checks)
