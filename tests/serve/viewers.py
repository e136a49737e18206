"""Test helpers for ``asyncplay serve``: the server as a real process, and viewers that
speak textual-serve's websocket protocol and read the screen they are sent (pyte, a
terminal emulator, plays the browser's terminal). The load benchmark uses them too.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pyte

__all__ = ["ProtocolViewer", "ServeProcess", "descendants", "alive"]

REPO = Path(__file__).resolve().parents[2]
#: CSI and OSC sequences, and the other escapes a Textual app writes.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\\\)|\x1b[@-Z\\-_]")


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, start time) of ``pid``, or None when it is gone or a zombie."""
    try:
        data = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    rest = data[data.rindex(b")") + 2:].split()
    if rest[0] in (b"Z", b"X"):
        return None
    return int(rest[1]), int(rest[19])


def descendants(root: int) -> dict[int, int]:
    """Every live process below ``root``: pid -> start time (to tell a reused pid apart)."""
    parents: dict[int, list[int]] = {}
    starts: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            stat = _stat(int(name))
            if stat is not None:
                parents.setdefault(stat[0], []).append(int(name))
                starts[int(name)] = stat[1]
    out: dict[int, int] = {}
    todo = [root]
    while todo:
        for child in parents.get(todo.pop(), []):
            out[child] = starts[child]
            todo.append(child)
    return out


def alive(processes: dict[int, int]) -> list[int]:
    """Those of ``processes`` (pid -> start time) still running."""
    return [pid for pid, start in processes.items()
            if (stat := _stat(pid)) is not None and stat[1] == start]


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


@dataclass
class ServeProcess:
    """``asyncplay serve`` started as a real process; its URLs read from what it prints."""

    process: asyncio.subprocess.Process
    urls: dict[str, str]

    @classmethod
    async def start(cls, *args: str) -> ServeProcess:
        """Start the server and read its URLs. It is tied to the test process (SIGINT,
        its Ctrl-C, when the test process dies: setpriv's parent-death signal), so that
        a test killed by its timeout leaves no server running."""
        env = dict(os.environ)
        env.pop("ASYNCPLAY_SERVE_SOCKET", None)
        tie = ["setpriv", "--pdeathsig", "INT", "--"] if shutil.which("setpriv") else []
        process = await asyncio.create_subprocess_exec(
            *tie, sys.executable, "-m", "playground", "serve", "--port", "0", *args,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=REPO, env=env)
        started = cls(process, {})
        try:
            assert process.stdout is not None
            while True:
                line = (await process.stdout.readline()).decode()
                if not line:
                    raise RuntimeError(f"asyncplay serve ended: {await started.stop()}")
                if match := re.match(r"\s+(\w+): (http\S+)", line):
                    started.urls[match[1]] = match[2]
                if line.startswith("Ctrl-C"):
                    return started
        except BaseException:
            await started.stop()
            raise

    @property
    def base(self) -> str:
        return re.sub(r"\?.*", "", self.urls["attendees"])

    async def stop(self, timeout_s: float = 60.0) -> str:
        """Stop the server (as Ctrl-C does) and reap it; returns its log. Killed if it
        has not stopped within ``timeout_s``."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGINT)
        try:
            _, err = await asyncio.wait_for(self.process.communicate(), timeout_s)
        except TimeoutError:
            self.process.kill()
            _, err = await self.process.communicate()
        return err.decode(errors="replace")


class ProtocolViewer:
    """A browser tab without the browser: textual-serve's websocket, the screen in pyte."""

    def __init__(self, width: int = 120, height: int = 36, *, render: bool = True) -> None:
        """``render=False``: no terminal emulator (cheap, for many viewers in one process);
        :meth:`wait_for` then searches the text received, escape sequences removed."""
        self.width, self.height = width, height
        self.render = render
        self.raw = ""
        self.screen = pyte.Screen(width, height)
        self.stream = pyte.ByteStream(self.screen)
        self._session: aiohttp.ClientSession | None = None
        self.websocket: aiohttp.ClientWebSocketResponse | None = None
        self._changed = asyncio.Condition()
        self._reader: asyncio.Task[None] | None = None
        self.closed = asyncio.Event()

    async def connect(self, ws_url: str, token: str | None = None) -> None:
        params: dict[str, Any] = {"width": self.width, "height": self.height}
        if token:
            params["token"] = token
        self._session = aiohttp.ClientSession()
        try:
            self.websocket = await self._session.ws_connect(ws_url, params=params, max_msg_size=0)
        except BaseException:
            await self._session.close()
            raise
        await self.websocket.send_str(json.dumps(
            ["resize", {"width": self.width, "height": self.height}]))
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.websocket is not None
        try:
            async for message in self.websocket:
                if message.type == aiohttp.WSMsgType.BINARY:
                    if self.render:
                        self.stream.feed(message.data)
                    else:
                        text = _ESCAPES.sub("", message.data.decode("utf-8", "replace"))
                        self.raw = (self.raw + text)[-200_000:]
                    async with self._changed:
                        self._changed.notify_all()
        finally:
            self.closed.set()
            async with self._changed:
                self._changed.notify_all()

    def text(self) -> str:
        return "\n".join(self.screen.display) if self.render else self.raw[-4000:]

    def lines(self) -> Iterator[str]:
        yield from self.screen.display

    async def wait_for(self, pattern: str, timeout: float = 60.0) -> str:
        """Wait until the screen shows ``pattern`` (a regex); the matching line."""
        async def seen() -> str:
            async with self._changed:
                while True:
                    for line in (self.screen.display if self.render else [self.raw]):
                        if found := re.search(pattern, line):
                            return line if self.render else found[0]
                    if self.closed.is_set():
                        raise ConnectionError(f"closed before {pattern!r} showed:\n{self.text()}")
                    await self._changed.wait()
        try:
            return await asyncio.wait_for(seen(), timeout)
        except TimeoutError:
            raise AssertionError(f"{pattern!r} never showed; the screen:\n{self.text()}") from None

    async def press(self, keys: str) -> None:
        assert self.websocket is not None
        await self.websocket.send_str(json.dumps(["stdin", keys]))

    async def close(self) -> None:
        if self.websocket is not None:
            await self.websocket.close()
        if self._reader is not None:
            await self._reader
        if self._session is not None:
            await self._session.close()


async def all_gone(processes: dict[int, int], timeout: float = 30.0) -> list[int]:
    """Wait until every one of ``processes`` has exited (pidfds: an event, no polling);
    returns those still running after ``timeout``."""
    loop = asyncio.get_running_loop()
    waits = []
    fds = []
    for pid in alive(processes):
        try:
            fd = os.pidfd_open(pid)
        except ProcessLookupError:
            continue
        fds.append(fd)
        done: asyncio.Future[None] = loop.create_future()

        def exited(future: asyncio.Future[None] = done) -> None:
            if not future.done():
                future.set_result(None)

        loop.add_reader(fd, exited)
        waits.append(done)
    try:
        if waits:
            await asyncio.wait(waits, timeout=timeout)
    finally:
        for fd in fds:
            loop.remove_reader(fd)
            os.close(fd)
    return alive(processes)
