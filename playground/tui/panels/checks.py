"""A lesson run's expectations, each met or not, with what was seen."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual.reactive import reactive
from textual.widgets import Static

from playground.tui.formatting import checks_lines

__all__ = ["ChecksPanel"]

class ChecksPanel(Static):
    """A lesson run's expectations, each ✓ or ✗ with what was observed."""

    checks: reactive[tuple[dict[str, Any], ...] | None] = reactive(None)

    def watch_checks(self, checks: Sequence[dict[str, Any]] | None) -> None:
        self.display = bool(checks)
        if checks:
            self.update(checks_lines(checks))
