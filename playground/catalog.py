"""The lesson catalog: lesson folders on disk -> :class:`Lesson` objects.

A lesson is a folder ``snippets/<slug>/`` holding ``lesson.toml`` (metadata and
expectations), ``bad.py`` (the mistake) and ``good.py`` (the fix); see
``docs/ARCHITECTURE.md`` for the ``lesson.toml`` format, :mod:`playground.lessonmeta`
for its keys and :mod:`playground.expect` for the expectation vocabulary.

The catalog is a learning path: lessons sort by level (in the order of
:data:`~playground.lessonterms.LEVELS`; a lesson without a level comes last), then by
``order``, then by slug. A lesson whose ``requires_python`` excludes the running Python
is still listed, with :attr:`Lesson.unavailable` saying why, and refuses to run.

Loading never raises for a broken lesson: every problem becomes a :class:`LessonError`
naming the exact file at fault and what is wrong, and the other lessons still load.
Entries that are not lessons (plain files, hidden folders, folders starting with ``_``
such as ``__pycache__``) are skipped silently. A lesson that loaded without a problem
is kept for the next start until one of its files changes (:mod:`playground.lessoncache`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

from playground.lessoncache import LessonCache, cache_file, files_key
from playground.lessonterms import DEFAULT_ORDER, LEVELS, VARIANTS

if TYPE_CHECKING:
    from playground.prediction import Prediction

__all__ = [
    "DEFAULT_ORDER",
    "LESSON_FILE",
    "LEVELS",
    "NO_LEVEL",
    "SNIPPETS_ENV",
    "VARIANTS",
    "Catalog",
    "Lesson",
    "LessonError",
    "LessonUnavailable",
    "default_snippets_dir",
    "load_catalog",
]

#: The metadata file of a lesson folder.
LESSON_FILE = "lesson.toml"
#: Environment variable that replaces the default snippets directory.
SNIPPETS_ENV = "ASYNCPLAY_SNIPPETS"
#: How the front ends name the group of lessons that declare no level.
NO_LEVEL = "other"

_LESSON_MARKERS = (LESSON_FILE, "bad.py", "good.py")


@dataclass(frozen=True)
class Lesson:
    """One lesson: its texts, settings and the paths of its two snippets."""

    slug: str
    title: str
    summary: str
    why: str
    watch: str
    mistake: str
    fix: str
    tags: tuple[str, ...]
    #: One of :data:`LEVELS`, or None (then the lesson comes after every level).
    level: str | None
    order: int
    #: Ruff rule codes that report the mistake in bad.py.
    lint: tuple[str, ...]
    #: Links to the documentation of what the lesson uses.
    docs: tuple[str, ...]
    #: Slugs of related lessons (each one is in the catalog, or an error says otherwise).
    related: tuple[str, ...]
    #: A version specifier such as ">=3.12", or None for every Python.
    requires_python: str | None
    #: What a Python version changes in what the lesson shows, or None.
    python_notes: str | None
    #: Why the lesson cannot run on this Python (from ``requires_python``), or None.
    unavailable: str | None
    timeout_s: float | None
    uses_api: bool
    folder: Path
    bad: Path
    good: Path
    #: Expectations per variant: always both keys ``"bad"`` and ``"good"`` (maybe empty);
    #: plain dicts (JSON-ready), to be treated as read-only.
    expect: Mapping[str, Mapping[str, Any]] = field(hash=False, compare=False)
    #: The question to answer before a run (``[predict]``), or None.
    predict: Prediction | None = field(default=None, hash=False, compare=False)

    @property
    def level_name(self) -> str:
        """The level as the front ends show it (:data:`NO_LEVEL` when none is declared)."""
        return self.level or NO_LEVEL

    def sort_key(self) -> tuple[int, int, str]:
        """The lesson's place in the learning path: level, then order, then slug."""
        rank = LEVELS.index(self.level) if self.level in LEVELS else len(LEVELS)
        return rank, self.order, self.slug

    def path(self, variant: str) -> Path:
        """The absolute path of the ``"bad"`` or ``"good"`` snippet."""
        if variant == "bad":
            return self.bad
        if variant == "good":
            return self.good
        raise ValueError(f"variant must be one of {VARIANTS}, not {variant!r}")

    def source(self, variant: str) -> str:
        """The source text of the ``"bad"`` or ``"good"`` snippet."""
        return self.path(variant).read_text(encoding="utf-8")


class LessonUnavailable(Exception):
    """A lesson that cannot run on this Python; the message says why."""


