"""Predict, then reveal: a lesson's question asked before its run, answered after it.

:class:`PredictScreen` asks (keys 1-4 choose, esc skips); for the presenter of a served
room it shows the room's live tally instead of taking an answer (enter runs). After the
lesson's run ends, :class:`RevealBar` tells the answer beside what the panels show: what
was chosen, whether it was right (in words and a symbol, not colour alone), the right
choice and why, and the room's tally when served. :class:`Predictions` is the app's part.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from playground.prediction import Prediction

if TYPE_CHECKING:
    from playground.catalog import Lesson
    from playground.tui.app import AsyncPlayApp

__all__ = ["PredictScreen", "Predictions", "RevealBar", "tally_text"]

LETTERS = "ABCD"


#: The width of a full bar in the tally (every answer on one choice).
BAR_WIDTH = 12


def tally_text(prediction: Prediction, tally: list[int] | None, *, reveal: bool = False,
               attendees: int | None = None) -> Content:
    """How many answered (of how many attendees, when known), then per choice its letter,
    its count, a bar, and the choice; the answer marked with ✓ on reveal. The count comes
    before the choice's text so that a narrow screen wraps the text, not the figure."""
    counts = list(tally or [0, 0, 0, 0])
    total = sum(counts[: len(prediction.choices)])
    of = f" of {attendees}" if attendees is not None and attendees >= total else ""
    parts: list[Content] = [Content.styled(f"answers: {total}{of}\n", "bold")]
    for index, choice in enumerate(prediction.choices):
        count = counts[index] if index < len(counts) else 0
        bar = "█" * (count * BAR_WIDTH // total if total else 0)
        mark = ("✓ " if index == prediction.answer else "  ") if reveal else ""
        parts.append(Content.assemble(
            (f"{mark}{LETTERS[index]} {count:>3} ", "bold"), (bar.ljust(BAR_WIDTH), "$accent"),
            f"  {choice}\n"))
    return Content.assemble(*parts)


class PredictScreen(ModalScreen[int | None]):
    """The question before a run: 1-4 choose (dismissed with the index), esc skips (None).

    For the presenter (``tally`` given): the room's answers live; enter closes.
    """

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Skip"),
        Binding("1", "choose(0)", "A", show=False),
        Binding("2", "choose(1)", "B", show=False),
        Binding("3", "choose(2)", "C", show=False),
        Binding("4", "choose(3)", "D", show=False),
        Binding("a", "choose(0)", "A", show=False),
        Binding("b", "choose(1)", "B", show=False),
        Binding("c", "choose(2)", "C", show=False),
        Binding("d", "choose(3)", "D", show=False),
        Binding("enter", "close_tally", "Run", show=False),
    ]

    # Parsed when the screen is first shown, not at start-up (app.tcss styles the first screen);
    # not scoped, so each selector keeps the weight it has as written.
    DEFAULT_CSS = """
        PredictScreen {
            align: center middle;
        }

        #predict-dialog {
            width: 90;
            max-width: 95%;
            height: auto;
            max-height: 90%;
            padding: 0 2 1 2;
            border: double $accent;
            background: $surface;
        }

        #predict-question {
            margin: 1 0;
        }
    """
    SCOPED_CSS = False

    def __init__(self, slug: str, prediction: Prediction, *, presenter: bool = False,
                 tally: list[int] | None = None) -> None:
        super().__init__(classes="-presenter" if presenter else "")
        self.slug = slug
        self.prediction = prediction
        self.presenter = presenter
        self._tally = tally

    def compose(self) -> ComposeResult:
        with Vertical(id="predict-dialog") as dialog:
            dialog.border_title = "predict, then run"
            n = len(self.prediction.choices)
            dialog.border_subtitle = ("enter to run · esc to close" if self.presenter
                                      else f"1-{n} or a-{LETTERS[n - 1].lower()} to answer"
                                           " · esc to skip")
            yield Static(Content.styled(self.prediction.question, "bold"), id="predict-question")
            if self.presenter:
                yield Static(tally_text(self.prediction, self._tally), id="predict-tally")
            else:
                yield Static(Content.assemble(*(
                    Content.assemble((f"{index + 1}  {LETTERS[index]}  ", "bold $text-accent"),
                                     f"{choice}\n")
                    for index, choice in enumerate(self.prediction.choices))), id="predict-choices")

    def show_tally(self, tally: list[int], attendees: int | None = None) -> None:
        """The room's answers changed (presenter only)."""
        self._tally = tally
        if self.presenter and self.is_mounted:
            self.query_one("#predict-tally", Static).update(
                tally_text(self.prediction, tally, attendees=attendees))

    def action_choose(self, index: int) -> None:
        if not self.presenter and index < len(self.prediction.choices):
            self.dismiss(index)

    def action_close_tally(self) -> None:
        if self.presenter:
            self.dismiss(None)


