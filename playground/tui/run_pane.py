"""One run pane: a snippet's code and, once it runs, everything its run shows.

The pane owns its run: the worker that runs it, the session, and one ``state``
reactive (the :class:`~playground.model.RunState` of its current run) that it binds
down to its panels with ``data_bind``. Only the fact that a run finished travels up
(:class:`~playground.tui.messages.RunFinished`, to the app). Two panes stand side by
side for a lesson's bad and good variants; a third one shows a file of the user's.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalGroup, VerticalScroll
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static
from textual.widget import Widget
from textual.worker import Worker

from playground.tui.messages import RunFinished, RunStarted, RunUpdated, SandboxReported
from playground.tui.code import CodeView, LineMark
from playground.tui.queued import Gate, place_text, queued
from playground.tui.formatting import STATUS_ICON, STATUS_STYLE, format_ms, inline_code
from playground.tui.panels.base import StateView
from playground.tui.panels.status import StatusPanel
from playground.tui.stepper import StepPanel

if TYPE_CHECKING:
    from textual.widgets import TabbedContent

    from playground.model import RunState, SandboxRecord
    from playground.tui.history import RecordedRun
    from playground.mockapi import MockAPI
    from playground.warmstart import WarmStart
    from playground.session import RunOptions, RunTarget, Session

__all__ = ["RunPane", "marks_for"]

#: The events that change what the code view shows (the code, its marked lines).
_MARK_KINDS = ("code", "stall", "stall_end", "warning", "error", "end", "exit")

#: How long a stopped or replaced run may take to kill its child before we move on.
_STOP_GRACE_S = 10.0


def _displayed_within(widget: Widget, container: Widget) -> bool:
    """Whether ``widget`` is displayed once ``container`` is (none of the widgets
    between them hidden: the await graph, until `a`)."""
    node: Any = widget
    while node is not None and node is not container:
        if not node.display:
            return False
        node = node.parent
    return True


def marks_for(state: RunState | None, snippet: str | None) -> tuple[LineMark, ...]:
    """The lines of ``snippet`` (a path) that the run points at."""
    if state is None or snippet is None:
        return ()
    name = os.path.basename(snippet)

    def ours(file: str | None) -> bool:
        return file is not None and (file == snippet or os.path.basename(file) == name)

    marks: list[LineMark] = []
    for warning in state.warnings:
        if ours(warning.file) and warning.line:
            marks.append(LineMark(int(warning.line), "warning"))
    if state.error is not None and ours(state.error.file) and state.error.line:
        marks.append(LineMark(int(state.error.line), "error"))
    for stall in state.stalls:
        if ours(stall.file) and stall.line:
            marks.append(LineMark(stall.line, "live" if stall.live else "stall"))
    return tuple(marks)


#: The widgets inside a pane that its ``-idle`` rules style (app.tcss: none of them
#: sets a property that the widgets inside these inherit).
_IDLE_STYLED = ".stalls, .gauges, .details, .note, CodeView"


class RunPane(Vertical, can_focus=True):
    """A snippet (bad, good or the user's file) with the panels of its latest run.

    It takes the focus (tab, or ``asyncplay --lesson SLUG --variant good``), and its
    border says when it, or one of its tables, has it.
    """

    state: reactive[RunState | None] = reactive(None, always_update=True, repaint=False)
    checks: reactive[tuple[dict[str, Any], ...] | None] = reactive(None)

    def __init__(self, pane: str, *, defer_details: bool = False, **kwargs: Any) -> None:
        # Idle from the start (watch_state keeps it so): set at mount, the class would
        # style the whole pane a second time.
        super().__init__(id=f"pane-{pane}", classes=f"run-pane -{pane} -idle", **kwargs)
        self.pane = pane
        self.run_id = 0
        self.snippet: str | None = None  # the path of the code shown
        self.run_key = {"bad": "b", "good": "g"}.get(pane, "b")
        self._session: Session | None = None
        #: The latest finished run's recording (None while none, or while one runs).
        self.recorded: RecordedRun | None = None
        self._worker: Worker[Any] | None = None
        self._subtitle_shown: tuple[str, float | None] | None = None
        self._problems_shown = 0
        self._sandbox_reported: SandboxRecord | None = None  # the layers last sent up
        self._marks_drawn: tuple[int, int] | None = None
        #: Whether the panels that an idle pane hides (the tabs, the gauges, ...) come
        #: with the pane (False), or are mounted once the first screen is out (True).
        self._defer_details = defer_details
        self._details: TabbedContent | None = None  # once mounted
        self._details_ready = asyncio.Event()  # set once its tabs exist (get_tab, active)
        self._tab_wanted: str | None = None  # a tab asked for before they existed

    def compose(self) -> ComposeResult:
        yield Static(id="note", classes="note")
        yield CodeView()
        # The run's figures; on a short screen they scroll within their share of the
        # pane, so that the tabs below always keep their rows.
        with VerticalGroup(classes="figures"):
            yield StatusPanel(label=f"press {self.run_key} to run it", classes="status").data_bind(
                RunPane.state)
            if not self._defer_details:
                yield from self._hidden_figures()
        if not self._defer_details:
            yield self._make_details()

    def _hidden_figures(self) -> list[Widget]:
        """The figures an idle pane hides, in their order below the status."""
        # Their modules are imported with them, after the first screen (see compose).
        from playground.tui.panels import ChecksPanel, EndMessage, LagPanel, MemoryPanel, StallPanel

        stalls = VerticalScroll(StallPanel().data_bind(RunPane.state), classes="stalls")
        gauges = Horizontal(LagPanel(classes="lag").data_bind(RunPane.state),
                            MemoryPanel(classes="memory").data_bind(RunPane.state), classes="gauges")
        return [EndMessage(classes="end-message").data_bind(RunPane.state),
                StepPanel(classes="step").data_bind(RunPane.state),
                ChecksPanel(classes="checks").data_bind(RunPane.checks),
                stalls,  # every stall, the worst first: it scrolls
                gauges]  # the loop's lag and, beside it, memory

    def _make_details(self) -> TabbedContent:
        """The Tasks, Output and Problems tabs."""
        # Imported here: the first frame has no tabs (Textual's tabs: ~1% of a start).
        from textual.widgets import TabbedContent, TabPane

        from playground.tui.panels import AwaitGraph, OutputPanel, ProblemsPanel, TaskTable

        pane = self.pane
        tasks = TabPane("Tasks", Horizontal(
            TaskTable().data_bind(RunPane.state),
            VerticalScroll(AwaitGraph().data_bind(RunPane.state), classes="await-graph"),  # `a` shows it
            classes="task-views"), id=f"{pane}-tasks")
        details = TabbedContent(classes="details")
        for tab in (tasks,
                    TabPane("Output", OutputPanel().data_bind(RunPane.state), id=f"{pane}-output"),
                    TabPane("Problems", ProblemsPanel().data_bind(RunPane.state), id=f"{pane}-problems")):
            details.compose_add_child(tab)  # as ``with TabbedContent():`` in compose does
        self._details = details
        return details

    def on_mount(self) -> None:
        if self._defer_details:
            # Nothing of this shows on an idle pane: the first screen goes out without
            # it (styling, laying out and drawing some 40 widgets per pane was a tenth
            # of the app's start-up), and it comes right after, or when first needed.
            self.call_after_refresh(self.mount_details)
        else:
            self._on_details_mounted()

    def mount_details(self) -> None:
        """Mount the panels an idle pane hides, if they are not yet (see ``defer_details``)."""
        if self._details is not None or not self.is_attached:
            return
        with self._context():  # data_bind binds to the pane whoever asks (a key, a run)
            figures, details = self._hidden_figures(), self._make_details()
        self.query_one(".figures", VerticalGroup).mount(*figures)
        mounted = self.mount(details)

        async def ready() -> None:
            await mounted
            if details.is_attached:  # not when the app closed meanwhile
                self._on_details_mounted()

        self.call_later(ready)

    async def details_mounted(self) -> None:
        """Mount the panels an idle pane hides if they are not yet, and wait until they are."""
        self.mount_details()
        await self._details_ready.wait()

    def _on_details_mounted(self) -> None:
        from playground.tui.explain import explain_pane

        self._details_ready.set()
        assert self._details is not None
        explain_pane(self, self.pane, self._details)  # tooltips: what each panel and column shows
        self._label_problems(self.state)
        if self._tab_wanted is not None:
            self.show_tab(self._tab_wanted)

    # ----------------------------------------------------------------- showing
    def show_snippet(self, *, title: Content, note: str, path: str, source: str) -> None:
        """Show a snippet that has not run yet (forgetting any previous run)."""
        self.run_id += 1  # whatever still reports from an older run is now ignored
        self.snippet = path
        self.border_title = title
        self.query_one("#note", Static).update(inline_code(note))
        # A class, not ``display``: the stylesheet also hides the note on short screens.
        self.query_one("#note", Static).set_class(not note, "-empty")
        self.query_one(CodeView).source = source
        self.checks = None
        self.state = None
        self.recorded = None

    def show_tab(self, name: str) -> None:
        """Bring the ``"tasks"``, ``"output"`` or ``"problems"`` tab to the front."""
        if not self._details_ready.is_set():
            self._tab_wanted = name  # shown once the tabs exist
            self.mount_details()
            return
        self._tab_wanted = None
        tabs = self._details
        assert tabs is not None
        tab = f"{self.pane}-{name}"
        if tabs.active == tab:
            return
        # Its panels draw what came while it was hidden before it shows: drawn once it
        # showed, a panel that changed its text laid the screen out a second time, and
        # showed it a frame later than the tab.
        shown = tabs.get_pane(tab)
        for widget in shown.walk_children(Widget):
            if isinstance(widget, StateView) and _displayed_within(widget, shown):
                widget.catch_up()
        # The underline jumps to the tab (Textual's tabs skip their slide when the app's
        # animations are off): its 0.3 s slide drew the tabs frame after frame, each
        # frame a turn of the loop that a busy run's updates and the next key waited for.
        app = self.app
        level, app.animation_level = app.animation_level, "none"
        try:
            tabs.active = tab
        finally:
            app.animation_level = level

    def begin_run(self) -> int:
        """Prepare for a new run; returns its number (messages carry it back).

        The last run's panels stay until the new run's first report replaces them: going
        through the idle look in between hid the panels and showed them again a few
        milliseconds later, two restyles and two layouts of the pane per run.
        """
        self.mount_details()  # a run shows them
        self.run_id += 1
        self.checks = None
        self.recorded = None
        return self.run_id

    # ------------------------------------------------------------------ running
    @property
    def running(self) -> bool:
        return self._session is not None

    @property
    def session(self) -> Session | None:
        """The session of the run going on here (None when none is)."""
        return self._session

    def start(self, target: RunTarget, options: RunOptions | None,
              mock_api: Callable[[], Awaitable[MockAPI]], gate: Gate | None = None,
              warm: WarmStart | None = None) -> None:
        """Run ``target`` in this pane (a run still going here is stopped first).

        With a ``gate`` (when served), the run first waits for a server-wide slot.
        """
        self.stop()
        run_id = self.begin_run()
        work = self._run(run_id, target, options, mock_api, warm)
        if gate is not None:
            work = queued(gate, target.label, self._show_place, work)
        self._worker = self.run_worker(work, name=f"run {target.label}", group="run",
                                       exclusive=True, exit_on_error=False)

    def _show_place(self, place: int) -> None:
        self.border_subtitle = Content.styled(place_text(place), "$text-warning")

    def stop(self) -> bool:
        """Stop this pane's run (its child's whole tree is killed); False if none was going."""
        if self._session is None:
            if self._worker is not None and self._worker.is_running:
                self._worker.cancel()  # still waiting in the server's line
                self.border_subtitle = ""
                self._subtitle_shown = None
                return True
            return False
        self._session.stop()
        return True

    async def _run(self, run_id: int, target: RunTarget, options: RunOptions | None,
                   mock_api: Callable[[], Awaitable[MockAPI]],
                   warm: WarmStart | None = None) -> RunState:
        from playground.session import Session, summarize
        from playground.tui.history import RecordedRun

        mock = await mock_api() if target.uses_api else None

        def on_update(state: RunState) -> None:
            self.post_message(RunUpdated(self.pane, run_id, state))

        session = Session(target, options, mock=mock, on_update=on_update, warm=warm)
        self._session = session
        self.post_message(RunStarted(self.pane, run_id, session.state))
        running = asyncio.ensure_future(session.run())
        try:
            state = await asyncio.shield(running)
        except asyncio.CancelledError:
            # Replaced or shutting down: let the session kill its child's whole tree.
            session.stop()
            await asyncio.wait([running], timeout=_STOP_GRACE_S)
            raise
        finally:
            if self._session is session:
                self._session = None
        summary = summarize(session, state)
        recorded = None if session.recorder is None else RecordedRun(
            session.recording_header(), session.recorder, state.status, state.wall_ms)
        if run_id == self.run_id:
            self.state = state
            self.recorded = recorded
            self.show_checks(summary.get("expect"))
        self.app.post_message(RunFinished(self.pane, run_id, state, summary, recorded))
        return state

    @on(RunStarted)
    @on(RunUpdated)
    def _run_reported(self, message: RunStarted | RunUpdated) -> None:
        message.stop()  # the pane's own business: nothing above needs it
        if message.run_id == self.run_id:  # a late report of a replaced run is ignored
            self.state = message.state
            self._report_sandbox(message.run_id, message.state)

    def _report_sandbox(self, run_id: int, state: RunState) -> None:
        """Tell the app the run's sandbox layers once the session has said them (its
        sandbox event replaces the record: a new record is news)."""
        sandbox = state.sandbox
        if sandbox is not self._sandbox_reported and (sandbox.layers or sandbox.missing):
            self._sandbox_reported = sandbox
            self.app.post_message(SandboxReported(self.pane, run_id, state.target, sandbox))

    def show_checks(self, expect: dict[str, Any] | None) -> None:
        """Show a finished lesson run's expectation results."""
        self.checks = tuple(expect.get("checks", ())) if expect else None

    def watch_state(self, state: RunState | None) -> None:
        if not self.is_mounted:
            return
        if state is not None:
            self.mount_details()  # a run's panels (a replay's, a mirrored one's too)
        marks_key = (0, -1) if state is None else (id(state), state.version(_MARK_KINDS))
        if marks_key != self._marks_drawn:
            self._marks_drawn = marks_key
            code = self.query_one(CodeView)
            if state is not None and state.code is not None and state.code != code.source:
                code.source = state.code  # the code that ran, even if the file changed since
            code.marks = marks_for(state, self.snippet)
        status = "idle" if state is None else state.status
        wall_ms = state.wall_ms if state is not None and state.finished else None
        if (status, wall_ms) != self._subtitle_shown:
            self._subtitle_shown = (status, wall_ms)
            subtitle = Content.styled(f" {STATUS_ICON.get(status, '')} {status} ", STATUS_STYLE.get(status, ""))
            if wall_ms is not None:
                subtitle += Content.styled(f"{format_ms(wall_ms)} ", "$text-muted")
            self.border_subtitle = subtitle
        # Both classes, then one restyle: each class change restyles the pane's whole
        # subtree (some 175 widgets, tens of ms), and a run's start changes both.
        running, idle = state is not None and not state.finished, state is None
        if idle != self.has_class("-idle"):
            self.set_class(running, "-running", update=False)
            self.set_class(idle, "-idle", update=False)
            # -idle hides and shows panels inside the pane: the pane and the widgets
            # its -idle rules style are restyled, not its whole subtree (some 50-175
            # widgets: tens of ms between the run key and the first live figure).
            self.app.stylesheet.update_nodes([self, *self.query(_IDLE_STYLED)], animate=False)
        elif running != self.has_class("-running"):
            # A run's end (or a new run after one): -running styles the pane's own
            # border only (app.tcss), so the pane alone is restyled, not its widgets:
            # the whole subtree took the loop tens of ms as the run ended, keys waiting.
            self.set_class(running, "-running", update=False)
            self.app.stylesheet.update_nodes([self], animate=False)
        self._label_problems(state)

    def _label_problems(self, state: RunState | None) -> None:
        if not self._details_ready.is_set():
            return  # labelled once the tabs exist (_on_details_mounted)
        from playground.tui.panels import problem_count

        count = problem_count(state)
        if count != self._problems_shown:
            # Relabelling a tab lays the tabs out again: only when the count changes.
            self._problems_shown = count
            assert self._details is not None
            tab = self._details.get_tab(f"{self.pane}-problems")
            tab.label = Content.assemble("Problems", " " if count else "",
                                         (str(count), "bold $error") if count else "")
