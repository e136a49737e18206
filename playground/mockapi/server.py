"""``MockAPI``: the mock API's sites, each served on loopback, by a TCP listener of its
own or on a listening socket handed over (from a sandbox's network namespace)."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import math
import socket
from types import TracebackType

from aiohttp import web

from playground.mockapi.endpoints import application
from playground.mockapi.query import MAX_DELAY_MS
from playground.mockapi.site import MockSite, SiteState

__all__ = ["SHUTDOWN_TIMEOUT_S", "MockAPI", "is_loopback_host"]

#: How long a stopping site waits for in-flight requests before cancelling them.
SHUTDOWN_TIMEOUT_S = 0.5


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` (a name or an address) is this machine's loopback."""
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
        if not is_loopback_host(host):
            raise ValueError(f"the mock API listens on loopback only, not on {host!r}")
        await self.start()
        state = SiteState()
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
        if not is_loopback_host(host):
            raise ValueError(f"the mock API serves loopback sockets only, not {host!r}")
        if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) == 0:
            raise ValueError("serve_socket needs a listening socket (call listen() first)")
        await self.start()
        state = SiteState()
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
                  state: SiteState) -> MockSite:
        site = MockSite(runner, url, port, state, on_stop=self._sites.discard)
        self._sites.add(site)
        return site

    async def _runner(self, state: SiteState) -> web.AppRunner:
        runner = web.AppRunner(
            application(state, self.latency_ms, self.seed),
            access_log=logging.getLogger("aiohttp.access") if self._access_log else None,
            shutdown_timeout=SHUTDOWN_TIMEOUT_S,
        )
        await runner.setup()
        assert runner.server is not None  # set up just now
        state.count_connections(runner.server)
        return runner
