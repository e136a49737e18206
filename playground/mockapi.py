"""The embedded mock API that lesson snippets talk to (aiohttp, loopback only).

Snippets never reach the internet: they read ``API_URL`` from the environment and talk
to this small HTTP server, which the playground serves on loopback.

Endpoints (all ``GET``):

``/``
    A short JSON index of the endpoints below.
``/users/{id}``
    ``{"id": 3, "name": "...", "email": "..."}`` after ``latency_ms`` (the server's
    default latency); ``?delay_ms=`` overrides the delay for this request. ``id`` must be
    a positive integer (else 404).
``/stream?lines=200&interval_ms=10&size=80``
    ``text/plain``, chunked: ``lines`` log-like lines, each exactly ``size`` bytes
    including its ``\\n``, paced so that line ``i`` (0-based) is sent ``i * interval_ms``
    after the first. Lines that are due together go out in one chunk, so fractional
    intervals (``interval_ms=0.1``) work. Line ``i`` starts with ``f"{i:06d} {level} "``
    where ``level`` is ``ERROR`` when ``i % 97 == 0``, else ``WARN`` when
    ``i % 13 == 0``, else ``INFO``.
``/slow?delay_ms=2000``
    ``{"slept_ms": 2000}`` after ``delay_ms``.
``/flaky``
    Fails with HTTP 503 on a fixed schedule, otherwise answers ``{"ok": true, ...}``,
    both after ``latency_ms`` (``?delay_ms=`` overrides). Requests to ``/flaky`` are
    numbered ``n = 1, 2, 3, ...`` *per site* (so concurrent runs never disturb each
    other's schedule); request ``n`` fails when ``(n - 1 + seed) % 3 == 0``:

    - ``seed=0``: requests 1, 4, 7, ... fail (the very first call fails);
    - ``seed=1``: requests 3, 6, 9, ... fail;
    - ``seed=2``: requests 2, 5, 8, ... fail.

Bad query parameters answer HTTP 400 with ``{"error": "..."}``.

Several *sites* may be served at once, one per concurrent run: :meth:`MockAPI.listen`
opens a TCP listener on loopback, :meth:`MockAPI.serve_socket` serves an
already-listening socket handed over by someone else (for example from inside a
sandbox's own network namespace). Each site has its own request counters, and
:meth:`MockSite.stats` says what it saw: requests served, the most in flight at once,
TCP connections accepted (a lesson's expectations read them).

By hand: ``python -m playground.mockapi --port 8765`` then
``API_URL=http://127.0.0.1:8765 python snippets/<slug>/bad.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import logging
import math
import signal
import socket
import sys
import time
from types import TracebackType
from typing import Any, Awaitable, Callable

from aiohttp import web

__all__ = [
    "MAX_DELAY_MS",
    "MAX_STREAM_BYTES",
    "MockAPI",
    "MockSite",
    "flaky_fails",
    "stream_line",
]

#: Upper bound for any ``delay_ms`` / ``interval_ms`` a client may ask for.
MAX_DELAY_MS = 60_000.0
#: Upper bound for the total size of one ``/stream`` response (``lines * size``).
MAX_STREAM_BYTES = 256 * 1024 * 1024
#: Upper bound for the size of one ``/stream`` line.
MAX_LINE_BYTES = 1024 * 1024
#: How long a stopping site waits for in-flight requests before cancelling them.
SHUTDOWN_TIMEOUT_S = 0.5
#: Largest chunk written at once by ``/stream``.
_STREAM_CHUNK_BYTES = 64 * 1024

_NAMES = (
    "Ada Lovelace", "Alan Turing", "Grace Hopper", "Guido van Rossum",
    "Barbara Liskov", "Edsger Dijkstra", "Margaret Hamilton", "Donald Knuth",
    "Frances Allen", "Ken Thompson", "Radia Perlman", "Dennis Ritchie",
)

_INDEX: dict[str, str] = {
    "/": "this index",
    "/users/{id}": "a user as JSON after the server latency (?delay_ms= overrides)",
    "/stream?lines=200&interval_ms=10&size=80": "text lines streamed over time (chunked)",
    "/slow?delay_ms=2000": "JSON after a long delay",
    "/flaky": "fails with 503 on every third request (the schedule depends on the seed)",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def flaky_fails(n: int, seed: int) -> bool:
    """Whether the ``n``-th (1-based) ``/flaky`` request of a site fails for ``seed``."""
    return (n - 1 + seed) % 3 == 0


def stream_line(i: int, size: int) -> bytes:
    """Line ``i`` of ``/stream``: exactly ``size`` bytes, ending with ``\\n``."""
    level = "ERROR" if i % 97 == 0 else "WARN" if i % 13 == 0 else "INFO"
    text = f"{i:06d} {level} GET /users/{i % 100 + 1} {200 if level == 'INFO' else 503} "
    body = text.encode("ascii")
    width = size - 1
    if len(body) >= width:
        body = body[:width]
    else:
        body += b"." * (width - len(body))
    return body + b"\n"


def _is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _url(host: str, port: int) -> str:
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _bad_request(message: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(
        text=json.dumps({"error": message}), content_type="application/json"
    )


def _number(request: web.Request, name: str, default: float, *, low: float, high: float) -> float:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise _bad_request(f"{name} must be a number, not {raw!r}") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise _bad_request(f"{name} must be between {low:g} and {high:g}")
    return value


def _integer(request: web.Request, name: str, default: int, *, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _bad_request(f"{name} must be an integer, not {raw!r}") from None
    if not low <= value <= high:
        raise _bad_request(f"{name} must be between {low} and {high}")
    return value


class _SiteState:
    """Per-site mutable state (request counters)."""

    def __init__(self) -> None:
        self.flaky_requests = 0
        self.requests = 0
        self.in_flight = 0
        self.in_flight_max = 0
        self.connections = 0

    @web.middleware
    async def count(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Count every request (a 404 too) and how many are being answered at once."""
        self.requests += 1
        self.in_flight += 1
        self.in_flight_max = max(self.in_flight_max, self.in_flight)
        try:
            return await handler(request)
        finally:
            self.in_flight -= 1

    def count_connections(self, server: web.Server) -> None:
        """Count the TCP connections ``server`` accepts.

        aiohttp has no hook for a new connection, but every connection's protocol tells
        its server through ``Server.connection_made``; wrapping that one instance's
        method counts connections that never send a request too.
        """
        made = server.connection_made

        def counted(handler: Any, transport: Any) -> None:
            self.connections += 1
            made(handler, transport)

        server.connection_made = counted  # type: ignore[method-assign]


