"""``asyncplay serve``: the app in a room's browsers (the server is playground.serve)."""

from __future__ import annotations

import argparse

from playground.cli.common import UsageError, catalog

NAME = "serve"
HELP = "serve the app to browsers (a workshop's room)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from playground.serve import command  # only when `serve` is on the command line

    command.add_arguments(parser)


def execute(args: argparse.Namespace) -> int:
    from playground.serve import command

    catalog(args)  # a missing --snippets folder is a usage error here, not in every tab
    try:
        config = command.config_from_args(args)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return command.serve(config)
