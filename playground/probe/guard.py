"""A courtesy, not a boundary: clear messages for things the sandbox forbids.

An audit hook (PEP 578) refuses network access other than the mock API, and
changes to the file system outside the run's work directory (opening for writing,
creating, removing, renaming, linking, truncating, changing modes or times), with
a message that says why and what to do instead. Every refusal is also reported as
a ``blocked`` event. The real enforcement is the sandbox's (bubblewrap, Landlock,
rlimits); code can get around an audit hook (a subprocess has none), but then it
meets the sandbox's wall, with a less friendly message.

The same hook also tells the recorder when new code appears while the snippet runs
(``Snippet.check_files``), so that task creation sites stay exact cheaply.
"""

from __future__ import annotations

import os
import sys
from typing import Any
from urllib.parse import urlsplit

from playground import protocol as P
from playground.probe.recorder import Recorder

__all__ = ["install"]

_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", None, b"127.0.0.1", b"localhost"}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_WRITE_OK = ("/dev/null", "/dev/shm", "/dev/tty")  # and what is below them
_WRITE_OK_PREFIXES = ("/proc/self/",)

#: Audit events that change the file system: event -> (indexes of the path
#: arguments, index of the dir_fd argument or None). Paths relative to a dir_fd
#: are left to the sandbox.
_FS_EVENTS: dict[str, tuple[tuple[int, ...], int | None]] = {
    "os.mkdir": ((0,), 2),
    "os.remove": ((0,), 1),
    "os.rmdir": ((0,), 1),
    "os.rename": ((0, 1), 2),
    "os.link": ((0, 1), 2),
    "os.symlink": ((1,), 2),
    "os.truncate": ((0,), None),
    "os.chmod": ((0,), 2),
    "os.chown": ((0,), 3),
    "os.utime": ((0,), 3),
    "os.mkfifo": ((0,), 2),
    "os.mknod": ((0,), 3),
}
_FS_VERBS = {
    "os.mkdir": "creating", "os.remove": "removing", "os.rmdir": "removing",
    "os.rename": "renaming", "os.link": "linking", "os.symlink": "creating a link at",
    "os.truncate": "truncating", "os.chmod": "changing the mode of",
    "os.chown": "changing the owner of", "os.utime": "changing the times of",
    "os.mkfifo": "creating", "os.mknod": "creating",
}


def _is_loopback(host: Any) -> bool:
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    return isinstance(host, str) and (
        host == "localhost" or host == "::1" or host.startswith("127.") or host == "::ffff:127.0.0.1"
    )


def install(rec: Recorder, api_url: str | None, workdir: str) -> None:
    api_port: int | None = None
    if api_url:
        try:
            api_port = urlsplit(api_url).port
        except ValueError:
            api_port = None
    where = f"the built-in mock API at {api_url}" if api_url else "the built-in mock API (API_URL)"
    workdir = os.path.realpath(workdir)
    only_here = f"a snippet may change files only in its own working directory ({workdir})"

    def refuse(what: str, message: str) -> None:
        rec.emit({"kind": P.K_BLOCKED, "what": what, "message": message})
        raise PermissionError(message)

    def inside(path: Any) -> bool:
        full = os.path.realpath(os.fsdecode(path))
        if full == workdir or full.startswith(workdir + os.sep):
            return True
        if any(full == ok or full.startswith(ok + os.sep) for ok in _WRITE_OK):
            return True
        return full.startswith(_WRITE_OK_PREFIXES)

    def _check_getaddrinfo(args: tuple[Any, ...]) -> None:
        host = args[0]
        if host not in _LOCAL_HOSTS:
            if isinstance(host, bytes):
                host = host.decode(errors="replace")
            refuse("network", f"network access to {host} is blocked: lessons use {where}")

    def _check_connect(args: tuple[Any, ...]) -> None:
        address = args[1]
        if not isinstance(address, tuple) or len(address) < 2:
            return  # AF_UNIX and friends
        host, port = address[0], address[1]
        if host in ("127.0.0.1", "::1", "localhost") and port == api_port:
            return
        refuse("network", f"network access to {host}:{port} is blocked: lessons use {where}")

    def _check_send(args: tuple[Any, ...]) -> None:
        address = args[1] if len(args) > 1 else None
        if not isinstance(address, tuple) or len(address) < 2:
            return  # connected sockets (already checked) and AF_UNIX
        refuse("network", f"sending to {address[0]}:{address[1]} is blocked: lessons use {where}")

    def _check_bind(args: tuple[Any, ...]) -> None:
        address = args[1]
        if not isinstance(address, tuple) or len(address) < 2 or _is_loopback(address[0]):
            return
        host = address[0] or "every interface"
        refuse("network", f"listening on {host}:{address[1]} is blocked: "
               "a snippet may listen on 127.0.0.1 only")

    def _check_fs(event: str, args: tuple[Any, ...]) -> None:
        paths, dir_fd = _FS_EVENTS[event]
        if dir_fd is not None and len(args) > dir_fd and args[dir_fd] not in (None, -1, -100):
            return  # relative to a directory fd: the sandbox decides
        for i in paths:
            path = args[i] if len(args) > i else None
            if isinstance(path, (str, bytes, os.PathLike)) and not inside(path):
                refuse("write", f"{_FS_VERBS[event]} {os.fsdecode(path)} is blocked: {only_here}")

    def _check_open(args: tuple[Any, ...]) -> None:
        path, mode, flags = args[0], args[1], args[2]
        if isinstance(mode, str):
            writing = any(c in mode for c in "wax+")
        elif isinstance(flags, int):
            writing = bool(flags & _WRITE_FLAGS)
        else:
            return
        if not writing or not isinstance(path, (str, bytes, os.PathLike)):
            return
        if not inside(path):
            refuse("write", f"writing to {os.fsdecode(path)} is blocked: {only_here}")

    checks: dict[str, Any] = {
        "open": _check_open,
        "socket.connect": _check_connect,
        "socket.sendto": _check_send,
        "socket.sendmsg": _check_send,
        "socket.bind": _check_bind,
        "socket.getaddrinfo": _check_getaddrinfo,
    }
    for fs_event in _FS_EVENTS:
        checks[fs_event] = lambda args, _event=fs_event: _check_fs(_event, args)

    getframe = sys._getframe
    snippet = rec.snippet

    def _new_code(args: tuple[Any, ...]) -> None:
        # Code compiled or built by the snippet's own code (exec, eval, compile,
        # types.CodeType) may run with the snippet's globals under another file
        # name: frames are then checked by name too. Code that other modules make
        # for themselves (an import, a namedtuple) runs with their globals: it is
        # left alone, or every import would turn the check on.
        if snippet.check_files:
            return
        try:
            caller = getframe(2)  # 0: this function, 1: the hook, 2: who made the code
        except ValueError:
            return
        if caller.f_globals is snippet.globals:
            snippet.check_files = True

    for code_event in ("compile", "exec", "code.__new__", "marshal.loads"):
        checks[code_event] = _new_code
    check = checks.get

    def hook(event: str, args: tuple[Any, ...]) -> None:
        # called for every audited event in the process (some on hot paths): one lookup
        found = check(event)
        if found is not None:
            found(args)

    sys.addaudithook(hook)
