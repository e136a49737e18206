"""The probe's clock: what runs its ticks while the snippet's loop may be stuck.

Two drivers, one interface (``start() -> bool``, ``stop()``), each calling
``tick()`` (which returns when to tick next):

- :class:`TimerDriver`, the default on POSIX: the kernel's interval timer
  (``ITIMER_REAL``) raises SIGALRM; its handler runs on the main thread between two
  bytecodes of whatever runs there, a blocked loop included (a ``time.sleep`` or a
  socket read is interrupted, the handler runs, the call resumes for the time left,
  PEP 475). One shot at a time, set for the next reason to look.
- :class:`ThreadDriver`: a watchdog thread, where there is no interval timer, and
  as soon as the snippet takes SIGALRM or ITIMER_REAL for itself (:class:`Ticks`
  hands over).

Why not always the thread: every wake of a Python thread is a GIL hand-over, and on
virtual machines such as this project's CI one hand-over costs the snippet up to a
few milliseconds (measured: a thread waking at 20 Hz slowed a 90 ms asyncio workload
by 9-11%; SIGALRM at 100 Hz by less than the noise). Neither driver can tick while C
code holds the GIL; such a stall is reported when the GIL is released, with its exact
duration measured on the snippet's thread.
"""

from __future__ import annotations

import signal
import threading
from time import perf_counter
from types import FrameType
from typing import Any, Callable

from playground.probe.channel import EventChannel

__all__ = ["Ticks", "TimerDriver", "ThreadDriver", "MIN_WAIT_S"]

MIN_WAIT_S = 0.0005  # the closest two ticks come
_ORIGINAL_SIGNAL = signal.signal
_ORIGINAL_SETITIMER: Any = getattr(signal, "setitimer", None)
_ORIGINAL_ALARM: Any = getattr(signal, "alarm", None)

Tick = Callable[[], float]
OnError = Callable[[Exception], None]


class ThreadDriver:
    """Ticks from a watchdog thread."""

    def __init__(self, tick: Tick, check_s: float, on_error: OnError) -> None:
        self.tick, self.check_s, self.on_error = tick, check_s, on_error
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="asyncplay-watchdog",
                                        daemon=True)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def start(self) -> bool:
        if self._stop.is_set() or self._thread.ident is not None:
            return False
        self._thread.start()
        return True

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=2.0)

    def _watch(self) -> None:
        wait_s = self.check_s
        while not self._stop.wait(wait_s):
            try:
                wait_s = max(MIN_WAIT_S, self.tick() - perf_counter())
            except Exception as exc:  # never let the probe kill the snippet
                wait_s = self.check_s
                self.on_error(exc)


class TimerDriver:
    """Ticks from the interval timer's signal, on the main thread. ``on_taken`` is
    called when the snippet takes SIGALRM or ITIMER_REAL for itself."""

    def __init__(self, tick: Tick, check_s: float, on_error: OnError, channel: EventChannel,
                 on_taken: Callable[[], None]) -> None:
        self.tick, self.check_s, self.on_error = tick, check_s, on_error
        self.channel = channel
        self.on_taken = on_taken
        self.running = False
        self._in_tick = False

    def start(self) -> bool:
        if (_ORIGINAL_SETITIMER is None
                or threading.current_thread() is not threading.main_thread()):
            return False
        try:
            # Writes happen in the signal handler, on the snippet's thread: never block.
            if not self.channel.set_blocking(False):
                return False
            _ORIGINAL_SIGNAL(signal.SIGALRM, self._on_alarm)
            self.running = True
            _ORIGINAL_SETITIMER(signal.ITIMER_REAL, self.check_s)  # one shot: see _on_alarm
        except (OSError, ValueError):
            self.stop()
            return False
        self._guard_sigalrm()
        return True

    def stop(self) -> None:
        if not self.running:
            return
        self.running = False
        try:
            _ORIGINAL_SETITIMER(signal.ITIMER_REAL, 0, 0)
            # Ignoring first discards a tick already generated but not yet delivered
            # (POSIX), which would otherwise meet the default action: termination.
            _ORIGINAL_SIGNAL(signal.SIGALRM, signal.SIG_IGN)
            _ORIGINAL_SIGNAL(signal.SIGALRM, signal.SIG_DFL)
        except (OSError, ValueError):
            pass
        self.channel.set_blocking(True)

    def _guard_sigalrm(self) -> None:
        """If the snippet takes SIGALRM or ITIMER_REAL for itself, say so first
        (``on_taken``: the ticks go to the thread), so that both keep working."""
        on_taken = self.on_taken

        def signal_(signalnum: Any, handler: Any) -> Any:
            if signalnum == signal.SIGALRM:
                on_taken()
            return _ORIGINAL_SIGNAL(signalnum, handler)

        def setitimer(which: int, seconds: float, interval: float = 0.0) -> Any:
            if which == signal.ITIMER_REAL:
                on_taken()
            return _ORIGINAL_SETITIMER(which, seconds, interval)

        def alarm(seconds: int) -> int:
            on_taken()
            return int(_ORIGINAL_ALARM(seconds))

        signal.signal = signal_  # type: ignore[assignment]
        signal.setitimer = setitimer  # type: ignore[assignment]
        signal.alarm = alarm  # type: ignore[assignment]

    def _on_alarm(self, signum: int, frame: FrameType | None) -> None:
        if not self.running:
            return
        wake = perf_counter() + self.check_s
        if not self._in_tick:  # a tick never interrupts a tick
            self._in_tick = True
            try:
                wake = self.tick()
            except Exception as exc:  # never let the probe break the snippet
                self.on_error(exc)
            finally:
                self._in_tick = False
        if self.running:  # one shot at a time: the next tick when there is a reason for it
            try:
                _ORIGINAL_SETITIMER(signal.ITIMER_REAL, max(MIN_WAIT_S, wake - perf_counter()))
            except (OSError, ValueError):
                pass


class Ticks:
    """Runs ``tick`` from the interval timer where it can, else from a thread; hands
    the ticks to the thread when the snippet takes the timer for itself."""

    def __init__(self, tick: Tick, check_s: float, channel: EventChannel,
                 on_error: OnError) -> None:
        self.thread = ThreadDriver(tick, check_s, on_error)
        self.timer = TimerDriver(tick, check_s, on_error, channel, self._hand_over)
        self._stopped = False

    def start(self, *, timer: bool = True) -> None:
        if not (timer and self.timer.start()):
            self.thread.start()

    def stop(self) -> None:
        self._stopped = True
        self.timer.stop()
        self.thread.stop()

    def _hand_over(self) -> None:
        if self.timer.running:
            self.timer.stop()
            if not self._stopped:
                self.thread.start()
