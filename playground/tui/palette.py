"""The command palette's providers (ctrl+p): the lessons, and the app's own actions.

Lessons are found by title, slug or tag, and picking one opens it. The actions are
read from the app's key bindings, so every key the app has (whoever added it) is also
a command, with its key beside it: the palette
is where a key forgotten is found again.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Protocol

from textual.binding import BindingsMap
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from playground.catalog import Catalog, Lesson
from playground.tui.keys import HELP_KEYS

if TYPE_CHECKING:
    from textual.binding import Binding

__all__ = ["ActionCommands", "LessonCommands"]

#: Actions the palette leaves to Textual's own commands (or that would reopen it).
_NOT_LISTED = frozenset({"command_palette", "quit", "focus_next", "focus_previous"})


class LessonOpener(Protocol):
    """What the lesson provider needs of the app."""

    catalog: Catalog

    def show_lesson(self, lesson: Lesson, variant: str | None = None) -> None: ...


def _lesson_help(lesson: Lesson) -> str:
    tags = "  ".join(f"#{tag}" for tag in lesson.tags)
    return f"lesson {lesson.slug}  ·  {lesson.level_name}" + (f"  ·  {tags}" if tags else "")


class LessonCommands(Provider):
    """Every lesson, found by its title, its slug or one of its tags."""

    def _opener(self) -> LessonOpener:
        app: object = self.app
        assert hasattr(app, "show_lesson") and hasattr(app, "catalog")
        return app  # type: ignore[return-value]

    def _open(self, lesson: Lesson) -> Callable[[], None]:
        return partial(self._opener().show_lesson, lesson)

    async def discover(self) -> Hits:
        for lesson in self._opener().catalog.lessons:
            yield DiscoveryHit(Content.styled(lesson.title, "bold"), self._open(lesson),
                               text=lesson.title, help=_lesson_help(lesson))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for lesson in self._opener().catalog.lessons:
            # The best of the title, the slug and the tags; the title shows the match
            # when it is the title that matched, the help line otherwise.
            title_score = matcher.match(lesson.title)
            other = max((matcher.match(word) for word in (lesson.slug, *lesson.tags)), default=0.0)
            score = max(title_score, other)
            if score <= 0:
                continue
            display = matcher.highlight(lesson.title) if title_score >= other else Content(lesson.title)
            yield Hit(score, display, self._open(lesson), text=lesson.title,
                      help=_lesson_help(lesson))


def _key_help(keys: list[str]) -> str:
    """The help screen's words for a key, and the keys themselves."""
    words = next((what for shown, what in HELP_KEYS
                  if any(key.casefold() in shown.casefold().split() for key in keys)), "")
    keys_shown = " or ".join(keys)
    return f"{words}  ·  key {keys_shown}" if words else f"key {keys_shown}"


class ActionCommands(Provider):
    """The app's actions (run, stop, help, the toggles...), from its key bindings."""

    def _actions(self) -> list[tuple[str, str, str]]:
        """(title, help, action) for each of the app's actions bound to a key."""
        found: dict[str, tuple[Binding, list[str]]] = {}
        # The app's own bindings (whoever added them), not the screen's active ones:
        # with the palette open, the app refuses its run keys and Textual leaves them out.
        for _, binding in BindingsMap(self.app.BINDINGS):
            action = binding.action
            if binding.system or not binding.description or action.split("(")[0] in _NOT_LISTED:
                continue
            display = self.app.get_key_display(binding)
            if action in found:
                found[action][1].append(display)
            else:
                found[action] = (binding, [display])
        return [(binding.description, _key_help(keys), binding.action)
                for binding, keys in found.values()]

    def _run(self, action: str) -> Callable[[], object]:
        return partial(self.app.run_action, action, self.app)

    async def discover(self) -> Hits:
        for title, help_text, action in self._actions():
            yield DiscoveryHit(title, self._run(action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, action in self._actions():
            score = max(matcher.match(title), matcher.match(help_text) * 0.5)
            if score > 0:
                yield Hit(score, matcher.highlight(title), self._run(action), text=title,
                          help=help_text)
