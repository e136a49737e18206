"""``asyncplay serve``: the app in a room's browsers, with textual-serve.

Every browser tab (a websocket) gets its own app process, started in a session of its
own so that closing the tab kills it at once, with its runs (each run's sandbox
supervisor dies with the app process that started it). textual-serve has no
authentication: a middleware checks the token on every request. A page's token is its
URL's query ``token``; the page's websocket carries the same token in its path
(``/ws/TOKEN``: textual-serve's page adds its own query to the websocket URL), so each
tab has the role of the URL it was opened with, whatever other tabs of the same browser
opened (a cookie would make an attendee's tab opened after the presenter's a presenter).
The app processes talk back to this process over a Unix socket in a private folder
(:mod:`playground.serve.back`: the run queue and the room), each with a key of its own
passed in its environment (which the sandbox scrubs from the snippets' environment).
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging
import os
import shutil
import signal
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import web

from playground.serve.back import BackChannel, Viewer, json_frames
from playground.serve.orphans import Orphans
from playground.serve.queue import SERVE_MEMORY_MB, RunQueue
from playground.serve.room import Room

__all__ = ["ServeConfig", "WorkshopServer", "is_loopback", "run_server"]

log = logging.getLogger("asyncplay.serve")


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class ServeConfig:
    """How to serve: address, tokens, the apps' command line and the run limits."""

    host: str = "127.0.0.1"
    port: int = 8000
    token: str | None = None  # None on loopback: no token needed
    present_token: str | None = None
    app_args: list[str] = field(default_factory=list)  # e.g. --snippets DIR
    run_cap: int = 2
    memory_mb: int = SERVE_MEMORY_MB
    textual_fps: int = 30


def _peer(request: web.Request) -> str:
    return request.remote or "?"


