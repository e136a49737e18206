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

A module per concept: ``endpoints`` (the handlers and what they answer), ``query``
(reading and checking query parameters), ``site`` (one site and its counters),
``server`` (``MockAPI``: sites on loopback), ``__main__`` (serving it by hand).

By hand: ``python -m playground.mockapi --port 8765`` then
``API_URL=http://127.0.0.1:8765 python snippets/<slug>/bad.py``.
"""

from playground.mockapi.endpoints import (
    MAX_LINE_BYTES,
    MAX_STREAM_BYTES,
    flaky_fails,
    stream_line,
)
from playground.mockapi.query import MAX_DELAY_MS
from playground.mockapi.server import SHUTDOWN_TIMEOUT_S, MockAPI
from playground.mockapi.site import MockSite

__all__ = [
    "MAX_DELAY_MS",
    "MAX_LINE_BYTES",
    "MAX_STREAM_BYTES",
    "SHUTDOWN_TIMEOUT_S",
    "MockAPI",
    "MockSite",
    "flaky_fails",
    "stream_line",
]
