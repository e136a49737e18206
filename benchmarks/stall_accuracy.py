"""How exactly stalls are measured: known blocks in, reported stalls out.

A snippet blocks the loop with ``time.sleep(d)`` (GIL released) and with a pure-Python
busy loop (GIL held) for each duration d, from a task named after the case; the run
goes through the real sandbox and probe. For each case we print the reported duration,
its error against the snippet's own measurement of the block, how many stalls were
reported for it (one), whether the task and the exact line were named, and whether
the stall was shown while it was still going on. Then four tasks block the loop three
times each with no pause between the blocks (``chain``): twelve stalls, each reported
once at its own line.

    .venv/bin/python benchmarks/stall_accuracy.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import textwrap
from pathlib import Path

from playground.model import RunState, Stall
from playground.session import RunOptions, RunTarget, Session

DURATIONS_MS = (60, 100, 200, 500, 1000)

SNIPPET = textwrap.dedent("""
    import asyncio, json, sys, time

    DURATIONS_MS = {durations}
    measured = []

    def burn(s):
        end = time.perf_counter() + s
        while time.perf_counter() < end: pass  # BURN

    async def block(kind, ms):
        t = time.perf_counter()
        if kind == "sleep":
            time.sleep(ms / 1000)  # SLEEP
        else:
            burn(ms / 1000)
        measured.append((kind, ms, (time.perf_counter() - t) * 1000))

    async def chain(i):
        for ms in (150, 100, 120):
            t = time.perf_counter()
            time.sleep(ms / 1000)  # CHAIN
            measured.append(("chain", ms, (time.perf_counter() - t) * 1000))
            await asyncio.sleep(0)

    async def main():
        for ms in DURATIONS_MS:
            for kind in ("sleep", "burn"):
                await asyncio.create_task(block(kind, ms), name=f"{{kind}}-{{ms}}")
                await asyncio.sleep(0.03)
        await asyncio.gather(*(asyncio.create_task(chain(i), name=f"chain-{{i}}")
                               for i in range(4)))
        print(json.dumps(measured))

    asyncio.run(main())
""")


def line_of(source: str, marker: str) -> int:
    return next(i for i, text in enumerate(source.splitlines(), 1) if marker in text)


Row = tuple[str, int, float, float, int, bool, bool]


async def one_round() -> tuple[list[Row], int]:
    """(kind, ms, real ms, reported ms, stalls reported, line named, seen live) per
    block, and the number of stalls reported in all."""
    source = SNIPPET.format(durations=DURATIONS_MS)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "stalls.py"
        path.write_text(source)
        live_ids: set[int] = set()

        def on_update(state: RunState) -> None:
            for stall in state.stalls:
                if stall.live:
                    live_ids.add(stall.id)

        session = Session(RunTarget.from_file(path), RunOptions(), on_update=on_update)
        state = await session.run()
    measured = json.loads(state.stdout.text.strip().splitlines()[-1])
    lines = {kind: line_of(source, f"# {kind.upper()}") for kind in ("sleep", "burn", "chain")}
    by_task: dict[str, list[Stall]] = {}
    for stall in state.stalls:
        by_task.setdefault(stall.task, []).append(stall)
    # The chain's stalls, matched to its blocks by duration (150, 100, 120 ms: far apart).
    chained = [s for task, same in by_task.items() if task.startswith("chain-") for s in same]
    rows: list[Row] = []
    for kind, ms, real_ms in measured:
        found: Stall | None
        if kind == "chain":
            near = [s for s in chained if abs(s.ms - real_ms) < 15]
            found = min(near, key=lambda s: abs(s.ms - real_ms)) if near else None
            count = 0 if found is None else 1
            if found is not None:
                chained.remove(found)
        else:
            same = by_task.get(f"{kind}-{ms}", [])
            found, count = (same[0] if same else None), len(same)
        if found is None:
            rows.append((kind, ms, real_ms, float("nan"), count, False, False))
            continue
        placed = found.line == lines[kind]
        rows.append((kind, ms, real_ms, found.ms, count, placed, found.id in live_ids))
    return rows, len(state.stalls)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    results: dict[tuple[str, int], list[tuple[float, float, int, bool, bool]]] = {}
    reported = expected = 0
    for _ in range(args.rounds):
        rows, total = asyncio.run(one_round())
        reported += total
        expected += len(rows)
        for kind, ms, real_ms, reported_ms, count, placed, live in rows:
            results.setdefault((kind, ms), []).append((real_ms, reported_ms, count, placed, live))
    print(f"{'block':<16}{'reported - real (ms), worst':>30}{'stalls':>9}{'line':>8}{'live':>8}")
    order = sorted(results.items(), key=lambda kv: (kv[0][0] == "chain", kv[0][1], kv[0][0]))
    for (kind, ms), found in order:
        errors = [rep - real for real, rep, _, _, _ in found]
        worst = max(errors, key=abs)
        count = sum(c for _, _, c, _, _ in found)
        placed = sum(p for _, _, _, p, _ in found)
        live = sum(lv for _, _, _, _, lv in found)
        n = len(found)
        print(f"{kind + ' ' + str(ms) + ' ms':<16}{worst:>+30.2f}{count:>6}/{n:<2}"
              f"{placed:>5}/{n:<2}{live:>5}/{n:<2}")
    print(f"stalls reported in all: {reported}, for {expected} blocks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
