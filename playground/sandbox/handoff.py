"""The mock API's listening socket, handed over by the child (``api="handoff"``).

With bubblewrap the run has a network namespace of its own: the supervisor inside
opens a listening TCP socket on the namespace's loopback and sends it back over a
Unix socket pair, and the parent serves the mock API on it. What comes back is
checked (a listening IPv4 TCP socket, nothing else is kept) before it is used.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from typing import Any

__all__ = ["receive_listening_socket"]

log = logging.getLogger(__name__)


async def receive_listening_socket(
    loop: asyncio.AbstractEventLoop, sock: socket.socket, exited: asyncio.Future[None],
    *, timeout_s: float, pid: int,
) -> tuple[socket.socket, str] | None:
    """Wait on ``sock`` for the socket the child sends (or its exit, or ``timeout_s``):
    the listening socket and its URL, or None (logged) when none usable came."""
    sock.setblocking(False)
    got: asyncio.Future[int | None] = loop.create_future()

    def on_readable() -> None:
        try:
            _msg, fds, _flags, _addr = socket.recv_fds(sock, 16, 4)
        except BlockingIOError:
            return
        except OSError:
            fds = []
        loop.remove_reader(sock.fileno())
        for extra in fds[1:]:
            os.close(extra)
        if not got.done():
            got.set_result(fds[0] if fds else None)

    loop.add_reader(sock.fileno(), on_readable)
    try:
        waiters: set[asyncio.Future[Any]] = {got, exited}
        await asyncio.wait(waiters, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
    finally:
        with contextlib.suppress(ValueError, RuntimeError):
            loop.remove_reader(sock.fileno())
    fd = got.result() if got.done() else None
    if fd is None:
        log.warning("run %d: no API socket handed over", pid)
        return None
    os.set_inheritable(fd, False)
    try:
        api = socket.socket(fileno=fd)
    except OSError:
        os.close(fd)
        log.warning("run %d: handed-over fd is not a socket", pid)
        return None
    try:
        listening = api.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) == 1
        ok = api.family == socket.AF_INET and api.type == socket.SOCK_STREAM and listening
        host, port = api.getsockname()[:2] if ok else ("", 0)
    except OSError:
        ok = False
    if not ok:
        api.close()
        log.warning("run %d: handed-over socket is not a listening TCP socket", pid)
        return None
    return api, f"http://{host}:{port}"
