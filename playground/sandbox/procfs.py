"""What /proc says about processes: the tree of a run, who owns a task, how much
memory and CPU a process has used. Linux only; every reader tolerates a process
that vanishes while it is being read."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from playground.sandbox import supervisor

__all__ = ["Proc", "read_proc", "scan_procs", "descendants", "proc_uid", "count_tasks_of_uid",
           "usage_of"]

#: Units of the CPU times in /proc/PID/stat.
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True)
class Proc:
    """One line of /proc/PID/stat, the fields the sandbox needs."""

    pid: int
    ppid: int
    pgid: int
    sid: int
    state: str
    start: int  # start time in clock ticks since boot: (pid, start) names one process


def read_proc(pid: int) -> Proc | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
        rest = data[data.rindex(b")") + 2 :].split()
        return Proc(pid, int(rest[1]), int(rest[2]), int(rest[3]), rest[0].decode(), int(rest[19]))
    except (OSError, ValueError, IndexError):
        return None


def scan_procs() -> dict[int, Proc]:
    procs: dict[int, Proc] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return procs
    for name in entries:
        if name.isdigit():
            info = read_proc(int(name))
            if info is not None:
                procs[info.pid] = info
    return procs


def descendants(procs: Mapping[int, Proc], roots: set[int]) -> set[int]:
    children: dict[int, list[int]] = {}
    for p in procs.values():
        children.setdefault(p.ppid, []).append(p.pid)
    return supervisor.descendants(children, roots)


def _usage(pid: int) -> tuple[int, float] | None:
    """(peak resident memory in KB, CPU seconds) of a live process.

    The peak is the process's own high-water mark (``VmHWM``); the CPU time is
    its user + system time and that of the children it reaped.
    """
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
        rest = data[data.rindex(b")") + 2 :].split()
        ticks = sum(int(x) for x in rest[11:15])  # utime, stime, cutime, cstime
        peak_kb = 0
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmHWM:"):
                    peak_kb = int(line.split()[1])
                    break
    except (OSError, ValueError, IndexError):
        return None
    return peak_kb, ticks / _CLOCK_TICKS


def usage_of(pids: set[int]) -> tuple[int, float]:
    """(largest peak in KB, total CPU s) of the live processes among ``pids``."""
    peak_kb, cpu_s = 0, 0.0
    for pid in pids:
        got = _usage(pid)
        if got is not None:
            peak_kb = max(peak_kb, got[0])
            cpu_s += got[1]
    return peak_kb, cpu_s


def proc_uid(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"Uid:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def count_tasks_of_uid(uid: int) -> int:
    """Tasks (threads included) whose owner is ``uid``: what RLIMIT_NPROC counts."""
    total = 0
    try:
        entries = os.listdir("/proc")
    except OSError:
        return 0
    for name in entries:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status", "rb") as f:
                owner = None
                for line in f:
                    if line.startswith(b"Uid:"):
                        owner = int(line.split()[1])
                    elif line.startswith(b"Threads:"):
                        if owner == uid:
                            total += int(line.split()[1])
                        break
        except (OSError, ValueError, IndexError):
            continue
    return total
