"""A courtesy, not a boundary: clear messages for things the sandbox forbids.

An audit hook (PEP 578) refuses network access other than the mock API and writes
outside the run's work directory, with a message that says why and what to do
instead. The real enforcement is the sandbox's (bubblewrap, Landlock, rlimits);
code can get around an audit hook, but then it meets the sandbox's wall, with a less
friendly message.
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
_WRITE_OK_PREFIXES = ("/dev/null", "/dev/shm", "/dev/tty", "/proc/self/")


def install(rec: Recorder, api_url: str | None, workdir: str) -> None:
    api_port: int | None = None
    if api_url:
        try:
            api_port = urlsplit(api_url).port
        except ValueError:
            api_port = None
    where = f"the built-in mock API at {api_url}" if api_url else "the built-in mock API (API_URL)"
    workdir = os.path.realpath(workdir)

    def refuse(what: str, message: str) -> None:
        rec.emit({"kind": P.K_BLOCKED, "what": what, "message": message})
        raise PermissionError(message)

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event == "open":
            _check_open(args)
        elif event == "socket.connect":
            _check_connect(args)
        elif event == "socket.getaddrinfo":
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

    def _check_open(args: tuple[Any, ...]) -> None:
        path, mode, flags = args[0], args[1], args[2]
        if isinstance(mode, str):
            writing = any(c in mode for c in "wax+")
        elif isinstance(flags, int):
            writing = bool(flags & _WRITE_FLAGS)
        else:
            return
        if not writing or not isinstance(path, (str, bytes)):
            return
        text = os.fsdecode(path)
        full = os.path.realpath(text)
        if full == workdir or full.startswith(workdir + os.sep) or full.startswith(_WRITE_OK_PREFIXES):
            return
        refuse("write", f"writing to {text} is blocked: snippets may write only in their "
               f"private working directory ({workdir})")

    sys.addaudithook(hook)
