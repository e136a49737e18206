"""Command line: ``asyncplay`` (the app), ``list``, ``run`` (headless), ``replay``,
``export``, ``doctor``.

Exit codes of ``asyncplay run``: 0 when the snippet's status is ok, 1 when it is not,
2 for usage errors (unknown lesson, missing file) with a message on stderr, 130 when
Ctrl-C stopped the run (it still prints its summary, status "stopped"). ``replay``
exits as the recorded run did; ``replay`` and ``export`` exit 2 on a file that is not
a readable recording.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any, Sequence

from playground import sandbox
from playground.catalog import Catalog, LessonUnavailable, load_catalog
from playground.expect import shown
from playground.export import perfetto_trace
from playground.model import RunState, format_mb, format_ms, place
from playground.recording import Recording, RecordingError
from playground.recording import load as load_recording
from playground.replay import Replay
from playground.session import RunOptions, RunTarget, Session, summarize

__all__ = ["main"]

USAGE_ERROR = 2
STOPPED = 130  # the run was stopped with Ctrl-C (128 + SIGINT, as shells report it)


class UsageError(Exception):
    """A mistake in the command line (exit code 2)."""


def _snippets_option(dest: str) -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--snippets", metavar="DIR", action="append", type=Path, default=[], dest=dest,
        help="add a folder of lessons (or one lesson folder); repeatable",
    )
    return common


def _parser() -> argparse.ArgumentParser:
    # ``--snippets`` is accepted before the command and after it. The two places need
    # two destinations: a subcommand's defaults overwrite the main parser's values,
    # so one shared destination would lose the folders given before the command.
    common = _snippets_option("snippets_after")
    parser = argparse.ArgumentParser(
        prog="asyncplay", parents=[_snippets_option("snippets")],
        description="A terminal playground that shows what the asyncio event loop does.",
        epilog="With no command, the app starts.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    p_list = sub.add_parser("list", parents=[common], help="list the lessons")
    p_list.add_argument("--json", action="store_true", help="machine-readable output")
    p_run = sub.add_parser("run", parents=[common], help="run a lesson or a file headless")
    p_run.add_argument("slug", nargs="?", help="lesson to run (see `asyncplay list`)")
    p_run.add_argument("--file", type=Path, help="run this Python file instead of a lesson")
    p_run.add_argument("--variant", choices=("bad", "good"), default="bad",
                       help="which snippet of the lesson (default: bad)")
    p_run.add_argument("--timeout", type=float, metavar="S", help="wall-clock limit in seconds")
    p_run.add_argument("--stall-ms", type=float, default=50.0, metavar="MS",
                       help="report callbacks that hold the loop this long (default 50)")
    p_run.add_argument("--no-bwrap", action="store_true",
                       help="do not use bubblewrap even when it is available")
    p_run.add_argument("--json", action="store_true",
                       help="print one JSON summary when the run ends")
    p_run.add_argument("--record", type=Path, metavar="FILE",
                       help="save the run's events to FILE (see `asyncplay replay`)")
    p_replay = sub.add_parser("replay", parents=[common], help="replay a recorded run")
    p_replay.add_argument("file", type=Path, help="a recording (`asyncplay run --record`)")
    p_replay.add_argument("--json", action="store_true", help="print the run's JSON summary")
    p_export = sub.add_parser("export", parents=[common],
                              help="write recorded runs as a trace for Perfetto")
    p_export.add_argument("files", type=Path, nargs="+", metavar="FILE",
                          help="one recording, or two (bad and good) side by side")
    p_export.add_argument("--format", choices=("perfetto",), default="perfetto",
                          help="Chrome Trace Event JSON, for ui.perfetto.dev and chrome://tracing")
    p_export.add_argument("-o", "--output", type=Path, required=True, metavar="OUT",
                          help="the file to write")
    sub.add_parser("doctor", parents=[common], help="show which sandbox layers are active")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    args.snippets = [*args.snippets, *getattr(args, "snippets_after", [])]
    try:
        if args.command is None:
            return _app(args)
        if args.command == "list":
            return _list(args)
        if args.command == "run":
            return _run(args)
        if args.command == "replay":
            return _replay(args)
        if args.command == "export":
            return _export(args)
        if args.command == "doctor":
            return _doctor(args)
    except UsageError as exc:
        print(f"asyncplay: {exc}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `asyncplay run ... | head`: the reader has gone
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return USAGE_ERROR


def _catalog(args: argparse.Namespace) -> Catalog:
    for folder in args.snippets:
        if not folder.is_dir():
            raise UsageError(f"--snippets {folder}: not a folder")
    return load_catalog([f.resolve() for f in args.snippets])


def _report_catalog_errors(catalog: Catalog) -> None:
    for error in catalog.errors:
        print(f"asyncplay: skipped a broken lesson: {error}", file=sys.stderr)


def _app(args: argparse.Namespace) -> int:
    from playground.tui.app import AsyncPlayApp  # Textual is loaded only for the app

    AsyncPlayApp(catalog=_catalog(args), options=RunOptions()).run()
    return 0


def _list(args: argparse.Namespace) -> int:
    catalog = _catalog(args)
    if args.json:
        print(json.dumps([
            {"slug": l.slug, "title": l.title, "summary": l.summary, "tags": list(l.tags),
             "level": l.level, "order": l.order, "lint": list(l.lint), "docs": list(l.docs),
             "related": list(l.related), "requires_python": l.requires_python,
             "python_notes": l.python_notes, "available": l.unavailable is None,
             "unavailable": l.unavailable,
             "bad": str(l.bad), "good": str(l.good), "uses_api": l.uses_api}
            for l in catalog.lessons
        ], indent=2))
    else:
        width = max((len(l.slug) for l in catalog.lessons), default=4)
        number = 0
        for index, (level, lessons) in enumerate(catalog.by_level()):
            if index:
                print()
            print(level)
            for lesson in lessons:
                number += 1
                print(f"{number:3d}. {lesson.slug:<{width}}  {lesson.title}")
                print(f"     {'':<{width}}  {lesson.summary}")
                if lesson.unavailable:
                    print(f"     {'':<{width}}  not available: {lesson.unavailable}")
        if not catalog.lessons:
            print("no lessons found")
    _report_catalog_errors(catalog)
    return 0


def _target(args: argparse.Namespace) -> RunTarget:
    if args.file is not None and args.slug is not None:
        raise UsageError("give a lesson or --file, not both")
    if args.file is not None:
        if not args.file.is_file():
            raise UsageError(f"--file {args.file}: no such file")
        return RunTarget.from_file(args.file, label=str(args.file))
    if args.slug is None:
        raise UsageError("which lesson? give a slug (see `asyncplay list`) or --file PATH")
    catalog = _catalog(args)
    lesson = catalog.get(args.slug)
    if lesson is None:
        broken = [e for e in catalog.errors if args.slug in str(e.path)]
        if broken:
            raise UsageError(f"lesson {args.slug!r} is broken: {broken[0]}")
        known = ", ".join(catalog.slugs()) or "none"
        raise UsageError(f"unknown lesson {args.slug!r} (known: {known})")
    try:
        return RunTarget.from_lesson(lesson, args.variant)
    except LessonUnavailable as exc:
        raise UsageError(str(exc)) from None


def _run(args: argparse.Namespace) -> int:
    target = _target(args)
    if args.timeout is not None and args.timeout <= 0:
        raise UsageError("--timeout must be positive")
    if args.record is not None and not args.record.parent.is_dir():
        raise UsageError(f"--record {args.record}: no folder {args.record.parent}")
    options = RunOptions(
        stall_ms=args.stall_ms,
        use_bwrap=False if args.no_bwrap else None,
        timeout_s=args.timeout,
        record=args.record is not None,
    )
    printer = None if args.json else _LivePrinter(sys.stdout)
    session = Session(target, options, on_update=printer.update if printer else None)
    if printer:
        printer.start(target, options, session)
    state = asyncio.run(_stoppable(session))
    code = _show(args, state, summarize(session, state), printer)
    if args.record is not None:
        try:
            session.save_recording(args.record)
        except OSError as exc:
            print(f"asyncplay: cannot write the recording {args.record}: "
                  f"{exc.strerror or exc}", file=sys.stderr)
            return USAGE_ERROR
    return code


def _show(args: argparse.Namespace, state: RunState, summary: dict[str, Any],
          printer: _LivePrinter | None) -> int:
    """Print a run's end (JSON or for people) and return its exit code."""
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        assert printer is not None
        printer.finish(state, summary)
    if state.stopped:
        return STOPPED
    return 0 if summary["status"] == "ok" else 1


