"""``asyncplay replay``: a recorded run in the app's replay screen (when stdout is a
terminal, or with ``--app``), else printed as ``run`` printed it (or its summary)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from playground.cli.common import catalog, recording

NAME = "replay"
HELP = "replay a recorded run"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="a recording (`asyncplay run --record`)")
    parser.add_argument("--json", action="store_true", help="print the run's JSON summary")
    how = parser.add_mutually_exclusive_group()
    how.add_argument("--app", action="store_true",
                     help="open it in the app's replay screen (the default on a terminal)")
    how.add_argument("--text", action="store_true",
                     help="print it as `asyncplay run` did (the default when not on a terminal)")


def execute(args: argparse.Namespace) -> int:
    recorded = recording(args.file)
    if args.app or (not args.json and not args.text and sys.stdout.isatty()):
        from playground.tui.app import AsyncPlayApp  # Textual is loaded only for the app

        AsyncPlayApp(catalog=catalog(args), recording=recorded).run()
        return 0
    from playground.cli.printer import LivePrinter, show
    from playground.replay import Replay

    replay = Replay(recorded)
    printer = None if args.json else LivePrinter(sys.stdout)
    if printer is not None:
        head = recorded.header
        printer.line(f"▶ replay of {recorded.target}  (recorded {head.get('started') or '?'}, "
                     f"{len(replay)} events, Python {head.get('python') or '?'})")
        if recorded.cap_note:
            printer.line(f"  ! {recorded.cap_note}")
    return show(args.json, replay.final, replay.summary(), printer)
