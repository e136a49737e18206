"""A run that waits for its turn: the server's slot first (when served), then the run.

``asyncplay serve`` caps the runs going at once across a room; a run waits in line for a
slot, and its pane shows its place meanwhile. In the terminal there is no gate and a run
starts at once.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar

__all__ = ["Gate", "place_text", "queued"]

T = TypeVar("T")

#: ``gate(label, on_place)``: an async context manager that holds a run slot.
Gate = Callable[[str, Callable[[int], None]], AbstractAsyncContextManager[None]]


def place_text(place: int) -> str:
    """The pane's subtitle while its run waits for a slot."""
    return f" ⧗ waiting for a free slot: {place} ahead of you in line " if place > 1 else \
        " ⧗ waiting for a free slot: next in line "


async def queued(gate: Gate, label: str, on_place: Callable[[int], None],
                 work: Coroutine[Any, Any, T]) -> T:
    """Run ``work`` while holding a slot from ``gate`` (waiting for it first)."""
    try:
        async with gate(label, on_place):
            return await work
    finally:
        work.close()  # never started (cancelled or refused while waiting): no warning
