"""The serve process adopts the orphans of its viewers' runs, and reaps them.

When a viewer goes, its app process is killed at once; the processes of its runs (bwrap
and what it forked) then die by their die-with-parent, orphaned. Linux gives an orphan
to its nearest living ancestor that is a child subreaper, and without one here that
would be whatever started ``asyncplay serve``: a process that runs snippets itself is a
subreaper (a test run is), and would be left with zombies it never expects. So the
server is a subreaper: each adopted orphan is reaped when it ends (SIGCHLD), and those
left when the server stops are killed and reaped.

The viewers' app processes are asyncio's: they are started while :meth:`Orphans.starting`
holds, and left alone until asyncio has reaped them (:meth:`Orphans.reaped`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from playground.sandbox import supervisor

__all__ = ["Orphans"]

log = logging.getLogger("asyncplay.serve")


class Orphans:
    """This process as a child subreaper, reaping every child that is not its own."""

    def __init__(self) -> None:
        self.own: set[int] = set()  # asyncio's children (the apps): never waited for here
        self.count = 0  # orphans reaped
        self._starting = 0
        self._loop: asyncio.AbstractEventLoop | None = None

    def adopt(self) -> bool:
        """Become a subreaper and reap on SIGCHLD; False where Linux does not allow it."""
        if not sys.platform.startswith("linux"):
            return False
        try:
            supervisor.prctl(supervisor.PR_SET_CHILD_SUBREAPER, 1)
        except OSError as exc:
            log.warning("cannot adopt the orphans of runs (prctl: %s)", exc.strerror)
            return False
        self._loop = asyncio.get_running_loop()
        self._loop.add_signal_handler(signal.SIGCHLD, self.reap)
        return True

    @contextmanager
    def starting(self) -> Iterator[None]:
        """Start an app process in the body, then add its pid to :attr:`own`: until then
        a child that ends could be that process, and is not reaped here."""
        self._starting += 1
        try:
            yield
        finally:
            self._starting -= 1
            self.reap()

    def reaped(self, pid: int) -> None:
        """asyncio has reaped its child ``pid``: the number may now be any process's."""
        self.own.discard(pid)

    def _orphans(self) -> list[int]:
        return [pid for pid in supervisor.children_of().get(os.getpid(), ()) if pid not in self.own]

    def reap(self) -> None:
        """Reap every orphan that has ended (one SIGCHLD may stand for several)."""
        if self._starting:
            return
        for pid in self._orphans():
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                continue
            if done:
                self.count += 1

    async def close(self) -> None:
        """Kill and reap the orphans still running; stop listening to SIGCHLD."""
        if self._loop is not None:
            self._loop.remove_signal_handler(signal.SIGCHLD)
            self._loop = None
        # An orphan's own children come to us as it dies: until none is left (each once).
        tried: set[int] = set()
        while left := [pid for pid in self._orphans() if pid not in tried]:
            tried.update(left)
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            for pid in left:
                try:
                    await asyncio.to_thread(os.waitpid, pid, 0)
                except ChildProcessError:
                    continue
                self.count += 1
