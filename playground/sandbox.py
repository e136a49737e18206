"""Spawn a learner's snippet in a child process, in layers of isolation.

A run is untrusted code. Whatever it does (fork bombs, double forks with
``setsid``, ignoring SIGTERM, holding our pipes, writing all over the disk,
talking to the network) it must not escape, hang asyncplay or leak. No single
mechanism is available everywhere, so the sandbox stacks layers, detects once
per process which of them this machine supports (:func:`detect`), and reports
the active and the missing ones (:class:`SandboxInfo`) in every run's result.

The process chain of one run::

    asyncplay ──Popen──► gate (/bin/sh)           own session + process group
                         │  waits for one line on stdin while the parent puts it
                         │  into the run's cgroups, then execs (stdin = /dev/null)
                         ├─[bwrap mode]─► bwrap ─► (new pid/net/mount/ipc/uts ns)
                         ▼
                      supervisor (python -I -S -c <stdlib program>)
                         │  child subreaper; stays privileged (root, or outside
                         │  Landlock) so the snippet cannot signal it
                         └─fork─► rlimits, uid/gid drop or capability drop,
                                  parent-death signal, no_new_privs, Landlock
                                  ─exec─► python -I -m playground.probe ... FILE

Why this shape:

* **No Python code between fork and exec in asyncplay itself.** asyncplay is
  threaded (Textual, aiohttp, executors), so ``preexec_fn`` is unsafe. The only
  fork in asyncplay is ``subprocess.Popen`` with ``start_new_session``,
  ``pass_fds`` and ``close_fds``; everything that must happen inside the child
  runs in a fresh, single-threaded interpreter (the *supervisor*), which costs
  one ``python -I -S`` start-up (~10-15 ms): its code is shipped as a marshalled
  code object and imports only ``ctypes`` (no json, enum or typing).
* **The gate** is a one-line shell that blocks until the parent has written the
  run's pid into its cgroups, so every process of the run (bwrap included) is
  born inside them: no race with a fast fork bomb.
* **The supervisor** is a per-run init: it is ``PR_SET_CHILD_SUBREAPER``, so
  everything the snippet starts (double fork + ``setsid`` included) stays in its
  subtree; when the snippet's main process exits it SIGKILLs and reaps whatever
  is left, reports the exact wait status and rusage on a private status pipe
  (bwrap folds signals into ``128 + n``), and mirrors the status as its own.
  Inside bwrap it is also what drops root to ``nobody`` (bwrap itself cannot
  switch uid without a user namespace, and a mapped root would not be subject
  to RLIMIT_NPROC).

Layers (names as reported in :attr:`SandboxInfo.layers`):

``session``
    own session and process group; stdin is ``/dev/null``.
``tree-kill``
    :meth:`Child.kill` / :meth:`Child.wait` kill the whole tree: cgroup kill,
    walk of ``/proc`` below the run, orphans adopted by us (subreaper) that carry
    the run's session/group/cgroup/uid; the supervisor does the same from inside.
``subreaper``
    asyncplay itself is ``PR_SET_CHILD_SUBREAPER``, so if a supervisor is killed
    its orphans come to us (not to init) and can still be found and reaped.
``rlimits``
    CPU (soft, hard = soft + 2: SIGXCPU first, then SIGKILL), AS, NPROC, FSIZE,
    NOFILE, CORE = 0. RLIMIT_NPROC counts every task of the *uid* on the machine,
    so it is set to "tasks this uid already has + a margin" (see _nproc_margin:
    Limits.processes when it is the only process limit, loose when a pids cgroup
    limits each run); it is not enforced at all for uid 0, hence the uid drop.
``uid-drop``
    when asyncplay runs as root the snippet runs as ``nobody:nogroup`` with no
    supplementary groups. Without bwrap this needs the interpreter, the venv and
    the package to be reachable by ``nobody`` (a pyenv under a 0700 ``/root`` is
    not); then the child stays root but loses every capability (``cap-drop``:
    bounding set, securebits NOROOT, capset 0).
``no-new-privs``, ``die-with-parent``
    ``PR_SET_NO_NEW_PRIVS``; ``PR_SET_PDEATHSIG`` (or bwrap ``--die-with-parent``)
    so a crash of asyncplay takes the run down. The death signal fires when the
    *thread* that spawned exits: call :func:`spawn` from the event-loop thread.
``workdir``, ``clean-env``
    a fresh 0700 directory owned by the run's uid is cwd, HOME and TMPDIR; the
    environment is rebuilt from scratch (see :func:`spawn`).
``bwrap`` (bubblewrap, when a trial run works)
    ``ro-root`` (read-only ``/``), ``net-isolated`` (own network namespace:
    loopback only; the mock API's listening socket is created inside and handed
    to us), ``pid-ns``, ``hidden-homes`` (empty read-only tmpfs over ``/root``,
    ``/home``, ``/tmp``, ``/run``, ... with only the interpreter's directories
    bound back), ``workdir-quota`` (the work dir is a size-limited tmpfs inside
    the sandbox, so a snippet cannot fill the disk; ``/dev/shm`` likewise), fresh
    ``/dev`` and ``/proc``, ``--cap-drop ALL``, ``--new-session``.
``landlock``, ``landlock-net``, ``landlock-scope`` (without bwrap)
    writes only below the work dir, ``/dev/shm`` and ``/dev/null``; reads
    nowhere in the hidden directories above; TCP ``connect`` only to the API port
    (ABI >= 4; UDP and pathname Unix sockets are not covered by Landlock); no
    signals to, or abstract Unix sockets of, processes outside the run (ABI >= 6).
``cgroup``, ``cgroup-pids``, ``cgroup-memory``
    a cgroup per run below asyncplay's own cgroup (v2, or v1 ``pids``/``memory``),
    when writable: ``pids.max`` = processes + 4 (the wrappers), memory limit,
    atomic ``cgroup.kill`` (v2) or a sweep of ``cgroup.procs`` (v1). A v2 cgroup
    without controllers is skipped when v1 ones exist: moving a process into it
    costs an RCU grace period (~10 ms) and v1 already tracks the run. Every
    process seen in a run is remembered by (pid, start time), so one that dies
    after we adopted it is still recognised and reaped as a zombie.

The parent is never restricted: no_new_privs, Landlock and rlimits are applied in
the supervisor's child only. asyncplay does become a child subreaper, so it
adopts orphaned grandchildren of *any* of its children; only those that carry a
run's markers are killed and reaped.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import errno
import functools
import grp
import inspect
import itertools
import json
import logging
import marshal
import os
import pwd
import re
import resource
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "Limits",
    "SandboxInfo",
    "ExitInfo",
    "Child",
    "detect",
    "spawn",
    "EVENTS_FD_ENV",
    "NO_BWRAP_ENV",
]

log = logging.getLogger(__name__)

#: Environment variable naming the event channel's fd in the child.
EVENTS_FD_ENV = "ASYNCPLAY_EVENTS_FD"
#: ``ASYNCPLAY_NO_BWRAP=1`` switches bubblewrap off (default of :func:`detect`).
NO_BWRAP_ENV = "ASYNCPLAY_NO_BWRAP"

_MIB = 1024 * 1024
_READER_LIMIT_BYTES = 1 * _MIB
_EVENTS_PIPE_BYTES = 1 * _MIB
#: The snippet's stdout and stderr pipes: a flood of output then waits for the
#: parent's reads only when 1 MiB is pending, not 64 KiB (about 15 ms of a flood,
#: less than one frame of the app, which reads on the same event loop as it draws).
_OUTPUT_PIPE_BYTES = 1 * _MIB
_HANDOFF_TIMEOUT_S = 10.0
_KILL_DEADLINE_S = 5.0
_TRIAL_TIMEOUT_S = 20.0
#: Tasks the wrappers themselves take in the run's pids cgroup (gate/bwrap,
#: bwrap's pid 1, the supervisor) on top of Limits.processes.
_WRAPPER_TASKS = 4
#: Directories that are hidden inside bwrap (empty read-only tmpfs) and not
#: readable under Landlock; the interpreter's own directories are put back.
_HIDDEN_DIRS = ("/root", "/home", "/run", "/tmp", "/var/tmp", "/mnt", "/media", "/srv")
#: RLIMIT_NPROC margin (x Limits.processes) when a pids cgroup limits each run.
_NPROC_BACKSTOP_FACTOR = 64
#: Extra RLIMIT_NPROC margin when the run keeps asyncplay's (non-root) uid.
_NPROC_SHARED_SLACK = 256
_GATE_SCRIPT = 'read -r _ || exit 125; unset PWD OLDPWD; exec "$@" </dev/null'
_RUN_PREFIX = "asyncplay-run-"
_CGROUP_PREFIX = "asyncplay-"
#: Units of the CPU times in /proc/PID/stat.
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

# prctl(2) options and Landlock syscall numbers (same on all mainstream arches).
_PR_SET_CHILD_SUBREAPER = 36
_SYS_LANDLOCK_CREATE_RULESET = 444
_LANDLOCK_CREATE_RULESET_VERSION = 1


# --------------------------------------------------------------------------- API types


@dataclass(frozen=True)
class Limits:
    """Resource limits of one run."""

    wall_s: float = 30.0  # enforced by the session (timeout), carried here for reference
    cpu_s: int = 30  # RLIMIT_CPU soft; hard = soft + 2 (SIGXCPU first, then SIGKILL)
    memory_mb: int = 2048  # RLIMIT_AS (and memory cgroup when available)
    processes: int = 64  # RLIMIT_NPROC (only effective for a non-root uid) and pids cgroup
    file_size_mb: int = 64  # RLIMIT_FSIZE (the bwrap work dir tmpfs holds 4x this)
    open_files: int = 256  # RLIMIT_NOFILE (asyncio needs >= 64)
    output_bytes: int = 8 * 1024 * 1024  # enforced by the session's readers

    def __post_init__(self) -> None:
        for name in ("cpu_s", "memory_mb", "processes", "file_size_mb", "output_bytes"):
            if getattr(self, name) <= 0:
                raise ValueError(f"Limits.{name} must be positive")
        if self.wall_s <= 0:
            raise ValueError("Limits.wall_s must be positive")
        if self.open_files < 64:
            raise ValueError("Limits.open_files must be >= 64 (asyncio needs them)")


@dataclass(frozen=True)
class SandboxInfo:
    """Which layers are active on this machine, and why the others are not."""

    layers: tuple[str, ...]
    missing: tuple[str, ...]  # "name: reason"
    bwrap: bool


@dataclass(frozen=True)
class ExitInfo:
    """How a run ended."""

    exit_code: int | None  # None when killed by a signal
    signal: str | None  # "SIGKILL", "SIGXCPU", ...
    cpu_s: float  # user+sys CPU of the snippet's process (and what it reaped)
    killed_by_us: bool  # True when Child.kill() ended it (timeout or Stop)
    peak_rss_kb: int = 0  # the run's own peak resident memory (largest process), 0 if unknown


# --------------------------------------------------------------------------- supervisor
#
# The functions named _sv_* run in the supervisor, a fresh `python -I -S -c`
# process: their source is shipped as the -c program, so they use only the
# standard library, import what they need inside, and share nothing with the
# rest of this module.


def _sv_prctl(option: int, arg2: int) -> None:
    import ctypes
    import os

    libc = ctypes.CDLL(None, use_errno=True)
    zero = ctypes.c_ulong(0)
    if libc.prctl(ctypes.c_int(option), ctypes.c_ulong(arg2), zero, zero, zero) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"prctl({option}, {arg2}): {os.strerror(err)}")


def _sv_drop_caps(spec: dict[str, Any]) -> None:
    """Lose every capability for good (root without a uid drop, or after it)."""
    import ctypes
    import os
    import struct

    if spec.get("securebits"):
        # NOROOT, NO_SETUID_FIXUP, KEEP_CAPS_LOCKED, NO_CAP_AMBIENT_RAISE, all locked:
        # uid 0 gains no capabilities on exec any more.
        _sv_prctl(28, 0xEF)  # PR_SET_SECUREBITS
    if spec.get("drop_bounding"):
        try:
            with open("/proc/sys/kernel/cap_last_cap") as f:
                last = int(f.read())
        except (OSError, ValueError):
            last = 63
        for cap in range(last + 1):
            try:
                _sv_prctl(24, cap)  # PR_CAPBSET_DROP
            except OSError as exc:
                if exc.errno != 22:  # EINVAL: no such capability on this kernel
                    raise
    if spec.get("clear_caps"):
        try:
            _sv_prctl(47, 4)  # PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL
        except OSError:
            pass
        libc = ctypes.CDLL(None, use_errno=True)
        header = ctypes.create_string_buffer(struct.pack("=Ii", 0x20080522, 0), 8)
        data = ctypes.create_string_buffer(24)  # two empty {effective, permitted, inheritable}
        if libc.capset(header, data) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"capset: {os.strerror(err)}")


def _sv_landlock(ll: dict[str, Any]) -> None:
    """Restrict this process (and what it execs) with Landlock; see the module doc."""
    import ctypes
    import os
    import stat
    import struct

    libc = ctypes.CDLL(None, use_errno=True)

    def call(nr: int, *args: Any) -> int:
        res = int(libc.syscall(ctypes.c_long(nr), *args))
        if res < 0:
            err = ctypes.get_errno()
            raise OSError(err, f"landlock syscall {nr}: {os.strerror(err)}")
        return res

    abi = int(ll["abi"])
    read = 1 | 4 | 8  # EXECUTE, READ_FILE, READ_DIR
    write = 2 | 16 | 32 | 64 | 128 | 256 | 512 | 1024 | 2048 | 4096  # WRITE_FILE .. MAKE_SYM
    file_rights = 1 | 2 | 4
    if abi >= 2:
        write |= 1 << 13  # REFER
    if abi >= 3:
        write |= 1 << 14  # TRUNCATE
        file_rights |= 1 << 14
    handled_fs = write | (read if ll.get("read") is not None else 0)
    handled_net = 2 if abi >= 4 and ll.get("net") else 0  # CONNECT_TCP
    scoped = 1 | 2 if abi >= 6 and ll.get("scope") else 0  # ABSTRACT_UNIX_SOCKET, SIGNAL
    if abi >= 6:
        attr = struct.pack("=QQQ", handled_fs, handled_net, scoped)
    elif abi >= 4:
        attr = struct.pack("=QQ", handled_fs, handled_net)
    else:
        attr = struct.pack("=Q", handled_fs)
    ruleset = call(444, attr, ctypes.c_size_t(len(attr)), ctypes.c_uint32(0))
    try:

        def allow(path: str, rights: int) -> None:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                return
            try:
                if not stat.S_ISDIR(os.fstat(fd).st_mode):
                    rights &= file_rights
                rights &= handled_fs
                if rights:
                    rule = struct.pack("=Qi", rights, fd)
                    call(445, ctypes.c_int(ruleset), ctypes.c_int(1), rule, ctypes.c_uint32(0))
            finally:
                os.close(fd)

        for path in ll.get("read") or ():
            allow(path, read)
        for path in ll.get("write") or ():
            allow(path, read | write)
        for path in ll.get("write_files") or ():
            allow(path, file_rights)
        if handled_net:
            for port in ll.get("connect_ports") or ():
                rule = struct.pack("=QQ", 2, int(port))
                call(445, ctypes.c_int(ruleset), ctypes.c_int(2), rule, ctypes.c_uint32(0))
        call(446, ctypes.c_int(ruleset), ctypes.c_uint32(0))
    finally:
        os.close(ruleset)


def _sv_private_mounts(pm: dict[str, Any]) -> None:
    """Without bwrap, as root: a mount and IPC namespace of the run's own, with a
    private, size-limited /dev/shm and work directory (the snippet's copy moved in).
    Nothing the run puts in shared memory, or writes, outlives it or fills the disk."""
    import ctypes
    import os

    libc = ctypes.CDLL(None, use_errno=True)

    def check(rc: int, what: str) -> None:
        if rc != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"{what}: {os.strerror(err)}")

    clone_newns, clone_newipc = 0x00020000, 0x08000000
    ms_nosuid, ms_nodev, ms_rec, ms_private = 2, 4, 16384, 1 << 18
    check(libc.unshare(clone_newns | clone_newipc), "unshare")
    check(libc.mount(b"none", b"/", None, ms_rec | ms_private, None), "make / private")
    check(libc.mount(b"tmpfs", b"/dev/shm", b"tmpfs", ms_nosuid | ms_nodev,
                     f"size={pm['shm_bytes']},mode=1777".encode()), "mount /dev/shm")
    keep = {}
    for path in pm["files"]:
        with open(path, "rb") as f:
            keep[path] = f.read()
    owner = "" if pm["uid"] is None else f",uid={pm['uid']},gid={pm['gid']}"
    check(libc.mount(b"tmpfs", pm["workdir"].encode(), b"tmpfs", ms_nosuid | ms_nodev,
                     f"size={pm['work_bytes']},mode=0700{owner}".encode()), "mount workdir")
    os.chdir(pm["workdir"])  # the old cwd is the directory now hidden below the mount
    for path, data in keep.items():
        with open(path, "wb") as out:
            out.write(data)
        os.chmod(path, 0o644)
        if pm["uid"] is not None:
            os.chown(path, pm["uid"], pm["gid"])


def _sv_descendants(root: int) -> list[int]:
    import os

    children: dict[int, list[int]] = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return []
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                data = f.read()
            ppid = int(data[data.rindex(b")") + 2 :].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(name))
    found: list[int] = []
    todo = [root]
    while todo:
        for pid in children.get(todo.pop(), ()):
            found.append(pid)
            todo.append(pid)
    return found


def _sv_child(spec: dict[str, Any], supervisor: int) -> None:
    """In the forked child: drop everything, then exec the snippet's command."""
    import os
    import resource
    import _signal as signal  # the enum-free builtin: `signal` costs ~4 ms

    try:
        os.setpgid(0, 0)  # killpg(0) from the snippet must not reach the supervisor
        if spec.get("private_mounts"):
            _sv_private_mounts(spec["private_mounts"])
        for res, soft, hard in spec["rlimits"]:
            resource.setrlimit(res, (soft, hard))
        if spec.get("drop_bounding") and spec.get("uid") is not None:
            _sv_drop_caps({"drop_bounding": True})
        gid, uid = spec.get("gid"), spec.get("uid")
        if gid is not None:
            os.setgroups([])
            os.setresgid(gid, gid, gid)
        if uid is not None:
            os.setresuid(uid, uid, uid)
        if uid is None:
            _sv_drop_caps(spec)
        elif spec.get("clear_caps"):
            _sv_drop_caps({"clear_caps": True})
        if spec.get("linux"):
            _sv_prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: set after the uid change
            if os.getppid() != supervisor:
                os._exit(125)
            _sv_prctl(38, 1)  # PR_SET_NO_NEW_PRIVS
        if spec.get("landlock"):
            _sv_landlock(spec["landlock"])
        for sig in (signal.SIGPIPE, signal.SIGXFSZ):
            signal.signal(sig, signal.SIG_DFL)
        argv = spec["argv"]
        os.execve(argv[0], argv, spec["env"])  # exactly this env, whatever sh/bwrap added
    except BaseException as exc:  # noqa: BLE001 - anything here means: do not run
        try:
            os.write(2, f"asyncplay sandbox: could not start the run: {exc}\n".encode())
        finally:
            os._exit(126)


def _sv_main() -> None:
    """The supervisor: fork the snippet, reap, kill leftovers, report, mirror."""
    import marshal
    import os
    import _signal as signal  # the enum-free builtin: `signal` costs ~4 ms
    import sys
    import time

    spec = marshal.loads(bytes.fromhex(sys.argv[2]))
    status_fd = int(spec["status_fd"])
    os.set_inheritable(status_fd, False)
    linux = bool(spec.get("linux"))
    if linux:
        _sv_prctl(4, 0)  # PR_SET_DUMPABLE: the supervisor never dumps core
        parent = spec.get("parent_pid")
        if parent:
            _sv_prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
            if os.getppid() != parent:
                os._exit(125)
        _sv_prctl(36, 1)  # PR_SET_CHILD_SUBREAPER
    me = os.getpid()
    pid = os.fork()
    if pid == 0:
        _sv_child(spec, me)
    for fd in spec.get("close_fds", ()):
        try:
            os.close(fd)
        except OSError:
            pass
    status: int | None = None
    usage: Any = None
    while status is None:
        try:
            got, st, ru = os.wait4(-1, 0)
        except InterruptedError:
            continue
        except ChildProcessError:
            break
        if got == pid:
            status, usage = st, ru
    # The snippet's process is gone: nothing it started may outlive it.
    for _ in range(1000):
        for victim in _sv_descendants(me):
            try:
                os.kill(victim, signal.SIGKILL)
            except OSError:
                pass
        try:
            while os.wait4(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            break
        time.sleep(0.005)
    # one JSON line, written by hand: importing json would cost ~10 ms per run
    report = '{"status": %s' % ("null" if status is None else int(status))
    if usage is not None:
        cpu_s = float(usage.ru_utime + usage.ru_stime)
        report += ', "cpu_s": %r, "maxrss_kb": %d' % (cpu_s, int(usage.ru_maxrss))
    try:
        os.write(status_fd, (report + "}\n").encode())
    except OSError:
        pass
    if status is None:
        os._exit(125)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            signal.signal(sig, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, [sig])
        except (OSError, ValueError):
            pass
        os.kill(me, sig)
        os._exit(128 + sig)
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 125)


_SV_FUNCTIONS = (_sv_prctl, _sv_drop_caps, _sv_landlock, _sv_private_mounts, _sv_descendants,
                 _sv_child, _sv_main)
#: Start-up of the supervisor: argv[1] is its code, argv[2] its spec, both marshalled
#: (the child runs this very interpreter, so the format matches) and hex-encoded.
#: No json, no typing, no compile step: each would add milliseconds to every run.
_SV_BOOTSTRAP = "import marshal, sys; exec(marshal.loads(bytes.fromhex(sys.argv[1])))"
_sv_code_cache: str | None = None


def _supervisor_program() -> str:
    """Source of the supervisor (the _sv_* functions, then a call to _sv_main)."""
    parts = [textwrap.dedent(inspect.getsource(fn)) for fn in _SV_FUNCTIONS]
    # annotations stay unevaluated, so the program needs no typing import
    return "from __future__ import annotations\n\n" + "\n\n".join(parts) + "\n\n_sv_main()\n"


def _supervisor_code_hex() -> str:
    global _sv_code_cache
    if _sv_code_cache is None:
        code = compile(_supervisor_program(), "<asyncplay-supervisor>", "exec")
        _sv_code_cache = marshal.dumps(code).hex()
    return _sv_code_cache


# --------------------------------------------------------------------------- /proc helpers


@dataclass(frozen=True)
class _Proc:
    pid: int
    ppid: int
    pgid: int
    sid: int
    state: str
    start: int  # start time in clock ticks since boot: (pid, start) names one process


def _read_proc(pid: int) -> _Proc | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
        rest = data[data.rindex(b")") + 2 :].split()
        return _Proc(pid, int(rest[1]), int(rest[2]), int(rest[3]), rest[0].decode(), int(rest[19]))
    except (OSError, ValueError, IndexError):
        return None


def _scan_procs() -> dict[int, _Proc]:
    procs: dict[int, _Proc] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return procs
    for name in entries:
        if name.isdigit():
            info = _read_proc(int(name))
            if info is not None:
                procs[info.pid] = info
    return procs


def _descendants(procs: Mapping[int, _Proc], roots: set[int]) -> set[int]:
    children: dict[int, list[int]] = {}
    for p in procs.values():
        children.setdefault(p.ppid, []).append(p.pid)
    found: set[int] = set()
    todo = list(roots)
    while todo:
        for pid in children.get(todo.pop(), ()):
            if pid not in found:
                found.add(pid)
                todo.append(pid)
    return found


def _proc_usage(pid: int) -> tuple[int, float] | None:
    """(peak resident memory in KB, CPU seconds) of a live process, from /proc.

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


def _proc_uid(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"Uid:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def _count_tasks_of_uid(uid: int) -> int:
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


def _libc_prctl(option: int, arg2: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    zero = ctypes.c_ulong(0)
    if libc.prctl(ctypes.c_int(option), ctypes.c_ulong(arg2), zero, zero, zero) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def _landlock_abi() -> tuple[int, str]:
    """Landlock ABI version of the running kernel (0 when unusable) and a reason."""
    if not sys.platform.startswith("linux"):
        return 0, "not Linux"
    libc = ctypes.CDLL(None, use_errno=True)
    res = libc.syscall(
        ctypes.c_long(_SYS_LANDLOCK_CREATE_RULESET),
        None,
        ctypes.c_size_t(0),
        ctypes.c_uint32(_LANDLOCK_CREATE_RULESET_VERSION),
    )
    if res >= 1:
        return int(res), ""
    err = ctypes.get_errno()
    if err == errno.ENOSYS:
        return 0, "not supported by this kernel"
    if err == errno.EOPNOTSUPP:
        return 0, "disabled at boot (not in the kernel's lsm= list)"
    return 0, f"unavailable ({os.strerror(err)})"


# --------------------------------------------------------------------------- cgroups


@dataclass(frozen=True)
class _CgroupBase:
    """A directory we may create run cgroups in (asyncplay's own cgroup)."""

    kind: Literal["v2", "v1"]
    path: Path
    controllers: frozenset[str]  # of {"pids", "memory"} usable in a child cgroup
    has_kill: bool  # cgroup.kill (v2, Linux >= 5.14)


def _unescape_mount(path: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), path)


@functools.lru_cache(maxsize=1)
def _cgroup_bases() -> tuple[tuple[_CgroupBase, ...], tuple[str, ...]]:
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
        probe = base / f"{_CGROUP_PREFIX}probe-{os.getpid()}-{next(_cg_counter)}"
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

    bases: list[_CgroupBase] = []
    if v2_mount is not None and own_v2 is not None:
        base = Path(v2_mount + own_v2.rstrip("/")) if own_v2 != "/" else Path(v2_mount)
        ok, has_kill, usable, why = trial(base)
        if ok:
            bases.append(_CgroupBase("v2", base, usable, has_kill))
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
            bases.append(_CgroupBase("v1", base, frozenset({ctrl}), False))
        else:
            notes.append(f"v1 {ctrl}: {why}")
    _remove_stale_cgroups(bases)
    v1 = [b for b in bases if b.kind == "v1"]
    if v1 and any(b.kind == "v2" and not b.controllers for b in bases):
        # A v2 cgroup without controllers only adds an atomic cgroup.kill, which the
        # v1 cgroups' sweep already gives; moving a process into it costs ~10 ms
        # (an RCU grace period) per run, so skip it.
        bases = v1
    return tuple(bases), tuple(notes)


_cg_counter = itertools.count(1)
_STALE_RE = re.compile(re.escape(_CGROUP_PREFIX) + r"(?:probe-)?(\d+)-\d+$")


def _remove_stale_cgroups(bases: Sequence[_CgroupBase]) -> None:
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
            cg = _RunCgroup([(base, entry)])
            cg.kill()
            cg.remove(timeout_s=0.5)


class _RunCgroup:
    """The cgroups of one run (one per base directory)."""

    def __init__(self, dirs: list[tuple[_CgroupBase, Path]]) -> None:
        self.dirs = dirs
        self.names = {d.name for _b, d in dirs}

    @classmethod
    def create(cls, bases: Sequence[_CgroupBase], limits: Limits) -> _RunCgroup:
        name = f"{_CGROUP_PREFIX}{os.getpid()}-{next(_cg_counter)}"
        cg = cls([])
        try:
            for base in bases:
                d = base.path / name
                d.mkdir(mode=0o755)
                cg.dirs.append((base, d))
                cg.names.add(name)
                if "pids" in base.controllers:
                    (d / "pids.max").write_text(str(limits.processes + _WRAPPER_TASKS))
                if "memory" in base.controllers:
                    mem = str(limits.memory_mb * _MIB)
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
            proc = _read_proc(pid)
            if proc is not None:
                seen[pid] = proc.start
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        return seen

    def remove(self, *, timeout_s: float = 2.0) -> bool:
        deadline = time.monotonic() + timeout_s
        left = list(self.dirs)
        while left:
            still: list[tuple[_CgroupBase, Path]] = []
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


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class _Plan:
    """Everything detect() learnt; spawn() follows it."""

    info: SandboxInfo
    linux: bool
    sh: str
    bwrap: str | None  # path of bwrap when the bwrap layer is on
    uid: int | None  # drop to this uid/gid (None: keep ours)
    gid: int | None
    root: bool  # asyncplay runs as root
    landlock_abi: int  # used without bwrap only; 0 = off
    cgroups: tuple[_CgroupBase, ...]
    roots: tuple[str, ...]  # directories the interpreter and the package need
    hidden: tuple[str, ...]  # existing directories hidden from the run
    subreaper: bool
    private_mounts: bool = False  # without bwrap: own mount + IPC namespace (root only)


_PLANS: dict[bool, _Plan] = {}
_PLAN_LOCK = threading.Lock()
_LIVE_PIDS: set[int] = set()  # direct children of live runs
_LIVE_UIDS: Counter[int] = Counter()  # dropped uid -> live runs using it


def detect(*, use_bwrap: bool | None = None) -> SandboxInfo:
    """Probe this machine once (cached per process and per bwrap choice).

    ``use_bwrap=None`` means "on unless ``ASYNCPLAY_NO_BWRAP=1``"; an explicit
    value wins over the environment. Detection runs a trial of the real command
    chain (a few tens of milliseconds), so a layer is only reported when a run
    with it actually works here.
    """
    return _plan(use_bwrap).info


def _want_bwrap(use_bwrap: bool | None) -> bool:
    if use_bwrap is not None:
        return use_bwrap
    return os.environ.get(NO_BWRAP_ENV, "").strip().lower() not in ("1", "true", "yes", "on")


def _plan(use_bwrap: bool | None) -> _Plan:
    want = _want_bwrap(use_bwrap)
    with _PLAN_LOCK:
        plan = _PLANS.get(want)
        if plan is None:
            plan = _make_plan(want)
            _PLANS[want] = plan
        return plan


def _plan_for(info: SandboxInfo | None) -> _Plan:
    if info is None:
        return _plan(None)
    for plan in _PLANS.values():
        if plan.info is info:
            return plan
    return _plan(info.bwrap)


@functools.lru_cache(maxsize=1)
def _interpreter_roots() -> tuple[str, ...]:
    """Directories a ``python -I -m playground.probe`` needs to read."""
    cands = {
        sys.prefix,
        sys.exec_prefix,
        sys.base_prefix,
        sys.base_exec_prefix,
        os.path.dirname(sys.executable),
        os.path.dirname(os.path.realpath(sys.executable)),
        str(Path(__file__).resolve().parent.parent),
    }
    try:
        out = subprocess.run(
            [sys.executable, "-I", "-c", "import json, sys; print(json.dumps(sys.path))"],
            capture_output=True,
            timeout=_TRIAL_TIMEOUT_S,
            check=True,
            cwd="/",
        ).stdout
        cands.update(p for p in json.loads(out) if isinstance(p, str) and p.startswith("/"))
    except (OSError, subprocess.SubprocessError, ValueError):
        cands.update(p for p in sys.path if p.startswith("/"))
    real: set[str] = set()
    for c in cands:
        p = os.path.realpath(c)
        while not os.path.exists(p) and p != "/":  # e.g. python311.zip
            p = os.path.dirname(p)
        real.add(p)
    # keep the outermost ones
    out_roots: list[str] = []
    for p in sorted(real, key=len):
        if not any(p == r or p.startswith(r.rstrip("/") + "/") for r in out_roots):
            out_roots.append(p)
    return tuple(out_roots)


def _under(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip("/") + "/")


def _unreachable_by(uid: int, gid: int, paths: Sequence[str]) -> str | None:
    """First path component ``uid`` cannot traverse/read, as a reason, or None."""

    def allowed(st: os.stat_result, bits: int) -> bool:
        if st.st_uid == uid:
            return (st.st_mode >> 6) & bits == bits
        if st.st_gid == gid:
            return (st.st_mode >> 3) & bits == bits
        return st.st_mode & bits == bits

    for target in paths:
        parts = Path(target).parts
        for i in range(1, len(parts) + 1):
            p = os.path.join(*parts[:i])
            try:
                st = os.stat(p)
            except OSError:
                break
            need = 1 if stat.S_ISDIR(st.st_mode) else 4
            if i == len(parts) and stat.S_ISDIR(st.st_mode):
                need = 5
            if not allowed(st, need):
                return f"{p} is mode {stat.S_IMODE(st.st_mode):04o} (owner uid {st.st_uid})"
    return None


def _make_plan(want_bwrap: bool) -> _Plan:
    linux = sys.platform.startswith("linux")
    root = os.geteuid() == 0
    sh = shutil.which("sh") or "/bin/sh"
    hidden = tuple(h for h in _HIDDEN_DIRS if os.path.isdir(h) and not os.path.islink(h))
    roots = _interpreter_roots()

    subreaper = False
    subreaper_why = "not Linux"
    if linux:
        try:
            _libc_prctl(_PR_SET_CHILD_SUBREAPER, 1)
            subreaper = True
        except OSError as exc:
            subreaper_why = f"prctl failed ({exc.strerror})"

    cgroups: tuple[_CgroupBase, ...] = ()
    cg_notes: tuple[str, ...] = ("not Linux",)
    if linux:
        cgroups, cg_notes = _cgroup_bases()

    drop_uid: int | None = None
    drop_gid: int | None = None
    if root:
        try:
            pw = pwd.getpwnam("nobody")
            drop_uid = pw.pw_uid
            drop_gid = pw.pw_gid
            for gname in ("nogroup", "nobody"):
                with contextlib.suppress(KeyError):
                    drop_gid = grp.getgrnam(gname).gr_gid
                    break
        except KeyError:
            drop_uid = drop_gid = 65534

    def base_plan(**kw: Any) -> _Plan:
        fields: dict[str, Any] = dict(
            info=SandboxInfo((), (), False),
            linux=linux,
            sh=sh,
            bwrap=None,
            uid=drop_uid,
            gid=drop_gid,
            root=root,
            landlock_abi=0,
            cgroups=tuple(cgroups),
            roots=roots,
            hidden=hidden,
            subreaper=subreaper,
        )
        fields.update(kw)
        return _Plan(**fields)

    layers: list[str] = ["session", "tree-kill", "rlimits", "workdir", "clean-env"]
    missing: list[str] = []
    if linux:
        layers += ["no-new-privs", "die-with-parent"]
    if subreaper:
        layers.append("subreaper")
    else:
        missing.append(f"subreaper: {subreaper_why}")

    plan: _Plan | None = None
    bwrap_why = "switched off" + (f" ({NO_BWRAP_ENV}=1)" if os.environ.get(NO_BWRAP_ENV) else "")
    if want_bwrap:
        bwrap_path = shutil.which("bwrap")
        if not linux:
            bwrap_why = "not Linux"
        elif bwrap_path is None:
            bwrap_why = "not installed"
        else:
            try:
                help_text = subprocess.run(
                    [bwrap_path, "--help"], capture_output=True, timeout=10, text=True
                ).stdout
            except (OSError, subprocess.SubprocessError) as exc:
                help_text = ""
                bwrap_why = f"cannot run ({exc})"
            if help_text and not ("--size" in help_text and "--perms" in help_text):
                bwrap_why = "too old (needs --perms and --size: bubblewrap >= 0.5)"
            elif help_text:
                candidate = base_plan(bwrap=bwrap_path)
                ok, why = _trial(candidate)
                if not ok and drop_uid is not None:
                    uid_why = why
                    candidate = base_plan(bwrap=bwrap_path, uid=None, gid=None)
                    ok, why = _trial(candidate)
                    if ok:
                        missing.append(f"uid-drop: failed inside bwrap: {uid_why}")
                if ok:
                    plan = candidate
                else:
                    bwrap_why = f"trial run failed: {why}"

    if plan is not None:
        layers += ["bwrap", "ro-root", "net-isolated", "pid-ns", "hidden-homes", "workdir-quota"]
        layers.append("cap-drop")  # --cap-drop ALL (and the uid change clears the rest)
        if plan.uid is not None:
            layers.append("uid-drop")
        elif not root:
            missing.append("uid-drop: asyncplay does not run as root (the run keeps its uid)")
    else:
        missing.append(f"bwrap: {bwrap_why}")
        abi, ll_why = _landlock_abi() if linux else (0, "not Linux")
        uid_drop_why = ""
        uid, gid = drop_uid, drop_gid
        if uid is not None and gid is not None:
            block = _unreachable_by(uid, gid, list(roots) + [sys.executable, tempfile.gettempdir()])
            if block:
                uid_drop_why = f"the interpreter or package is not reachable by uid {uid}: {block}"
                uid = gid = None
        candidate = base_plan(uid=uid, gid=gid, landlock_abi=abi)
        ok, why = _trial(candidate)
        if not ok and uid is not None:
            uid_drop_why = f"trial run as uid {uid} failed: {why}"
            candidate = base_plan(uid=None, gid=None, landlock_abi=abi)
            ok, why = _trial(candidate)
        if not ok and abi:
            ll_why = f"trial run failed: {why}"
            abi = 0
            candidate = base_plan(uid=candidate.uid, gid=candidate.gid, landlock_abi=0)
            ok, why = _trial(candidate)
        if not ok:
            log.warning("sandbox trial run failed even without Landlock: %s", why)
        private_why = "needs root (or bwrap)"
        if ok and root and linux:
            with_mounts = replace(candidate, private_mounts=True)
            mounts_ok, mounts_why = _trial(with_mounts)
            if mounts_ok:
                candidate = with_mounts
            else:
                private_why = f"trial run failed: {mounts_why}"
        plan = candidate
        if plan.uid is not None:
            layers.append("uid-drop")
        elif root:
            layers.append("cap-drop")
            missing.append(f"uid-drop: {uid_drop_why}")
        else:
            missing.append("uid-drop: asyncplay does not run as root (the run keeps its uid)")
        if abi >= 1:
            layers.append("landlock")
        else:
            missing.append(f"landlock: {ll_why}")
        if abi >= 4:
            layers.append("landlock-net")
            missing.append("net-isolated: needs bwrap (Landlock limits TCP connect only)")
        else:
            missing.append(
                "net-isolated: needs bwrap or Landlock ABI >= 4"
                + (f" (this kernel has ABI {abi})" if abi else "")
            )
        if abi >= 6:
            layers.append("landlock-scope")
        missing.append("pid-ns: needs bwrap")
        if plan.private_mounts:
            layers += ["private-shm", "workdir-quota"]
        else:
            missing.append(f"private-shm: {private_why}")
            missing.append(f"workdir-quota: {private_why}")

    if plan.cgroups:
        layers.append("cgroup")
        ctrls = set().union(*(b.controllers for b in plan.cgroups))
        for ctrl in ("pids", "memory"):
            if ctrl in ctrls:
                layers.append(f"cgroup-{ctrl}")
            else:
                notes = "; ".join(n for n in cg_notes if ctrl in n) or "controller not available"
                missing.append(f"cgroup-{ctrl}: {notes}")
    else:
        missing.append(f"cgroup: {'; '.join(cg_notes) or 'no writable cgroup'}")
    runs_as_root = plan.uid is None and root
    if runs_as_root and "cgroup-pids" not in layers:
        missing.append("nproc: no process limit (RLIMIT_NPROC does not apply to root)")

    info = SandboxInfo(tuple(dict.fromkeys(layers)), tuple(missing), plan.bwrap is not None)
    return base_plan(
        info=info,
        bwrap=plan.bwrap,
        uid=plan.uid,
        gid=plan.gid,
        landlock_abi=plan.landlock_abi,
        private_mounts=plan.private_mounts,
    )


_TRIAL_CHECK = (
    "import json, os, sys, playground\n"
    "print(json.dumps({'uid': os.getuid(), 'cwd': os.getcwd()}))\n"
)


def _trial(plan: _Plan) -> tuple[bool, str]:
    """Run a tiny program through ``plan``'s full chain; (worked, why not)."""
    workdir = _make_workdir(plan)
    status_r, status_w = os.pipe()
    bwrap_status_w = os.dup(status_w) if plan.bwrap else -1
    try:
        snippet = workdir / "trial.py"
        snippet.write_text("")
        _chown(plan, snippet)
        argv = [sys.executable, "-I", "-c", _TRIAL_CHECK]
        cmd, env = _build(
            plan, workdir, snippet, argv, Limits(), None, status_w, bwrap_status_w, [], []
        )
        try:
            proc = subprocess.run(
                cmd,
                input=b"go\n",
                capture_output=True,
                timeout=_TRIAL_TIMEOUT_S,
                env=env,
                cwd=workdir,
                pass_fds=(status_w, bwrap_status_w) if plan.bwrap else (status_w,),
                start_new_session=True,
            )
        finally:
            for fd in (status_w, bwrap_status_w):
                if fd >= 0:
                    os.close(fd)
            status_w = bwrap_status_w = -1
            with contextlib.suppress(OSError):
                _reap_adopted(_parse_status(_read_all(status_r))[1])
        if proc.returncode != 0:
            lines = proc.stderr.decode(errors="replace").strip().splitlines()
            return False, (lines[-1] if lines else f"exit status {proc.returncode}")[:300]
        got = json.loads(proc.stdout.decode().strip().splitlines()[-1])
        want_uid = plan.uid if plan.uid is not None else os.getuid()
        if got.get("uid") != want_uid:
            return False, f"ran as uid {got.get('uid')}, expected {want_uid}"
        if got.get("cwd") != str(workdir):
            return False, f"cwd is {got.get('cwd')}, expected {workdir}"
        return True, ""
    except subprocess.TimeoutExpired:
        return False, "timed out"
    except (OSError, ValueError, IndexError) as exc:
        return False, str(exc)
    finally:
        os.close(status_r)
        for fd in (status_w, bwrap_status_w):
            if fd >= 0:
                os.close(fd)
        _remove_tree(workdir)


def _parse_status(data: bytes) -> tuple[dict[str, Any], set[int]]:
    """The supervisor's report and the pids bwrap announced, from the status pipe."""
    report: dict[str, Any] = {}
    pids: set[int] = set()
    for line in data.splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if not isinstance(obj, dict):
            continue
        if isinstance(obj.get("child-pid"), int):
            pids.add(obj["child-pid"])
        if "status" in obj:
            report = obj
    return report, pids


def _reap_adopted(pids: set[int]) -> None:
    """Reap processes in ``pids`` that were reparented to us (kill them first)."""
    me = os.getpid()
    for pid in pids:
        proc = _read_proc(pid)
        if proc is None or proc.ppid != me:
            continue
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


# --------------------------------------------------------------------------- building a run


def _read_all(fd: int) -> bytes:
    """Whatever can be read from ``fd`` now (non-blocking) up to EOF."""
    os.set_blocking(fd, False)
    chunks = []
    with contextlib.suppress(BlockingIOError):
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
    return b"".join(chunks)


def _make_workdir(plan: _Plan) -> Path:
    workdir = Path(tempfile.mkdtemp(prefix=_RUN_PREFIX))
    os.chmod(workdir, 0o700)
    _chown(plan, workdir)
    return workdir


def _chown(plan: _Plan, path: Path) -> None:
    if plan.uid is not None and plan.gid is not None:
        os.chown(path, plan.uid, plan.gid)


def _remove_tree(path: Path) -> None:
    def on_error(func: Any, p: str, _exc: Any) -> None:
        with contextlib.suppress(OSError):
            os.chmod(os.path.dirname(p), 0o700)
            os.chmod(p, 0o700)
            func(p)

    if path.exists():
        shutil.rmtree(path, onerror=on_error)


def _nproc_margin(plan: _Plan, limits: Limits) -> int:
    """How many tasks above the uid's current count RLIMIT_NPROC allows a run.

    RLIMIT_NPROC counts all tasks of the uid on the machine, so every run of the
    same uid (all runs, when they drop to nobody) shares it. With a pids cgroup the
    per-run limit is the cgroup and RLIMIT_NPROC is only a loose backstop, so runs
    side by side do not starve each other. Without one it is the only limit: strict
    for a dropped uid; for asyncplay's own uid, with some slack for the user's
    other programs, whose threads come and go during the run.
    """
    if any("pids" in base.controllers for base in plan.cgroups):
        return limits.processes * _NPROC_BACKSTOP_FACTOR
    if plan.uid is None:
        return limits.processes + _NPROC_SHARED_SLACK
    return limits.processes


def _rlimits(plan: _Plan, limits: Limits) -> list[tuple[int, int, int]]:
    run_uid = plan.uid if plan.uid is not None else os.getuid()
    nproc = limits.processes
    if run_uid != 0 and plan.linux:
        nproc = _count_tasks_of_uid(run_uid) + _nproc_margin(plan, limits)
    wanted = [
        (resource.RLIMIT_CPU, limits.cpu_s, limits.cpu_s + 2),
        (resource.RLIMIT_AS, limits.memory_mb * _MIB, limits.memory_mb * _MIB),
        (resource.RLIMIT_NPROC, nproc, nproc),
        (resource.RLIMIT_FSIZE, limits.file_size_mb * _MIB, limits.file_size_mb * _MIB),
        (resource.RLIMIT_NOFILE, limits.open_files, limits.open_files),
        (resource.RLIMIT_CORE, 0, 0),
    ]
    out: list[tuple[int, int, int]] = []
    for res, soft, hard in wanted:
        _cur_soft, cur_hard = resource.getrlimit(res)
        if cur_hard != resource.RLIM_INFINITY and not plan.root:
            hard = min(hard, cur_hard)
            soft = min(soft, hard)
        out.append((int(res), soft, hard))
    return out


def _bwrap_args(
    plan: _Plan, workdir: Path, snippet: Path, limits: Limits, json_status_w: int
) -> list[str]:
    assert plan.bwrap is not None
    args = [
        plan.bwrap,
        # {"child-pid": N}: bwrap's pid 1, which the outer bwrap does not reap when it
        # exits; as a subreaper we adopt it and must reap it ourselves
        "--json-status-fd",  # bwrap closes it on exec: its own dup of the status pipe
        str(json_status_w),
        "--die-with-parent",
        "--new-session",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--hostname",
        "asyncplay",
        "--unshare-cgroup-try",
        "--cap-drop",
        "ALL",
    ]
    if plan.root and plan.uid is not None:
        # the supervisor drops to the run's uid itself (and the bounding set), and
        # must be able to SIGKILL what the snippet (another uid) leaves behind
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP"]
        args += ["--cap-add", "CAP_KILL"]
    shm_bytes = max(limits.file_size_mb, 16) * _MIB
    work_bytes = max(4 * limits.file_size_mb, 16) * _MIB
    args += ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    args += ["--perms", "1777", "--size", str(shm_bytes), "--tmpfs", "/dev/shm"]
    for h in plan.hidden:
        args += ["--perms", "0755", "--tmpfs", h]
    made: set[str] = set(plan.hidden)

    def parents(path: str) -> None:
        for h in plan.hidden:
            if _under(path, h) and path != h:
                rel = Path(path).relative_to(h).parts[:-1]
                cur = h
                for part in rel:
                    cur = os.path.join(cur, part)
                    if cur not in made:
                        made.add(cur)
                        args.extend(["--perms", "0755", "--dir", cur])

    for r in plan.roots:
        if any(_under(r, h) for h in plan.hidden):
            parents(r)
            args += ["--ro-bind", r, r]
            made.add(r)
    wd = str(workdir)
    parents(wd)
    args += ["--perms", "01777", "--size", str(work_bytes), "--tmpfs", wd]
    args += ["--ro-bind", str(snippet), str(snippet)]
    for h in plan.hidden:
        args += ["--remount-ro", h]
    args += ["--chdir", wd, "--"]
    return args


def _readable_dirs(top: str, hidden: Sequence[str]) -> list[str]:
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
        if not os.path.isdir(path) or any(_under(p, h) for h in hidden for p in (path, real)):
            continue
        if any(_under(h, path) for h in hidden):
            out += _readable_dirs(path, hidden)
        else:
            out.append(path)
    return out


_READABLE_CACHE: dict[tuple[str, ...], tuple[str, ...]] = {}


def _readable_dirs_cached(hidden: tuple[str, ...]) -> tuple[str, ...]:
    if hidden not in _READABLE_CACHE:
        _READABLE_CACHE[hidden] = tuple(_readable_dirs("/", hidden))
    return _READABLE_CACHE[hidden]


def _landlock_spec(plan: _Plan, workdir: Path, api_port: int | None) -> dict[str, Any] | None:
    if plan.bwrap is not None or plan.landlock_abi < 1:
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


def _build(
    plan: _Plan,
    workdir: Path,
    snippet: Path,
    argv: Sequence[str],
    limits: Limits,
    api_port: int | None,
    status_w: int,
    bwrap_status_w: int | None,
    close_in_supervisor: Sequence[int],
    extra_env: Sequence[tuple[str, str]],
) -> tuple[list[str], dict[str, str]]:
    """The gate command line and the environment of one run."""
    exe_dir = os.path.dirname(sys.executable)
    env = {
        "PATH": f"{exe_dir}:/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": str(workdir),
        "TMPDIR": str(workdir),
        "MALLOC_ARENA_MAX": "2",
    }
    env.update(extra_env)
    root_child = plan.root and plan.uid is None
    spec = {
        "argv": list(argv),
        "env": env,
        "status_fd": status_w,
        "close_fds": list(close_in_supervisor),
        "rlimits": _rlimits(plan, limits),
        "uid": plan.uid if plan.root else None,
        "gid": plan.gid if plan.root else None,
        "drop_bounding": plan.root and (plan.bwrap is None or plan.uid is not None),
        "securebits": root_child and plan.bwrap is None,
        "clear_caps": plan.root and (plan.bwrap is None or plan.uid is not None),
        "linux": plan.linux,
        "parent_pid": os.getpid() if plan.bwrap is None and plan.linux else None,
        "landlock": _landlock_spec(plan, workdir, api_port),
        "private_mounts": {
            "workdir": str(workdir),
            "files": [str(snippet)],
            "shm_bytes": max(limits.file_size_mb, 16) * _MIB,
            "work_bytes": max(4 * limits.file_size_mb, 16) * _MIB,
            "uid": plan.uid if plan.root else None,
            "gid": plan.gid if plan.root else None,
        } if plan.private_mounts and plan.bwrap is None else None,
    }
    supervisor = [
        sys.executable, "-I", "-S", "-c", _SV_BOOTSTRAP,
        _supervisor_code_hex(), marshal.dumps(spec).hex(),
    ]
    chain: list[str] = []
    if plan.bwrap:
        assert bwrap_status_w is not None
        chain = _bwrap_args(plan, workdir, snippet, limits, bwrap_status_w)
    chain += supervisor
    return [plan.sh, "-c", _GATE_SCRIPT, "asyncplay-gate", *chain], env


# --------------------------------------------------------------------------- the child


class Child:
    """One running snippet. Create with :func:`spawn`; always ``await aclose()``."""

    pid: int
    workdir: Path
    info: SandboxInfo
    events: asyncio.StreamReader
    stdout: asyncio.StreamReader
    stderr: asyncio.StreamReader
    api_url: str | None
    api_socket: socket.socket | None

    def __init__(
        self,
        *,
        popen: subprocess.Popen[bytes],
        plan: _Plan,
        workdir: Path,
        cgroup: _RunCgroup | None,
        status_r: int,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self.pid = popen.pid
        self.workdir = workdir
        self.info = plan.info
        self.api_url = None
        self.api_socket = None
        self._popen = popen
        self._plan = plan
        self._cgroup = cgroup
        self._status_r = status_r
        self._status_data = b""
        self._adopt: set[int] = set()  # pids bwrap announced (its pid 1)
        self._members: dict[int, int] = {}  # pid -> start time of every process seen in the run
        self._parent_kills = 0  # processes the parent had to SIGKILL itself (tests: 0 after a natural exit)
        # (peak KB, CPU s) of the run's processes just before kill() (no supervisor report then)
        self._usage_at_kill: tuple[int, float] | None = None
        self._loop = loop
        self._run_uid = plan.uid if plan.root else None
        self._transports: list[asyncio.BaseTransport] = []
        self._pidfd: int | None = None
        self._handoff: socket.socket | None = None
        self._exited: asyncio.Future[None] = loop.create_future()
        self._lock = asyncio.Lock()
        self._result: ExitInfo | None = None
        self._killed_by_us = False
        self._closed = False
        self._watch_exit()

    # -- exit notification (pidfd, or a thread blocked in waitid without reaping)

    def _watch_exit(self) -> None:
        try:
            fd = os.pidfd_open(self.pid)
        except (AttributeError, OSError):
            threading.Thread(target=self._waitid_thread, daemon=True).start()
            return
        self._pidfd = fd
        self._loop.add_reader(fd, self._on_exit)

    def _waitid_thread(self) -> None:
        with contextlib.suppress(OSError):
            os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOWAIT)
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._on_exit)

    def _on_exit(self) -> None:
        if self._pidfd is not None:
            self._loop.remove_reader(self._pidfd)
        if not self._exited.done():
            self._exited.set_result(None)

    # -- public API

    async def kill(self) -> None:
        """SIGKILL everything the run started, now. Idempotent."""
        if self._result is not None:
            return
        if not self._exited.done():
            self._killed_by_us = True
        async with self._lock:
            if self._result is not None:
                return
            await self._sweep()
            if not self._exited.done():
                with contextlib.suppress(OSError):
                    os.kill(self.pid, signal.SIGKILL)
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(asyncio.shield(self._exited), _KILL_DEADLINE_S)
            await self._sweep()

    async def wait(self) -> ExitInfo:
        """Wait for the run to end, kill what is left of its tree, reap it.

        Never waits for the output pipes: a grandchild holding stdout is killed
        first, so the readers reach EOF on their own afterwards.
        """
        if self._result is not None:
            return self._result
        await asyncio.shield(self._exited)
        async with self._lock:
            if self._result is None:
                await self._sweep()
                self._result = self._reap()
        return self._result

    async def aclose(self) -> None:
        """Kill if needed, reap, close every fd and socket, remove work dir and cgroup."""
        if self._closed:
            return
        self._closed = True
        try:
            if not self._exited.done():
                await self.kill()
            try:
                await asyncio.wait_for(self.wait(), _KILL_DEADLINE_S * 2)
            except asyncio.TimeoutError:
                log.error("run %d did not end after SIGKILL", self.pid)
        finally:
            self._release()

    def _release(self) -> None:
        for tr in self._transports:
            tr.close()
        self._transports.clear()
        if self._pidfd is not None:
            with contextlib.suppress(ValueError, RuntimeError):
                self._loop.remove_reader(self._pidfd)
            os.close(self._pidfd)
            self._pidfd = None
        if self._status_r >= 0:
            os.close(self._status_r)
            self._status_r = -1
        for sock in (self._handoff, self.api_socket):
            if sock is not None:
                with contextlib.suppress(ValueError, RuntimeError):
                    self._loop.remove_reader(sock.fileno())
                sock.close()
        self._handoff = None
        if self._cgroup is not None:
            self._cgroup.remove()
        _remove_tree(self.workdir)
        if self._result is None:
            # could not reap (should not happen): leave it to subprocess' cleanup
            log.error("run %d left unreaped", self.pid)
        _LIVE_PIDS.discard(self.pid)
        if self._run_uid is not None and _LIVE_UIDS[self._run_uid] > 0:
            _LIVE_UIDS[self._run_uid] -= 1

    # -- killing and reaping

    def _is_run_orphan(self, proc: _Proc) -> bool:
        """A process adopted by us (subreaper): does it belong to this run?"""
        if proc.sid == self.pid or proc.pgid == self.pid:
            return True
        if self._members.get(proc.pid) == proc.start:
            return True  # seen in the run before (a zombie has lost its other marks)
        if self._cgroup is not None and self._cgroup.contains(proc.pid):
            return True
        uid = self._run_uid
        if uid is not None and uid != os.getuid() and _LIVE_UIDS[uid] == 1:
            return _proc_uid(proc.pid) == uid
        return False

    async def _sweep(self) -> None:
        """SIGKILL and reap every process of the run except our direct child."""
        if not self._plan.linux:
            with contextlib.suppress(OSError):
                os.killpg(self.pid, signal.SIGKILL)
            return
        me = os.getpid()
        deadline = time.monotonic() + _KILL_DEADLINE_S
        self._read_status()
        while True:
            procs = _scan_procs()
            victims = _descendants(procs, {self.pid})
            for p in procs.values():
                if p.pid in (self.pid, me) or p.pid in victims:
                    continue
                if p.sid == self.pid or p.pgid == self.pid:
                    victims.add(p.pid)
                elif p.ppid == me and p.pid not in _LIVE_PIDS and self._is_run_orphan(p):
                    victims.add(p.pid)
            if self._cgroup is not None:
                victims |= self._cgroup.pids()
            victims |= _descendants(procs, victims)
            victims |= {p for p in self._adopt if p in procs and procs[p].ppid == me}
            victims.discard(self.pid)
            victims.discard(me)
            if self._killed_by_us and self._usage_at_kill is None:
                self._usage_at_kill = _usage_of({self.pid} | victims)
            for pid in victims:
                if pid in procs:
                    self._members.setdefault(pid, procs[pid].start)
            if self._cgroup is not None and self._killed_by_us:
                # may include the direct child: fine, it is ours and dies anyway
                for pid, start in self._cgroup.kill().items():
                    self._members.setdefault(pid, start)
            alive = [v for v in victims if v in procs and procs[v].state != "Z"]
            ours = [v for v in victims if v in procs and procs[v].ppid == me and procs[v].state == "Z"]
            for pid in ours:
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, os.WNOHANG)
            if not alive and not ours:
                return
            for pid in alive:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
                    if pid not in self._adopt:  # bwrap's pid 1 may still be on its way out
                        self._parent_kills += 1
            if time.monotonic() > deadline:
                log.error("run %d: processes survive SIGKILL: %s", self.pid, sorted(alive))
                return
            await asyncio.sleep(0.005)

    def _reap(self) -> ExitInfo:
        try:
            _pid, status, usage = os.wait4(self.pid, 0)
        except ChildProcessError:
            status, usage = 0, None
        self._popen.returncode = os.waitstatus_to_exitcode(status) if status else 0
        _LIVE_PIDS.discard(self.pid)
        report, _pids = self._read_status()
        cpu_s = float(usage.ru_utime + usage.ru_stime) if usage is not None else 0.0
        # Never the gate's ru_maxrss: the gate was forked from asyncplay, and exec keeps
        # the larger of the old and new high-water marks, so it is asyncplay's own peak.
        peak_rss_kb = 0
        if self._usage_at_kill is not None:
            peak_rss_kb, cpu_s = self._usage_at_kill
        raw = report.get("status")
        if isinstance(raw, int):
            status = raw
            cpu_s = float(report.get("cpu_s", cpu_s))
            peak_rss_kb = int(report.get("maxrss_kb", peak_rss_kb))
        elif self._plan.bwrap and os.WIFEXITED(status) and 128 < os.WEXITSTATUS(status) < 128 + 65:
            # no report from the supervisor: bwrap folds a signal into 128 + n
            status = os.WEXITSTATUS(status) - 128
        if os.WIFSIGNALED(status):
            code, sig = None, _signame(os.WTERMSIG(status))
        elif os.WIFEXITED(status):
            code, sig = os.WEXITSTATUS(status), None
        else:  # a bare signal number from the bwrap fallback above
            code, sig = None, _signame(status)
        return ExitInfo(code, sig, cpu_s, self._killed_by_us, peak_rss_kb)

    def _read_status(self) -> tuple[dict[str, Any], set[int]]:
        if self._status_r >= 0:
            with contextlib.suppress(OSError):
                self._status_data += _read_all(self._status_r)
        report, pids = _parse_status(self._status_data)
        self._adopt |= pids
        return report, pids

    # -- setup helpers used by spawn()

    async def _reader(self, fd: int) -> asyncio.StreamReader:
        reader = asyncio.StreamReader(limit=_READER_LIMIT_BYTES, loop=self._loop)
        protocol = asyncio.StreamReaderProtocol(reader, loop=self._loop)
        pipe = os.fdopen(fd, "rb", buffering=0)
        try:
            transport, _ = await self._loop.connect_read_pipe(lambda: protocol, pipe)
        except BaseException:
            pipe.close()
            raise
        self._transports.append(transport)
        return reader

    async def _receive_handoff(self, sock: socket.socket) -> None:
        """Wait for the listening socket the child sends (or its exit, or a timeout)."""
        self._handoff = sock
        sock.setblocking(False)
        got: asyncio.Future[int | None] = self._loop.create_future()

        def on_readable() -> None:
            try:
                _msg, fds, _flags, _addr = socket.recv_fds(sock, 16, 4)
            except BlockingIOError:
                return
            except OSError:
                fds = []
            self._loop.remove_reader(sock.fileno())
            for extra in fds[1:]:
                os.close(extra)
            if not got.done():
                got.set_result(fds[0] if fds else None)

        self._loop.add_reader(sock.fileno(), on_readable)
        try:
            waiters: set[asyncio.Future[Any]] = {got, self._exited}
            await asyncio.wait(
                waiters, timeout=_HANDOFF_TIMEOUT_S, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            with contextlib.suppress(ValueError, RuntimeError):
                self._loop.remove_reader(sock.fileno())
        fd = got.result() if got.done() else None
        if fd is None:
            log.warning("run %d: no API socket handed over", self.pid)
            return
        os.set_inheritable(fd, False)
        try:
            api = socket.socket(fileno=fd)
        except OSError:
            os.close(fd)
            log.warning("run %d: handed-over fd is not a socket", self.pid)
            return
        try:
            listening = api.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) == 1
            ok = api.family == socket.AF_INET and api.type == socket.SOCK_STREAM and listening
            host, port = api.getsockname()[:2] if ok else ("", 0)
        except OSError:
            ok = False
        if not ok:
            api.close()
            log.warning("run %d: handed-over socket is not a listening TCP socket", self.pid)
            return
        self.api_socket = api
        self.api_url = f"http://{host}:{port}"


