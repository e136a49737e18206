"""``asyncplay`` with no command: the Textual app, and its flags."""

from __future__ import annotations

import argparse

from playground.cli.common import catalog
from playground.session import RunOptions


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The app's own flags go on the top-level parser (none yet besides ``--snippets``)."""


def execute(args: argparse.Namespace) -> int:
    from playground.tui.app import AsyncPlayApp  # Textual is loaded only for the app

    AsyncPlayApp(catalog=catalog(args), options=RunOptions()).run()
    return 0
