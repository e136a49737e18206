"""One running snippet (:class:`Child`): it is told when the run's process exits,
kills the run's whole tree (cgroup, the walk of /proc below it, orphans adopted by
asyncplay that carry the run's marks), reaps it, reads the supervisor's report and
releases every fd, the work directory and the cgroups."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from playground.sandbox.cgroups import RunCgroup
from playground.sandbox.command import parse_status, read_all, remove_tree
from playground.sandbox.handoff import receive_listening_socket
from playground.sandbox.pipes import OutputChunks, PipePump, write_all
from playground.sandbox.plan import Plan
from playground.sandbox.procfs import Proc, descendants, proc_uid, scan_procs, usage_of
from playground.sandbox.types import MIB, ExitInfo, SandboxInfo

__all__ = ["HANDOFF_TIMEOUT_S", "Child", "LIVE_PIDS", "LIVE_UIDS"]

log = logging.getLogger(__name__)

LIVE_PIDS: set[int] = set()  # direct children of live runs
LIVE_UIDS: Counter[int] = Counter()  # dropped uid -> live runs using it
_READER_LIMIT_BYTES = 1 * MIB
#: How long spawn() waits for the listening socket the child sends (``api="handoff"``),
#: unless the child exits first.
HANDOFF_TIMEOUT_S = 10.0
_KILL_DEADLINE_S = 5.0
#: How long aclose waits for an output pipe's thread to close it (it polls every 0.2 s).
_PUMP_JOIN_S = 2.0
#: What a pipe takes without its reader (Linux: 64 KiB; PIPE_BUF is less, but a go
#: message has a single writer).
_PIPE_ATOMIC = 65536


class Child:
    """One running snippet. Create with :func:`spawn`; always ``await aclose()``."""

    pid: int
    workdir: Path
    info: SandboxInfo
    events: asyncio.StreamReader
    stdout: OutputChunks
    stderr: OutputChunks
    api_url: str | None
    api_socket: socket.socket | None

    def __init__(
        self,
        *,
        popen: subprocess.Popen[bytes],
        plan: Plan,
        workdir: Path,
        cgroup: RunCgroup | None,
        status_r: int,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self.pid = popen.pid
        self.workdir = workdir
        self.info = plan.info
        self.api_url = None
        self.api_socket = None
        self.control_fd = -1  # step mode: the write end of the control channel
        self.go_fd = -1  # a warm start, until go(): the write end of the go channel
        self._popen = popen
        self._plan = plan
        self._cgroup = cgroup
        self._status_r = status_r
        self._status_data = b""
        self._adopt: set[int] = set()  # pids bwrap announced (its pid 1)
        self._members: dict[int, int] = {}  # pid -> start time of every process seen in the run
        self._parent_kills = 0  # see parent_kills
        # (peak KB, CPU s) of the run's processes just before kill() (no supervisor report then)
        self._usage_at_kill: tuple[int, float] | None = None
        self._loop = loop
        self._run_uid = plan.uid if plan.root else None
        self._transports: list[asyncio.BaseTransport] = []
        self._pumps: list[PipePump] = []
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

    @property
    def parent_kills(self) -> int:
        """How many of the run's processes the parent had to SIGKILL itself. After a
        run that ended on its own it is 0: the supervisor cleaned up its tree (a
        process that outlived it is the parent's sweep's work, and counted here)."""
        return self._parent_kills

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

    @property
    def waiting(self) -> bool:
        """A warm start still waiting for :meth:`go`, and alive."""
        return self.go_fd >= 0 and not self._exited.done() and not self._closed

    async def go(self, name: str, code: bytes, *, origin: str, stall_ms: float,
                 trace: bool = False) -> None:
        """Start a warm child's run: ``code`` becomes the file ``name`` in its work
        directory, run under ``origin`` (see ``playground.probe``'s ``--go-fd``).
        OSError when the child is gone (discard it and start anew)."""
        if self.go_fd < 0:
            raise RuntimeError("not a warm child waiting for its run")
        header = json.dumps({"file": name, "origin": origin, "stall_ms": stall_ms,
                             "trace": trace, "size": len(code)})
        message = header.encode() + b"\n" + code
        fd, self.go_fd = self.go_fd, -1
        try:
            if len(message) <= _PIPE_ATOMIC:
                os.write(fd, message)  # the pipe holds it all: no wait
            else:
                await asyncio.to_thread(write_all, fd, message)
        finally:
            os.close(fd)

    def send_control(self, command: str) -> bool:
        """Write one command line to the probe's control channel (step mode); False
        when there is none, the child is gone, or the pipe is full."""
        if self.control_fd < 0:
            return False
        try:
            return os.write(self.control_fd, command.encode("ascii") + b"\n") > 0
        except (BlockingIOError, BrokenPipeError, OSError):
            return False

    async def aclose(self) -> None:
        """Kill if needed, reap, close every fd and socket, remove work dir and cgroup."""
        if self._closed:
            return
        self._closed = True
        pumps = list(self._pumps)
        try:
            if not self._exited.done():
                await self.kill()
            try:
                await asyncio.wait_for(self.wait(), _KILL_DEADLINE_S * 2)
            except asyncio.TimeoutError:
                log.error("run %d did not end after SIGKILL", self.pid)
        finally:
            self._release()
            # Each output pipe is closed by its pump's thread (at EOF, or within its poll
            # once told to stop): wait for that, so that no fd outlives aclose.
            await asyncio.gather(*(asyncio.to_thread(pump.join, _PUMP_JOIN_S) for pump in pumps))

    def _release(self) -> None:
        for tr in self._transports:
            tr.close()
        self._transports.clear()
        for pump in self._pumps:
            pump.stop()  # at EOF already, unless a process outlived the kill
        self._pumps.clear()
        if self._pidfd is not None:
            with contextlib.suppress(ValueError, RuntimeError):
                self._loop.remove_reader(self._pidfd)
            os.close(self._pidfd)
            self._pidfd = None
        if self._status_r >= 0:
            os.close(self._status_r)
            self._status_r = -1
        if self.control_fd >= 0:
            os.close(self.control_fd)
            self.control_fd = -1
        if self.go_fd >= 0:
            os.close(self.go_fd)
            self.go_fd = -1
        for sock in (self._handoff, self.api_socket):
            if sock is not None:
                with contextlib.suppress(ValueError, RuntimeError):
                    self._loop.remove_reader(sock.fileno())
                sock.close()
        self._handoff = None
        if self._cgroup is not None:
            self._cgroup.remove()
        remove_tree(self.workdir)
        if self._result is None:
            # could not reap (should not happen): leave it to subprocess' cleanup
            log.error("run %d left unreaped", self.pid)
        LIVE_PIDS.discard(self.pid)
        if self._run_uid is not None and LIVE_UIDS[self._run_uid] > 0:
            LIVE_UIDS[self._run_uid] -= 1

    # -- killing and reaping

    def _is_run_orphan(self, proc: Proc) -> bool:
        """A process adopted by us (subreaper): does it belong to this run?"""
        if proc.sid == self.pid or proc.pgid == self.pid:
            return True
        if self._members.get(proc.pid) == proc.start:
            return True  # seen in the run before (a zombie has lost its other marks)
        if self._cgroup is not None and self._cgroup.contains(proc.pid):
            return True
        uid = self._run_uid
        if uid is not None and uid != os.getuid() and LIVE_UIDS[uid] == 1:
            return proc_uid(proc.pid) == uid
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
            procs = scan_procs()
            victims = descendants(procs, {self.pid})
            for p in procs.values():
                if p.pid in (self.pid, me) or p.pid in victims:
                    continue
                if p.sid == self.pid or p.pgid == self.pid:
                    victims.add(p.pid)
                elif p.ppid == me and p.pid not in LIVE_PIDS and self._is_run_orphan(p):
                    victims.add(p.pid)
            if self._cgroup is not None:
                victims |= self._cgroup.pids()
            victims |= descendants(procs, victims)
            victims |= {p for p in self._adopt if p in procs and procs[p].ppid == me}
            victims.discard(self.pid)
            victims.discard(me)
            if self._killed_by_us and self._usage_at_kill is None:
                self._usage_at_kill = usage_of({self.pid} | victims)
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
            # A process group is killed at once, which a fork bomb cannot outrun (the
            # run's processes are in its own session: never in our group).
            for pgid in {procs[v].pgid for v in alive} - {os.getpgrp(), 0, 1}:
                with contextlib.suppress(OSError):
                    os.killpg(pgid, signal.SIGKILL)
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
        LIVE_PIDS.discard(self.pid)
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
            code, sig = None, signame(os.WTERMSIG(status))
        elif os.WIFEXITED(status):
            code, sig = os.WEXITSTATUS(status), None
        else:  # a bare signal number from the bwrap fallback above
            code, sig = None, signame(status)
        return ExitInfo(code, sig, cpu_s, self._killed_by_us, peak_rss_kb)

    def _read_status(self) -> tuple[dict[str, Any], set[int]]:
        if self._status_r >= 0:
            with contextlib.suppress(OSError):
                self._status_data += read_all(self._status_r)
        report, pids = parse_status(self._status_data)
        self._adopt |= pids
        return report, pids

    # -- setup helpers used by spawn()

    def _output_reader(self, fd: int, keep_bytes: int, name: str) -> OutputChunks:
        """What a thread reads from an output pipe, timed (see :mod:`.pipes`)."""
        pump = PipePump(fd, self._loop, keep_bytes=keep_bytes, name=f"run {self.pid} {name}")
        self._pumps.append(pump)
        return pump.chunks

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

    async def _receive_handoff(self, sock: socket.socket, timeout_s: float) -> None:
        """Wait for the listening socket the child sends (see :mod:`.handoff`)."""
        self._handoff = sock  # closed with the rest (_release)
        got = await receive_listening_socket(self._loop, sock, self._exited,
                                             timeout_s=timeout_s, pid=self.pid)
        if got is not None:
            self.api_socket, self.api_url = got


def signame(num: int) -> str:
    try:
        return signal.Signals(num).name
    except ValueError:
        return f"SIG{num}"
