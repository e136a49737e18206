"""An output flood in the app vs headless: what the app's drawing costs the snippet.

The snippet (``workloads/output_flood.py``) prints 200,000 short lines as fast as
it can; the run stops at the 8 MB output limit. It runs, interleaved round by round,
headless (a bare :class:`~playground.session.Session`, as ``asyncplay run`` does)
and in the real Textual app (``run_test`` at 160x48: Pilot's headless driver, which
lays out and renders every frame but writes it nowhere). For each run:

- **to the limit**: ms from the session's start to its end (``total_ms``);
- **flood**: ms from the first line to the last kept one, on the child's clock as the
  pump threads read them (``flood_ms``): what the flood itself cost the snippet,
  without the run's start and end, when the app lays out and draws the panels that
  appear and the sentence on how it ended;
- **again**: the same run started again in the same app (``again_ms``, to the limit):
  the run pane's panels are on screen already, as for every run after a session's first;
- **updates**: how many times the app's panels were given a new state;
- **layouts**: how many times the screen was laid out whole while it ran;
- **clock**: how many distinct "running N s" figures the status line showed while
  the run was live (a frozen clock shows one or two);
- **shown**: whether the Output panel ends with the head, the "left out" marker and
  the tail on screen.

    .venv/bin/python benchmarks/output_flood.py [--rounds 5]

Figures are recorded in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import os
import statistics
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SNIPPET = HERE / "workloads" / "output_flood.py"


def _total_ms(state: Any) -> float:
    return float(state.exit.total_ms or 0) if state.exit is not None else 0.0


def _flood_ms(state: Any) -> float:
    lines = list(state.stdout.kept_lines())
    return round((lines[-1][0] - lines[0][0]) * 1000, 1) if lines else 0.0


async def headless() -> dict[str, Any]:
    from playground.session import RunTarget, Session

    session = Session(RunTarget.from_file(SNIPPET))
    state = await session.run()
    return {"total_ms": _total_ms(state), "flood_ms": _flood_ms(state), "status": state.status,
            "lines": getattr(state.stdout, "lines", None)}


async def in_app() -> dict[str, Any]:
    from textual.message import Message

    from playground.tui.app import AsyncPlayApp
    from playground.tui.messages import RunFinished
    from playground.tui.panels import StatusPanel
    from playground.tui.run_pane import RunPane

    finished: list[RunFinished] = []

    def hook(message: Message) -> None:
        if isinstance(message, RunFinished):
            finished.append(message)

    app = AsyncPlayApp()
    clocks: set[str] = set()
    updates = 0
    layouts = 0
    original = RunPane.watch_state

    def counting(pane: RunPane, state: Any) -> None:
        nonlocal updates
        if pane.pane == "file":
            updates += 1
        original(pane, state)

    # On the class: the file's pane is made when the first file is opened.
    RunPane.watch_state = counting  # type: ignore[method-assign,assignment]
    async with app.run_test(size=(160, 48), message_hook=hook) as pilot:
        compositor = app.screen._compositor
        reflow = compositor.reflow

        def counting_reflow(*args: Any, **kwargs: Any) -> Any:
            nonlocal layouts
            layouts += 1
            return reflow(*args, **kwargs)

        compositor.reflow = counting_reflow  # type: ignore[method-assign]
        await _open(app)
        pane = app.screen.query_one("#pane-file", RunPane)
        status = pane.query_one(StatusPanel)
        deadline = time.monotonic() + 120
        while not finished and time.monotonic() < deadline:
            text = str(status.visual)
            if "running" in text:
                clocks.add(text.split("running", 1)[1].split("·")[0].strip()[:8])
            await pilot.pause(0.02)
        await pilot.pause(0.2)
        state = finished[0].state
        shown = _shown_output(pane)
        first_updates, first_layouts = updates, layouts
        # The same run again in the same app: its panels are already there.
        await _open(app)
        while len(finished) < 2 and time.monotonic() < deadline:
            await pilot.pause(0.02)
        again = finished[-1].state
    RunPane.watch_state = original  # type: ignore[method-assign]
    return {"total_ms": _total_ms(state), "flood_ms": _flood_ms(state), "status": state.status,
            "lines": getattr(state.stdout, "lines", None), "updates": first_updates, "layouts": first_layouts,
            "clock": len(clocks), "shown": shown, "again_ms": _total_ms(again)}


async def _open(app: Any) -> None:
    """Open the flood as a file of the user's (awaited where opening is a coroutine)."""
    opened = app._file_chosen(SNIPPET)
    if inspect.isawaitable(opened):
        await opened


def _shown_output(pane: Any) -> bool:
    """The Output panel holds the head, the marker and the tail."""
    try:
        from playground.tui.panels import OutputView
    except ImportError:  # the code before the line-by-line view
        return False
    view = pane.query_one("#stdout", OutputView)
    lines = view.shown_lines()
    return bool(lines) and "line       0" in lines[0] and any("left out" in x for x in lines) \
        and "line" in lines[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"load average at the start: {os.getloadavg()}")
    rows: dict[str, list[dict[str, Any]]] = {"headless": [], "app": []}
    for n in range(args.rounds):
        order = ("headless", "app") if n % 2 == 0 else ("app", "headless")
        for which in order:
            result = asyncio.run(headless() if which == "headless" else in_app())
            rows[which].append(result)
            print(f"round {n + 1} {which:8} {result}", flush=True)
    ratios = [a["total_ms"] / h["total_ms"] for a, h in zip(rows["app"], rows["headless"])]
    print(f"headless to the limit: median {statistics.median(r['total_ms'] for r in rows['headless']):.0f} ms")
    print(f"app to the limit:      median {statistics.median(r['total_ms'] for r in rows['app']):.0f} ms")
    print(f"app / headless:        median {statistics.median(ratios):.2f}x "
          f"(rounds: {', '.join(f'{r:.2f}' for r in ratios)})")
    floods = [a["flood_ms"] / h["flood_ms"] for a, h in zip(rows["app"], rows["headless"])]
    print(f"flood alone: headless median {statistics.median(r['flood_ms'] for r in rows['headless']):.0f} ms, "
          f"app median {statistics.median(r['flood_ms'] for r in rows['app']):.0f} ms, "
          f"app / headless median {statistics.median(floods):.2f}x "
          f"(rounds: {', '.join(f'{r:.2f}' for r in floods)})")
    again = [a["again_ms"] / h["total_ms"] for a, h in zip(rows["app"], rows["headless"])]
    print(f"app, the same run again: median {statistics.median(r['again_ms'] for r in rows['app']):.0f} ms, "
          f"app / headless median {statistics.median(again):.2f}x "
          f"(rounds: {', '.join(f'{r:.2f}' for r in again)})")
    print(f"app updates per run:   {[r['updates'] for r in rows['app']]}")
    print(f"whole-screen layouts per run: {[r['layouts'] for r in rows['app']]}")
    print(f"distinct clock figures while live: {[r['clock'] for r in rows['app']]}")
    print(f"head, marker and tail shown at the end: {[r['shown'] for r in rows['app']]}")
    print(f"load average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
