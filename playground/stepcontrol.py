"""Step mode's commands to a running session: one callback, continue, pause, slow motion.

They go to the child's probe on its control channel (see
:mod:`playground.probe.stepping`); the time the loop stood stopped is counted from the
probe's ``paused``/``resumed`` events, on the child's clock, so that stopped time is no
stall, no lag and no wall-clock limit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playground import sandbox

__all__ = ["StepControls"]


class StepControls:
    """The step-mode commands of a :class:`~playground.session.Session`, which gives
    them its child, the paused time it folds from the probe's events, and the child's
    clock."""

    _child: sandbox.Child | None
    _paused_s: float
    _paused_at: float | None

    def _child_now(self) -> float:
        raise NotImplementedError  # the session's: now, on the child's clock

    def step(self) -> bool:
        """Step mode: run one callback (when the loop runs freely: stop before the next)."""
        return self._control(".")

    def resume(self) -> bool:
        """Step mode: let the loop run freely."""
        return self._control("c")

    def pause(self) -> bool:
        """Step mode: stop before the next callback."""
        return self._control("p")

    def slow(self, per_s: float) -> bool:
        """Step mode: one callback every 1/per_s seconds, until another command."""
        return self._control(f"m {per_s:g}")

    def _control(self, command: str) -> bool:
        """Send a command on the control channel; False when the run has none (not in
        step mode, not started yet, or over)."""
        child = self._child
        return child is not None and child.send_control(command)

    def paused_s(self) -> float:
        """How long the loop has stood stopped in step mode (the child's clock)."""
        if self._paused_at is None:
            return self._paused_s
        return self._paused_s + max(0.0, self._child_now() - self._paused_at)