class RevealBar(VerticalScroll, can_focus=False):
    """The answer, after the run: what was chosen, the right choice, why.

    It scrolls: a short screen gives it a few rows (the stylesheet says how many), and
    its scrollbar then says that there is more (the why, a room's tally).
    """

    def compose(self) -> ComposeResult:
        yield Static(id="reveal-text")

    @property
    def text(self) -> Content:
        """What it says (all of it, shown or scrolled away)."""
        visual = self.query_one("#reveal-text", Static).visual
        return visual if isinstance(visual, Content) else Content(str(visual))

    def reveal(self, prediction: Prediction, chosen: int | None, tally: list[int] | None) -> None:
        right = prediction.right
        if chosen is None:
            verdict = Content.styled("? no prediction made", "bold")
        elif chosen == prediction.answer:
            verdict = Content.styled(f"✓ right: you chose {LETTERS[chosen]}", "bold $text-success")
        else:
            verdict = Content.styled(
                f"✗ not this time: you chose {LETTERS[chosen]} ({prediction.choices[chosen]})",
                "bold $text-error")
        parts: list[str | Content] = [
            Content.styled("Prediction · ", "bold $text-secondary"), verdict, "\n",
            Content.styled(f"Answer {LETTERS[prediction.answer]}: {right}", "bold"), "\n",
            Content(prediction.explain),
        ]
        if tally is not None:
            parts += ["\n", tally_text(prediction, tally, reveal=True)]
        # The tally's lines end with a newline: the last would be an empty row.
        self.query_one("#reveal-text", Static).update(Content.assemble(*parts).rstrip())
        self.display = True
        self.scroll_home(animate=False)


class Predictions:
    """The app's side: ask before a lesson's first run, reveal after it (once per lesson)."""

    def __init__(self, app: AsyncPlayApp, *, enabled: bool = True) -> None:
        self.app = app
        self.enabled = enabled
        self.chosen: dict[str, int | None] = {}  # by lesson slug: asked (None: skipped)
        self.asking: str | None = None  # the lesson whose question is on screen
        self._to_reveal: set[str] = set()
        self.room_tally: Callable[[str], list[int] | None] = lambda slug: None
        self.on_answer: Callable[[str, int], None] = lambda slug, choice: None
        self.on_ask: Callable[[str], None] = lambda slug: None

    def ask_first(self, lesson: Lesson, then: Callable[[], None], *, presenter: bool = False) -> bool:
        """Ask ``lesson``'s question if it has one not asked yet, then call ``then``.
        True when asked (the caller waits for ``then``)."""
        prediction = lesson.predict
        if (not self.enabled or prediction is None or lesson.slug in self.chosen
                or self.asking is not None):
            return False
        slug = lesson.slug
        if presenter:
            self.on_ask(slug)

        def answered(choice: int | None) -> None:
            self.asking = None
            # Focus would go back to the first focusable widget, the lesson filter's
            # text field, which would then eat n, p and the run keys.
            self.app.query_one("#lessons").focus()
            self.chosen[slug] = choice
            self._to_reveal.add(slug)
            if choice is not None:
                self.on_answer(slug, choice)
            then()

        self.asking = slug  # the room may ask again before this screen is up: once only
        self.app.push_screen(PredictScreen(slug, prediction, presenter=presenter,
                                           tally=self.room_tally(slug)), answered)
        return True

    def ask_only(self, lesson: Lesson) -> None:
        """The presenter asked the room: answer without running (an attendee's app)."""
        if lesson.predict is None or lesson.slug in self.chosen or self.asking is not None:
            return
        self.ask_first(lesson, lambda: None)

    def run_finished(self, lesson: Lesson | None) -> bool:
        """Reveal ``lesson``'s answer if its question was asked and not yet revealed."""
        if lesson is None or lesson.predict is None or lesson.slug not in self._to_reveal:
            return False
        self._to_reveal.discard(lesson.slug)
        self.show(lesson)
        return True

    def show(self, lesson: Lesson) -> None:
        assert lesson.predict is not None
        bar = self.app.query_one("#reveal", RevealBar)
        bar.reveal(lesson.predict, self.chosen.get(lesson.slug), self.room_tally(lesson.slug))

    def lesson_changed(self) -> None:
        self.app.query_one("#reveal", RevealBar).display = False
