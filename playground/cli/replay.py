"""``asyncplay replay``: a recorded run printed as ``run`` printed it (or its summary)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from playground.cli.common import recording
from playground.cli.printer import LivePrinter, show
from playground.replay import Replay

NAME = "replay"
HELP = "replay a recorded run"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="a recording (`asyncplay run --record`)")
    parser.add_argument("--json", action="store_true", help="print the run's JSON summary")


def execute(args: argparse.Namespace) -> int:
    recorded = recording(args.file)
    replay = Replay(recorded)
    printer = None if args.json else LivePrinter(sys.stdout)
    if printer is not None:
        head = recorded.header
        printer.line(f"▶ replay of {recorded.target}  (recorded {head.get('started') or '?'}, "
                     f"{len(replay)} events, Python {head.get('python') or '?'})")
        if recorded.cap_note:
            printer.line(f"  ! {recorded.cap_note}")
    return show(args.json, replay.final, replay.summary(), printer)