def _usage_of(pids: set[int]) -> tuple[int, float]:
    """(largest peak in KB, total CPU s) of the live processes among ``pids``."""
    peak_kb, cpu_s = 0, 0.0
    for pid in pids:
        got = _proc_usage(pid)
        if got is not None:
            peak_kb = max(peak_kb, got[0])
            cpu_s += got[1]
    return peak_kb, cpu_s


def _signame(num: int) -> str:
    try:
        return signal.Signals(num).name
    except ValueError:
        return f"SIG{num}"


def _set_pipe_size(fd: int, size: int) -> None:
    """Best effort: a bigger pipe lets its writer (the probe, the snippet) block less often."""
    import fcntl

    op = getattr(fcntl, "F_SETPIPE_SZ", None)
    if op is not None:
        with contextlib.suppress(OSError):
            fcntl.fcntl(fd, op, size)


async def spawn(
    snippet: Path,
    *,
    origin: str,
    limits: Limits = Limits(),
    stall_ms: float = 50.0,
    api: Literal["none", "port", "handoff"] = "none",
    api_port: int | None = None,
    info: SandboxInfo | None = None,
    extra_env: Mapping[str, str] | None = None,
    _argv: Sequence[str] | None = None,
) -> Child:
    """Start ``python -I -m playground.probe`` on a private copy of ``snippet``.

    The child's environment is exactly: ``PATH`` (the interpreter's directory,
    then /usr/local/bin:/usr/bin:/bin), ``LANG``/``LC_ALL`` = ``C.UTF-8``,
    ``HOME`` = ``TMPDIR`` = the work dir, ``MALLOC_ARENA_MAX=2``,
    ``ASYNCPLAY_EVENTS_FD``, ``API_URL`` (``api="port"``), then ``extra_env``.
    No ``PYTHONUNBUFFERED``: ``-I`` ignores every ``PYTHON*`` variable, so the
    probe sets up its own buffering.

    ``api="port"``: the parent serves the API on 127.0.0.1:``api_port`` (not
    reachable with bwrap). ``api="handoff"`` (bwrap only): the probe gets
    ``--handoff-fd`` and sends back a listening socket created inside the
    sandbox; it becomes :attr:`Child.api_socket` and :attr:`Child.api_url`.

    ``_argv`` (tests) replaces the probe command; the elements ``"{snippet}"``
    and ``"{handoff_fd}"`` are substituted.
    """
    if api not in ("none", "port", "handoff"):
        raise ValueError(f"unknown api mode {api!r}")
    plan = _plan_for(info)
    if api == "port":
        if api_port is None or not 0 < api_port < 65536:
            raise ValueError("api='port' needs api_port")
        if plan.bwrap:
            raise ValueError("api='port' is unreachable from bwrap's network namespace; use 'handoff'")
    if api == "handoff" and not plan.bwrap:
        raise ValueError("api='handoff' needs the bwrap layer; use 'port'")
    env_extra: list[tuple[str, str]] = []
    for key, value in (extra_env or {}).items():
        if not key or "=" in key or "\0" in key or "\0" in value or key == EVENTS_FD_ENV:
            raise ValueError(f"bad extra_env entry {key!r}")
        env_extra.append((key, value))

    loop = asyncio.get_running_loop()
    workdir = _make_workdir(plan)
    own: list[int] = []  # fds to close on failure
    child_side: list[int] = []  # fds to close in the parent once spawned
    cgroup: _RunCgroup | None = None
    handoff_parent: socket.socket | None = None
    child: Child | None = None
    try:
        copy = workdir / Path(snippet).name
        shutil.copyfile(snippet, copy)
        os.chmod(copy, 0o644)
        _chown(plan, copy)

        def pipe() -> tuple[int, int]:
            r, w = os.pipe()
            own.extend((r, w))
            child_side.append(w)
            return r, w

        gate_r, gate_w = os.pipe()
        own.extend((gate_r, gate_w))
        child_side.append(gate_r)
        out_r, out_w = pipe()
        err_r, err_w = pipe()
        events_r, events_w = pipe()
        status_r, status_w = pipe()
        _set_pipe_size(events_w, _EVENTS_PIPE_BYTES)
        _set_pipe_size(out_w, _OUTPUT_PIPE_BYTES)
        _set_pipe_size(err_w, _OUTPUT_PIPE_BYTES)
        pass_fds = [events_w, status_w]
        bwrap_status_w: int | None = None
        if plan.bwrap:
            bwrap_status_w = os.dup(status_w)
            own.append(bwrap_status_w)
            child_side.append(bwrap_status_w)
            pass_fds.append(bwrap_status_w)
        close_in_supervisor = [events_w]
        handoff_fd: int | None = None
        if api == "handoff":
            handoff_parent, handoff_child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            handoff_fd = handoff_child.detach()
            own.append(handoff_fd)
            child_side.append(handoff_fd)
            pass_fds.append(handoff_fd)
            close_in_supervisor.append(handoff_fd)

        if _argv is not None:
            subst = {"{snippet}": str(copy), "{handoff_fd}": str(handoff_fd)}
            argv = [subst.get(a, a) for a in _argv]
        else:
            argv = [sys.executable, "-I", "-m", "playground.probe", "--origin", origin]
            argv += ["--stall-ms", str(stall_ms)]
            if handoff_fd is not None:
                argv += ["--handoff-fd", str(handoff_fd)]
            argv.append(str(copy))
        env_extra.insert(0, (EVENTS_FD_ENV, str(events_w)))
        if api == "port":
            env_extra.insert(1, ("API_URL", f"http://127.0.0.1:{api_port}"))
        # off the loop: counting the uid's tasks for RLIMIT_NPROC walks /proc
        cmd, env = await asyncio.to_thread(
            _build,
            plan,
            workdir,
            copy,
            argv,
            limits,
            api_port if api == "port" else None,
            status_w,
            bwrap_status_w,
            close_in_supervisor,
            env_extra,
        )
        if plan.cgroups:
            cgroup = _RunCgroup.create(plan.cgroups, limits)
        # Popen stays on the loop's thread: the parent-death signal is tied to the
        # thread that forks, and executor threads may come and go.
        popen = subprocess.Popen(
            cmd,
            stdin=gate_r,
            stdout=out_w,
            stderr=err_w,
            pass_fds=pass_fds,
            close_fds=True,
            start_new_session=True,
            cwd=workdir,
            env=env,
        )
        _LIVE_PIDS.add(popen.pid)
        run_uid = plan.uid if plan.root else None
        if run_uid is not None:
            _LIVE_UIDS[run_uid] += 1
        for fd in child_side:
            os.close(fd)
            own.remove(fd)
        child = Child(
            popen=popen, plan=plan, workdir=workdir, cgroup=cgroup, status_r=status_r, loop=loop
        )
        own.remove(status_r)
        if cgroup is not None:
            # before the gate opens, so everything is born inside; the first move
            # waits for an RCU grace period (~10 ms): keep it off the loop
            await asyncio.to_thread(cgroup.add, popen.pid)
        with contextlib.suppress(BrokenPipeError):
            os.write(gate_w, b"go\n")
        os.close(gate_w)
        own.remove(gate_w)
        for name, fd in (("events", events_r), ("stdout", out_r), ("stderr", err_r)):
            own.remove(fd)
            setattr(child, name, await child._reader(fd))
        if api == "port":
            child.api_url = f"http://127.0.0.1:{api_port}"
        if handoff_parent is not None:
            sock, handoff_parent = handoff_parent, None
            await child._receive_handoff(sock)
        return child
    except BaseException:
        for fd in own:
            with contextlib.suppress(OSError):
                os.close(fd)
        if handoff_parent is not None:
            handoff_parent.close()
        if child is not None:
            await child.aclose()
        else:
            if cgroup is not None:
                cgroup.remove(timeout_s=0.5)
            _remove_tree(workdir)
        raise
