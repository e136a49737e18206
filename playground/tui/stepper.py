"""Step mode in the app: the loop one callback at a time.

``x`` arms it: the next run (``b``, ``g`` or ``r``) starts with its loop stopped
before its first callback. Then ``.`` runs one callback (while the loop runs
freely: stops it again), ``c`` lets it run freely, ``m`` runs it in slow motion
(1, 5, then 20 callbacks per second, round again). The keys drive every stepped
run on screen (bad and good side by side go step for step). ``s`` stops a stepped
run as any other.

:class:`StepPanel` shows, in the run pane, where the loop stands: the callback
next (the task it resumes and the line it resumes at), the other ready callbacks
and the timers due next. :class:`StepperMixin` is the app's half: the keys' actions
and the options of the next run. The palette (ctrl+p) has, besides every key,
"Trace every callback", which has the runs from then on send every callback the
loop runs (``RunOptions.trace``: the timeline's and the export's steps).
"""

from __future__ import annotations

from dataclasses import replace
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from textual.app import SystemCommand
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

if TYPE_CHECKING:
    from textual.screen import Screen

    from playground.model import RunState
    from playground.session import RunOptions, Session

__all__ = ["SLOW_RATES", "StepPanel", "StepperMixin", "step_text"]

#: Slow motion's speeds, in callbacks per second: ``m`` goes round them.
SLOW_RATES = (1.0, 5.0, 20.0)
#: How many of the other ready callbacks and of the timers the panel lists.
_SHOWN = 4


def step_text(state: RunState | None) -> Content:
    """Where a stepped run's loop stands, as the step panel shows it."""
    if state is None or not state.stepped or state.finished:
        return Content("")
    pause = state.pause
    keys = Content.styled(". one callback · c continue · m slow motion", "$text-muted")
    if pause is None:
        return Content.assemble(("⏸ step mode: ", "bold"), "starting… ", keys)
    if not pause.paused:
        what = {"step": "running one callback", "slow": "slow motion",
                "run": "running freely (. stops it)"}.get(pause.mode, pause.mode)
        return Content.assemble(("▶ ", "bold"), f"{what} · {pause.n} run so far  ", keys)
    from playground.model import queued_label  # a stepped run's: the model is loaded

    coro_of = {tid: t.coro for tid, t in state.tasks.items()}
    parts: list[Content | str | tuple[str, str]] = [
        ("⏸ stopped", "bold $warning"), f" before callback {pause.n + 1}  ", keys]
    if pause.ready:
        parts += ["\n", ("next  ", "bold"), queued_label(pause.ready[0], coro_of)]
    for q in pause.ready[1:1 + _SHOWN]:
        parts += ["\n", ("then  ", "$text-muted"), queued_label(q, coro_of)]
    more = pause.ready_count - 1 - min(_SHOWN, max(0, len(pause.ready) - 1))
    if more > 0:
        parts += ["\n", ("      ", ""), (f"and {more} more ready", "$text-muted")]
    for q in pause.timers[:_SHOWN]:
        parts += ["\n", ("timer ", "$text-muted"), queued_label(q, coro_of)]
    return Content.assemble(*parts)


class StepPanel(Static):
    """A stepped run's stop: the callback next, what else is ready, the timers due."""

    state: reactive[RunState | None] = reactive(None, always_update=True, repaint=False)
    _shown: tuple[str, list[Any]] | None = None

    def watch_state(self, state: RunState | None) -> None:
        text = step_text(state)
        key = (text.plain, list(text.spans))  # Content's == compares the text alone
        if key == self._shown:
            # Unchanged (empty for every run not stepped): an update would lay the
            # screen out again, 20 times a second while a run prints.
            return
        self._shown = key
        self.display = bool(text.plain)
        self.update(text)


class StepperMixin:
    """The app's step keys (``x``, ``.``, ``c``, ``m``). The app gives ``options``
    (its RunOptions or None), ``notify`` and ``query`` as a Textual app does."""

    options: RunOptions | None
    step_armed: bool = False
    trace_on: bool = False  # every run traced (the palette's "Trace every callback")
    _slow_index: int = -1

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The palette's trace command (a toggle without a key of its own), after the
        app's own commands; the step keys are in the palette as every key is."""
        yield from super().get_system_commands(screen)  # type: ignore[misc]
        yield SystemCommand(
            "Trace every callback: " + ("turn off" if self.trace_on else "turn on"),
            "Runs record each callback the loop runs (for the timeline and the export)",
            self.action_toggle_trace)

    def action_toggle_trace(self) -> None:
        """Trace the runs from now on (or stop tracing them)."""
        self.trace_on = not self.trace_on
        app: Any = self
        app.notify("Runs from now on record every callback the loop runs." if self.trace_on
                   else "Runs are no longer traced.", title="Trace", timeout=3)

    def action_step_mode(self) -> None:
        """Arm (or disarm) step mode for the next run."""
        self.step_armed = not self.step_armed
        app: Any = self
        if self.step_armed:
            app.notify("The next run starts stopped before its first callback: "
                       ". one callback, c continue, m slow motion.", title="Step mode")
        else:
            app.notify("Step mode off: the next run runs freely.", timeout=3)

    def run_options(self) -> RunOptions | None:
        """The options of a run starting now: stepped when armed (then disarmed once
        the keys that start runs are done: ``r`` starts two)."""
        if not (self.step_armed or self.trace_on):
            return self.options
        from playground.session import RunOptions

        options = replace(self.options or RunOptions(), trace=True) if self.trace_on \
            else self.options or RunOptions()
        if not self.step_armed:
            return options
        app: Any = self
        app.call_later(self._disarm)
        return replace(options, step=True)

    def _disarm(self) -> None:
        self.step_armed = False
        self._slow_index = -1

    def stepped_sessions(self) -> list[Session]:
        """The sessions of the stepped runs going on now."""
        from playground.tui.run_pane import RunPane

        app: Any = self
        return [pane.session for pane in app.query(RunPane)
                if pane.session is not None and pane.session.options.step]

    def _drive(self, command: str) -> None:
        sessions = self.stepped_sessions()
        app: Any = self
        if not sessions:
            app.notify("No stepped run: press x, then run (b, g or r).", timeout=3)
            return
        for session in sessions:
            if command == ".":
                session.step()
            elif command == "c":
                session.resume()
            else:
                session.slow(SLOW_RATES[self._slow_index])

    def action_step_one(self) -> None:
        """One callback (a loop running freely stops before its next one)."""
        self._slow_index = -1
        self._drive(".")

    def action_step_continue(self) -> None:
        """Let the loop run freely."""
        self._slow_index = -1
        self._drive("c")

    def action_step_slow(self) -> None:
        """Slow motion: 1, 5, 20 callbacks per second, round again."""
        self._slow_index = (self._slow_index + 1) % len(SLOW_RATES)
        self._drive("m")
        if self.stepped_sessions():
            app: Any = self
            app.notify(f"Slow motion: {SLOW_RATES[self._slow_index]:g} callbacks per second.",
                       timeout=2)
