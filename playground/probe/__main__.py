"""Entry point of the child: ``python -I -m playground.probe [options] FILE``.

Sets up the event channel, instruments asyncio, then runs FILE as ``__main__``
(compiled under ``--origin`` so every file/line and traceback names the user's own
path), and reports how it ended.

A warm start (``--go-fd N``, no FILE): the child is started ahead of its run, imports
everything, then waits on fd N for what is per run (see :func:`_wait_for_go`); it
writes the snippet it is given into its (so far empty) working directory and goes on
as above.
"""

from __future__ import annotations

import argparse
import errno
import fcntl
import gc
import linecache
import os
import resource
import signal
import socket
import sys
import traceback
import types
from time import perf_counter
from types import TracebackType
from typing import Any

from playground import protocol as P
from playground.probe import guard, hooks
from playground.probe.memory import peak_rss_kb
from playground.probe.recorder import Recorder


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m playground.probe")
    parser.add_argument("file", nargs="?")
    parser.add_argument("--origin", help="path reported for the snippet (default: FILE)")
    parser.add_argument("--stall-ms", type=float, default=50.0)
    parser.add_argument("--handoff-fd", type=int, default=None)
    parser.add_argument("--trace", action="store_true",
                        help="send every callback the loop runs as a step")
    parser.add_argument("--go-fd", type=int, default=None,
                        help="warm start: wait on this fd for the run (no FILE)")
    # For measurements (benchmarks/instructions.py): how often events are sent, and
    # what drives the probe's clock (the interval timer, or a watchdog thread).
    parser.add_argument("--flush-ms", type=float, default=50.0)
    parser.add_argument("--clock", choices=("timer", "thread"), default="timer")
    parser.add_argument("--heartbeat-ms", type=float, default=10.0)
    args = parser.parse_args(argv)
    if (args.file is None) == (args.go_fd is None):
        parser.error("give FILE, or --go-fd without FILE")
    return args


#: The most a go message's header may take (the snippet's bytes follow it).
_GO_HEADER_MAX = 65536


def _read_exactly(fd: int, size: int) -> bytes:
    chunks: list[bytes] = []
    while size > 0:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            raise EOFError("the parent closed the go channel")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _wait_for_go(args: argparse.Namespace) -> None:
    """Warm start: block until the parent sends the run, then fill ``args`` with it.

    The message is one JSON line (``file``: a bare file name, ``origin``, ``stall_ms``,
    ``trace``, ``size``) and then ``size`` bytes, the snippet, written here into the
    working directory (empty until now) as a cold start's copy would be. EOF (the run
    was discarded unused) ends the child quietly.
    """
    import json

    fd = args.go_fd
    header = b""
    try:
        while not header.endswith(b"\n"):
            byte = os.read(fd, 1)
            if not byte or len(header) > _GO_HEADER_MAX:
                os._exit(0)
            header += byte
        go = json.loads(header)
        raw = _read_exactly(fd, int(go["size"]))
    except (OSError, EOFError, ValueError, KeyError, TypeError):
        os._exit(0)
    finally:
        os.close(fd)
    name = os.path.basename(str(go["file"]))
    if not name or name in (".", ".."):
        os._exit(125)
    with open(name, "wb") as f:
        f.write(raw)
    os.chmod(name, 0o644)
    args.file = os.path.abspath(name)
    args.origin = str(go.get("origin") or args.file)
    args.stall_ms = float(go.get("stall_ms", args.stall_ms))
    args.trace = bool(go.get("trace", args.trace))


def _high_fd(fd: int, above: int = 0) -> int:
    """``fd`` moved to a high, close-on-exec fd, out of the snippet's way."""
    # fd 200, or near the top of a lower RLIMIT_NOFILE (F_DUPFD wants it below).
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    target = 200 if soft == resource.RLIM_INFINITY or soft > 216 else max(3, soft - 16)
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, target + above)
    os.close(fd)
    return high


def _events_fd() -> int:
    """The event channel, moved out of the snippet's way."""
    raw = os.environ.pop(P.EVENTS_FD_ENV, None)
    if raw is None:
        return os.open(os.devnull, os.O_WRONLY | os.O_CLOEXEC)
    return _high_fd(int(raw))


def _control_fd() -> int | None:
    """Step mode's control channel (parent -> probe), moved as the event channel is;
    None when the run is not stepped."""
    raw = os.environ.pop(P.CONTROL_FD_ENV, None)
    return None if raw is None else _high_fd(int(raw), 1)


def _handoff(fd: int) -> None:
    """Create the mock API's listening socket here (in the sandbox's network
    namespace) and hand it to the parent, which serves it."""
    channel = socket.socket(fileno=fd)
    try:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(128)
        port = listener.getsockname()[1]
        socket.send_fds(channel, [b"L"], [listener.fileno()])
        listener.close()
        os.environ["API_URL"] = f"http://127.0.0.1:{port}"
    finally:
        channel.close()


def _error_location(origin: str, tb: TracebackType | None) -> tuple[str | None, int | None]:
    file = line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == origin:
            file, line = origin, tb.tb_lineno
        tb = tb.tb_next
    return file, line


