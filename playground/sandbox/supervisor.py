"""The supervisor: the program that runs first inside every run, as its init.

It is started as ``python -I -S -c BOOTSTRAP CODE SPEC``: this module's compiled
code and the run's spec, both marshalled (see :func:`playground.sandbox.command.build`).
It becomes a child subreaper, forks the snippet's process (which drops limits,
uid, capabilities and Landlock on itself, then execs the probe), reaps it, kills
whatever the snippet left, reports the exact status on the status pipe and exits
with the same status. It is a fresh single-threaded interpreter, so nothing runs
between fork and exec in the threaded parent.

Standard library only, and only modules that cost nothing to import (no json,
enum, typing or signal: each would add milliseconds to every run). The parent
imports the same helpers (prctl, the Landlock syscall, the /proc tree walk).
"""

from __future__ import annotations

import ctypes
import os
import struct

__all__ = ["main", "prctl", "landlock_syscall", "children_of", "descendants"]

# prctl(2) options
PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_CAPBSET_DROP = 24
PR_SET_SECUREBITS = 28
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
#: NOROOT, NO_SETUID_FIXUP, KEEP_CAPS_LOCKED, NO_CAP_AMBIENT_RAISE, each with its
#: lock bit: uid 0 gains no capabilities on exec any more.
SECBITS_ALL_LOCKED = 0xEF
_LINUX_CAPABILITY_VERSION_3 = 0x20080522
_EINVAL = 22

# Landlock system calls (the same number on every mainstream architecture)
SYS_LANDLOCK_CREATE_RULESET = 444
SYS_LANDLOCK_ADD_RULE = 445
SYS_LANDLOCK_RESTRICT_SELF = 446
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1
LANDLOCK_RULE_NET_PORT = 2
# file system rights
LL_EXECUTE, LL_WRITE_FILE, LL_READ_FILE, LL_READ_DIR = 1, 2, 4, 8
LL_WRITES = 2 | 16 | 32 | 64 | 128 | 256 | 512 | 1024 | 2048 | 4096  # WRITE_FILE .. MAKE_SYM
LL_REFER = 1 << 13  # ABI 2
LL_TRUNCATE = 1 << 14  # ABI 3
LL_CONNECT_TCP = 2  # ABI 4, network rights
LL_SCOPE_ABSTRACT_UNIX_SOCKET, LL_SCOPE_SIGNAL = 1, 2  # ABI 6

# unshare(2) and mount(2) flags
CLONE_NEWNS, CLONE_NEWIPC = 0x00020000, 0x08000000
MS_NOSUID, MS_NODEV, MS_REC, MS_PRIVATE = 2, 4, 16384, 1 << 18

_libc = ctypes.CDLL(None, use_errno=True)


def _error(what: str) -> OSError:
    err = ctypes.get_errno()
    return OSError(err, f"{what}: {os.strerror(err)}")


def prctl(option: int, arg2: int) -> None:
    zero = ctypes.c_ulong(0)
    if _libc.prctl(ctypes.c_int(option), ctypes.c_ulong(arg2), zero, zero, zero) != 0:
        raise _error(f"prctl({option}, {arg2})")


def landlock_syscall(nr: int, *args: object) -> int:
    result = int(_libc.syscall(ctypes.c_long(nr), *args))
    if result < 0:
        raise _error(f"landlock syscall {nr}")
    return result


def _call(result: int, what: str) -> None:
    if result != 0:
        raise _error(what)


def children_of() -> dict[int, list[int]]:
    """{ppid: [pids]} of every process in /proc now."""
    children: dict[int, list[int]] = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return children
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
    return children


def descendants(children: dict[int, list[int]], roots: set[int] | list[int]) -> set[int]:
    """Every process below ``roots`` in the tree ``children`` ({ppid: [pids]})."""
    found: set[int] = set()
    todo = list(roots)
    while todo:
        for pid in children.get(todo.pop(), ()):
            if pid not in found:
                found.add(pid)
                todo.append(pid)
    return found


