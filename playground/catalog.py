"""The lesson catalog: lesson folders on disk -> :class:`Lesson` objects.

A lesson is a folder ``snippets/<slug>/`` holding ``lesson.toml`` (metadata and
expectations), ``bad.py`` (the mistake) and ``good.py`` (the fix); see
``docs/ARCHITECTURE.md`` for the ``lesson.toml`` format and :mod:`playground.expect`
for the expectation vocabulary.

Loading never raises for a broken lesson: every problem becomes a :class:`LessonError`
naming the exact file at fault and what is wrong, and the other lessons still load.
Entries that are not lessons (plain files, hidden folders, folders starting with ``_``
such as ``__pycache__``) are skipped silently.
"""

from __future__ import annotations

import os
import re
import sys
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playground import expect as _expect

__all__ = [
    "DEFAULT_ORDER",
    "LESSON_FILE",
    "SNIPPETS_ENV",
    "VARIANTS",
    "Catalog",
    "Lesson",
    "LessonError",
    "default_snippets_dir",
    "load_catalog",
]

#: The two snippets of every lesson, in display order.
VARIANTS = ("bad", "good")
#: The metadata file of a lesson folder.
LESSON_FILE = "lesson.toml"
#: Environment variable that replaces the default snippets directory.
SNIPPETS_ENV = "ASYNCPLAY_SNIPPETS"
#: Sort key of a lesson without ``order`` (after every ordered lesson).
DEFAULT_ORDER = 1000

_TEXT_FIELDS = ("title", "summary", "why", "watch", "mistake", "fix")
_KNOWN_KEYS = frozenset((*_TEXT_FIELDS, "tags", "order", "timeout_s", "uses_api", "expect"))
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
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
    order: int
    timeout_s: float | None
    uses_api: bool
    folder: Path
    bad: Path
    good: Path
    #: Expectations per variant: always both keys ``"bad"`` and ``"good"`` (maybe empty);
    #: plain dicts (JSON-ready), to be treated as read-only.
    expect: Mapping[str, Mapping[str, Any]] = field(hash=False, compare=False)

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


@dataclass(frozen=True)
class LessonError:
    """A problem with one lesson: the file at fault (or the folder) and what is wrong."""

    path: Path
    problem: str

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}"


@dataclass(frozen=True)
class Catalog:
    """The lessons that loaded (sorted by order, then slug) and the problems found."""

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
    for root in roots:
        for folder in _lesson_folders(root, errors):
            real = folder.resolve()
            if real in seen_folders:
                continue
            seen_folders.add(real)
            lesson, problems = _load_lesson(folder)
            errors.extend(problems)
            if lesson is None:
                continue
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
    lessons.sort(key=lambda lesson: (lesson.order, lesson.slug))
    return Catalog(lessons=tuple(lessons), errors=tuple(errors))


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
    errors: list[LessonError] = []
    slug = folder.name
    if not _SLUG.match(slug):
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
    fields = _parse_meta(meta, toml_path, errors) if meta is not None else None
    if fields is None or errors:
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
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        errors.append(LessonError(path, f"invalid TOML: {exc}"))
        return None


def _type_name(value: object) -> str:
    names = {str: "text", bool: "a boolean", int: "an integer", float: "a number",
             list: "a list", dict: "a table"}
    return names.get(type(value), type(value).__name__)


def _parse_meta(meta: dict[str, Any], path: Path, errors: list[LessonError]) -> dict[str, Any]:
    """The Lesson fields found in ``meta``; problems are appended to ``errors``."""
    def bad(problem: str) -> None:
        errors.append(LessonError(path, problem))

    out: dict[str, Any] = {}
    for key in sorted(set(meta) - _KNOWN_KEYS):
        bad(f"unknown key {key!r} (known: {', '.join(sorted(_KNOWN_KEYS))})")
    for key in _TEXT_FIELDS:
        value = meta.get(key)
        if value is None:
            bad(f"missing {key!r} (text)")
        elif not isinstance(value, str):
            bad(f"{key!r} must be text, not {_type_name(value)}")
        elif not value.strip():
            bad(f"{key!r} must not be empty")
        else:
            out[key] = value.strip()

    tags = meta.get("tags")
    if tags is None:
        bad("missing 'tags' (a list of texts)")
    elif not isinstance(tags, list) or not all(isinstance(t, str) and t for t in tags):
        bad(f"'tags' must be a list of non-empty texts, not {tags!r}")
    else:
        out["tags"] = tuple(tags)

    order = meta.get("order", DEFAULT_ORDER)
    if isinstance(order, bool) or not isinstance(order, int):
        bad(f"'order' must be an integer, not {_type_name(order)}")
    else:
        out["order"] = order

    timeout_s = meta.get("timeout_s")
    if timeout_s is not None and (
        isinstance(timeout_s, bool)
        or not isinstance(timeout_s, (int, float))
        or not 0 < timeout_s < float("inf")
    ):
        bad(f"'timeout_s' must be a positive number of seconds, not {timeout_s!r}")
    else:
        out["timeout_s"] = None if timeout_s is None else float(timeout_s)

    uses_api = meta.get("uses_api")
    if uses_api is not None and not isinstance(uses_api, bool):
        bad(f"'uses_api' must be true or false, not {uses_api!r}")
    else:
        out["uses_api"] = uses_api

    raw_expect = meta.get("expect", {})
    expectations: dict[str, Mapping[str, Any]] = {}
    if not isinstance(raw_expect, dict):
        bad(f"'expect' must be a table with [expect.bad] and [expect.good], not {raw_expect!r}")
    else:
        for key in sorted(set(raw_expect) - set(VARIANTS)):
            bad(f"unknown variant [expect.{key}] (use [expect.bad] and [expect.good])")
        for variant in VARIANTS:
            table = raw_expect.get(variant, {})
            if not isinstance(table, dict):
                bad(f"[expect.{variant}] must be a table, not {_type_name(table)}")
                continue
            for problem in _expect.validate(table):
                bad(f"[expect.{variant}] {problem}")
            expectations[variant] = dict(table)
    out["expect"] = expectations
    return out


def _main(argv: Sequence[str]) -> int:
    """``python -m playground.catalog [DIR...]``: list the lessons and any problems."""
    catalog = load_catalog([Path(a) for a in argv])
    for lesson in catalog.lessons:
        print(f"{lesson.order:5d}  {lesson.slug:24s} {lesson.title}")
    for error in catalog.errors:
        print(f"error: {error}", file=sys.stderr)
    return 1 if catalog.errors else 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