_PROBE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _first_snippet_tb(origin: str, tb: TracebackType | None) -> TracebackType | None:
    """The traceback as if Python ran the file: without the probe's frames around
    the snippet's (its runner above, the guard's audit hook below)."""
    entries: list[TracebackType] = []
    while tb is not None:
        entries.append(tb)
        tb = tb.tb_next
    first = next((i for i, e in enumerate(entries) if e.tb_frame.f_code.co_filename == origin), None)
    if first is None:
        return entries[0] if entries else None  # not the snippet's fault: show everything
    entries = entries[first:]
    while len(entries) > 1 and entries[-1].tb_frame.f_code.co_filename.startswith(_PROBE_DIR):
        entries.pop()
    out: TracebackType | None = None
    for e in reversed(entries):
        out = types.TracebackType(out, e.tb_frame, e.tb_lasti, e.tb_lineno)
    return out


def _exit_code(exc: SystemExit) -> int:
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    args = _parse(sys.argv[1:] if argv is None else argv)
    if args.handoff_fd is not None:
        # before a warm start's wait: the parent waits for the socket at spawn
        _handoff(args.handoff_fd)
    events = _events_fd()
    if args.go_fd is not None:
        os.write(events, P.WARM_READY)  # the parent may count on a run starting at once now
        _wait_for_go(args)
    origin = args.origin or os.path.abspath(args.file)
    rec = Recorder(events, origin, stall_ms=args.stall_ms, flush_s=args.flush_ms / 1000,
                   heartbeat_s=args.heartbeat_ms / 1000, trace=args.trace,
                   control_fd=_control_fd())
    rec.start({"pid": os.getpid(), "python": sys.version.split()[0], "file": origin,
               "stall_ms": args.stall_ms, "trace": rec.trace is not None,
               "step": rec.gate is not None}, timer=args.clock == "timer")

    with open(args.file, "rb") as f:
        raw = f.read()
    source = raw.decode("utf-8", errors="replace")
    linecache.cache[origin] = (len(source), None, source.splitlines(True), origin)
    rec.source = source

    # Output must reach the parent as it happens, not when a 8 KiB buffer fills.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(line_buffering=True)  # type: ignore[union-attr]
        except (AttributeError, ValueError):
            pass

    hooks.install(rec)
    guard.install(rec, os.environ.get("API_URL"), workdir=os.path.dirname(os.path.abspath(args.file)))
    signal.signal(signal.SIGXCPU, lambda *_: _cpu_limit(rec))

    module = types.ModuleType("__main__")
    module.__file__ = origin
    module.__builtins__ = __builtins__  # type: ignore[attr-defined]
    sys.modules["__main__"] = module
    rec.snippet_globals = module.__dict__
    sys.argv = [origin]
    sys.path.insert(0, os.path.dirname(os.path.abspath(args.file)))

    # Everything allocated so far (the interpreter's modules, the probe) is
    # long-lived: keep it out of the snippet's garbage collections.
    gc.collect()
    gc.freeze()
    exit_code = 0
    start = perf_counter()
    try:
        code = compile(raw, origin, "exec", dont_inherit=True)
        rec.check_files = False  # the guard's audit hook sets it again if code appears
        rec.emit({"kind": P.K_STARTED})
        start = perf_counter()
        exec(code, module.__dict__)
    except SystemExit as exc:
        exit_code = _exit_code(exc)
    except BaseException as exc:  # the snippet's uncaught exception, reported as Python would
        exit_code = 1
        _report_error(rec, origin, exc)
    wall_ms = (perf_counter() - start) * 1000
    # What only the garbage collector frees (an uncaught exception's traceback holds the
    # snippet's frames in a cycle through its task) says its last words now, while the
    # probe still listens: a coroutine never awaited, a task destroyed while pending.
    # Left to the interpreter's exit, they would reach stderr but not the report.
    gc.collect()
    sys.stdout.flush()
    rec.stop({"wall_ms": round(wall_ms, 3), "peak_rss_kb": peak_rss_kb(), "exit_code": exit_code})
    return exit_code


def _report_error(rec: Recorder, origin: str, exc: BaseException) -> None:
    file, line = _error_location(origin, exc.__traceback__)
    if isinstance(exc, SyntaxError) and exc.filename == origin:
        file, line = origin, exc.lineno
    event: dict[str, Any] = {"kind": P.K_ERROR, "type": type(exc).__name__,
                             "message": str(exc)[:1000], "file": file, "line": line}
    if isinstance(exc, OSError) and exc.errno is not None:
        event["errno"] = errno.errorcode.get(exc.errno, str(exc.errno))
    rec.emit(event)
    try:
        tb = _first_snippet_tb(origin, exc.__traceback__)
        if isinstance(exc, SyntaxError) and exc.filename == origin:
            tb = None  # Python shows only the offending line for these
        traceback.print_exception(type(exc), exc, tb)
    except Exception:
        pass


def _cpu_limit(rec: Recorder) -> None:
    rec.emit({"kind": P.K_LIMIT, "limit": "cpu", "message": "CPU time limit reached"})
    rec.flush(final=True)
    signal.signal(signal.SIGXCPU, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGXCPU)


if __name__ == "__main__":
    sys.exit(main())
