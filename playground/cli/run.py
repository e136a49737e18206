"""``asyncplay run``: one lesson variant or a file, headless, printed live or as JSON."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from playground.catalog import LessonUnavailable
from playground.cli.common import USAGE_ERROR, UsageError, catalog, find_lesson

if TYPE_CHECKING:
    from playground.cli.stepping import StdinStepper
    from playground.model import RunState
    from playground.session import RunOptions, RunTarget, Session

NAME = "run"
HELP = "run a lesson or a file headless"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("slug", nargs="?", metavar="LESSON|FILE.py",
                        help="lesson to run (see `asyncplay list`), or a .py file of yours")
    parser.add_argument("--file", type=Path, help="run this Python file instead of a lesson")
    parser.add_argument("--variant", choices=("bad", "good"), default="bad",
                        help="which snippet of the lesson (default: bad)")
    parser.add_argument("--timeout", type=float, metavar="S", help="wall-clock limit in seconds")
    parser.add_argument("--stall-ms", type=float, default=50.0, metavar="MS",
                        help="report callbacks that hold the loop this long (default 50)")
    parser.add_argument("--no-bwrap", action="store_true",
                        help="do not use bubblewrap even when it is available")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON summary when the run ends")
    parser.add_argument("--record", type=Path, metavar="FILE",
                        help="save the run's events to FILE (see `asyncplay replay`)")
    parser.add_argument("--trace", action="store_true",
                        help="record every callback the loop runs (for the timeline and export)")
    parser.add_argument("--step", action="store_true",
                        help="start with the loop stopped and step it from stdin: . or Enter "
                             "one callback, c continue, p pause, m N N callbacks per second, "
                             "q stop (the end of stdin continues)")


def target(args: argparse.Namespace) -> RunTarget:
    """What ``run`` runs: the lesson variant or the file the command line names."""
    from playground.target import RunTarget

    if args.file is not None and args.slug is not None:
        raise UsageError("give a lesson or --file, not both")
    if args.slug is not None and _names_a_file(args.slug):
        args.file, args.slug = Path(args.slug), None
    if args.file is not None:
        if not args.file.is_file():
            raise UsageError(f"{args.file}: " + ("a folder, not a file" if args.file.is_dir()
                                                else "no such file"))
        return RunTarget.from_file(args.file, label=str(args.file))
    if args.slug is None:
        raise UsageError("which lesson? give a slug (see `asyncplay list`) or --file PATH")
    lessons = catalog(args)
    lesson = find_lesson(lessons, args.slug)
    try:
        return RunTarget.from_lesson(lesson, args.variant)
    except LessonUnavailable as exc:
        raise UsageError(str(exc)) from None


def _names_a_file(word: str) -> bool:
    """``asyncplay run FILE.py`` as ``--file FILE.py``: a word ending in ``.py`` or
    holding a path separator is a file (no lesson slug has either)."""
    return word.endswith(".py") or os.sep in word


def options(args: argparse.Namespace) -> RunOptions:
    """The run's options from its flags."""
    from playground.target import RunOptions

    if args.timeout is not None and args.timeout <= 0:
        raise UsageError("--timeout must be positive")
    if args.record is not None and not args.record.parent.is_dir():
        raise UsageError(f"--record {args.record}: no folder {args.record.parent}")
    return RunOptions(
        stall_ms=args.stall_ms,
        use_bwrap=False if args.no_bwrap else None,
        timeout_s=args.timeout,
        record=args.record is not None,
        trace=args.trace,
        step=args.step,
    )


def execute(args: argparse.Namespace) -> int:
    # The run machinery (and aiohttp, for the mock API) is imported by the command that
    # needs it, not by every start of ``asyncplay``.
    from playground.cli.printer import LivePrinter, show
    from playground.cli.stepping import StdinStepper
    from playground.session import Session, summarize

    run_target = target(args)
    run_options = options(args)
    printer = None if args.json else LivePrinter(sys.stdout)
    stepper: StdinStepper | None = None

    def update(state: RunState) -> None:
        if printer is not None:
            printer.update(state)
        if stepper is not None:
            stepper.update(state)

    session = Session(run_target, run_options, on_update=update)
    if run_options.step:
        stepper = StdinStepper(session, None if args.json else sys.stdout)
    if printer:
        printer.start(run_target, run_options, session)
    state = asyncio.run(_stoppable(session, stepper))
    code = show(args.json, state, summarize(session, state), printer)
    if args.record is not None:
        try:
            session.save_recording(args.record)
        except OSError as exc:
            print(f"asyncplay: cannot write the recording {args.record}: "
                  f"{exc.strerror or exc}", file=sys.stderr)
            return USAGE_ERROR
    return code


async def _stoppable(session: Session, stepper: StdinStepper | None = None) -> RunState:
    """The run, which Ctrl-C stops as the app's Stop does: it ends "stopped", with its
    summary. A second Ctrl-C interrupts asyncplay itself."""
    loop = asyncio.get_running_loop()

    def stop() -> None:
        loop.remove_signal_handler(signal.SIGINT)  # back to KeyboardInterrupt
        session.stop()

    try:
        loop.add_signal_handler(signal.SIGINT, stop)
    except (NotImplementedError, RuntimeError, ValueError):  # no signals here: Ctrl-C aborts
        pass
    if stepper is not None:
        stepper.start()
    try:
        return await session.run()
    finally:
        loop.remove_signal_handler(signal.SIGINT)
