"""``asyncplay export``: recorded runs as a Chrome Trace Event file for Perfetto."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from playground.cli.common import UsageError, recording

NAME = "export"
HELP = "write recorded runs as a trace for Perfetto"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", type=Path, nargs="+", metavar="FILE",
                        help="one recording, or two (bad and good) side by side")
    parser.add_argument("--format", choices=("perfetto",), default="perfetto",
                        help="Chrome Trace Event JSON, for ui.perfetto.dev and chrome://tracing")
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="OUT",
                        help="the file to write")


def execute(args: argparse.Namespace) -> int:
    if len(args.files) > 2:
        raise UsageError("export takes one recording, or two (bad and good side by side)")
    from playground.export import perfetto_trace

    trace = perfetto_trace([recording(path) for path in args.files])
    try:
        args.output.write_text(json.dumps(trace, separators=(",", ":")), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"-o {args.output}: cannot write it ({exc.strerror or exc})") from None
    lanes = sum(1 for e in trace["traceEvents"] if e["name"] == "thread_name")
    print(f"wrote {args.output}: {len(args.files)} run(s), {lanes} lanes, "
          f"{len(trace['traceEvents'])} trace events (open it in https://ui.perfetto.dev)")
    return 0
