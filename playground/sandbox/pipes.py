"""The snippet's output pipes, drained by a thread each, off the event loop.

A snippet that prints as fast as it can fills a pipe in a fraction of a second
(1 MiB is about 230 ms of a flood of short lines) and then waits for a reader. Read
by the event loop, the pipe waits whenever the loop is busy, and in the app the loop
also lays out and draws the screen: a frame that took 200 ms held the snippet up as
long, and a flood ran several times slower in the app than headless. A thread reads
each pipe as soon as data is there, whatever the loop is doing.

The thread does as little as it can while holding the interpreter's lock (which the
app's drawing needs too): it reads whatever the pipe holds (up to 1 MiB at once),
notes the time of the read and appends the chunk to :class:`OutputChunks`, waking the
loop only when a reader waits there. The time is the moment the output reached us,
not the moment the loop got to it: a line printed while the app drew a 100 ms frame
keeps its own time.

What it keeps is bounded: past ``keep_bytes`` (the run's output limit, which stops
the run) the thread still drains the pipe, so that the snippet never blocks, but
keeps nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import threading
import time
from collections import deque

__all__ = ["OutputChunks", "PipePump", "write_all"]

#: One read takes whatever the pipe holds, up to this (the pipes hold 1 MiB).
_READ_BYTES = 1 << 20
#: How often a thread whose pipe is silent looks whether it was told to stop.
_POLL_S = 0.2
#: After a read, how long the thread lets output gather before it reads again: a
#: flood then comes in chunks of tens of KB rather than a line or two each, every one
#: of them an event to fold and a turn of the interpreter's lock; a line's time is
#: late by this at most, well under a frame.
_GATHER_S = 0.002


class OutputChunks:
    """What a pump read from one pipe, in order: chunks, each with the ``time.monotonic()``
    of its read, then the end. Filled by the pump's thread, read on the loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._chunks: deque[tuple[float, bytes]] = deque()
        self._eof = False
        self._lock = threading.Lock()
        self._waiter: asyncio.Future[None] | None = None

    # -- the pump's thread
    def put(self, t: float, data: bytes) -> bool:
        """Add a chunk (False once the loop is closed: nobody reads any more)."""
        with self._lock:
            self._chunks.append((t, data))
            return self._wake()

    def close(self) -> None:
        with self._lock:
            self._eof = True
            self._wake()

    def _wake(self) -> bool:
        waiter, self._waiter = self._waiter, None
        if waiter is None:
            return True  # the reader is busy: it takes this chunk when it comes back
        try:
            self._loop.call_soon_threadsafe(_done, waiter)
        except RuntimeError:
            return False
        return True

    # -- the loop
    async def chunk(self) -> tuple[float, bytes] | None:
        """The next chunk and when it was read; None at the end."""
        while True:
            with self._lock:
                if self._chunks:
                    return self._chunks.popleft()
                if self._eof:
                    return None
                waiter = self._waiter = self._loop.create_future()
            await waiter

    async def read(self) -> bytes:
        """Everything up to the end."""
        parts = []
        while (got := await self.chunk()) is not None:
            parts.append(got[1])
        return b"".join(parts)

    async def readline(self) -> bytes:
        """Up to and including the next newline (at the end: what is left)."""
        parts: list[bytes] = []
        while (got := await self.chunk()) is not None:
            t, data = got
            end = data.find(b"\n")
            if end < 0:
                parts.append(data)
                continue
            parts.append(data[:end + 1])
            if end + 1 < len(data):
                with self._lock:
                    self._chunks.appendleft((t, data[end + 1:]))
            break
        return b"".join(parts)


def _done(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class PipePump:
    """A thread that reads ``fd`` until EOF (or :meth:`stop`) into :attr:`chunks`."""

    def __init__(self, fd: int, loop: asyncio.AbstractEventLoop, *, keep_bytes: int,
                 name: str) -> None:
        self.chunks = OutputChunks(loop)
        self._fd = fd
        self._keep = keep_bytes
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._pump, name=name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop reading (at EOF it stops by itself); the fd is closed by the thread."""
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def _pump(self) -> None:
        fd, kept, chunks = self._fd, 0, self.chunks
        try:
            while True:
                ready, _, _ = select.select([fd], [], [], _POLL_S)
                if not ready:
                    if self._stop.is_set():
                        return
                    continue
                try:
                    data = os.read(fd, _READ_BYTES)
                except BlockingIOError:
                    continue
                except OSError:
                    return
                if not data:
                    return
                if kept >= self._keep:
                    continue  # past the limit (the run is being stopped): drained, not kept
                kept += len(data)
                if not chunks.put(time.monotonic(), data):
                    return
                if len(data) < _READ_BYTES:
                    time.sleep(_GATHER_S)  # the pipe is empty: let the next lines gather
        finally:
            with contextlib.suppress(OSError):
                os.close(fd)
            chunks.close()


def write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to the blocking ``fd`` (OSError when its reader is gone)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
