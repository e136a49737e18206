"""The app's warm starts: while nothing runs, each shown pane's next child is started
ahead (see :mod:`playground.warmstart`), so that a run key only sends it the snippet.

A lesson shows two panes, bad and good, and ``r`` runs both: each pane has a child of
its own, so that both start warm (with one, the good run started cold, ~0.2-1.4 s after
the bad one). A file of the user's shows one pane, and one child; the lesson panes'
are discarded then. Children start once the start-up's sandbox check is done, again
after each run (when no other pane still runs: a spawn beside a run would be measured
by it), and when the lesson shown changes what the next run needs (the mock API). A
served app has none: twenty tabs would keep twenty idle interpreters
(docs/ARCHITECTURE.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playground.warmstart import WarmStart

__all__ = ["Warming"]


class Warming:
    """Keeps the app's warm starts (a :class:`~playground.warmstart.WarmStart` per
    shown pane) in step with what it shows."""

    def __init__(self, app: Any) -> None:
        self.app = app
        #: Each pane's warm start, by the pane's name ("bad", "good", "file").
        self.warm: dict[str, WarmStart] = {}
        self._settled = False  # the start-up's sandbox check is done
        self._closed = False

    def for_pane(self, pane: str) -> WarmStart | None:
        """The warm start of the pane named ``pane`` (None: its run starts cold)."""
        return self.warm.get(pane)

    def settled(self) -> None:
        """Start-up's work is done: start the first warm children."""
        self._settled = True
        self.refresh()

    def refresh(self) -> None:
        """Have a child ready for each shown pane's next run (when idle)."""
        app = self.app
        if not self._settled or self._closed or app.link is not None:
            return
        from playground.tui.run_pane import RunPane

        if any(pane.running for pane in app.query(RunPane)):
            return
        from playground.session import RunTarget
        from playground.tui.replaying import recorded_options
        from playground.warmstart import WarmStart

        panes: tuple[str, ...]
        if app.file_path is not None:
            uses_api, panes = RunTarget.from_file(app.file_path).uses_api, ("file",)
        elif app.lesson is not None:
            uses_api, panes = app.lesson.uses_api, ("bad", "good")
        else:
            return
        for name in [name for name in self.warm if name not in panes]:
            self.warm.pop(name).discard()  # a pane no longer shown: its child is not kept
        options = recorded_options(app.options)
        for name in panes:
            if name not in self.warm:
                self.warm[name] = WarmStart()
            self.warm[name].prepare(uses_api, options)

    async def close(self) -> None:
        """Discard the warm children (on exit): nothing of them is left."""
        self._closed = True
        for warm in self.warm.values():
            await warm.close()
