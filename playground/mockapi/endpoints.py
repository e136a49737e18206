"""The mock API's endpoints (see the package docstring for what each answers) and the
application that routes them for one site."""

from __future__ import annotations

import asyncio
import json
import time

from aiohttp import web

from playground.mockapi.query import MAX_DELAY_MS, bad_request, delay_s, integer, number
from playground.mockapi.site import SiteState

#: Upper bound for the total size of one ``/stream`` response (``lines * size``).
MAX_STREAM_BYTES = 256 * 1024 * 1024
#: Upper bound for the size of one ``/stream`` line.
MAX_LINE_BYTES = 1024 * 1024
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


def application(state: SiteState, latency_ms: float, seed: int) -> web.Application:
    """One site's application: every endpoint, counted into ``state``; ``latency_ms`` is
    the default delay of ``/users/{id}`` and ``/flaky``, ``seed`` shifts ``/flaky``."""

    async def user(request: web.Request) -> web.Response:
        delay = delay_s(request, latency_ms)
        raw = request.match_info["id"]
        if not raw.isdigit() or int(raw) < 1:
            raise web.HTTPNotFound(
                text=json.dumps({"error": f"no user {raw!r}"}), content_type="application/json"
            )
        user_id = int(raw)
        await asyncio.sleep(delay)
        name = _NAMES[(user_id - 1) % len(_NAMES)]
        email = f"{name.split()[0].lower()}{user_id}@example.com"
        return web.json_response({"id": user_id, "name": name, "email": email})

    async def flaky(request: web.Request) -> web.Response:
        delay = delay_s(request, latency_ms)
        state.flaky_requests += 1
        n = state.flaky_requests
        await asyncio.sleep(delay)
        if flaky_fails(n, seed):
            return web.json_response(
                {"error": "service unavailable, try again", "request": n}, status=503
            )
        return web.json_response({"ok": True, "request": n})

    app = web.Application(middlewares=[state.count])
    app.router.add_get("/", _index)
    app.router.add_get("/users/{id}", user)
    app.router.add_get("/stream", _stream)
    app.router.add_get("/slow", _slow)
    app.router.add_get("/flaky", flaky)
    return app


async def _index(request: web.Request) -> web.Response:
    return web.json_response({"name": "asyncplay mock API", "endpoints": _INDEX})


async def _slow(request: web.Request) -> web.Response:
    delay = delay_s(request, 2000.0)
    await asyncio.sleep(delay)
    return web.json_response({"slept_ms": round(delay * 1000)})


async def _stream(request: web.Request) -> web.StreamResponse:
    lines = integer(request, "lines", 200, low=0, high=10_000_000)
    interval_ms = number(request, "interval_ms", 10.0, low=0.0, high=MAX_DELAY_MS)
    size = integer(request, "size", 80, low=2, high=MAX_LINE_BYTES)
    if lines * size > MAX_STREAM_BYTES:
        raise bad_request(f"lines * size must be at most {MAX_STREAM_BYTES} bytes")
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
