"""The app's warm start: while nothing runs, the next run's child is started ahead
(see :mod:`playground.warmstart`), so that a run key only sends it the snippet.

It starts once the start-up's sandbox check is done, again after each run (when no
other pane still runs: a spawn beside a run would be measured by it), and when the
lesson shown changes what the next run needs (the mock API). A served app has none:
twenty tabs would keep twenty idle interpreters (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playground.warmstart import WarmStart

__all__ = ["Warming"]


class Warming:
    """Keeps the app's :class:`~playground.warmstart.WarmStart` in step with what it shows."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.warm: WarmStart | None = None
        self._settled = False  # the start-up's sandbox check is done
        self._closed = False

    def settled(self) -> None:
        """Start-up's work is done: start the first warm child."""
        self._settled = True
        self.refresh()

    def refresh(self) -> None:
        """Have a child ready for the run the app would start next (when idle)."""
        app = self.app
        if not self._settled or self._closed or app.link is not None:
            return
        from playground.tui.run_pane import RunPane

        if any(pane.running for pane in app.query(RunPane)):
            return
        from playground.session import RunTarget
        from playground.tui.replaying import recorded_options
        from playground.warmstart import WarmStart

        if app.file_path is not None:
            uses_api = RunTarget.from_file(app.file_path).uses_api
        elif app.lesson is not None:
            uses_api = app.lesson.uses_api
        else:
            return
        if self.warm is None:
            self.warm = WarmStart()
        self.warm.prepare(uses_api, recorded_options(app.options))

    async def close(self) -> None:
        """Discard the warm child (on exit): nothing of it is left."""
        self._closed = True
        if self.warm is not None:
            await self.warm.close()
