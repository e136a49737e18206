"""Class changes made together, styled in one pass.

Textual styles a node again as soon as one of its classes changes. A change that
touches several widgets at once pays a pass per widget: switching the detail tabs
(`1` `2` `3`) moved ``-active`` from one tab to another in each run pane, four passes
of the stylesheet, each with a cache of its own. Inside :meth:`BatchedRestyles.restyled_once`
the nodes whose classes change are collected and styled in one pass at the end; the
styles come out as the separate passes would have left them (each node is styled from
its final classes).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from textual.app import App
from textual.dom import DOMNode

__all__ = ["BatchedRestyles"]


class BatchedRestyles(App[None]):
    """Mixin for the app: :meth:`restyled_once` batches the restyles of class changes."""

    _restyle_batch: dict[DOMNode, None] | None = None
    _restyle_animate = False

    def update_styles(self, node: DOMNode, animate: bool = True) -> None:
        batch = self._restyle_batch
        if batch is None or isinstance(node, App):
            super().update_styles(node, animate=animate)
            return
        for child in node.walk_children(with_self=True):
            batch[child] = None  # in order, once each
        self._restyle_animate = self._restyle_animate or animate

    @contextmanager
    def restyled_once(self) -> Iterator[None]:
        """Style the nodes whose classes change inside, once each, in one pass at the end."""
        if self._restyle_batch is not None:  # already inside one: it styles them
            yield
            return
        batch: dict[DOMNode, Any] = {}
        self._restyle_batch, self._restyle_animate = batch, False
        try:
            yield
        finally:
            self._restyle_batch = None
            if batch:
                self.stylesheet.update_nodes(batch, animate=self._restyle_animate)