def _recording(path: Path) -> Recording:
    try:
        return load_recording(path)
    except RecordingError as exc:
        raise UsageError(str(exc)) from None


def _replay(args: argparse.Namespace) -> int:
    recording = _recording(args.file)
    replay = Replay(recording)
    printer = None if args.json else _LivePrinter(sys.stdout)
    if printer is not None:
        head = recording.header
        printer._p(f"▶ replay of {recording.target}  (recorded {head.get('started') or '?'}, "
                   f"{len(replay)} events, Python {head.get('python') or '?'})")
        if recording.cap_note:
            printer._p(f"  ! {recording.cap_note}")
    return _show(args, replay.final, replay.summary(), printer)


async def _stoppable(session: Session) -> RunState:
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
    try:
        return await session.run()
    finally:
        loop.remove_signal_handler(signal.SIGINT)


def _export(args: argparse.Namespace) -> int:
    if len(args.files) > 2:
        raise UsageError("export takes one recording, or two (bad and good side by side)")
    trace = perfetto_trace([_recording(path) for path in args.files])
    try:
        args.output.write_text(json.dumps(trace, separators=(",", ":")), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"-o {args.output}: cannot write it ({exc.strerror or exc})") from None
    lanes = sum(1 for e in trace["traceEvents"] if e["name"] == "thread_name")
    print(f"wrote {args.output}: {len(args.files)} run(s), {lanes} lanes, "
          f"{len(trace['traceEvents'])} trace events (open it in https://ui.perfetto.dev)")
    return 0


