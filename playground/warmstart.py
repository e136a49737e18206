"""Warm starts: the next run's child, started while the app is idle.

Starting a run's child (work directory, cgroups, bwrap, the supervisor, the probe's
imports) takes most of the time from a run key to the run's first figure. A
:class:`WarmStart` starts one ahead, up to where the probe waits for its run
(``sandbox.spawn(None, warm=True)``); a :class:`~playground.session.Session` given it
takes that child when what was fixed at its spawn (the :class:`WarmKey`: the sandbox
layers, the limits, the mock API's mode, step mode) is what the run needs, and sends
it the snippet; otherwise the child is discarded and the run starts cold as before.
A child left unused for ``idle_s`` is discarded too. ``close()`` leaves nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path

from playground import protocol as P
from playground import sandbox
from playground.target import RunOptions

__all__ = ["WarmKey", "WarmStart", "warm_key"]

log = logging.getLogger(__name__)

#: An unused warm child is discarded after this long (an idle interpreter's memory).
IDLE_S = 600.0


@dataclass(frozen=True)
class WarmKey:
    """What a child gets at spawn and cannot change later: a run can take a warm
    child only when its own key is the same."""

    info: sandbox.SandboxInfo
    limits: sandbox.Limits
    api: str  # "none" or "handoff" (a port is the run's own: never warm)
    control: bool  # step mode's control channel


def warm_key(uses_api: bool, options: RunOptions) -> WarmKey | None:
    """The key of a run of these options, or None when such a run never starts warm
    (the mock API on a port of the parent's, without bwrap: the port is the run's)."""
    info = sandbox.detect(use_bwrap=options.use_bwrap)
    if uses_api and not info.bwrap:
        return None
    return WarmKey(info, options.limits, "handoff" if uses_api else "none", options.step)


class WarmStart:
    """At most one child started ahead of its run (see the module's docstring)."""

    def __init__(self, *, idle_s: float = IDLE_S) -> None:
        self.idle_s = idle_s
        self._key: WarmKey | None = None
        self._spawning: asyncio.Task[sandbox.Child] | None = None
        self._expiry: asyncio.TimerHandle | None = None
        self._closed = False
        self.spawned = 0  # warm children started (tests, benchmarks)

    @property
    def key(self) -> WarmKey | None:
        """The key of the child kept (or being started); None when there is none."""
        return self._key if self._spawning is not None else None

    def prepare(self, uses_api: bool, options: RunOptions) -> None:
        """Have a child ready for a run of these options (off the caller's way: the
        spawn is a task). A child kept for other options is discarded."""
        if self._closed:
            return
        key = warm_key(uses_api, options)
        task = self._spawning
        if key is not None and key == self._key and task is not None and (
                not task.done() or (not task.cancelled() and task.exception() is None
                                    and task.result().waiting)):
            if task.done():
                self._arm_expiry()  # wanted again: unused from now
            return
        self._discard()
        if key is None:
            return
        self._key = key
        self.spawned += 1
        task = self._spawning = asyncio.ensure_future(_spawn(key))
        # unused for idle_s from when it is ready (a slow start does not count)
        task.add_done_callback(lambda done: self._arm_expiry() if done is self._spawning else None)

    async def ready(self) -> sandbox.Child | None:
        """The child kept, once its probe waits for its run (it stays kept); None when
        there is none."""
        task = self._spawning
        if task is None:
            return None
        try:
            return await asyncio.shield(task)
        except Exception:  # noqa: BLE001 - it failed to start
            return None
        except asyncio.CancelledError:
            if task.cancelled():  # discarded while starting: not us being cancelled
                return None
            raise

    async def take(self, key: WarmKey) -> sandbox.Child | None:
        """The child kept, for a run of ``key`` (waited for if it is still starting):
        None when there is none, or it was for another key (then it is discarded), or
        it failed to start or died while waiting."""
        task, kept = self._spawning, self._key
        self._spawning, self._key = None, None
        self._cancel_expiry()
        if task is None:
            return None
        if kept != key:
            _discard_task(task)
            return None
        try:
            child = await task
        except Exception as exc:  # noqa: BLE001 - the run starts cold instead
            log.warning("warm start failed: %r", exc)
            return None
        if not child.waiting:
            await child.aclose()
            return None
        return child

    async def start(self, key: WarmKey, path: Path, code: bytes, *, stall_ms: float,
                    trace: bool) -> sandbox.Child | None:
        """The child kept, sent the run of ``code`` (named as ``path``); None when
        there is none for ``key`` or it died meanwhile: the run then starts cold."""
        child = await self.take(key)
        if child is None:
            return None
        try:
            await child.go(path.name, code, origin=str(path), stall_ms=stall_ms, trace=trace)
        except OSError:
            await child.aclose()
            return None
        return child

    def discard(self) -> None:
        """Discard the child kept (killed, reaped, its work directory removed)."""
        self._discard()

    async def close(self) -> None:
        """Discard the child kept and wait until it is gone; prepare() does nothing after."""
        self._closed = True
        task = self._spawning
        self._discard()
        if task is not None:
            await _close_task(task)
        if _CLOSING:  # earlier discards, still under way
            await asyncio.gather(*list(_CLOSING), return_exceptions=True)

    def _discard(self) -> None:
        self._cancel_expiry()
        task, self._spawning, self._key = self._spawning, None, None
        if task is not None:
            _discard_task(task)

    def _arm_expiry(self) -> None:
        self._cancel_expiry()
        self._expiry = asyncio.get_running_loop().call_later(self.idle_s, self._discard)

    def _cancel_expiry(self) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
            self._expiry = None


async def _spawn(key: WarmKey) -> sandbox.Child:
    """A child for ``key``, once its probe waits for its run (it says so on the event
    channel, before any event of the run)."""
    child = await sandbox.spawn(
        None, origin="", limits=key.limits, api=key.api,  # type: ignore[arg-type]
        info=key.info, control=key.control, warm=True)
    try:
        line = await child.events.readline()
        if line != P.WARM_READY:
            raise RuntimeError(f"the warm child did not get ready: {line[:200]!r}")
    except BaseException:
        await child.aclose()
        raise
    return child


_CLOSING: set[asyncio.Task[None]] = set()  # discards under way (kept from the collector)


def _discard_task(task: asyncio.Task[sandbox.Child]) -> None:
    closing = asyncio.ensure_future(_close_task(task))
    _CLOSING.add(closing)
    closing.add_done_callback(_CLOSING.discard)


async def _close_task(task: asyncio.Task[sandbox.Child]) -> None:
    """Cancel a spawn still under way (spawn cleans up after itself) or close its child."""
    if not task.done():
        task.cancel()
    with contextlib.suppress(BaseException):
        child = await task
        await child.aclose()
