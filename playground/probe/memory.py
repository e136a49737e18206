"""The snippet's resident memory, read cheaply once per batch.

On Linux ``/proc/self/statm`` gives the resident set now: the file is opened once,
before the snippet runs (opening is an audited event; the guard's hook would run),
moved out of the snippet's way to a high close-on-exec descriptor, and read with one
``pread`` per batch (a single system call, about 2 us). Where there is no
``/proc`` (macOS), or once the snippet has closed that descriptor, the figure is
the peak so far (``ru_maxrss``), the closest thing the platform offers without a
library.
"""

from __future__ import annotations

import os
import resource
import sys

__all__ = ["RssReader", "peak_rss_kb"]

_STATM = "/proc/self/statm"


def peak_rss_kb() -> int:
    """Peak resident set size of this process, in KiB (Linux reports KiB, macOS bytes)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(rss // 1024) if sys.platform == "darwin" else int(rss)


class RssReader:
    """``read_kb()``: the process's resident memory now, in KiB."""

    def __init__(self, fd_floor: int = 3) -> None:
        self._fd = -1
        self._page_kb = 4
        try:
            self._page_kb = os.sysconf("SC_PAGE_SIZE") // 1024
            fd = os.open(_STATM, os.O_RDONLY | os.O_CLOEXEC)
        except (OSError, ValueError, AttributeError):
            return
        try:
            import fcntl

            self._fd = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, fd_floor)
            os.close(fd)
        except (OSError, ImportError):
            self._fd = fd

    def read_kb(self) -> int:
        if self._fd >= 0:
            try:
                # "size resident shared text lib data dt", in pages
                return int(os.pread(self._fd, 96, 0).split(None, 2)[1]) * self._page_kb
            except (OSError, ValueError, IndexError):
                self._fd = -1  # closed or replaced by the snippet: the fallback from now on
        return peak_rss_kb()
