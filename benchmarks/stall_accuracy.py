"""How exactly stalls are measured: known blocks in, reported stalls out.

A snippet blocks the loop with ``time.sleep(d)`` (GIL released) and with a pure-Python
busy loop (GIL held) for each duration d, from a task named after the case; the run
goes through the real sandbox and probe. For each case we print the reported duration,
its error against the snippet's own measurement of the block, whether the task and the
exact line were named, and whether the stall was shown while it was still going on.

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

from playground.model import RunState
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

    async def main():
        for ms in DURATIONS_MS:
            for kind in ("sleep", "burn"):
                await asyncio.create_task(block(kind, ms), name=f"{{kind}}-{{ms}}")
                await asyncio.sleep(0.03)
        print(json.dumps(measured))

    asyncio.run(main())
""")


def line_of(source: str, marker: str) -> int:
    return next(i for i, text in enumerate(source.splitlines(), 1) if marker in text)


async def one_round() -> list[tuple[str, int, float, float, bool, bool]]:
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
    lines = {"sleep": line_of(source, "# SLEEP"), "burn": line_of(source, "# BURN")}
    rows = []
    stalls = {s.task: s for s in state.stalls}
    for kind, ms, real_ms in measured:
        stall = stalls.get(f"{kind}-{ms}")
        if stall is None:
            rows.append((kind, ms, real_ms, float("nan"), False, False))
            continue
        placed = stall.line == lines[kind]
        rows.append((kind, ms, real_ms, stall.ms, placed, stall.id in live_ids))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    results: dict[tuple[str, int], list[tuple[float, float, bool, bool]]] = {}
    for _ in range(args.rounds):
        for kind, ms, real_ms, reported_ms, placed, live in asyncio.run(one_round()):
            results.setdefault((kind, ms), []).append((real_ms, reported_ms, placed, live))
    print(f"{'block':<16}{'reported - real (ms), worst':>30}{'line':>8}{'live':>8}")
    for (kind, ms), rows in sorted(results.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        errors = [rep - real for real, rep, _, _ in rows]
        worst = max(errors, key=abs)
        placed = sum(p for _, _, p, _ in rows)
        live = sum(lv for _, _, _, lv in rows)
        print(f"{kind + ' ' + str(ms) + ' ms':<16}{worst:>+30.2f}{placed:>5}/{len(rows)}"
              f"{live:>5}/{len(rows)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
