"""What an app process started by ``asyncplay serve`` uses to talk back to the server.

The server passes the back channel's Unix socket, the viewer's key and role, and the
run memory limit in the environment. A run holds a slot (a websocket) for as long as it
goes; the room is a websocket that hears every change and carries moves and answers.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import aiohttp

__all__ = ["ServeLink"]


@dataclass
class ServeLink:
    """The back channel to the serve process, for one app process."""

    socket_path: str
    key: str
    presenter: bool = False
    memory_mb: int | None = None
    _session: aiohttp.ClientSession | None = field(default=None, repr=False)
    _room: aiohttp.ClientWebSocketResponse | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> ServeLink | None:
        """The link described by the environment, or None when not served."""
        env = dict(os.environ) if env is None else env
        path, key = env.get("ASYNCPLAY_SERVE_SOCKET"), env.get("ASYNCPLAY_SERVE_KEY")
        if not path or not key:
            return None
        memory = env.get("ASYNCPLAY_SERVE_MEMORY_MB", "")
        return cls(path, key, presenter=env.get("ASYNCPLAY_SERVE_ROLE") == "presenter",
                   memory_mb=int(memory) if memory.isdigit() else None)

    def _client(self) -> aiohttp.ClientSession:
        import aiohttp  # here, not at the app's start: a terminal's app has no link

        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.UnixConnector(path=self.socket_path))
        return self._session

    @asynccontextmanager
    async def slot(self, what: str, on_place: Callable[[int], None]) -> AsyncIterator[None]:
        """Hold a run slot for the body; ``on_place(n)`` hears the place in line meanwhile."""
        from aiohttp import WSMsgType

        async with self._client().ws_connect(
                "http://serve/slot", params={"key": self.key, "run": what}) as websocket:
            async for message in websocket:
                if message.type != WSMsgType.TEXT:
                    break
                data = message.json()
                if data.get("granted"):
                    break
                if isinstance(data.get("place"), int):
                    on_place(data["place"])
            else:
                raise ConnectionError("the server closed the run's slot")
            if websocket.closed:
                raise ConnectionError("the server closed the run's slot")
            yield

    async def follow_room(self, on_view: Callable[[dict[str, Any]], None]) -> None:
        """Hear the room until the server goes (each change calls ``on_view``)."""
        from aiohttp import WSMsgType

        async with self._client().ws_connect(
                "http://serve/room", params={"key": self.key}) as websocket:
            self._room = websocket
            try:
                async for message in websocket:
                    if message.type != WSMsgType.TEXT:
                        break
                    data = message.json()
                    if isinstance(data.get("room"), dict):
                        on_view(data["room"])
            finally:
                self._room = None

    async def tell_room(self, message: dict[str, Any]) -> bool:
        """Send a move, a question, a reveal or an answer; False when not connected."""
        if self._room is None or self._room.closed:
            return False
        await self._room.send_json(message)
        return True

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