class WorkshopServer:
    """The web server (textual-serve's page and websocket) and the apps' back channel."""

    def __init__(self, config: ServeConfig) -> None:
        from textual_serve.download_manager import DownloadManager

        self.config = config
        self.queue = RunQueue(config.run_cap)
        self.room = Room()
        self.orphans = Orphans()
        self.viewers: dict[str, Viewer] = {}  # by key
        self.processes: dict[int, asyncio.subprocess.Process] = {}  # by viewer number
        self.back = BackChannel(self.queue, self.room, self.viewers)
        self._numbers = 0
        self._folder = Path(tempfile.mkdtemp(prefix="asyncplay-serve-"))
        self.socket_path = self._folder / "back.sock"
        self._downloads = DownloadManager()
        self._runners: list[web.AppRunner] = []
        self.url = ""

    # ------------------------------------------------------------------ starting
    async def start(self) -> None:
        """Listen on the configured address and on the back channel's socket."""
        self.orphans.adopt()
        back_runner = web.AppRunner(self.back.app(), access_log=None)
        await back_runner.setup()
        await web.UnixSite(back_runner, str(self.socket_path)).start()
        os.chmod(self.socket_path, 0o600)
        self._runners.append(back_runner)

        front = self._front_app()
        runner = web.AppRunner(front, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.config.host, self.config.port)
        await site.start()
        self._runners.append(runner)
        port = self.config.port
        if port == 0:  # the tests ask for any free port
            port = runner.addresses[0][1]
        self.port = port
        shown = self.config.host if ":" not in self.config.host else f"[{self.config.host}]"
        self.url = f"http://{shown}:{port}/"

    async def close(self) -> None:
        """Kill every app process, stop listening, remove the socket's folder."""
        for number in list(self.processes):
            await self._kill(number)
        await self.orphans.close()
        for runner in reversed(self._runners):
            await runner.cleanup()
        self._runners.clear()
        shutil.rmtree(self._folder, ignore_errors=True)

    def links(self) -> list[tuple[str, str]]:
        """The URLs to give out: (who, url)."""
        out = []
        if self.config.token is None:
            out.append(("attendees", self.url))
        else:
            out.append(("attendees", f"{self.url}?token={self.config.token}"))
        if self.config.present_token is not None:
            out.append(("presenter", f"{self.url}?token={self.config.present_token}"))
        return out

    # ---------------------------------------------------------------------- auth
    def _role(self, given: str | None) -> str | None:
        """"presenter", "attendee", or None (refused) for the token ``given``."""
        present = self.config.present_token
        if given and present and hmac.compare_digest(given.encode(), present.encode()):
            return "presenter"
        if self.config.token is None:
            return "attendee"
        if given and hmac.compare_digest(given.encode(), self.config.token.encode()):
            return "attendee"
        return None

    @web.middleware
    async def _auth(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path.startswith("/static/"):
            return await handler(request)  # textual-serve's own scripts and fonts
        given = request.query.get("token") or request.match_info.get("token")
        role = self._role(given)
        if role is None:
            path = "/ws/(token)" if "token" in request.match_info else request.path  # never log one
            log.warning("refused %s %s from %s: %s", request.method, path, _peer(request),
                        "wrong token" if given else "no token")
            raise web.HTTPForbidden(
                text="asyncplay serve: this server needs its token; open the URL it printed "
                     "(http://HOST:PORT/?token=...).\n")
        request["role"] = role
        return await handler(request)

    # --------------------------------------------------------------- front app
    def _front_app(self) -> web.Application:
        import aiohttp_jinja2
        import jinja2
        import textual_serve

        base = Path(textual_serve.__file__).parent
        app = web.Application(middlewares=[self._auth])
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(base / "templates"))
        app.add_routes([
            web.get("/", self._index, name="index"),
            web.get("/ws", self._websocket, name="websocket"),
            web.get("/ws/{token}", self._websocket, name="websocket_with_token"),
            web.static("/static", base / "static", name="static"),
        ])
        return app

    async def _index(self, request: web.Request) -> web.StreamResponse:
        import aiohttp_jinja2

        try:
            font_size = int(request.query.get("fontsize", "16"))
        except ValueError:
            font_size = 16
        # Relative to the Host the browser used: the page works whatever name reached us.
        ws_scheme = "wss" if request.secure else "ws"
        token = request.query.get("token")
        ws_path = f"/ws/{quote(token, safe='')}" if token else "/ws"
        http_scheme = "https" if request.secure else "http"
        context = {
            "font_size": font_size,
            "app_websocket_url": f"{ws_scheme}://{request.host}{ws_path}",
            "config": {"static": {"url": f"{http_scheme}://{request.host}/static/"}},
            "application": {"name": "asyncplay"},
        }
        return aiohttp_jinja2.render_template("app_index.html", request, context)

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        from playground.serve.viewer import ViewerApp

        def size(name: str, default: int) -> int:
            try:
                return max(10, min(500, int(request.query.get(name, default))))
            except ValueError:
                return default

        self._numbers += 1
        viewer = Viewer(self._numbers, _peer(request), request["role"] == "presenter")
        self.viewers[viewer.key] = viewer
        websocket = web.WebSocketResponse(heartbeat=15)
        await websocket.prepare(request)
        log.info("%s connected from %s", viewer.name, viewer.peer)
        service = ViewerApp(
            self._app_argv(viewer), self._app_env(viewer),
            write_bytes=websocket.send_bytes, write_str=websocket.send_str,
            close=websocket.close, download_manager=self._downloads,
        )
        try:
            with self.orphans.starting():
                process = await service.start_app(size("width", 80), size("height", 24))
                self.orphans.own.add(process.pid)
            self.processes[viewer.number] = process
            await self._relay(websocket, service)
        except asyncio.CancelledError:
            pass
        except Exception:  # noqa: BLE001 - one viewer's failure must not stop the server
            log.exception("%s: failed", viewer.name)
        finally:
            await self._kill(viewer.number)
            await service.finish()
            self.viewers.pop(viewer.key, None)
            self.room.attendees.discard(viewer.key)
            why = websocket.exception() or f"close code {websocket.close_code}"
            log.info("%s disconnected (%s): its app process and runs were killed (%d runs in all)",
                     viewer.name, why, viewer.runs)
            if not websocket.closed:
                await websocket.close()
        return websocket

    async def _relay(self, websocket: web.WebSocketResponse, service: Any) -> None:
        """The browser's keys and sizes to the app process (textual-serve's protocol)."""
        async for envelope in json_frames(websocket):
            if not isinstance(envelope, list) or not envelope:
                continue
            kind = envelope[0]
            if kind == "stdin" and len(envelope) > 1 and isinstance(envelope[1], str):
                await service.send_bytes(envelope[1].encode("utf-8"))
            elif kind == "resize" and len(envelope) > 1 and isinstance(envelope[1], dict):
                data = envelope[1]
                try:
                    await service.set_terminal_size(int(data["width"]), int(data["height"]))
                except (KeyError, TypeError, ValueError):
                    continue
            elif kind == "ping" and len(envelope) > 1:
                await websocket.send_json(["pong", envelope[1]])
            elif kind == "blur":
                await service.blur()
            elif kind == "focus":
                await service.focus()

    def _app_argv(self, viewer: Viewer) -> list[str]:
        argv = [sys.executable, "-m", "playground", *self.config.app_args]
        if viewer.presenter:
            argv.append("--present")
        return argv

    def _app_env(self, viewer: Viewer) -> dict[str, str]:
        return {
            "ASYNCPLAY_SERVE_SOCKET": str(self.socket_path),
            "ASYNCPLAY_SERVE_KEY": viewer.key,
            "ASYNCPLAY_SERVE_ROLE": "presenter" if viewer.presenter else "attendee",
            "ASYNCPLAY_SERVE_MEMORY_MB": str(self.config.memory_mb),
            "TEXTUAL_FPS": str(self.config.textual_fps),
        }

    async def _kill(self, number: int) -> None:
        """Kill a viewer's app process group at once, and reap it (the server's close may
        kill it too, meanwhile: it waits for the same end, so nothing outlives the server)."""
        process = self.processes.get(number)
        if process is None:
            return
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        await process.wait()
        self.processes.pop(number, None)
        self.orphans.reaped(process.pid)

async def run_server(config: ServeConfig, ready: asyncio.Event | None = None) -> None:
    """Serve until cancelled (Ctrl-C), printing the URLs to give out."""
    server = WorkshopServer(config)
    await server.start()
    try:
        print(f"asyncplay serve: {config.run_cap} runs at once (the others queue), "
              f"{config.memory_mb} MB per run", flush=True)
        for who, url in server.links():
            print(f"  {who}: {url}", flush=True)
        print("Ctrl-C stops the server (and every viewer's app).", flush=True)
        if ready is not None:
            ready.set()
        await asyncio.Event().wait()
    finally:
        await server.close()