def _doctor(args: argparse.Namespace) -> int:
    for label, use in (("default", None), ("without bubblewrap", False)):
        info = sandbox.detect(use_bwrap=use)
        print(f"sandbox ({label}):")
        for layer in info.layers:
            print(f"  + {layer}")
        for missing in info.missing:
            print(f"  - {missing}")
    print(f"python: {sys.executable} ({sys.version.split()[0]})")
    return 0


_CONTROL = {c: f"\\x{c:02x}" for c in range(32) if chr(c) not in "\t\n"}
_CONTROL[0x7F] = "\\x7f"


def _printable(text: str) -> str:
    """The snippet's text with control characters shown, not obeyed: a snippet must
    not be able to move the cursor, retitle or clear the user's terminal."""
    return text.translate(_CONTROL)


_SHOWN_LINES = 40  # the output's last lines printed after a run


def _last_lines(text: str, left_out: int, marker: str) -> list[str]:
    """The last lines of ``text``, after a line saying how many came before them (the
    lines the model left out included), so that a cut never passes for the whole."""
    lines = text.splitlines()
    if len(lines) <= _SHOWN_LINES:
        return lines
    hidden = lines[:-_SHOWN_LINES]
    earlier = len(hidden) + (left_out - 1 if left_out and marker in hidden else 0)
    return [f"[… {earlier:,} earlier lines not shown …]".replace(",", " "),
            *lines[-_SHOWN_LINES:]]


