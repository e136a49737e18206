"""The one mock API every run of the app shares: started on first use, closed with the app."""

from __future__ import annotations

import asyncio
import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playground.mockapi import MockAPI

__all__ = ["SharedMockAPI"]


class SharedMockAPI:
    """Starts the mock API when a run first needs it; every later run gets the same one."""

    def __init__(self) -> None:
        self._mock: MockAPI | None = None
        self._lock = asyncio.Lock()

    async def get(self) -> MockAPI:
        """The mock API, started now if it is not yet."""
        async with self._lock:
            if self._mock is None:
                # aiohttp's import takes a noticeable moment: done off the event loop.
                await asyncio.to_thread(importlib.import_module, "playground.mockapi")
                from playground.mockapi import MockAPI

                mock = MockAPI()
                await mock.start()
                self._mock = mock
            return self._mock

    async def close(self) -> None:
        """Stop it, if it was started."""
        if self._mock is not None:
            await self._mock.close()
            self._mock = None