@dataclass(frozen=True)
class LessonError:
    """A problem with one lesson: the file at fault (or the folder) and what is wrong."""

    path: Path
    problem: str

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}"


@dataclass(frozen=True)
class Catalog:
    """The lessons that loaded (in learning-path order) and the problems found."""

    lessons: tuple[Lesson, ...]
    errors: tuple[LessonError, ...]

    def get(self, slug: str) -> Lesson | None:
        """The lesson called ``slug``, or ``None``."""
        for lesson in self.lessons:
            if lesson.slug == slug:
                return lesson
        return None

    def slugs(self) -> tuple[str, ...]:
        """The slugs of the loaded lessons, in catalog order."""
        return tuple(lesson.slug for lesson in self.lessons)

    def by_level(self) -> list[tuple[str, tuple[Lesson, ...]]]:
        """The lessons grouped by level name, in learning-path order (empty levels left out)."""
        groups: list[tuple[str, list[Lesson]]] = []
        for lesson in self.lessons:
            if not groups or groups[-1][0] != lesson.level_name:
                groups.append((lesson.level_name, []))
            groups[-1][1].append(lesson)
        return [(name, tuple(lessons)) for name, lessons in groups]


def default_snippets_dir() -> Path:
    """The shipped lessons, or ``$ASYNCPLAY_SNIPPETS`` when set.

    Installed (a wheel), the lessons are the package ``playground/snippets/`` (the build
    maps the checkout's top-level ``snippets/`` there, see setup.py); in a checkout
    (and an editable install) they are the top-level ``snippets/`` next to
    ``playground/``. The package folder is tried first: next to an installed
    ``playground/`` lies site-packages, where a ``snippets`` folder is someone else's.
    """
    override = os.environ.get(SNIPPETS_ENV)
    if override:
        return Path(os.path.abspath(os.path.expanduser(override)))
    package = Path(__file__).resolve().parent
    installed = package / "snippets"
    if installed.is_dir():
        return installed
    return package.parent / "snippets"


def load_catalog(extra_dirs: Sequence[Path] = (), *, include_default: bool = True) -> Catalog:
    """Load every lesson from the default snippets folder and ``extra_dirs``.

    Each directory is either a folder of lesson folders or a single lesson folder.
    A slug seen twice is an error on the later folder (default folder first, then
    ``extra_dirs`` in order); the same folder given twice is loaded once.
    """
    roots: list[Path] = [default_snippets_dir()] if include_default else []
    roots.extend(Path(os.path.abspath(os.path.expanduser(d))) for d in extra_dirs)
    lessons: list[Lesson] = []
    errors: list[LessonError] = []
    seen_folders: set[Path] = set()
    by_slug: dict[str, Lesson] = {}
    cache = LessonCache(cache_file(), _parsing_code())
    for root in roots:
        for folder in _lesson_folders(root, errors):
            real = folder.resolve()
            if real in seen_folders:
                continue
            seen_folders.add(real)
            key = files_key(folder / name for name in _LESSON_MARKERS)
            lesson = cache.get(folder, key)
            if lesson is None:
                lesson, problems = _load_lesson(folder)
                errors.extend(problems)
                if lesson is None:
                    continue
                cache.put(folder, key, lesson)
            first = by_slug.get(lesson.slug)
            if first is not None:
                errors.append(
                    LessonError(
                        folder,
                        f"duplicate slug {lesson.slug!r}: already loaded from {first.folder}",
                    )
                )
                continue
            by_slug[lesson.slug] = lesson
            lessons.append(lesson)
    cache.save()
    errors.extend(_dangling_related(lessons, by_slug))
    lessons.sort(key=Lesson.sort_key)
    return Catalog(lessons=tuple(lessons), errors=tuple(errors))


def _parsing_code() -> list[Path]:
    """The modules a kept lesson's parsing comes from (a change to one drops them all)."""
    # Found, not imported: a start whose lessons are all kept does not need them.
    def source(module: str) -> Path:
        spec = find_spec(module)
        assert spec is not None and spec.origin is not None, module
        return Path(spec.origin)

    files = [Path(__file__), source("playground.lessonmeta"), source("playground.lessonterms"),
             source("playground.prediction")]
    return files + sorted(source("playground.expect").parent.glob("*.py"))