def drop_caps(spec: dict) -> None:
    """Lose every capability for good (root without a uid drop, or after it)."""
    if spec.get("securebits"):
        prctl(PR_SET_SECUREBITS, SECBITS_ALL_LOCKED)
    if spec.get("drop_bounding"):
        try:
            with open("/proc/sys/kernel/cap_last_cap") as f:
                last = int(f.read())
        except (OSError, ValueError):
            last = 63
        for cap in range(last + 1):
            try:
                prctl(PR_CAPBSET_DROP, cap)
            except OSError as exc:
                if exc.errno != _EINVAL:  # no such capability on this kernel
                    raise
    if spec.get("clear_caps"):
        try:
            prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
        except OSError:
            pass
        header = ctypes.create_string_buffer(struct.pack("=Ii", _LINUX_CAPABILITY_VERSION_3, 0), 8)
        data = ctypes.create_string_buffer(24)  # two empty {effective, permitted, inheritable}
        _call(_libc.capset(header, data), "capset")


def landlock(ll: dict) -> None:
    """Restrict this process (and what it execs) with Landlock (see docs/SECURITY.md)."""
    import stat

    abi = int(ll["abi"])
    read = LL_EXECUTE | LL_READ_FILE | LL_READ_DIR
    write = LL_WRITES
    file_rights = LL_EXECUTE | LL_WRITE_FILE | LL_READ_FILE
    if abi >= 2:
        write |= LL_REFER
    if abi >= 3:
        write |= LL_TRUNCATE
        file_rights |= LL_TRUNCATE
    handled_fs = write | (read if ll.get("read") is not None else 0)
    if not ll.get("fs", True):  # inside bwrap: the mount namespace already limits files
        handled_fs = 0
    handled_net = LL_CONNECT_TCP if abi >= 4 and ll.get("net") else 0
    scoped = LL_SCOPE_ABSTRACT_UNIX_SOCKET | LL_SCOPE_SIGNAL if abi >= 6 and ll.get("scope") else 0
    if abi >= 6:
        attr = struct.pack("=QQQ", handled_fs, handled_net, scoped)
    elif abi >= 4:
        attr = struct.pack("=QQ", handled_fs, handled_net)
    else:
        attr = struct.pack("=Q", handled_fs)
    ruleset = landlock_syscall(SYS_LANDLOCK_CREATE_RULESET, attr, ctypes.c_size_t(len(attr)),
                               ctypes.c_uint32(0))
    try:

        def add_rule(kind: int, rule: bytes) -> None:
            landlock_syscall(SYS_LANDLOCK_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(kind),
                             rule, ctypes.c_uint32(0))

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
                    add_rule(LANDLOCK_RULE_PATH_BENEATH, struct.pack("=Qi", rights, fd))
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
                add_rule(LANDLOCK_RULE_NET_PORT, struct.pack("=QQ", LL_CONNECT_TCP, int(port)))
        landlock_syscall(SYS_LANDLOCK_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0))
    finally:
        os.close(ruleset)


def private_mounts(pm: dict) -> None:
    """Without bwrap, as root: a mount and IPC namespace of the run's own, with a
    private, size-limited /dev/shm and work directory (the snippet's copy moved in).
    Nothing the run puts in shared memory, or writes, outlives it or fills the disk."""
    _call(_libc.unshare(CLONE_NEWNS | CLONE_NEWIPC), "unshare")
    _call(_libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "make / private")
    _call(_libc.mount(b"tmpfs", b"/dev/shm", b"tmpfs", MS_NOSUID | MS_NODEV,
                      f"size={pm['shm_bytes']},mode=1777".encode()), "mount /dev/shm")
    keep = {}
    for path in pm["files"]:
        with open(path, "rb") as f:
            keep[path] = f.read()
    owner = "" if pm["uid"] is None else f",uid={pm['uid']},gid={pm['gid']}"
    _call(_libc.mount(b"tmpfs", pm["workdir"].encode(), b"tmpfs", MS_NOSUID | MS_NODEV,
                      f"size={pm['work_bytes']},mode=0700{owner}".encode()), "mount workdir")
    os.chdir(pm["workdir"])  # the old cwd is the directory now hidden below the mount
    for path, data in keep.items():
        with open(path, "wb") as out:
            out.write(data)
        os.chmod(path, 0o644)
        if pm["uid"] is not None:
            os.chown(path, pm["uid"], pm["gid"])


