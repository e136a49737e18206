"""The back channel: what the viewers' app processes tell the server, over a Unix socket.

A run holds a slot of the server-wide queue for as long as it goes (a websocket, told
its place in line meanwhile); the room is a websocket per app that hears every change
and carries the presenter's moves and questions and the attendees' answers. Each app
process is known by the key the server gave it (:class:`Viewer`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from playground.serve.queue import RunQueue
from playground.serve.room import Room

__all__ = ["BackChannel", "Viewer", "json_frames"]

log = logging.getLogger("asyncplay.serve")


@dataclass
class Viewer:
    """One connected browser tab and its app process."""

    number: int
    peer: str
    presenter: bool
    key: str = field(default_factory=lambda: secrets.token_hex(16))
    runs: int = 0

    @property
    def name(self) -> str:
        return f"viewer {self.number}" + (" (presenter)" if self.presenter else "")



class BackChannel:
    """The run slots and the room, for the app processes of the viewers in ``viewers``."""

    def __init__(self, queue: RunQueue, room: Room, viewers: dict[str, Viewer]) -> None:
        self.queue = queue
        self.room = room
        self.viewers = viewers  # by key: the server adds and removes them
        self._room_sockets: dict[str, web.WebSocketResponse] = {}  # by viewer key

    def app(self) -> web.Application:
        """The back channel's routes, served on the Unix socket."""
        back = web.Application()
        back.add_routes([web.get("/slot", self._slot), web.get("/room", self._room_ws)])
        return back

    def _viewer_of(self, request: web.Request) -> Viewer:
        viewer = self.viewers.get(request.query.get("key", ""))
        if viewer is None:
            raise web.HTTPForbidden(text="unknown viewer key\n")
        return viewer

    async def _slot(self, request: web.Request) -> web.WebSocketResponse:
        """A run's slot: held while this websocket is open; the place in line meanwhile."""
        viewer = self._viewer_of(request)
        what = request.query.get("run", "?")[:200]
        websocket = web.WebSocketResponse()
        await websocket.prepare(request)
        loop = asyncio.get_running_loop()
        started = loop.time()

        def on_place(place: int) -> None:
            if not websocket.closed:
                asyncio.ensure_future(websocket.send_json({"place": place}))

        waited = asyncio.ensure_future(self.queue.acquire(on_place))
        closed = asyncio.ensure_future(websocket.receive())
        try:
            await asyncio.wait([waited, closed], return_when=asyncio.FIRST_COMPLETED)
            if not waited.done():
                waited.cancel()
                log.info("%s: %s left the line before it started", viewer.name, what)
                return websocket
            viewer.runs += 1
            log.info("%s ran %s (waited %.1f s; %d running, %d waiting)", viewer.name, what,
                     loop.time() - started, self.queue.running, self.queue.waiting)
            try:
                await websocket.send_json({"granted": True})
                await closed
            finally:
                self.queue.release()
                log.info("%s: %s ended", viewer.name, what)
        finally:
            closed.cancel()
            if not websocket.closed:
                await websocket.close()
        return websocket

    async def _room_ws(self, request: web.Request) -> web.WebSocketResponse:
        """The room: every change is told to every app; the apps' moves and answers come in."""
        viewer = self._viewer_of(request)
        websocket = web.WebSocketResponse()
        await websocket.prepare(request)
        self._room_sockets[viewer.key] = websocket
        if not viewer.presenter:
            self.room.attendees.add(viewer.key)
        await self._broadcast()
        try:
            async for data in json_frames(websocket):
                if not isinstance(data, dict):
                    continue
                refused = self.room.apply(viewer.key, viewer.presenter, data)
                if refused:
                    await websocket.send_json({"refused": refused})
                    continue
                log.info("%s: %s %s", viewer.name, data.get("type"), data.get("lesson"))
                await self._broadcast()
        finally:
            self._room_sockets.pop(viewer.key, None)
            self.room.attendees.discard(viewer.key)
            await self._broadcast()
        return websocket

    async def _broadcast(self) -> None:
        view = self.room.view()
        for websocket in list(self._room_sockets.values()):
            if not websocket.closed:
                try:
                    await websocket.send_json({"room": view})
                except ConnectionError:
                    pass


async def json_frames(websocket: web.WebSocketResponse) -> AsyncIterator[Any]:
    """The JSON values of a websocket's text frames (other frames, and text that is not
    JSON, are skipped: a browser's message the server cannot read is not an error)."""
    async for message in websocket:
        if message.type != WSMsgType.TEXT:
            continue
        try:
            value = json.loads(message.data)
        except ValueError:
            continue
        yield value
