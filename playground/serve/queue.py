"""The server-wide run queue: at most ``cap`` runs at once, the others wait in line.

Every viewer's app asks for a slot before a run starts and gives it back when the run
ends (or when its connection to the server drops). Waiting runs are told their place
in the line each time it changes, so the app can show it.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["SERVE_MEMORY_MB", "RunQueue", "default_cap"]

#: The memory limit of each run when serving (a room shares one machine).
SERVE_MEMORY_MB = 512


def default_cap() -> int:
    """Two runs per core: most lessons wait more than they compute."""
    return 2 * max(1, os.cpu_count() or 1)


@dataclass(eq=False)
class _Waiter:
    on_place: Callable[[int], None]
    granted: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class RunQueue:
    """At most ``cap`` slots held at once; a FIFO line for the rest."""

    def __init__(self, cap: int) -> None:
        if cap < 1:
            raise ValueError("the run cap must be at least 1")
        self.cap = cap
        self.running = 0
        self._line: list[_Waiter] = []

    @property
    def waiting(self) -> int:
        return len(self._line)

    async def acquire(self, on_place: Callable[[int], None]) -> None:
        """Wait for a slot. ``on_place(n)`` hears the place in line (1 = next) while waiting."""
        if self.running < self.cap and not self._line:
            self.running += 1
            return
        waiter = _Waiter(on_place)
        self._line.append(waiter)
        on_place(len(self._line))
        try:
            await waiter.granted
        except asyncio.CancelledError:
            if waiter.granted.done() and not waiter.granted.cancelled():
                self.release()  # granted as it was cancelled: hand the slot on
            else:
                self._remove(waiter)
            raise

    def release(self) -> None:
        """Give a slot back: the first in line gets it, the others move up."""
        self.running -= 1
        while self._line and self.running < self.cap:
            waiter = self._line.pop(0)
            if waiter.granted.done():
                continue
            self.running += 1
            waiter.granted.set_result(None)
        self._tell_places()

    def _remove(self, waiter: _Waiter) -> None:
        if waiter in self._line:
            self._line.remove(waiter)
            self._tell_places()

    def _tell_places(self) -> None:
        for place, waiter in enumerate(self._line, start=1):
            waiter.on_place(place)
