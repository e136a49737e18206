"""The event channel: whole lines to the parent, never blocking the snippet.

With the interval-timer clock the writes happen on the snippet's own thread (in a
signal handler), so the descriptor is non-blocking there: what the pipe does not
take now waits in a buffer for the next write, up to a bound past which whole lines
are dropped (the stream stays valid) and counted; ``end`` reports the count.
"""

from __future__ import annotations

import os

__all__ = ["EventChannel", "MAX_PENDING_BYTES"]

MAX_PENDING_BYTES = 16 << 20  # events kept while the parent does not read


class EventChannel:
    """Writes encoded events (whole lines) to the parent's pipe."""

    def __init__(self, fd: int, max_pending: int = MAX_PENDING_BYTES) -> None:
        self.fd = fd
        self.max_pending = max_pending
        self.dropped_bytes = 0  # whole lines left out while the parent did not read
        self.closed = False
        self._pending = bytearray()  # written, not yet taken by the pipe

    def write(self, data: bytes) -> None:
        """Write whole lines; on a non-blocking descriptor never block (keep the rest)."""
        if self.closed:
            return
        buf = self._pending
        if len(buf) + len(data) > self.max_pending:
            self.dropped_bytes += len(data)  # whole lines only: the stream stays valid
        else:
            buf += data
        try:
            while buf:
                n = os.write(self.fd, buf)
                del buf[:n]
        except BlockingIOError:
            pass  # the pipe is full: the rest goes with the next write
        except OSError:
            self.closed = True  # the parent is gone or the snippet closed our fd

    @property
    def pending_bytes(self) -> int:
        return len(self._pending)

    def set_blocking(self, blocking: bool) -> bool:
        """Whether the descriptor could be switched."""
        try:
            os.set_blocking(self.fd, blocking)
        except OSError:
            return False
        return True
