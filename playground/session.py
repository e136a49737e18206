"""One run of one snippet: sandbox + mock API + readers, folded into a RunState.

A :class:`Session` spawns the child through :mod:`playground.sandbox`, serves the
mock API to it when the snippet needs one, reads its three channels (events, stdout,
stderr) without trusting any of them, enforces the wall-clock and output limits, and
folds everything into a :class:`~playground.model.RunState`. Front ends get snapshots
(at most ``snapshot_hz`` per second, none once it is stopping) through ``on_update``
and the final state from :meth:`Session.run`; :meth:`Session.stop` ends a run early
(status ``stopped``, not graded).
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from playground import protocol as P
from playground import sandbox
from playground.model import RunState, classify_exit, limit_of_error
from playground.model import summarize as summarize_state
from playground.recording import Recorder
from playground.sessionrecord import SessionRecording
from playground.stepcontrol import StepControls
from playground.target import RunOptions, RunTarget

if TYPE_CHECKING:
    from playground.mockapi import MockAPI, MockSite
    from playground.warmstart import WarmStart

__all__ = ["RunTarget", "RunOptions", "Session", "run_target"]

_READ_CHUNK = 65536
_DRAIN_AFTER_EXIT_S = 2.0


class Session(StepControls, SessionRecording):
    """One run. Create, then ``await run()``; ``stop()`` from anywhere ends it early."""

    def __init__(
        self,
        target: RunTarget,
        options: RunOptions | None = None,
        *,
        mock: MockAPI | None = None,
        on_update: Callable[[RunState], None] | None = None,
        warm: WarmStart | None = None,
    ) -> None:
        self.target = target
        self.options = options or RunOptions()
        self.state = RunState(target=target.label)
        self.recorder: Recorder | None = (
            Recorder(self.options.record_cap_bytes) if self.options.record else None)
        self.started_at: datetime | None = None  # wall-clock time of the start (UTC)
        self._mock = mock
        self._warm = warm
        self.started_warm = False  # the run took a child started ahead (see warmstart)
        self._on_update = on_update
        self._stop_reason: str | None = None
        self._stopped = asyncio.Event()
        self._child: sandbox.Child | None = None
        self._dirty = True
        self._output_bytes = 0
        self._t_start = time.monotonic()
        # The child's clock as seen from here: our monotonic time minus the child's
        # ``t``, least over the events read (an event is read after it is written, so
        # the least is the closest). Output lines get the child's time from it.
        self._child_offset: float | None = None
        # Step mode: time the loop spent stopped, on the child's clock (not counted
        # against the wall-clock limit): closed stops, and the one going on now.
        self._paused_s = 0.0
        self._paused_at: float | None = None

    @property
    def timeout_s(self) -> float:
        return float(self.options.timeout_s or self.target.timeout_s or self.options.limits.wall_s)

    # ------------------------------------------------------------------ folding
    def _apply(self, event: dict[str, Any]) -> None:
        if self.recorder is not None:
            self.recorder.add(event)
        self.state.apply(event)
        self._dirty = True
        kind = event.get("kind")
        if kind == P.K_HELLO:
            # The child is up: said at once (the status line's "running"), not at the
            # next snapshot, a period later.
            self._notify()
        if kind == P.K_PAUSED and self._paused_at is None:
            self._paused_at = float(event["t"])
        elif kind == P.K_RESUMED and self._paused_at is not None:
            self._paused_s += max(0.0, float(event["t"]) - self._paused_at)
            self._paused_at = None

    def _parent_event(self, kind: str, **fields: Any) -> None:
        fields["kind"] = kind
        fields["t"] = round(self.state.last_t, 6)
        self._apply(fields)

    def _notify(self) -> None:
        if self._dirty and self._on_update is not None:
            self._dirty = False
            self._on_update(self.state)

    def stop(self, reason: str = "stop") -> None:
        """End the run now (the child's whole tree is killed)."""
        if self._stop_reason is None:
            self._stop_reason = reason
        self._stopped.set()

    async def run(self) -> RunState:
        """Run to the end and return the final state (never raises for the snippet's sake)."""
        self._t_start = time.monotonic()
        self.started_at = datetime.now(timezone.utc)
        limits = self.options.limits
        info = sandbox.detect(use_bwrap=self.options.use_bwrap)
        self._parent_event(P.K_SANDBOX, layers=list(info.layers), missing=list(info.missing))
        own_mock: MockAPI | None = None
        site: MockSite | None = None
        child: sandbox.Child | None = None
        readers: list[asyncio.Task[None]] = []
        ticker: asyncio.Task[None] | None = None
        exit_info: sandbox.ExitInfo | None = None
        decoder = P.Decoder()
        try:
            api_mode = "none"
            api_port = None
            if self.target.uses_api:
                mock = self._mock
                if mock is None:
                    # Imported here: aiohttp is a noticeable part of a start-up that most
                    # runs (those that make no HTTP call) never need.
                    from playground.mockapi import MockAPI

                    mock = own_mock = MockAPI()
                    await mock.start()
                if info.bwrap:
                    api_mode = "handoff"
                else:
                    site = await mock.listen()
                    api_mode, api_port = "port", site.port
            raw = self._code()
            child = self._child = await self._start_warm(raw, info, api_mode)
            if child is None:
                staged = self._stage(raw)
                try:
                    child = self._child = await sandbox.spawn(
                        staged,
                        origin=str(self.target.path),
                        limits=limits,
                        stall_ms=self.options.stall_ms,
                        api=api_mode,  # type: ignore[arg-type]
                        api_port=api_port,
                        info=info,
                        probe_args=["--trace"] if self.options.trace else [],
                        control=self.options.step,
                    )
                finally:
                    shutil.rmtree(staged.parent, ignore_errors=True)
            if api_mode == "handoff" and child.api_socket is not None:
                assert self._mock is not None or own_mock is not None
                site = await (self._mock or own_mock).serve_socket(child.api_socket)  # type: ignore[union-attr]
            readers = [
                asyncio.create_task(self._read_events(child.events, decoder)),
                asyncio.create_task(self._read_output(child.stdout, P.K_STDOUT)),
                asyncio.create_task(self._read_output(child.stderr, P.K_STDERR)),
            ]
            ticker = asyncio.create_task(self._tick())
            exit_info = await self._wait(child)
            # The tree is gone, so every pipe is at EOF or about to be.
            done, pending = await asyncio.wait(readers, timeout=_DRAIN_AFTER_EXIT_S)
            for task in pending:
                task.cancel()
        except Exception as exc:  # a failure of ours: still end with a summary
            self._parent_event(P.K_STDERR, data=f"\n[asyncplay] run failed: {exc!r}\n", n=0)
            if child is not None:
                await child.kill()
                exit_info = await child.wait()
        finally:
            if ticker is not None:
                ticker.cancel()
            for task in readers:
                task.cancel()
            await asyncio.gather(*readers, *( [ticker] if ticker else []), return_exceptions=True)
            if site is not None:
                with contextlib.suppress(Exception):
                    await site.stop()
                # After the stop: a request still being answered is counted in full.
                self._parent_event(P.K_API, **site.stats())
            if child is not None:
                with contextlib.suppress(Exception):
                    await child.aclose()
            if own_mock is not None:
                with contextlib.suppress(Exception):
                    await own_mock.close()
        self._finish(exit_info, decoder)
        self._notify()
        return self.state

    def _code(self) -> bytes:
        """The snippet's bytes, read once (or the target's edited text): the ``code``
        event carries its text and the sandbox gets these very bytes, so the code
        shown is the code that ran even if the file changes on disk meanwhile (or
        between two runs)."""
        code = self.target.code
        raw = code.encode("utf-8", errors="replace") if code is not None \
            else self.target.path.read_bytes()
        self._parent_event(P.K_CODE, path=str(self.target.path),
                           text=raw.decode("utf-8", errors="replace"))
        return raw

    def _stage(self, raw: bytes) -> Path:
        """A file of ``raw`` for a cold start to copy (removed once spawned)."""
        staged = Path(tempfile.mkdtemp(prefix="asyncplay-code-")) / self.target.path.name
        staged.write_bytes(raw)
        return staged

    async def _start_warm(self, raw: bytes, info: sandbox.SandboxInfo,
                          api_mode: str) -> sandbox.Child | None:
        """The warm child, sent this run (None: the run starts cold, see warmstart)."""
        if self._warm is None or api_mode == "port":
            return None
        from playground.warmstart import WarmKey

        opts = self.options
        child = await self._warm.start(
            WarmKey(info, opts.limits, api_mode, opts.step), self.target.path, raw,
            stall_ms=opts.stall_ms, trace=opts.trace)
        self.started_warm = child is not None
        return child

    async def _wait(self, child: sandbox.Child) -> sandbox.ExitInfo:
        waiter = asyncio.create_task(child.wait())
        stopper = asyncio.create_task(self._stopped.wait())
        done: set[asyncio.Task[Any]] = set()
        try:
            while True:
                # The wall-clock limit leaves out the time the loop stood stopped (step
                # mode): when it runs out, look again at how much there is.
                left = self.timeout_s + self.paused_s() - (time.monotonic() - self._t_start)
                if left <= 0:
                    break
                done, _ = await asyncio.wait(
                    {waiter, stopper}, timeout=left, return_when=asyncio.FIRST_COMPLETED)
                if done:
                    break
            if waiter not in done:
                if self._stop_reason is None:
                    self._stop_reason = "timeout"
                await child.kill()
            return await waiter
        finally:
            stopper.cancel()

    def _finish(self, exit_info: sandbox.ExitInfo | None, decoder: P.Decoder) -> None:
        decoder.close()
        state = self.state
        if state.pid is None:
            problem = "no events from the probe (the child failed before it started)"
            if decoder.dropped:
                problem = f"event channel corrupted: {decoder.dropped} unreadable line(s), no valid events"
            self._parent_event(P.K_CHANNEL, problem=problem)
        elif decoder.dropped:
            self._parent_event(
                P.K_CHANNEL, problem=f"event channel corrupted: {decoder.dropped} unreadable line(s) dropped"
            )
        ei = exit_info or sandbox.ExitInfo(exit_code=None, signal=None, cpu_s=0.0, killed_by_us=True)
        if state.pid is not None and not decoder.dropped and state.wall_ms is None \
                and self._stop_reason is None and ei.signal is None:
            # it exited on its own, yet the probe never said so: something closed the channel
            self._parent_event(P.K_CHANNEL, problem="event channel closed before the end of the run")
        limits = asdict(self.options.limits)
        limits["wall_s"] = self.timeout_s
        status, limit, message = classify_exit(
            state, exit_code=ei.exit_code, signal=ei.signal, cpu_s=ei.cpu_s,
            stop_reason=self._stop_reason, limits=limits, peak_rss_kb=ei.peak_rss_kb,
            oom_killed=getattr(ei, "oom_killed", None),  # when the sandbox can tell
        )
        self._parent_event(
            P.K_EXIT,
            exit_code=ei.exit_code,
            signal=ei.signal,
            status=status,
            limit=limit,
            message=message,
            total_ms=round((time.monotonic() - self._t_start) * 1000, 1),
            cpu_s=round(ei.cpu_s, 3),
            peak_rss_kb=ei.peak_rss_kb,
            output_truncated=self._stop_reason == "output",
        )

    # ------------------------------------------------------------------ readers
    async def _read_events(self, reader: asyncio.StreamReader, decoder: P.Decoder) -> None:
        while True:
            chunk = await reader.read(_READ_CHUNK)
            if not chunk:
                return
            now = time.monotonic()
            event: dict[str, Any] | None = None
            for event in decoder.feed(chunk):
                self._apply(event)
                if event.get("kind") == P.K_ERROR and self.state.error is not None \
                        and limit_of_error(self.state.error) == "processes":
                    # One of the run's processes was refused a process or thread: the run
                    # is at its limit. End it now: where the limit is the uid's shared
                    # budget, the rest of a fork bomb would go on until the time limit.
                    self.stop("processes")
            t = event.get("t") if event is not None else None
            if isinstance(t, (int, float)):
                offset = now - float(t)
                if self._child_offset is None or offset < self._child_offset:
                    self._child_offset = offset

    def _child_now(self) -> float:
        """Now, on the child's clock (the latest event's time until one is read)."""
        return self._child_time(time.monotonic())

    def _child_time(self, t: float) -> float:
        """Our monotonic time ``t`` on the child's clock (the latest event's time until
        one is read)."""
        if self._child_offset is None:
            return self.state.last_t
        return max(0.0, t - self._child_offset)

    async def _read_output(self, chunks: sandbox.OutputChunks, kind: str) -> None:
        decode = codecs.getincrementaldecoder("utf-8")(errors="replace").decode
        cap = self.options.limits.output_bytes
        while True:
            got = await chunks.chunk()
            if got is None:
                tail = decode(b"", final=True)
                if tail:
                    self._parent_event(kind, data=tail, n=0)
                return
            read_t, chunk = got
            if self._output_bytes >= cap:
                continue  # over the cap: drain (bounded by the kill) but keep nothing
            # A pump's read may hold up to 1 MiB: what passes the limit is dropped too.
            part = chunk[:cap - self._output_bytes]
            self._output_bytes += len(part)
            kept = part
            if self._output_bytes >= cap:
                # The run stops here, and the limit cut this chunk at any byte: keep it
                # to its last line's end, so that the output ends with a whole line
                # ("lin" was the tail's last line one run in five).
                end = part.rfind(b"\n")
                if end >= 0:
                    kept = part[:end + 1]
            # Timed when the pump read it, not when the loop got here (the app may
            # have been drawing a frame meanwhile).
            self._apply({"kind": kind, "t": round(self._child_time(read_t), 6),
                         "data": decode(kept), "n": len(part)})
            if self._output_bytes >= cap:
                self.stop("output")

    async def _tick(self) -> None:
        period = 1.0 / max(self.options.snapshot_hz, 0.1)
        while True:
            await asyncio.sleep(period)
            if not self._stopped.is_set():
                # Stopping: the final state comes at the end, and an app drawing the
                # snapshots between would hold up the kill and the reaping (a frame
                # runs at each of their awaits).
                self._notify()


async def run_target(
    target: RunTarget,
    options: RunOptions | None = None,
    *,
    mock: MockAPI | None = None,
    on_update: Callable[[RunState], None] | None = None,
) -> dict[str, Any]:
    """Run one target to the end and return its JSON summary (with ``expect`` for lessons)."""
    session = Session(target, options, mock=mock, on_update=on_update)
    state = await session.run()
    return summarize(session, state)


def summarize(session: Session, state: RunState) -> dict[str, Any]:
    """The run's public summary, graded against its lesson's expectations
    (see :func:`playground.model.summarize`)."""
    return summarize_state(state, session.target.expect)
