"""How ``run`` and ``replay`` print a run for people: stalls, warnings and memory as they
happen, then the output's last lines and a summary; and a run's exit code."""

from __future__ import annotations

import json
from typing import Any

from playground.cli.common import STOPPED
from playground.expect import shown
from playground.model import RunState, format_mb, format_ms, place
from playground.session import RunOptions, RunTarget, Session

__all__ = ["LivePrinter", "show"]


def show(as_json: bool, state: RunState, summary: dict[str, Any],
         printer: LivePrinter | None) -> int:
    """Print a run's end (JSON or for people) and return its exit code."""
    if as_json:
        print(json.dumps(summary, indent=2))
    else:
        assert printer is not None
        printer.finish(state, summary)
    if state.stopped:
        return STOPPED
    return 0 if summary["status"] == "ok" else 1


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


class LivePrinter:
    """Human-readable progress: stalls as they happen, warnings, then a summary."""

    def __init__(self, out: Any) -> None:
        self.out = out
        self.seen_stalls: dict[int, bool] = {}  # id -> reported as ended
        self.seen_warnings = 0
        self.seen_blocked = 0
        self.shown_rss_kb: int | None = None  # memory last printed live

    def line(self, text: str = "") -> None:
        """Print one line, control characters shown (see ``_printable``)."""
        print(_printable(text), file=self.out, flush=True)

    def start(self, target: RunTarget, options: RunOptions, session: Session) -> None:
        self.line(f"▶ {target.label}  (time limit {session.timeout_s:g} s, "
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
                    self.line(f"  ⏸ loop blocked now by {task} at {where}  {stall.code}")
            if not stall.live and not self.seen_stalls[stall.id]:
                self.seen_stalls[stall.id] = True
                self.line(f"  ■ stall {format_ms(stall.ms)} in {task} at {where}  {stall.code}")
        for w in state.warnings[self.seen_warnings:]:
            where = f" at {place(w.file, w.line)}" if w.line else ""
            self.line(f"  ! {w.category}{where}: {w.message}")
        self.seen_warnings = len(state.warnings)
        for b in state.blocked[self.seen_blocked:]:
            self.line(f"  ✋ {b.message}")
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
            self.line(f"  ▲ memory {format_mb(kb)} resident now")

    def finish(self, state: RunState, summary: dict[str, Any]) -> None:
        self.update(state)
        for name, stream in (("stdout", state.stdout), ("stderr", state.stderr)):
            text = stream.text.rstrip("\n")
            if text:
                self.line(f"  ── {name} " + "─" * 40)
                for line in _last_lines(text, stream.left_out, stream.marker):
                    self.line(f"  │ {line}")
        lag = summary["lag"]
        tasks = summary["tasks"]
        self.line(f"■ {summary['status'].upper()}: {summary.get('message') or ''}")
        wall = summary["wall_ms"]
        total_ms = format_ms(summary["total_ms"])
        self.line(f"  time     {format_ms(wall)} in the snippet, {total_ms} in all"
                if wall is not None else f"  time     {total_ms} in all")
        note = state.lag_note()
        self.line(f"  lag      {note}" if note else
                f"  lag      p50 {format_ms(lag['p50_ms'])}, p99 {format_ms(lag['p99_ms'])}, "
                f"max {format_ms(lag['max_ms'])}")
        stalls = summary["stalls"]
        total = sum(s["ms"] for s in stalls)
        self.line(f"  stalls   {len(stalls)}" + (f" ({format_ms(total)} blocked)" if stalls else ""))
        self.line(f"  tasks    {tasks['created']} created, {tasks['max_alive']} at most alive, "
                f"{tasks['failed']} failed, {tasks['cancelled']} cancelled")
        rss = summary.get("rss")
        during = (f"; while running {format_mb(rss['first_kb'])} at first, "
                  f"{format_mb(rss['max_kb'])} at most, {format_mb(rss['last_kb'])} last"
                  if rss else "")
        # The peak as the scoreboard and the app give it: the end's or the highest sample.
        peak = max(summary["peak_rss_kb"] or 0, rss["max_kb"] if rss else 0)
        self.line(f"  memory   {format_mb(peak)} peak{during}")
        api = summary.get("api")
        if api:
            self.line(f"  mock API {api['requests']} requests, {api['in_flight_max']} at most in "
                    f"flight, {api['connections']} connections")
        if summary["error"]:
            e = summary["error"]
            where = f" at {place(e['file'], e['line'])}" if e.get("line") else ""
            self.line(f"  error    {e['type']}: {e['message']}{where}")
        if state.channel_problem:
            self.line(f"  channel  {state.channel_problem}")
        sb = summary["sandbox"]
        self.line(f"  sandbox  {', '.join(sb['layers'])}"
                + (f"  (missing: {'; '.join(sb['missing'])})" if sb["missing"] else ""))
        if "expect" in summary:
            exp = summary["expect"]
            self.line(f"  expect   {'all met' if exp['met'] else 'NOT MET'}")
            for c in exp["checks"]:
                observed = shown(c)
                self.line(f"    {'✓' if c['met'] else '✗'} {c['check']}"
                        + (f" · {observed}" if observed else ""))
