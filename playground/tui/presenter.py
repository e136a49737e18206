"""The room of a served workshop, from one app's side; and presenter mode.

:class:`RoomClient` follows the room over the server's back channel (when the app was
started by ``asyncplay serve``): the presenter's app moves the room with each lesson it
shows, opens a lesson's question to the room and reveals it after its run; an
attendee's app follows the presenter's lesson unless its viewer wandered to another
(``F`` follows again), answers the question when the room is asked, and shows the
reveal. Nothing is kept after the session: the room lives in the serve process.

Presenter mode (``asyncplay --present``) is a projector's layout: the lesson list, the
texts and the detail tabs hidden, a high-contrast theme, and a big figure per pane
(:class:`BigFigure`: the worst stall, else the lag's maximum) with the blocked line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

if TYPE_CHECKING:
    from playground.model import RunState
    from playground.catalog import Lesson
    from playground.tui.app import AsyncPlayApp
    from playground.tui.run_pane import RunPane

__all__ = ["BigFigure", "RoomClient", "big_figure", "present"]


def big_figure(state: RunState | None) -> tuple[str, str]:
    """(the figure, what it is) for a room to read: the worst stall, else the lag's max."""
    if state is None:
        return "-", "not run yet"
    if state.stalls:
        worst = max(state.stalls, key=lambda s: s.ms)
        where = f"{worst.file.rsplit('/', 1)[-1]}:{worst.line}" if worst.file else "?"
        code = f"  {worst.code.strip()}" if worst.code else ""
        live = "■ blocking now" if worst.live else "■ stall"
        return f"{worst.ms:,.0f}".replace(",", " "), f"{live} ms · {where}{code}"
    return f"{state.lag_max_ms:,.1f}".replace(",", " "), "✓ no stall · loop lag max ms"


class BigFigure(Vertical):
    """A run's figure that matters, in Digits, and what it is (words and a symbol)."""

    DEFAULT_CSS = """
    BigFigure { height: auto; display: none; }
    BigFigure Digits { width: auto; }
    BigFigure .big-caption { text-style: bold; }
    """

    def __init__(self, pane: RunPane) -> None:
        super().__init__(classes="big-figure")
        self.pane = pane

    def compose(self) -> ComposeResult:
        from textual.widgets import Digits  # presenter mode's alone: not in every start

        yield Digits("-")
        yield Static("not run yet", classes="big-caption")

    def on_mount(self) -> None:
        self.watch(self.pane, "state", self.show)

    def show(self, state: RunState | None) -> None:
        from textual.widgets import Digits

        figure, caption = big_figure(state)
        self.query_one(Digits).update(figure)
        self.query_one(".big-caption", Static).update(caption)


#: A dark theme with strong contrast, for a projector.
PRESENT_THEME = "textual-dark"


def present(app: AsyncPlayApp) -> None:
    """Presenter mode: the projector's layout (see the module's docstring)."""
    from playground.tui.code import CodeView
    from playground.tui.run_pane import RunPane

    app.theme = PRESENT_THEME
    app.screen.add_class("-present")
    for pane in app.query(RunPane):
        pane.mount(BigFigure(pane), after=pane.query_one(CodeView))


