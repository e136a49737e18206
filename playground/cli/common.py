"""What every command shares: the usage error and its exit code, the catalog from
``--snippets``, and loading a recording."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from playground.catalog import Catalog, load_catalog
from playground.recording import Recording, RecordingError
from playground.recording import load as load_recording

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


def report_catalog_errors(lessons: Catalog) -> None:
    for error in lessons.errors:
        print(f"asyncplay: skipped a broken lesson: {error}", file=sys.stderr)


def recording(path: Path) -> Recording:
    """A recording, or a usage error saying why the file is not one."""
    try:
        return load_recording(path)
    except RecordingError as exc:
        raise UsageError(str(exc)) from None