class MockSite:
    """One listening site of the mock API: a base URL a snippet can talk to."""

    def __init__(self, runner: web.AppRunner, url: str, port: int, owner: MockAPI,
                 state: _SiteState) -> None:
        self._runner = runner
        self._owner = owner
        self._state = state
        self._stopped = False
        #: Base URL as the snippet sees it, e.g. ``"http://127.0.0.1:40123"``.
        self.url = url
        #: The TCP port the site listens on.
        self.port = port

    def stats(self) -> dict[str, int]:
        """What the site saw so far: ``{"requests", "in_flight_max", "connections"}``."""
        state = self._state
        return {"requests": state.requests, "in_flight_max": state.in_flight_max,
                "connections": state.connections}

    async def stop(self) -> None:
        """Stop listening, end in-flight requests and close the listening socket."""
        if self._stopped:
            return
        self._stopped = True
        self._owner._forget(self)
        await self._runner.cleanup()

    def __repr__(self) -> str:
        return f"<MockSite {self.url}{' stopped' if self._stopped else ''}>"


class MockAPI:
    """The mock HTTP API; serves any number of sites on loopback.

    ``latency_ms`` is the default delay of ``/users/{id}`` and ``/flaky``; ``seed``
    shifts the ``/flaky`` failure schedule (see the module docstring); ``access_log``
    logs every request to the ``aiohttp.access`` logger.
    Usable as ``async with MockAPI() as api: site = await api.listen()``.
    """

    def __init__(
        self, *, latency_ms: float = 100.0, seed: int = 0, access_log: bool = False
    ) -> None:
        if not math.isfinite(latency_ms) or not 0 <= latency_ms <= MAX_DELAY_MS:
            raise ValueError(f"latency_ms must be between 0 and {MAX_DELAY_MS:g}")
        self.latency_ms = float(latency_ms)
        self.seed = int(seed)
        self._access_log = access_log
        self._started = False
        self._closed = False
        self._sites: set[MockSite] = set()

    @property
    def sites(self) -> tuple[MockSite, ...]:
        """The sites currently being served."""
        return tuple(self._sites)

    async def start(self) -> None:
        """Make the API ready to serve sites (idempotent; listen/serve_socket call it)."""
        if self._closed:
            raise RuntimeError("MockAPI is closed")
        self._started = True

    async def listen(self, host: str = "127.0.0.1", port: int = 0) -> MockSite:
        """Serve a new site on a TCP listener bound to loopback ``host``:``port``.

        ``port=0`` picks a free port. Raises ``ValueError`` for a non-loopback host.
        """
        if not _is_loopback_host(host):
            raise ValueError(f"the mock API listens on loopback only, not on {host!r}")
        await self.start()
        state = _SiteState()
        runner = await self._runner(state)
        try:
            site = web.TCPSite(runner, host, port)
            await site.start()
            bound = runner.addresses[0]
        except BaseException:
            await runner.cleanup()
            raise
        bound_host, bound_port = str(bound[0]), int(bound[1])
        return self._register(runner, _url(bound_host, bound_port), bound_port, state)

    async def serve_socket(self, sock: socket.socket) -> MockSite:
        """Serve a new site on ``sock``, an already-listening TCP socket bound to loopback.

        The socket may live in another network namespace; the site's URL is
        ``http://127.0.0.1:<port>`` (``[::1]`` for IPv6) with the socket's own port.
        The site takes ownership of the socket and closes it when it stops.
        """
        if sock.family not in (socket.AF_INET, socket.AF_INET6) or sock.type != socket.SOCK_STREAM:
            raise ValueError("serve_socket needs a TCP socket")
        address = sock.getsockname()
        host, port = str(address[0]), int(address[1])
        if not _is_loopback_host(host):
            raise ValueError(f"the mock API serves loopback sockets only, not {host!r}")
        if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) == 0:
            raise ValueError("serve_socket needs a listening socket (call listen() first)")
        await self.start()
        state = _SiteState()
        runner = await self._runner(state)
        try:
            site = web.SockSite(runner, sock)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        url = _url("::1" if sock.family == socket.AF_INET6 else "127.0.0.1", port)
        return self._register(runner, url, port, state)

    async def close(self) -> None:
        """Stop every site; the API cannot serve again afterwards."""
        self._closed = True
        await asyncio.gather(*(site.stop() for site in list(self._sites)))

    async def __aenter__(self) -> MockAPI:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- internals ---------------------------------------------------------------------

    def _register(self, runner: web.AppRunner, url: str, port: int,
                  state: _SiteState) -> MockSite:
        site = MockSite(runner, url, port, self, state)
        self._sites.add(site)
        return site

    def _forget(self, site: MockSite) -> None:
        self._sites.discard(site)

    async def _runner(self, state: _SiteState) -> web.AppRunner:
        runner = web.AppRunner(
            self._make_app(state),
            access_log=logging.getLogger("aiohttp.access") if self._access_log else None,
            shutdown_timeout=SHUTDOWN_TIMEOUT_S,
        )
        await runner.setup()
        assert runner.server is not None  # set up just now
        state.count_connections(runner.server)
        return runner

    def _make_app(self, state: _SiteState) -> web.Application:
        app = web.Application(middlewares=[state.count])
        app.router.add_get("/", self._index)
        app.router.add_get("/users/{id}", self._user)
        app.router.add_get("/stream", self._stream)
        app.router.add_get("/slow", self._slow)
        app.router.add_get("/flaky", self._flaky_handler(state))
        return app

    def _delay_s(self, request: web.Request, default_ms: float) -> float:
        return _number(request, "delay_ms", default_ms, low=0.0, high=MAX_DELAY_MS) / 1000.0

    async def _index(self, request: web.Request) -> web.Response:
        return web.json_response({"name": "asyncplay mock API", "endpoints": _INDEX})

    async def _user(self, request: web.Request) -> web.Response:
        delay_s = self._delay_s(request, self.latency_ms)
        raw = request.match_info["id"]
        if not raw.isdigit() or int(raw) < 1:
            raise web.HTTPNotFound(
                text=json.dumps({"error": f"no user {raw!r}"}), content_type="application/json"
            )
        user_id = int(raw)
        await asyncio.sleep(delay_s)
        name = _NAMES[(user_id - 1) % len(_NAMES)]
        email = f"{name.split()[0].lower()}{user_id}@example.com"
        return web.json_response({"id": user_id, "name": name, "email": email})

    async def _slow(self, request: web.Request) -> web.Response:
        delay_s = self._delay_s(request, 2000.0)
        await asyncio.sleep(delay_s)
        return web.json_response({"slept_ms": round(delay_s * 1000)})

    def _flaky_handler(self, state: _SiteState) -> Handler:
        async def flaky(request: web.Request) -> web.Response:
            delay_s = self._delay_s(request, self.latency_ms)
            state.flaky_requests += 1
            n = state.flaky_requests
            await asyncio.sleep(delay_s)
            if flaky_fails(n, self.seed):
                return web.json_response(
                    {"error": "service unavailable, try again", "request": n}, status=503
                )
            return web.json_response({"ok": True, "request": n})

        return flaky

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        lines = _integer(request, "lines", 200, low=0, high=10_000_000)
        interval_ms = _number(request, "interval_ms", 10.0, low=0.0, high=MAX_DELAY_MS)
        size = _integer(request, "size", 80, low=2, high=MAX_LINE_BYTES)
        if lines * size > MAX_STREAM_BYTES:
            raise _bad_request(f"lines * size must be at most {MAX_STREAM_BYTES} bytes")
        response = web.StreamResponse(headers={"Content-Type": "text/plain; charset=utf-8"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        interval_s = interval_ms / 1000.0
        start = time.monotonic()
        i = 0
        while i < lines:
            # Everything due by now goes out together, in chunks of bounded size.
            due = lines if interval_s == 0 else min(
                lines, int((time.monotonic() - start) / interval_s) + 1
            )
            due = max(due, i + 1)
            chunk = bytearray()
            while i < due and len(chunk) < _STREAM_CHUNK_BYTES:
                chunk += stream_line(i, size)
                i += 1
            await response.write(bytes(chunk))
            if i < lines and interval_s > 0:
                wait_s = start + i * interval_s - time.monotonic()
                await asyncio.sleep(max(wait_s, 0.0))
            elif i < lines:
                await asyncio.sleep(0)  # let other requests run between chunks
        await response.write_eof()
        return response


async def _serve_forever(
    host: str, port: int, latency_ms: float, seed: int, access_log: bool
) -> None:
    # Ctrl-C and SIGTERM through the loop's own signal handling: it wakes the loop
    # through a pipe. asyncio.run's SIGINT handler does not, so a signal that lands on
    # another thread (the default executor's, which looked up the address) left the
    # loop asleep with no timer to wake it: the server did not stop.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, stop.set)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # no such signal handling here (Windows, not the main thread)
    async with MockAPI(latency_ms=latency_ms, seed=seed, access_log=access_log) as api:
        site = await api.listen(host, port)
        print(f"mock API on {site.url}  (API_URL={site.url}; Ctrl-C to stop)", flush=True)
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    """``python -m playground.mockapi``: serve the mock API by hand until Ctrl-C."""
    parser = argparse.ArgumentParser(
        prog="python -m playground.mockapi", description="Serve the asyncplay mock API."
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 = any)")
    parser.add_argument("--latency-ms", type=float, default=100.0, help="default latency")
    parser.add_argument("--seed", type=int, default=0, help="shifts the /flaky schedule")
    parser.add_argument("--quiet", action="store_true", help="no access log")
    args = parser.parse_args(argv)
    if not _is_loopback_host(args.host):
        parser.error(f"--host must be a loopback address, not {args.host!r}")
    if not args.quiet:
        logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    try:
        asyncio.run(
            _serve_forever(args.host, args.port, args.latency_ms, args.seed, not args.quiet)
        )
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