def child(spec: dict, supervisor: int) -> None:
    """In the forked child: drop everything, then exec the snippet's command."""
    import resource
    import _signal as signal  # the enum-free builtin: `signal` costs ~4 ms

    try:
        os.setpgid(0, 0)  # killpg(0) from the snippet must not reach the supervisor
        if spec.get("private_mounts"):
            private_mounts(spec["private_mounts"])
        for res, soft, hard in spec["rlimits"]:
            resource.setrlimit(res, (soft, hard))
        if spec.get("drop_bounding") and spec.get("uid") is not None:
            drop_caps({"drop_bounding": True})
        gid, uid = spec.get("gid"), spec.get("uid")
        if gid is not None:
            os.setgroups([])
            os.setresgid(gid, gid, gid)
        if uid is not None:
            os.setresuid(uid, uid, uid)
        if uid is None:
            drop_caps(spec)
        elif spec.get("clear_caps"):
            drop_caps({"clear_caps": True})
        if spec.get("linux"):
            prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # set after the uid change
            if os.getppid() != supervisor:
                os._exit(125)
            prctl(PR_SET_NO_NEW_PRIVS, 1)
        if spec.get("landlock"):
            landlock(spec["landlock"])
        for sig in (signal.SIGPIPE, signal.SIGXFSZ):
            signal.signal(sig, signal.SIG_DFL)
        argv = spec["argv"]
        os.execve(argv[0], argv, spec["env"])  # exactly this env, whatever sh/bwrap added
    except BaseException as exc:  # noqa: BLE001 - anything here means: do not run
        try:
            os.write(2, f"asyncplay sandbox: could not start the run: {exc}\n".encode())
        finally:
            os._exit(126)


def main() -> None:
    """Fork the snippet, reap it, kill what it left, report, mirror its status."""
    import marshal
    import sys
    import time
    import _signal as signal

    spec = marshal.loads(bytes.fromhex(sys.argv[2]))
    status_fd = int(spec["status_fd"])
    os.set_inheritable(status_fd, False)
    if spec.get("linux"):
        prctl(PR_SET_DUMPABLE, 0)  # the supervisor never dumps core
        parent = spec.get("parent_pid")
        if parent:
            prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
            if os.getppid() != parent:
                os._exit(125)
        prctl(PR_SET_CHILD_SUBREAPER, 1)
    me = os.getpid()
    pid = os.fork()
    if pid == 0:
        child(spec, me)
    for fd in spec.get("close_fds", ()):
        try:
            os.close(fd)
        except OSError:
            pass
    status: int | None = None
    usage = None
    while status is None:
        try:
            got, st, ru = os.wait4(-1, 0)
        except InterruptedError:
            continue
        except ChildProcessError:
            break
        if got == pid:
            status, usage = st, ru
    # The snippet's process is gone: nothing it started may outlive it. A signal to a
    # process group, or to everything in our own pid namespace (there kill(-1) spares
    # only us and the namespace's init), is atomic against fork: a fork bomb cannot
    # outrun it, while the walk of /proc (for what left the group) sees only what exists.
    for _ in range(1000):
        try:
            os.killpg(pid, signal.SIGKILL)  # the snippet's group: it did setpgid(0, 0)
        except OSError:
            pass
        if spec.get("own_pid_ns"):
            try:
                os.kill(-1, signal.SIGKILL)
            except OSError:
                pass
        for victim in descendants(children_of(), [me]):
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


if __name__ == "__main__":  # exec'd by the bootstrap in the run, as `python -c`
    main()
