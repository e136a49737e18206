"""What every command shares: the usage error and its exit code, the catalog from
``--snippets``, and loading a recording."""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from playground.catalog import Catalog, Lesson, load_catalog

if TYPE_CHECKING:
    from playground.recording import Recording

USAGE_ERROR = 2
STOPPED = 130  # the run was stopped with Ctrl-C (128 + SIGINT, as shells report it)


class UsageError(Exception):
    """A mistake in the command line (exit code 2)."""


def catalog(args: argparse.Namespace) -> Catalog:
    """The lessons, with the folders of ``--snippets`` added."""
    for folder in args.snippets:
        if not folder.is_dir():
            raise UsageError(f"--snippets {folder}: not a folder")
    return load_catalog([f.resolve() for f in args.snippets])


def find_lesson(lessons: Catalog, slug: str) -> Lesson:
    """The lesson called ``slug``, or a usage error that says why there is none: the
    folder is broken, or no lesson has that name (then the names close to it)."""
    lesson = lessons.get(slug)
    if lesson is not None:
        return lesson
    broken = [e for e in lessons.errors if slug in str(e.path)]
    if broken:
        raise UsageError(f"lesson {slug!r} is broken: {broken[0]}")
    close = close_slugs(lessons, slug)
    if close:
        raise UsageError(f"unknown lesson {slug!r}; did you mean {' or '.join(close)}? "
                         "(`asyncplay list` shows them all)")
    count = len(lessons.slugs())
    if not count:
        raise UsageError(f"unknown lesson {slug!r}: no lesson is loaded")
    # Not all 35 names on one line: the list says them, with their titles.
    raise UsageError(f"unknown lesson {slug!r}: none of the {count} lessons is called that or "
                     "anything close (`asyncplay list` shows them all)")


def close_slugs(lessons: Catalog, slug: str, limit: int = 5) -> list[str]:
    """The slugs a mistyped ``slug`` may have meant: those that hold it (or that it
    holds), then those that look like it."""
    wanted = slug.casefold()
    slugs = lessons.slugs()
    holding = [s for s in slugs if wanted and (wanted in s.casefold() or s.casefold() in wanted)]
    alike = difflib.get_close_matches(wanted, slugs, n=limit, cutoff=0.6)
    return list(dict.fromkeys([*holding, *alike]))[:limit]


def report_catalog_errors(lessons: Catalog) -> None:
    for error in lessons.errors:
        print(f"asyncplay: skipped a broken lesson: {error}", file=sys.stderr)


def recording(path: Path) -> Recording:
    """A recording, or a usage error saying why the file is not one."""
    from playground.recording import RecordingError
    from playground.recording import load as load_recording

    try:
        return load_recording(path)
    except RecordingError as exc:
        raise UsageError(str(exc)) from None