class _LivePrinter:
    """Human-readable progress: stalls as they happen, warnings, then a summary."""

    def __init__(self, out: Any) -> None:
        self.out = out
        self.seen_stalls: dict[int, bool] = {}  # id -> reported as ended
        self.seen_warnings = 0
        self.seen_blocked = 0
        self.shown_rss_kb: int | None = None  # memory last printed live

    def _p(self, text: str = "") -> None:
        print(_printable(text), file=self.out, flush=True)

    def start(self, target: RunTarget, options: RunOptions, session: Session) -> None:
        self._p(f"▶ {target.label}  (time limit {session.timeout_s:g} s, "
                f"stalls ≥ {options.stall_ms:g} ms)")

    def update(self, state: RunState) -> None:
        for stall in state.stalls:
            ended = self.seen_stalls.get(stall.id)
            if ended or (ended is False and stall.live):
                continue  # already printed as it is now
            where = place(stall.file, stall.line) or "?"
            task = state.stall_task(stall)
            if stall.id not in self.seen_stalls:
                self.seen_stalls[stall.id] = False
                if stall.live:
                    self._p(f"  ⏸ loop blocked now by {task} at {where}  {stall.code}")
            if not stall.live and not self.seen_stalls[stall.id]:
                self.seen_stalls[stall.id] = True
                self._p(f"  ■ stall {format_ms(stall.ms)} in {task} at {where}  {stall.code}")
        for w in state.warnings[self.seen_warnings:]:
            where = f" at {place(w.file, w.line)}" if w.line else ""
            self._p(f"  ! {w.category}{where}: {w.message}")
        self.seen_warnings = len(state.warnings)
        for b in state.blocked[self.seen_blocked:]:
            self._p(f"  ✋ {b.message}")
        self.seen_blocked = len(state.blocked)
        self._memory(state)

    def _memory(self, state: RunState) -> None:
        """Memory live, as it grows: a line each time it is a quarter (and 16 MB) above
        the figure printed last, so a steady snippet prints none and a leak a few."""
        kb = state.rss_kb
        if kb is None:
            return
        if self.shown_rss_kb is None:
            self.shown_rss_kb = state.rss_first_kb or kb
        if kb >= self.shown_rss_kb + max(16 * 1024, self.shown_rss_kb // 4):
            self.shown_rss_kb = kb
            self._p(f"  ▲ memory {format_mb(kb)} resident now")

    def finish(self, state: RunState, summary: dict[str, Any]) -> None:
        self.update(state)
        for name, stream in (("stdout", state.stdout), ("stderr", state.stderr)):
            text = stream.text.rstrip("\n")
            if text:
                self._p(f"  ── {name} " + "─" * 40)
                for line in _last_lines(text, stream.left_out, stream.marker):
                    self._p(f"  │ {line}")
        lag = summary["lag"]
        tasks = summary["tasks"]
        self._p(f"■ {summary['status'].upper()}: {summary.get('message') or ''}")
        wall = summary["wall_ms"]
        total_ms = format_ms(summary["total_ms"])
        self._p(f"  time     {format_ms(wall)} in the snippet, {total_ms} in all"
                if wall is not None else f"  time     {total_ms} in all")
        note = state.lag_note()
        self._p(f"  lag      {note}" if note else
                f"  lag      p50 {format_ms(lag['p50_ms'])}, p99 {format_ms(lag['p99_ms'])}, "
                f"max {format_ms(lag['max_ms'])}")
        stalls = summary["stalls"]
        total = sum(s["ms"] for s in stalls)
        self._p(f"  stalls   {len(stalls)}" + (f" ({format_ms(total)} blocked)" if stalls else ""))
        self._p(f"  tasks    {tasks['created']} created, {tasks['max_alive']} at most alive, "
                f"{tasks['failed']} failed, {tasks['cancelled']} cancelled")
        rss = summary.get("rss")
        during = (f"; while running {format_mb(rss['first_kb'])} at first, "
                  f"{format_mb(rss['max_kb'])} at most, {format_mb(rss['last_kb'])} last"
                  if rss else "")
        self._p(f"  memory   {format_mb(summary['peak_rss_kb'])} peak{during}")
        api = summary.get("api")
        if api:
            self._p(f"  mock API {api['requests']} requests, {api['in_flight_max']} at most in "
                    f"flight, {api['connections']} connections")
        if summary["error"]:
            e = summary["error"]
            where = f" at {place(e['file'], e['line'])}" if e.get("line") else ""
            self._p(f"  error    {e['type']}: {e['message']}{where}")
        if state.channel_problem:
            self._p(f"  channel  {state.channel_problem}")
        sb = summary["sandbox"]
        self._p(f"  sandbox  {', '.join(sb['layers'])}"
                + (f"  (missing: {'; '.join(sb['missing'])})" if sb["missing"] else ""))
        if "expect" in summary:
            exp = summary["expect"]
            self._p(f"  expect   {'all met' if exp['met'] else 'NOT MET'}")
            for c in exp["checks"]:
                observed = shown(c)
                self._p(f"    {'✓' if c['met'] else '✗'} {c['check']}"
                        + (f" · {observed}" if observed else ""))
