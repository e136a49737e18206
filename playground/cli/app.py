"""``asyncplay`` with no command: the Textual app, and its flags."""

from __future__ import annotations

import argparse

from playground import sandbox
from playground.cli.common import catalog
from playground.session import RunOptions


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The app's own flags go on the top-level parser."""
    parser.add_argument("--present", action="store_true",
                        help="the app in presenter mode (a projector's layout and theme)")
    parser.add_argument("--no-predict", action="store_true",
                        help="run lessons without asking their question first")


def execute(args: argparse.Namespace) -> int:
    from playground.serve.link import ServeLink
    from playground.tui.app import AsyncPlayApp  # Textual is loaded only for the app

    link = ServeLink.from_env()  # set when `asyncplay serve` started this app for a browser
    options = RunOptions()
    if link is not None and link.memory_mb is not None:
        options = RunOptions(limits=sandbox.Limits(memory_mb=link.memory_mb))
    AsyncPlayApp(catalog=catalog(args), options=options, link=link, present=args.present,
                 predict=not args.no_predict).run()
    return 0