def _dangling_related(lessons: Sequence[Lesson], by_slug: Mapping[str, Lesson],
                      ) -> Iterator[LessonError]:
    """A related slug that names no loaded lesson (the lesson itself still loads)."""
    for lesson in lessons:
        for slug in lesson.related:
            if slug == lesson.slug:
                yield LessonError(lesson.folder / LESSON_FILE,
                                  f"'related' lists the lesson itself ({slug!r})")
            elif slug not in by_slug:
                yield LessonError(lesson.folder / LESSON_FILE,
                                  f"'related' names {slug!r}, which is not in the catalog")


# -- internals ---------------------------------------------------------------------------


def _is_lesson_folder(folder: Path) -> bool:
    return any(os.path.lexists(folder / name) for name in _LESSON_MARKERS)


def _lesson_folders(root: Path, errors: list[LessonError]) -> Iterator[Path]:
    if not root.exists():
        errors.append(LessonError(root, "snippets folder does not exist"))
        return
    if not root.is_dir():
        errors.append(LessonError(root, "not a folder"))
        return
    if _is_lesson_folder(root):
        yield root
        return
    try:
        entries = sorted(root.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        errors.append(LessonError(root, f"cannot list folder: {_os_reason(exc)}"))
        return
    for entry in entries:
        if entry.name.startswith((".", "_")) or not entry.is_dir():
            continue
        yield entry


def _os_reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _read_text(path: Path) -> tuple[str | None, str | None]:
    """(text, None) or (None, problem)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, "missing file"
    except OSError as exc:
        return None, f"cannot read: {_os_reason(exc)}"
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, (
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} on line {line}); "
            "save the file as UTF-8"
        )


def _missing(path: Path) -> str | None:
    """A problem text when ``path`` does not exist (or is a dangling symlink)."""
    if path.exists():
        return None
    return "missing file (broken symbolic link)" if path.is_symlink() else "missing file"


def _check_snippet(path: Path) -> tuple[str | None, str | None]:
    """(source, None) when the snippet reads and compiles, else (None, problem)."""
    missing = _missing(path)
    if missing:
        return None, missing
    if not path.is_file():
        return None, "cannot read: not a regular file"
    text, problem = _read_text(path)
    if text is None:
        return None, problem
    try:
        compile(text, str(path), "exec", dont_inherit=True)
    except SyntaxError as exc:
        where = f"line {exc.lineno}" if exc.lineno else "somewhere"
        return None, f"{where}: {type(exc).__name__}: {exc.msg}"
    except ValueError as exc:  # e.g. source code string cannot contain null bytes
        return None, f"does not compile: {exc}"
    return text, None


def _load_lesson(folder: Path) -> tuple[Lesson | None, list[LessonError]]:
    # The parser is imported for a lesson that is not kept (see _parsing_code).
    from playground.lessonmeta import SLUG, parse_meta, python_excluded

    errors: list[LessonError] = []
    slug = folder.name
    if not SLUG.match(slug):
        errors.append(
            LessonError(
                folder,
                f"folder name {slug!r} is not a valid slug "
                "(letters, digits, '.', '_' and '-', starting with a letter or digit)",
            )
        )
    sources: dict[str, str] = {}
    for variant in VARIANTS:
        path = folder / f"{variant}.py"
        text, problem = _check_snippet(path)
        if problem is not None:
            errors.append(LessonError(path, problem))
        elif text is not None:
            sources[variant] = text
    toml_path = folder / LESSON_FILE
    meta = _read_meta(toml_path, errors)
    if meta is None:
        return None, errors
    fields, problems = parse_meta(meta)
    errors.extend(LessonError(toml_path, problem) for problem in problems)
    if errors:
        return None, errors
    uses_api = fields.pop("uses_api")
    if uses_api is None:
        uses_api = any("API_URL" in text for text in sources.values())
    lesson = Lesson(
        slug=slug,
        folder=folder,
        bad=folder / "bad.py",
        good=folder / "good.py",
        uses_api=bool(uses_api),
        unavailable=python_excluded(fields["requires_python"]),
        **fields,
    )
    return lesson, errors


def _read_meta(path: Path, errors: list[LessonError]) -> dict[str, Any] | None:
    missing = _missing(path)
    if missing:
        errors.append(LessonError(path, missing))
        return None
    if not path.is_file():
        errors.append(LessonError(path, "cannot read: not a regular file"))
        return None
    text, problem = _read_text(path)
    if text is None:
        errors.append(LessonError(path, problem or "cannot read"))
        return None
    import tomllib  # only when a lesson is not in the cache (playground.lessoncache)

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        errors.append(LessonError(path, f"invalid TOML: {exc}"))
        return None

