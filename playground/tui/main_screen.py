"""The app's main screen, styled once at start-up.

Textual resumes an app's first screen with a full restyle of every widget, which
at start-up only repeats the styling each widget got when it was mounted (a mount
styles a composed batch once all its siblings are in place). Skipping that second
pass saves the start-up about a tenth of a second of CPU (`asyncplay serve` pays it
once per browser tab). Later resumes (closing help, a dialog) restyle as usual.
"""

from __future__ import annotations

from textual import events

from playground.tui.kept_frame import KeptFrame
from playground.tui.screen_layout import NewSizeLayout

__all__ = ["MainScreen"]


class MainScreen(KeptFrame, NewSizeLayout):
    """The screen the app composes into: the lesson list, the texts and the run panes
    (not laid out again under a dialog that opens at its size: :class:`NewSizeLayout`;
    not composited whole when uncovered: :class:`KeptFrame`)."""

    #: The app gives the focus itself (the lesson list, when the screen shows it).
    AUTO_FOCUS = ""

    def __init__(self) -> None:
        super().__init__(id="_default")  # the id Textual gives its own default screen
        self._styled_once = False

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        # Textual calls this handler, then Screen's own with the same event.
        if not self._styled_once:
            self._styled_once = True
            # Its widgets were styled as they mounted; the screen itself was styled
            # before compose set its size classes, so it alone is styled again.
            event.refresh_styles = False
            self.app.stylesheet.apply(self)
