"""``asyncplay`` with no command: the Textual app, and its flags.

``asyncplay --lesson SLUG [--variant bad|good]`` opens the app at a lesson (with that
variant's pane focused), ``asyncplay FILE.py`` (or ``--file FILE.py``) at a file of the
user's, which runs at once as the app's "open file" does. A mistake is a usage error
before the app starts: an unknown slug names the lessons close to it.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from playground.cli.common import UsageError, catalog, find_lesson

if TYPE_CHECKING:
    from playground.target import RunOptions
    from playground.tui.app import AsyncPlayApp

#: The app's options that take a value (``asyncplay FILE.py`` looks past them).
_VALUED = frozenset({"--snippets", "--lesson", "--variant", "--file"})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The app's own flags, on the top-level parser. Their destinations are the app's
    own (``app_...``): ``run`` has a ``--file`` and a ``--variant`` of its own."""
    parser.add_argument("--present", action="store_true",
                        help="the app in presenter mode (a projector's layout and theme)")
    parser.add_argument("--no-predict", action="store_true",
                        help="run lessons without asking their question first")
    parser.add_argument("--lesson", metavar="SLUG", dest="app_lesson",
                        help="open the app at this lesson (see `asyncplay list`)")
    parser.add_argument("--variant", choices=("bad", "good"), dest="app_variant",
                        help="with --lesson: focus this variant's pane")
    parser.add_argument("--file", type=Path, metavar="FILE.py", dest="app_file",
                        help="open the app at a Python file of yours and run it "
                             "(also: asyncplay FILE.py)")


def file_shorthand(argv: Sequence[str], commands: Sequence[str]) -> list[str]:
    """``asyncplay FILE.py`` as ``asyncplay --file FILE.py``.

    The first word that is neither an option nor an option's value, when it is not
    a command and names a ``.py`` file or an existing path (a folder is then refused as
    one, by name); anything else is left to argparse (a mistyped command is still
    called an invalid choice).
    """
    words = list(argv)
    skip = False
    for index, word in enumerate(words):
        if skip:
            skip = False
            continue
        if word == "--":
            return words
        if word.startswith("-"):
            skip = word in _VALUED
            continue
        if word in commands or not (word.endswith(".py") or Path(word).exists()):
            return words
        return [*words[:index], "--file", word, *words[index + 1:]]
    return words


def build_app(args: argparse.Namespace) -> AsyncPlayApp:
    """The app the command line asks for (the entry point runs it; tests drive it)."""
    from playground.serve.link import ServeLink
    from playground.tui.app import AsyncPlayApp  # Textual is loaded only for the app

    if args.app_file is not None and args.app_lesson is not None:
        raise UsageError("give --lesson or a file, not both")
    if args.app_variant is not None and args.app_lesson is None:
        raise UsageError("--variant goes with --lesson SLUG")
    if args.app_file is not None and not args.app_file.is_file():
        raise UsageError(f"{args.app_file}: " + ("a folder, not a file" if args.app_file.is_dir()
                                                    else "no such file"))
    lessons = catalog(args)
    lesson = find_lesson(lessons, args.app_lesson) if args.app_lesson is not None else None
    link = ServeLink.from_env()  # set when `asyncplay serve` started this app for a browser
    options: RunOptions | None = None  # the defaults
    if link is not None and link.memory_mb is not None:
        from playground.sandbox.types import Limits
        from playground.target import RunOptions

        options = RunOptions(limits=Limits(memory_mb=link.memory_mb))
    return AsyncPlayApp(catalog=lessons, options=options, link=link, present=args.present,
                        predict=not args.no_predict, start_lesson=lesson,
                        start_variant=args.app_variant, start_file=args.app_file)


def launch(args: argparse.Namespace) -> AsyncPlayApp:
    """The app for a process that runs it: ``build_app`` with the garbage collector
    paused until the first frame (see playground.tui.gcpause; the app resumes it)."""
    from playground.tui import gcpause

    gcpause.pause()
    try:
        return build_app(args)
    except BaseException:
        gcpause.resume()
        raise


def execute(args: argparse.Namespace) -> int:
    app = launch(args)
    quit_on_hangup(app)
    app.run()
    return app.return_code or 0


#: How long the app may take to quit after SIGHUP or SIGTERM before its process ends.
QUIT_GRACE_S = 5.0


def quit_on_hangup(app: AsyncPlayApp) -> None:
    """SIGHUP (the terminal closed) and SIGTERM quit the app as ctrl+q does, so that its
    runs, its warm child and their work directories go with it; by default either
    signal killed the process at once, and each left a work directory behind.

    If the app cannot quit (a terminal that is gone or no longer read can leave its
    writes blocked: Textual's queue of writes full behind a writer that cannot write),
    the process ends anyway QUIT_GRACE_S seconds after the signal; its runs' children
    die with it (the sandbox's die-with-parent layer)."""
    import asyncio
    import os
    import signal
    import threading

    def on_signal(signum: int, _frame: object) -> None:
        timer = threading.Timer(QUIT_GRACE_S, os._exit, (128 + signum,))
        timer.daemon = True
        timer.start()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # before the app's loop runs, or after it
            raise SystemExit(128 + signum) from None
        loop.call_soon_threadsafe(lambda: app.exit(return_code=128 + signum))

    for signum in (signal.SIGHUP, signal.SIGTERM):
        signal.signal(signum, on_signal)
