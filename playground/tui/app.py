"""The asyncplay Textual app: pick a lesson, run its bad and good snippets, watch the loop.

Layout: the lesson list on the left; on the right the chosen lesson's texts and
two run panes side by side (bad and good), each with its code and the panels of
its latest run. Each pane owns its run (a worker driving one
:class:`~playground.session.Session`, whose snapshots land in the pane's ``state``);
the app hears only that a run finished (:class:`~playground.tui.messages.RunFinished`),
and shares one mock API among the runs that need it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Header, OptionList
from textual.worker import Worker, WorkerState

from playground.catalog import Catalog, Lesson, load_catalog
from playground.edits import Edits
from playground.tui import gcpause
from playground.tui.editing import EditActions, Editing
from playground.tui.filter import LessonFilter, takes_typing
from playground.tui.footer import RunFooter
from playground.tui.keys import APP_BINDINGS, RUN_ACTIONS
from playground.tui.lesson_options import LessonOption, LessonOptions
from playground.tui.lessons import LessonInfo, LessonList
from playground.tui.main_screen import MainScreen
from playground.tui.messages import RunFinished, SandboxReported
from playground.tui.predict import Predictions, RevealBar
from playground.tui.palette import ActionCommands, LessonCommands
from playground.tui.presenter import RoomClient, present
from playground.tui.run_pane import RunPane
from playground.tui.sandbox_bar import SandboxBar
from playground.tui.scoreboard import Scoreboard
from playground.tui.shared_mock import SharedMockAPI
from playground.tui.replaying import ReplayActions, recorded_options
from playground.tui.restyles import BatchedRestyles
from playground.tui.stepper import StepperMixin
from playground.tui.warming import Warming

if TYPE_CHECKING:
    from textual.driver import Driver

    from playground.model import RunState
    from playground.recording import Recording
    from playground.serve.link import ServeLink
    from playground.session import RunOptions, RunTarget

__all__ = ["AsyncPlayApp"]


def _breakpoint(size: int, breakpoints: list[tuple[int, str]]) -> str | None:
    """The class of the largest breakpoint ``size`` reaches (as Textual's screens choose)."""
    return next((name for at, name in sorted(breakpoints, reverse=True) if size >= at), None)


class AsyncPlayApp(StepperMixin, EditActions, ReplayActions, BatchedRestyles):
    """Lessons on the left, the chosen lesson's bad and good runs side by side."""

    CSS_PATH = "app.tcss"
    TITLE = "asyncplay"
    SUB_TITLE = "watch the asyncio event loop"
    COMMANDS = ReplayActions.COMMANDS | {LessonCommands, ActionCommands}
    BINDINGS = APP_BINDINGS

    # Small screens (a projector with a big font) hide the lesson list and texts by
    # default, so that the two run panes keep their room; l and i bring them back.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (140, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (42, "-tall")]

    #: The lesson on screen (None when a file of the user's is shown, or no lessons).
    lesson: reactive[Lesson | None] = reactive(None)

    def __init__(self, catalog: Catalog | None = None, options: RunOptions | None = None,
                 recording: Recording | None = None, edits: Edits | None = None, *,
                 link: ServeLink | None = None, present: bool = False,
                 predict: bool = False,
                 start_lesson: Lesson | None = None, start_variant: str | None = None,
                 start_file: Path | None = None) -> None:
        """``start_lesson`` (with ``start_variant``'s pane focused) or ``start_file`` (run
        at once, as "open file" does) is what the app opens at; by default, the first lesson."""
        super().__init__()
        self.recording_to_open = recording  # shown in replay once the app is up
        self.catalog = catalog if catalog is not None else load_catalog()
        self.options = options
        self.link = link  # set when served: runs wait for the server's slots
        self.present = present
        self.file_path: Path | None = None
        self._opening = (start_lesson, start_variant, start_file)
        #: The list's cursor when a file was opened: only a move of it leaves the file.
        self._file_cursor: int | None = None
        self.mock_api = SharedMockAPI()  # for the runs that need it
        #: The final state of the latest run of each pane (tests and scripts read it).
        self.finished: dict[str, RunState] = {}
        #: The editors of the panes and the learner's edits (e, ctrl+r, ctrl+s, reset).
        self.editing = Editing(self, edits)
        self.predictions = Predictions(self, enabled=predict)  # ask lessons' questions first
        self.room = RoomClient(self)  # the served room (inactive in a terminal)
        self.warming = Warming(self)  # the next run's child, started while idle

    def get_driver_class(self) -> type[Driver]:
        driver = super().get_driver_class()
        if driver.__name__ == "LinuxDriver":  # not a served app's, nor Windows'
            from playground.tui.driver import KeyDriver

            return KeyDriver
        return driver

    # ------------------------------------------------------------------ layout
    def get_default_screen(self) -> MainScreen:
        return MainScreen()

    def compose(self) -> ComposeResult:
        # The size classes that the screen's first resize would set, set before its
        # widgets are styled: set after, they would style every widget a second time.
        width, height = self.size
        shown = (_breakpoint(width, self.HORIZONTAL_BREAKPOINTS),
                 _breakpoint(height, self.VERTICAL_BREAKPOINTS))
        self.screen.update_classes(
            {name: name in shown for _, name in self.HORIZONTAL_BREAKPOINTS + self.VERTICAL_BREAKPOINTS},
            update=False)
        yield Header()
        with Horizontal(id="body"):
            yield LessonList(self.catalog, id="sidebar")
            with Vertical(id="main"):
                broken = {e.path.parent if e.path.suffix else e.path for e in self.catalog.errors}
                yield LessonInfo(broken_folders=len(broken), id="lesson-info")
                yield RevealBar(id="reveal")
                with Horizontal(id="panes"):
                    yield RunPane("bad", defer_details=True)
                    yield RunPane("good", defer_details=True)
                    # The pane of a file of the user's is made when one is first opened.
                yield Scoreboard(id="scoreboard")
        yield SandboxBar(id="sandbox-bar")
        yield RunFooter()

    async def on_mount(self) -> None:
        use_bwrap = self.options.use_bwrap if self.options is not None else None
        first_frame = asyncio.Event()
        self.run_worker(self._prepare_runs(use_bwrap, first_frame), name="prepare runs",
                        group="prepare", exit_on_error=False)
        lessons = self.query_one("#lessons", LessonOptions)
        start_lesson, start_variant, start_file = self._opening
        if self.catalog.lessons and (start_lesson is None or start_file is not None):
            # The first option is the first level's heading; the cursor starts on its lesson
            # (a lesson asked for is shown instead, once: below).
            lessons.highlight(lessons.lesson_options[0].lesson)
            self.lesson = self.catalog.lessons[0]
        if self.query_one("#sidebar").display:
            # Not when a narrow screen hides the list: hidden, it would keep the keys
            # unseen (nothing has them until l or /).
            lessons.focus()
        if self.recording_to_open is not None:
            self.open_replay(self.recording_to_open)
        if start_file is not None:
            await self._file_chosen(start_file)
        elif start_lesson is not None:
            self.show_lesson(start_lesson, start_variant)
        if self.present:
            present(self)
        self.room.start()
        self.call_after_refresh(gcpause.resume)  # start-up is over once its first frame is out
        self.call_after_refresh(first_frame.set)

    async def _prepare_runs(self, use_bwrap: bool | None, first_frame: asyncio.Event) -> None:
        # The sandbox's check imports the run machinery in a thread: started before the
        # first frame, that thread took turns with the frame's drawing for the GIL.
        await first_frame.wait()
        await self.query_one(SandboxBar).detect(use_bwrap)

    # ----------------------------------------------------------------- lessons
    @on(OptionList.OptionHighlighted, "#lessons")
    @on(OptionList.OptionSelected, "#lessons")
    def lesson_chosen(self, event: OptionList.OptionHighlighted | OptionList.OptionSelected) -> None:
        # Enter on the lesson already highlighted brings it back after a file was shown.
        if (isinstance(event, OptionList.OptionHighlighted) and self.file_path is not None
                and event.option_index == self._file_cursor):
            return  # a late report (the list's start-up): the cursor has not moved since
        if (isinstance(event, OptionList.OptionHighlighted)
                and event.option_index != event.option_list.highlighted):
            return  # a late report: the cursor has moved on since (its lesson is shown)
        if isinstance(event.option, LessonOption):
            self.file_path = None
            self.lesson = event.option.lesson

    def watch_lesson(self, lesson: Lesson | None) -> None:
        if lesson is None:
            return
        self._stop_all()
        self.predictions.lesson_changed()
        self.room.lesson_changed(lesson)
        self.show_title()
        self.query_one(Scoreboard).clear()
        self.query_one(LessonInfo).show_lesson(lesson)
        for pane in self.query("#pane-file").results(RunPane):
            pane.display = False
        for variant, note in (("bad", lesson.mistake), ("good", lesson.fix)):
            pane = self.query_one(f"#pane-{variant}", RunPane)
            pane.display = True
            source = self.editing.source(lesson, variant)  # the learner's edit, if any
            pane.show_snippet(
                title=Content.assemble(
                    (f" {variant}.py ", "bold $text-error" if variant == "bad" else "bold $text-success"),
                    ("· the mistake " if variant == "bad" else "· the fix ", "$text-muted"),
                ),
                note=note, path=str(lesson.path(variant)), source=source,
            )
            self.editing.shown(lesson, variant)
        self.warming.refresh()  # the next run may need another child (the mock API)

    def show_title(self) -> None:
        """The header: the lesson and its place in the list, and where this app stands in
        a served room (presenting, following or wandering)."""
        lesson = self.lesson
        if lesson is not None:
            number = self.catalog.lessons.index(lesson) + 1 if lesson in self.catalog.lessons else 0
            self.sub_title = (f"{lesson.title}  ·  {number}/{len(self.catalog.lessons)}"
                              f"{self.room.title_note()}")

    def show_lesson(self, lesson: Lesson, variant: str | None = None) -> None:
        """Show ``lesson`` (the list's cursor on it) and, if given, focus a variant's pane."""
        self.query_one(LessonFilter).reveal(lesson)
        self.query_one("#lessons", LessonOptions).highlight(lesson)
        self.file_path = None
        self.lesson = lesson
        if variant is not None:
            self.query_one(f"#pane-{variant}", RunPane).focus()

    def action_filter_lessons(self) -> None:
        self.query_one(LessonFilter).open()

    def action_next_lesson(self) -> None:
        self.query_one("#lessons", LessonOptions).action_cursor_down()

    def action_previous_lesson(self) -> None:
        self.query_one("#lessons", LessonOptions).action_cursor_up()

    def action_follow(self) -> None:
        self.room.follow()

    def action_toggle_info(self) -> None:
        # Flips the default of the screen's size: shown when tall, hidden when short.
        self.screen.toggle_class("-texts-toggled")

    def action_toggle_lessons(self) -> None:
        # Flips the default of the screen's size: shown when wide, hidden when narrow.
        self.screen.toggle_class("-lessons-toggled")

    def action_tab(self, name: str) -> None:
        """Show the Tasks, Output or Problems tab in every run pane (its tabs styled in one pass)."""
        with self.restyled_once():
            for pane in self.query(RunPane):
                pane.show_tab(name)

    def action_help(self) -> None:
        # Help's module is imported on its first showing (not by the first frame).
        from playground.tui.screens import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            if not self.is_screen_installed("help"):  # made once and kept, not composed again
                self.install_screen(HelpScreen(), "help")
            self.push_screen("help")

    def action_open_file(self) -> None:
        from playground.tui.screens import OpenFileScreen

        start = str(self.file_path) if self.file_path else ""
        self.push_screen(OpenFileScreen(start), self._file_chosen)

    async def _file_chosen(self, path: Path | Recording | None) -> None:
        if path is None:
            return
        if not isinstance(path, Path):  # a recording (the dialog read it)
            self.open_replay(path)
            return
        if not self.query("#pane-file"):
            await self.query_one("#panes").mount(RunPane("file"))
        self._stop_all()
        self.file_path = path
        self._file_cursor = self.query_one("#lessons", LessonOptions).highlighted
        self.lesson = None
        self.sub_title = str(path)
        self.query_one(LessonInfo).show_file(str(path))
        self.query_one(Scoreboard).clear()
        for variant in ("bad", "good"):
            self.query_one(f"#pane-{variant}", RunPane).display = False
        pane = self.query_one("#pane-file", RunPane)
        pane.display = True
        try:
            source = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            source = f"# cannot read {path}: {exc}"
        pane.show_snippet(title=Content.styled(f" {path.name} ", "bold"), note="",
                          path=str(path.resolve()), source=source)
        self.action_run("bad")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # While help or the file dialog is open, its keys must not start runs behind it.
        if action in RUN_ACTIONS and self.screen is not self.screen_stack[0]:
            return False
        if action == "filter_lessons" and takes_typing(self.focused):
            return False  # "/" typed into the filter or an editor
        return self.time_travel_allows(action)

    # -------------------------------------------------------------------- runs
    def action_run(self, which: str) -> None:
        """Run ``"bad"``, ``"good"`` or ``"both"`` of the lesson (or the user's file)."""
        from playground.session import RunTarget

        if self.file_path is not None:
            self._start("file", RunTarget.from_file(self.file_path))
            return
        lesson = self.lesson
        if lesson is None:
            self.notify("No lesson to run.", severity="warning")
            return
        if lesson.unavailable:
            self.notify(f"Not available: {lesson.unavailable}.", severity="warning")
            return
        if self.predictions.ask_first(lesson, lambda: self.action_run(which),
                                      presenter=self.room.presenter):
            return  # the run starts once the question is answered (or skipped)
        variants = ("bad", "good") if which == "both" else (which,)
        edited = False
        for variant in variants:
            code = self.editing.code(lesson, variant)  # an edit runs in place of the file
            self._start(variant, RunTarget.from_lesson(lesson, variant, code=code))
            self.editing.run_started(variant, edited=code is not None)
            edited = edited or code is not None
        self.query_one(Scoreboard).runs_started(variants, edited)

    def action_stop(self) -> None:
        if not self._stop_all():
            self.notify("Nothing is running.", timeout=2)

    def _stop_all(self) -> bool:
        """Stop every pane's run; False if none was going."""
        stopped = [pane.stop() for pane in self.query(RunPane)]
        return any(stopped)

    def _start(self, pane_name: str, target: RunTarget) -> None:
        self.query_one(f"#pane-{pane_name}", RunPane).start(
            target, recorded_options(self.run_options()), self.mock_api.get,
            self.link.slot if self.link else None, warm=self.warming.for_pane(pane_name))

    @on(SandboxReported)
    def sandbox_reported(self, message: SandboxReported) -> None:
        self.query_one(SandboxBar).show_used(message.sandbox, message.target)

    @on(RunFinished)
    def run_finished(self, message: RunFinished) -> None:
        self.finished[message.pane] = message.state
        if message.pane in ("bad", "good") and self.predictions.run_finished(self.lesson):
            self.room.revealed(self.lesson)
        self.keep_run(message.recorded)
        self.editing.run_finished(message)
        self.query_one(Scoreboard).run_finished(message.pane, message.summary)
        self.query_one(SandboxBar).show_run(message.state)
        self.warming.refresh()

    @on(Worker.StateChanged)
    def worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place where work that failed on our side (not the snippet's) is reported."""
        if event.state == WorkerState.SUCCESS and event.worker.group == "prepare":
            self.warming.settled()
        if event.state != WorkerState.ERROR:
            return
        worker = event.worker
        if worker.group == "prepare":
            self.query_one(SandboxBar).show_failure(worker.error)
            return
        self.notify(f"{worker.name} failed inside asyncplay: {worker.error!r}",
                    title="Run failed", severity="error", timeout=10)

    # ----------------------------------------------------------------- closing
    async def on_unmount(self) -> None:
        self._stop_all()
        await self.warming.close()
        if self.link is not None:
            await self.link.close()
        await self.mock_api.close()
