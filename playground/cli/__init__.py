"""Command line: ``asyncplay`` (the app), ``list``, ``run`` (headless), ``replay``,
``export``, ``doctor``, ``serve``; a module per command.

Exit codes of ``asyncplay run``: 0 when the snippet's status is ok, 1 when it is not,
2 for usage errors (unknown lesson, missing file) with a message on stderr, 130 when
Ctrl-C stopped the run (it still prints its summary, status "stopped"). ``replay``
exits as the recorded run did; ``replay`` and ``export`` exit 2 on a file that is not
a readable recording.

Adding a command: a module here with ``NAME``, ``HELP``, ``add_arguments(parser)`` and
``execute(args) -> int`` (raise ``UsageError`` for a mistake in the command line), listed
in ``COMMANDS`` below and in the cli layers contract of pyproject.toml. Adding a flag:
``add_arguments`` of its command (of ``app`` for the app's own flags).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Sequence

from playground.cli import app, doctor, export, listing, replay, run, serve
from playground.cli.common import STOPPED, USAGE_ERROR, UsageError

__all__ = ["COMMANDS", "main", "parse"]

# In the order `asyncplay --help` lists them.
COMMANDS: tuple[ModuleType, ...] = (listing, run, replay, export, doctor, serve)


def _snippets_option(dest: str) -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--snippets", metavar="DIR", action="append", type=Path, default=[], dest=dest,
        help="add a folder of lessons (or one lesson folder); repeatable",
    )
    return common


class _Version(argparse.Action):
    """``--version``: the installed package's version, read only when asked for
    (importlib.metadata is not imported by every start of the app)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS,
                 default: str = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            installed = version("asyncplay")
        except PackageNotFoundError:  # run from a checkout that is not installed
            installed = "unknown (not installed)"
        print(f"{parser.prog} {installed}")  # on stdout, as argparse's own version action
        parser.exit()


def parser(words: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The whole command line: the app's flags, then a subparser per command.

    With ``words``, only the commands among them get their own arguments: a command
    is chosen by its exact name, so the others' parsers are never used, and building
    them all was most of the parsing of a bare ``asyncplay`` (the app's start). Every
    command is still listed, for ``--help`` and for a mistyped command's error.
    """
    # ``--snippets`` is accepted before the command and after it. The two places need
    # two destinations: a subcommand's defaults overwrite the main parser's values,
    # so one shared destination would lose the folders given before the command.
    common = _snippets_option("snippets_after")
    top = argparse.ArgumentParser(
        prog="asyncplay", parents=[_snippets_option("snippets")],
        description="A terminal playground that shows what the asyncio event loop does.",
        epilog="With no command, the app starts: at the first lesson, at --lesson SLUG "
               "(--variant focuses that pane), or at a file of yours (asyncplay FILE.py, "
               "run at once).",
    )
    top.add_argument("--version", action=_Version, help="show the version and exit")
    app.add_arguments(top)
    top.set_defaults(execute=app.execute)
    sub = top.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        if words is not None and command.NAME not in words:
            sub.add_parser(command.NAME, help=command.HELP)
            continue
        p = sub.add_parser(command.NAME, parents=[common], help=command.HELP)
        command.add_arguments(p)
        p.set_defaults(execute=command.execute)
    return top


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line read (``sys.argv[1:]`` by default), as ``main`` acts on it."""
    words = sys.argv[1:] if argv is None else argv
    words = app.file_shorthand(words, [c.NAME for c in COMMANDS])
    args = parser(words).parse_args(words)
    args.snippets = [*args.snippets, *getattr(args, "snippets_after", [])]
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    try:
        code: int = args.execute(args)
        return code
    except UsageError as exc:
        print(f"asyncplay: {exc}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        return STOPPED
    except BrokenPipeError:  # `asyncplay run ... | head`: the reader has gone
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
