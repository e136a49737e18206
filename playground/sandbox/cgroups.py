"""Cgroups of a run: one per run below asyncplay's own cgroup (v2, or v1 ``pids``
and ``memory``), when this process may create them. They limit the run's tasks and
memory, and kill everything in it at once (``cgroup.kill``, or a sweep in v1).
Detection (:func:`cgroup_bases`) tries a real mkdir and removes run cgroups left
behind by an asyncplay process that is gone."""

from __future__ import annotations

import contextlib
import functools
import itertools
import logging
import os
import re
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from playground.sandbox.procfs import read_proc
from playground.sandbox.types import MIB, Limits

__all__ = ["CgroupBase", "RunCgroup", "cgroup_bases", "CGROUP_PREFIX"]

log = logging.getLogger(__name__)

CGROUP_PREFIX = "asyncplay-"
#: Tasks the wrappers themselves take in the run's pids cgroup (gate/bwrap,
#: bwrap's pid 1, the supervisor) on top of Limits.processes.
WRAPPER_TASKS = 4


@dataclass(frozen=True)
class CgroupBase:
    """A directory we may create run cgroups in (asyncplay's own cgroup)."""

    kind: Literal["v2", "v1"]
    path: Path
    controllers: frozenset[str]  # of {"pids", "memory"} usable in a child cgroup
    has_kill: bool  # cgroup.kill (v2, Linux >= 5.14)


def _unescape_mount(path: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), path)


@functools.lru_cache(maxsize=1)
def cgroup_bases() -> tuple[tuple[CgroupBase, ...], tuple[str, ...]]:
    """Writable cgroup directories for this process, and why others are not."""
    notes: list[str] = []
    try:
        with open("/proc/self/mountinfo") as f:
            mountinfo = f.read().splitlines()
        with open("/proc/self/cgroup") as f:
            own = f.read().splitlines()
    except OSError as exc:
        return (), (f"cannot read /proc ({exc.strerror})",)
    v2_mount: str | None = None
    v1_mounts: dict[str, str] = {}
    for line in mountinfo:
        left, _, right = line.partition(" - ")
        fields, rfields = left.split(), right.split()
        if len(fields) < 5 or len(rfields) < 3:
            continue
        mnt = _unescape_mount(fields[4])
        if rfields[0] == "cgroup2" and v2_mount is None:
            v2_mount = mnt
        elif rfields[0] == "cgroup":
            for opt in rfields[2].split(","):
                if opt in ("pids", "memory") and opt not in v1_mounts:
                    v1_mounts[opt] = mnt
    own_v2: str | None = None
    own_v1: dict[str, str] = {}
    for line in own:
        hier, _, rest = line.partition(":")
        ctrls, _, path = rest.partition(":")
        if hier == "0" and ctrls == "":
            own_v2 = path
        for c in ctrls.split(","):
            if c in ("pids", "memory"):
                own_v1[c] = path

    def trial(base: Path) -> tuple[bool, bool, frozenset[str], str]:
        probe = base / f"{CGROUP_PREFIX}probe-{os.getpid()}-{next(_cg_counter)}"
        try:
            probe.mkdir()
        except OSError as exc:
            return False, False, frozenset(), f"{base} not writable ({exc.strerror})"
        try:
            has_kill = (probe / "cgroup.kill").exists()
            ctrls: frozenset[str] = frozenset()
            with contextlib.suppress(OSError):
                ctrls = frozenset((probe / "cgroup.controllers").read_text().split())
            return True, has_kill, ctrls & {"pids", "memory"}, ""
        finally:
            with contextlib.suppress(OSError):
                probe.rmdir()

    bases: list[CgroupBase] = []
    if v2_mount is not None and own_v2 is not None:
        base = Path(v2_mount + own_v2.rstrip("/")) if own_v2 != "/" else Path(v2_mount)
        ok, has_kill, usable, why = trial(base)
        if ok:
            bases.append(CgroupBase("v2", base, usable, has_kill))
        else:
            notes.append(f"v2: {why}")
    for ctrl in ("pids", "memory"):
        if any(ctrl in b.controllers for b in bases):
            continue
        if ctrl not in v1_mounts or ctrl not in own_v1:
            notes.append(f"{ctrl}: no {ctrl} controller mounted or enabled")
            continue
        path = own_v1[ctrl]
        base = Path(v1_mounts[ctrl] + path.rstrip("/")) if path != "/" else Path(v1_mounts[ctrl])
        ok, _k, _c, why = trial(base)
        if ok:
            bases.append(CgroupBase("v1", base, frozenset({ctrl}), False))
        else:
            notes.append(f"v1 {ctrl}: {why}")
    remove_stale_cgroups(bases)
    v1 = [b for b in bases if b.kind == "v1"]
    if v1 and any(b.kind == "v2" and not b.controllers for b in bases):
        # A v2 cgroup without controllers only adds an atomic cgroup.kill, which the
        # v1 cgroups' sweep already gives; moving a process into it costs ~10 ms
        # (an RCU grace period) per run, so skip it.
        bases = v1
    return tuple(bases), tuple(notes)