class RoomClient:
    """This app's part of the room (inactive unless served)."""

    def __init__(self, app: AsyncPlayApp) -> None:
        self.app = app
        self.link = app.link
        self.presenter = bool(self.link and self.link.presenter)
        self.view: dict[str, Any] = {}
        self.following = True
        self._moving = False  # the lesson changes because the room moved

    @property
    def active(self) -> bool:
        return self.link is not None

    def start(self) -> None:
        if self.link is None:
            return
        predictions = self.app.predictions
        predictions.room_tally = self.tally
        predictions.on_answer = self._answered
        predictions.on_ask = lambda slug: self._tell({"type": "ask", "lesson": slug})
        self.app.run_worker(self.link.follow_room(self.changed), name="room", group="room",
                            exit_on_error=False)

    def tally(self, slug: str) -> list[int] | None:
        tallies = self.view.get("tally", {})
        return list(tallies.get(slug, [0, 0, 0, 0])) if self.active else None

    def _answered(self, slug: str, choice: int) -> None:
        """An attendee answered: the room hears it, and the attendee is told what comes
        next (until the presenter reveals, the screen would say nothing of the answer)."""
        self._tell({"type": "answer", "lesson": slug, "choice": choice})
        if not self.presenter:
            self.app.notify(f"Your answer {'ABCD'[choice]} is in. The presenter reveals the answer "
                            "after their run; b or g runs it yourself meanwhile.",
                            title="answered", timeout=8)

    def _tell(self, message: dict[str, Any]) -> None:
        if self.link is not None:
            link = self.link
            self.app.run_worker(link.tell_room(message), group="room-tell", exit_on_error=False)

    # ---------------------------------------------------------------- changes
    def lesson_changed(self, lesson: Lesson) -> None:
        """The app shows ``lesson``: the presenter moves the room; an attendee may wander."""
        if not self.active:
            return
        if self.presenter:
            self._tell({"type": "move", "lesson": lesson.slug})
        elif self.view.get("lesson") == lesson.slug:
            self.following = True  # back at the presenter's lesson, by F or by hand
        elif not self._moving and self.view.get("lesson") is not None and self.following:
            self.following = False
            self.app.notify("You left the presenter's lesson: F follows the presenter again.",
                            title="wandering", timeout=6)

    def title_note(self) -> str:
        """What the header says of the room, after the lesson (in words: no state is told
        by colour alone): presenting, following the presenter, or wandering."""
        if not self.active:
            return ""
        if self.presenter:
            return "  ·  presenting"
        if self.following:
            return "  ·  following the presenter"
        return "  ·  wandering (F follows the presenter)"

    def revealed(self, lesson: Lesson | None) -> None:
        """The presenter's run of ``lesson`` ended after its question: reveal to the room."""
        if self.presenter and lesson is not None:
            self._tell({"type": "reveal", "lesson": lesson.slug})

    def follow(self) -> None:
        """``F``: follow the presenter again (go to the room's lesson)."""
        if not self.active or self.presenter:
            return
        self.following = True
        self._go_to(self.view.get("lesson"))
        self.app.show_title()

    def changed(self, view: dict[str, Any]) -> None:
        """The room changed (from the server): follow, ask, reveal, update the tally."""
        from playground.tui.predict import PredictScreen

        self.view = view
        screen = self.app.screen
        if isinstance(screen, PredictScreen) and screen.presenter:
            screen.show_tally(self.tally(screen.slug) or [0, 0, 0, 0], view.get("attendees"))
        if self.presenter:
            return
        slug = view.get("lesson")
        if self.following and slug and (self.app.lesson is None or self.app.lesson.slug != slug):
            self._go_to(slug)
        elif not self.following and slug and self.app.lesson is not None and self.app.lesson.slug == slug:
            self.following = True  # the presenter came to the lesson this attendee is on
            self.app.show_title()
        lesson = self.app.lesson
        if lesson is None:
            return
        if view.get("asking") == lesson.slug:
            self.app.predictions.ask_only(lesson)
        if lesson.slug in view.get("revealed", ()) and lesson.slug in self.app.predictions.chosen:
            self.app.predictions.show(lesson)

    def _go_to(self, slug: str | None) -> None:
        from playground.tui.lesson_options import LessonOptions

        if not slug:
            return
        lessons = self.app.query_one("#lessons", LessonOptions)
        for option in lessons.lesson_options:
            if option.lesson.slug == slug:
                self._moving = True
                try:
                    lessons.highlight(option.lesson)
                    self.app.lesson = option.lesson
                finally:
                    self._moving = False
                return
