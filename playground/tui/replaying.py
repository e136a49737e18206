"""The app's time-travel keys: `w` saves the runs on screen, `h` lists the session's
runs, a recording (from `h`, `o` or ``asyncplay replay``) opens in replay, and `t`
shows the runs on screen on a timeline, `a` the await graph beside the task tables.

:class:`ReplayActions` is mixed into the app: it keeps the :class:`RunHistory`,
records every run the app starts (:func:`recorded_options`), and opens a
:class:`~playground.tui.replay_screen.ReplayScreen`.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import App

from playground.tui.history import RUN_RECORD_CAP_BYTES, RecordedRun, RunHistory, save_run
from playground.tui.run_pane import RunPane

if TYPE_CHECKING:
    from playground.recording import Recording
    from playground.session import RunOptions
    from playground.tui.replay_screen import ReplayScreen

__all__ = ["ReplayActions", "recorded_options"]

#: The name the app's timeline screen is kept under.
_TIMELINE = "timeline"

#: Actions about the run panes on screen.
_PANE_ACTIONS = frozenset({"save_run", "await_graph", "timeline"})


def recorded_options(options: RunOptions | None) -> RunOptions:
    """``options`` with recording on (the app keeps every run for replay), capped at
    :data:`~playground.tui.history.RUN_RECORD_CAP_BYTES` per run."""
    from playground.session import RunOptions

    options = options or RunOptions()
    cap = min(options.record_cap_bytes, RUN_RECORD_CAP_BYTES)
    return dataclasses.replace(options, record=True, record_cap_bytes=cap)


class ReplayActions(App[None]):
    """Saving runs, the session's history, and opening recordings, for the app."""

    #: Where `w` saves (None: :func:`~playground.tui.history.recordings_folder`).
    recordings_to: Path | None = None

    def __init__(self) -> None:
        super().__init__()
        self.history = RunHistory()

    def time_travel_allows(self, action: str) -> bool:
        """Whether ``action`` makes sense on the screen shown (not over a timeline or
        the history: they show no run pane to save or to show awaits beside)."""
        # Their modules load on first use: before that, no such screen can be shown.
        runless = tuple(getattr(module, name) for module, name in (
            (sys.modules.get("playground.tui.timeline"), "TimelineScreen"),
            (sys.modules.get("playground.tui.history_screen"), "HistoryScreen")) if module is not None)
        return not (action in _PANE_ACTIONS and isinstance(self.screen, runless))

    def keep_run(self, run: RecordedRun | None) -> None:
        if run is not None:
            self.history.add(run)

    def action_save_run(self) -> None:
        """Save the finished runs on screen, each to a file of its own."""
        from playground.tui.replay_screen import ReplayScreen

        screen = self.screen
        if isinstance(screen, ReplayScreen):
            self._save_replayed(screen)
            return
        panes = [pane for pane in self.query(RunPane) if pane.display]
        runs = [pane.recorded for pane in panes if pane.recorded is not None]
        if not runs:
            going = any(pane.running for pane in panes)
            self.notify("Wait for the run to finish, then press w." if going
                        else "No run on screen to save: run one first.", severity="warning")
            return
        self._save(runs)

    def _save(self, runs: list[RecordedRun]) -> None:
        saved = []
        for run in runs:
            try:
                saved.append(str(save_run(run, self.recordings_to)))
            except OSError as exc:
                self.notify(f"Cannot save the recording of {run.target}: {exc}",
                            title="Not saved", severity="error", timeout=10, markup=False)
        if saved:
            self.notify("\n".join(saved), title="Recording saved" if len(saved) == 1
                        else "Recordings saved", timeout=8, markup=False)

    def _save_replayed(self, screen: ReplayScreen) -> None:
        path = screen.replay.recording.path
        if path is not None:
            self.notify(f"Already saved: {path}", timeout=6, markup=False)
        elif screen.run is not None:
            self._save([screen.run])

    def action_history(self) -> None:
        from playground.tui.history_screen import HistoryScreen

        self.push_screen(HistoryScreen(self.history.runs), self._history_chosen)

    def _history_chosen(self, run: RecordedRun | None) -> None:
        if run is not None:
            self.open_replay(run.recording(), title=f"replay of {run.target} "
                             f"(ended {run.finished_at.astimezone():%H:%M:%S})", run=run)

    def open_recording_file(self, path: Path) -> bool:
        """Open the recording at ``path`` in replay; False (the problem shown, naming
        the file) when it is not a readable recording."""
        from playground.recording import RecordingError
        from playground.recording import load as load_recording

        try:
            recording = load_recording(path)
        except RecordingError as exc:
            self.notify(str(exc), title="Not a recording", severity="error", timeout=15,
                        markup=False)
            return False
        self.open_replay(recording)
        return True

    def action_timeline(self) -> None:
        """The timeline of the runs on screen (live while they run)."""
        from playground.tui.timeline import TimelineScreen

        panes = [pane for pane in self.query(RunPane) if pane.display]
        runs = [(pane.state.target if pane.state is not None else pane.pane,
                 lambda pane=pane: pane.state) for pane in panes]
        # Made once (again for another number of runs) and kept: opened again, it is
        # not composed, styled and laid out anew, and closing it removes nothing (a
        # removal laid the main screen out and drew it whole a second time).
        if self.is_screen_installed(_TIMELINE):
            screen = self.get_screen(_TIMELINE)
            if isinstance(screen, TimelineScreen) and screen.show_runs(runs):
                self.push_screen(_TIMELINE)
                return
            self.uninstall_screen(_TIMELINE)
        self.install_screen(TimelineScreen(runs), _TIMELINE)
        self.push_screen(_TIMELINE)

    def action_await_graph(self) -> None:
        """Show or hide the await graph beside each task table (on this screen)."""
        self.screen.toggle_class("-awaits-shown")

    def open_replay(self, recording: Recording, *, title: str | None = None,
                    run: RecordedRun | None = None) -> None:
        """Replay ``recording`` (``run``: the session's run it is, which `w` can save)."""
        from playground.replay import Replay
        from playground.tui.replay_screen import ReplayScreen

        self.push_screen(ReplayScreen(Replay(recording), title=title, run=run))
