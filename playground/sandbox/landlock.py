"""Landlock without bwrap: which ABI this kernel has, and the rules of a run
(writes only in the work directory, no reads in the hidden directories, TCP connect
only to the mock API, no signals out of the run). The supervisor applies them."""

from __future__ import annotations

import ctypes
import errno
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from playground.sandbox import supervisor
from playground.sandbox.plan import Plan, under

__all__ = ["landlock_abi", "landlock_spec"]


def landlock_abi() -> tuple[int, str]:
    """Landlock ABI version of the running kernel (0 when unusable) and a reason."""
    if not sys.platform.startswith("linux"):
        return 0, "not Linux"
    try:
        return supervisor.landlock_syscall(
            supervisor.SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0),
            ctypes.c_uint32(supervisor.LANDLOCK_CREATE_RULESET_VERSION),
        ), ""
    except OSError as exc:
        if exc.errno == errno.ENOSYS:
            return 0, "not supported by this kernel"
        if exc.errno == errno.EOPNOTSUPP:
            return 0, "disabled at boot (not in the kernel's lsm= list)"
        return 0, f"unavailable ({os.strerror(exc.errno or 0)})"


def readable_dirs(top: str, hidden: Sequence[str]) -> list[str]:
    """Directories below ``top`` that together cover everything except ``hidden``.

    Landlock grants a right on a whole subtree, so a directory that contains a
    hidden one (``/var`` holds ``/var/tmp``) is replaced by its other entries.
    """
    out: list[str] = []
    try:
        names = sorted(os.listdir(top))
    except OSError:
        return out
    for name in names:
        path = os.path.join(top, name)
        real = os.path.realpath(path)  # /var/run -> /run is hidden too
        if not os.path.isdir(path) or any(under(p, h) for h in hidden for p in (path, real)):
            continue
        if any(under(h, path) for h in hidden):
            out += readable_dirs(path, hidden)
        else:
            out.append(path)
    return out


_READABLE_CACHE: dict[tuple[str, ...], tuple[str, ...]] = {}


def _readable_dirs_cached(hidden: tuple[str, ...]) -> tuple[str, ...]:
    if hidden not in _READABLE_CACHE:
        _READABLE_CACHE[hidden] = tuple(readable_dirs("/", hidden))
    return _READABLE_CACHE[hidden]


def landlock_spec(plan: Plan, workdir: Path, api_port: int | None) -> dict[str, Any] | None:
    if plan.bwrap is not None:
        # The mount and network namespaces already confine files and sockets; what is
        # left is signals: the snippet has the supervisor's uid when nobody drops it.
        if plan.landlock_abi >= 6 and plan.uid is None:
            return {"abi": plan.landlock_abi, "fs": False, "scope": True}
        return None
    if plan.landlock_abi < 1:
        return None
    reads = list(_readable_dirs_cached(plan.hidden))
    reads += [r for r in plan.roots if r not in reads]
    return {
        "abi": plan.landlock_abi,
        "read": reads + [str(workdir)],
        "write": [str(workdir), "/dev/shm"],
        "write_files": ["/dev/null"],
        "net": True,
        "connect_ports": [api_port] if api_port else [],
        "scope": True,
    }