_cg_counter = itertools.count(1)
_STALE_RE = re.compile(re.escape(CGROUP_PREFIX) + r"(?:probe-)?(\d+)-\d+$")


def remove_stale_cgroups(bases: Sequence[CgroupBase]) -> None:
    """Remove run cgroups left behind by an asyncplay process that is gone."""
    for base in bases:
        try:
            entries = list(base.path.iterdir())
        except OSError:
            continue
        for entry in entries:
            m = _STALE_RE.match(entry.name)
            if not m or not entry.is_dir():
                continue
            owner = int(m.group(1))
            if owner == os.getpid() or Path(f"/proc/{owner}").exists():
                continue
            cg = RunCgroup([(base, entry)])
            cg.kill()
            cg.remove(timeout_s=0.5)


class RunCgroup:
    """The cgroups of one run (one per base directory)."""

    def __init__(self, dirs: list[tuple[CgroupBase, Path]]) -> None:
        self.dirs = dirs
        self.names = {d.name for _b, d in dirs}

    @classmethod
    def create(cls, bases: Sequence[CgroupBase], limits: Limits) -> RunCgroup:
        name = f"{CGROUP_PREFIX}{os.getpid()}-{next(_cg_counter)}"
        cg = cls([])
        try:
            for base in bases:
                d = base.path / name
                d.mkdir(mode=0o755)
                cg.dirs.append((base, d))
                cg.names.add(name)
                if "pids" in base.controllers:
                    (d / "pids.max").write_text(str(limits.processes + WRAPPER_TASKS))
                if "memory" in base.controllers:
                    mem = str(limits.memory_mb * MIB)
                    if base.kind == "v2":
                        (d / "memory.max").write_text(mem)
                        with contextlib.suppress(OSError):
                            (d / "memory.swap.max").write_text("0")
                    else:
                        (d / "memory.limit_in_bytes").write_text(mem)
                        with contextlib.suppress(OSError):
                            (d / "memory.memsw.limit_in_bytes").write_text(mem)
        except BaseException:
            cg.remove(timeout_s=0.5)
            raise
        return cg

    def add(self, pid: int) -> None:
        for _base, d in self.dirs:
            (d / "cgroup.procs").write_text(str(pid))

    def pids(self) -> set[int]:
        found: set[int] = set()
        for _base, d in self.dirs:
            with contextlib.suppress(OSError, ValueError):
                found.update(int(x) for x in (d / "cgroup.procs").read_text().split())
        return found

    def contains(self, pid: int) -> bool:
        try:
            with open(f"/proc/{pid}/cgroup") as f:
                return any(line.rsplit("/", 1)[-1] in self.names for line in f.read().splitlines())
        except OSError:
            return False

    def kill(self) -> dict[int, int]:
        """SIGKILL everything inside; returns {pid: start time} of what it killed.

        A v1 cgroup forgets a process when it dies, so the caller must remember
        who was killed in order to recognise (and reap) it as a zombie later.
        """
        seen: dict[int, int] = {}
        for base, d in self.dirs:
            if base.has_kill:
                with contextlib.suppress(OSError):
                    (d / "cgroup.kill").write_text("1")
        for pid in self.pids():
            proc = read_proc(pid)
            if proc is not None:
                seen[pid] = proc.start
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        return seen

    def remove(self, *, timeout_s: float = 2.0) -> bool:
        deadline = time.monotonic() + timeout_s
        left = list(self.dirs)
        while left:
            still: list[tuple[CgroupBase, Path]] = []
            for base, d in left:
                try:
                    d.rmdir()
                except FileNotFoundError:
                    pass
                except OSError:
                    still.append((base, d))
            left = still
            if not left or time.monotonic() > deadline:
                break
            self.kill()
            time.sleep(0.01)
        self.dirs = left
        if left:
            log.warning("could not remove cgroups %s", [str(d) for _b, d in left])
        return not left
