"""Every serve test must leave no process behind: no child of the test process, live or
a zombie (a zombie here makes later tests that count children fail, far from the cause).
Each serve test module imports :func:`leaves_no_child_behind` (an autouse fixture).

The test process is made a child subreaper for each test, as running a snippet in-process
makes it anyway (``sandbox.detect``): then an orphan of anything a test started (the
server's, a viewer's app's, a run's, chromium's) comes back to it and is seen here,
instead of going to init unnoticed.
"""

from __future__ import annotations

import ctypes
import os
import select
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

PR_SET_CHILD_SUBREAPER, PR_GET_CHILD_SUBREAPER = 36, 37
#: How long a child still running after a test may take to exit (it was told to).
EXIT_GRACE_S = 15.0

_libc = ctypes.CDLL(None, use_errno=True)


def children() -> dict[int, tuple[str, str, int]]:
    """The children of this process: pid -> (state, name, start time)."""
    me = os.getpid()
    out: dict[int, tuple[str, str, int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            data = Path(f"/proc/{name}/stat").read_bytes()
        except OSError:
            continue
        comm = data[data.index(b"(") + 1 : data.rindex(b")")].decode(errors="replace")
        rest = data[data.rindex(b")") + 2 :].split()
        if int(rest[1]) == me:
            out[int(name)] = (rest[0].decode(), comm, int(rest[19]))
    return out


def _wait_exits(pids: list[int], timeout_s: float) -> None:
    """Wait (pidfds, no polling) until each of ``pids`` has exited, or ``timeout_s``."""
    fds = []
    for pid in pids:
        try:
            fds.append(os.pidfd_open(pid))
        except ProcessLookupError:
            continue
    try:
        poller = select.poll()
        for fd in fds:
            poller.register(fd, select.POLLIN)
        left = set(fds)
        deadline = time.monotonic() + timeout_s
        while left and (remaining := deadline - time.monotonic()) > 0:
            for fd, _ in poller.poll(remaining * 1000):
                poller.unregister(fd)
                left.discard(fd)
    finally:
        for fd in fds:
            os.close(fd)


@pytest.fixture(autouse=True)
def leaves_no_child_behind() -> Iterator[None]:
    before = {pid: start for pid, (_, _, start) in children().items()}
    was = ctypes.c_int(0)
    _libc.prctl(PR_GET_CHILD_SUBREAPER, ctypes.byref(was), 0, 0, 0)
    _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    try:
        yield
    finally:
        _libc.prctl(PR_SET_CHILD_SUBREAPER, was.value, 0, 0, 0)

    def new() -> dict[int, tuple[str, str, int]]:
        return {pid: c for pid, c in children().items() if before.get(pid) != c[2]}

    _wait_exits([pid for pid, (state, _, _) in new().items() if state != "Z"], EXIT_GRACE_S)
    left = new()
    for pid in left:  # reaped here all the same, so that the next tests start clean
        if left[pid][0] != "Z":
            os.kill(pid, 9)
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
    assert not left, "the test left children of the test process behind: " + ", ".join(
        f"{pid} {name} ({'zombie: never reaped' if state == 'Z' else 'still running'})"
        for pid, (state, name, _) in sorted(left.items()))
