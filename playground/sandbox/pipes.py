"""The snippet's output pipes, drained by a thread each, off the event loop.

A snippet that prints as fast as it can fills a pipe in a fraction of a second
(1 MiB is about 230 ms of a flood of short lines) and then waits for a reader. Read
by the event loop, the pipe waits whenever the loop is busy, and in the app the loop
also lays out and draws the screen: a frame that took 200 ms held the snippet up as
long, and a flood ran several times slower in the app than headless. A thread reads
each pipe as soon as data is there, whatever the loop is doing, and hands the chunks
to an ``asyncio.StreamReader`` on the loop; the session reads that as before.

What it hands over is bounded: past ``keep_bytes`` (the run's output limit, which
stops the run) the thread still drains the pipe, so that the snippet never blocks,
but keeps nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import threading

__all__ = ["PipePump"]

#: One read takes whatever the pipe holds, up to this.
_READ_BYTES = 1 << 20
#: How often a thread whose pipe is silent looks whether it was told to stop.
_POLL_S = 0.2


class PipePump:
    """A thread that reads ``fd`` until EOF (or :meth:`stop`) into :attr:`reader`."""

    def __init__(self, fd: int, loop: asyncio.AbstractEventLoop, *, keep_bytes: int, limit: int,
                 name: str) -> None:
        self.reader = asyncio.StreamReader(limit=limit, loop=loop)
        self._fd = fd
        self._loop = loop
        self._keep = keep_bytes
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._pump, name=name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop reading (at EOF it stops by itself); the fd is closed by the thread."""
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def _hand(self, callback: object, *args: object) -> bool:
        try:
            self._loop.call_soon_threadsafe(callback, *args)  # type: ignore[arg-type]
        except RuntimeError:  # the loop is closed: nobody reads any more
            return False
        return True

    def _pump(self) -> None:
        fd, kept = self._fd, 0
        try:
            while True:
                ready, _, _ = select.select([fd], [], [], _POLL_S)
                if not ready:
                    if self._stop.is_set():
                        return
                    continue
                try:
                    chunk = os.read(fd, _READ_BYTES)
                except BlockingIOError:
                    continue
                except OSError:
                    return
                if not chunk:
                    return
                if kept >= self._keep:
                    continue  # past the limit (the run is being stopped): drained, not kept
                kept += len(chunk)
                if not self._hand(self.reader.feed_data, chunk):
                    return
        finally:
            with contextlib.suppress(OSError):
                os.close(fd)
            self._hand(self.reader.feed_eof)
