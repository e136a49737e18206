"""The ``asyncplay serve`` command line: its options, their checks, and the server's start."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from playground.serve.queue import SERVE_MEMORY_MB, default_cap

if TYPE_CHECKING:
    from playground.serve.server import ServeConfig

__all__ = ["DESCRIPTION", "add_arguments", "config_from_args", "serve"]

DESCRIPTION = ("Each browser tab gets its own app, each run its own sandbox. Loopback only by "
               "default; another address needs a token (one is made and printed in the URL "
               "when none is given).")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``asyncplay serve``."""
    p.description = DESCRIPTION
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--token", help="the token attendees' URLs carry (required off loopback; "
                                   "made up when not given)")
    p.add_argument("--present-token", metavar="TOKEN",
                   help="the presenter's token: the tab that opens ?token=TOKEN moves the room")
    p.add_argument("--max-runs", type=int, metavar="N",
                   help=f"runs at once, server-wide; more wait in line (default {default_cap()}: "
                        "twice the cores)")
    p.add_argument("--memory-mb", type=int, default=SERVE_MEMORY_MB, metavar="MB",
                   help=f"memory limit of each run (default {SERVE_MEMORY_MB})")


def config_from_args(args: argparse.Namespace) -> ServeConfig:
    """The server's configuration; ValueError with a clear message for bad options."""
    # The server (aiohttp's web side) is imported by the command that serves, not by
    # every ``asyncplay`` that builds the command line.
    from playground.serve.server import ServeConfig, is_loopback

    if not 0 <= args.port <= 65535:
        raise ValueError(f"--port {args.port}: not a port (0-65535)")
    if args.max_runs is not None and args.max_runs < 1:
        raise ValueError("--max-runs must be at least 1")
    if args.memory_mb < 64:
        raise ValueError("--memory-mb must be at least 64")
    for name, token in (("--token", args.token), ("--present-token", args.present_token)):
        if token is not None and (len(token) < 8 or not token.isprintable() or " " in token):
            raise ValueError(f"{name}: use at least 8 printable characters, no spaces")
    if args.token is not None and args.token == args.present_token:
        raise ValueError("--token and --present-token must differ")
    token = args.token
    if token is None and not is_loopback(args.host):
        import secrets  # (hashlib, hmac: not for every start of the app)

        token = secrets.token_urlsafe(16)  # printed in the URL
    app_args: list[str] = []
    for folder in args.snippets:
        app_args += ["--snippets", str(Path(folder).resolve())]
    return ServeConfig(
        host=args.host, port=args.port, token=token, present_token=args.present_token,
        app_args=app_args, run_cap=args.max_runs or default_cap(), memory_mb=args.memory_mb,
    )


def serve(config: ServeConfig) -> int:
    """Serve until Ctrl-C; 0 then."""
    from playground.serve.server import run_server

    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    try:
        asyncio.run(run_server(config))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        print(f"asyncplay serve: cannot listen on {config.host}:{config.port}: {exc.strerror or exc}",
              file=sys.stderr)
        return 1
    return 0
