"""One site of the mock API (a base URL a snippet talks to) and what it counts: requests,
the most in flight at once, TCP connections, ``/flaky``'s request numbers."""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class SiteState:
    """A site's counters (mutable: its handlers and middleware count into them)."""

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

    def __init__(self, runner: web.AppRunner, url: str, port: int, state: SiteState,
                 on_stop: Callable[[MockSite], None]) -> None:
        self._runner = runner
        self._on_stop = on_stop  # the API forgets the site
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
        self._on_stop(self)
        await self._runner.cleanup()

    def __repr__(self) -> str:
        return f"<MockSite {self.url}{' stopped' if self._stopped else ''}>"
