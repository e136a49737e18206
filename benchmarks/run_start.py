"""Where a run's start goes, headless: the child's chain piece by piece, and a run's
hello and end with a cold start and with a warm one (playground.warmstart).

- **chain, /bin/true**: ``spawn`` to the child's exit with ``/bin/true`` in the probe's
  place: the work directory, cgroups, the gate, bwrap, the supervisor's interpreter, fork;
- **chain, python -S**: the same with a bare ``python -I -S -c pass``;
- **chain, probe imports**: the same with ``python -I -c "import playground.probe.__main__"``;
- **cold / warm hello**: from ``Session.run()`` to the probe's hello (an empty snippet);
- **cold / warm total**: to the run's end (its ``total_ms``).

    .venv/bin/python benchmarks/run_start.py [--runs 15] [--no-bwrap]

Medians of interleaved runs (one of each in turn). Figures are in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playground import sandbox
from playground.session import RunOptions, RunTarget, Session
from playground.warmstart import WarmStart

CHAINS = {
    "chain, /bin/true": ["/bin/true"],
    "chain, python -S": [sys.executable, "-I", "-S", "-c", "pass"],
    "chain, probe imports": [sys.executable, "-I", "-c", "import playground.probe.__main__"],
}


async def chain(argv: list[str], snippet: Path, info: sandbox.SandboxInfo) -> float:
    start = time.perf_counter()
    child = await sandbox.spawn(snippet, origin=str(snippet), info=info, _argv=argv)
    try:
        await child.wait()
    finally:
        await child.aclose()
    return time.perf_counter() - start


async def run(target: RunTarget, options: RunOptions, warm: WarmStart | None) -> tuple[float, float]:
    hello: list[float] = []
    start = time.monotonic()

    def seen(state: object) -> None:
        if getattr(state, "pid", None) is not None and not hello:
            hello.append(time.monotonic() - start)

    session = Session(target, options, on_update=seen, warm=warm)
    await session.run()
    assert session.started_warm == (warm is not None)
    return hello[0], time.monotonic() - start


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--no-bwrap", action="store_true")
    args = parser.parse_args()
    use_bwrap = False if args.no_bwrap else None
    info = sandbox.detect(use_bwrap=use_bwrap)
    options = RunOptions(use_bwrap=use_bwrap)
    figures: dict[str, list[float]] = {name: [] for name in CHAINS}
    for name in ("cold hello", "warm hello", "cold total", "warm total"):
        figures[name] = []
    with tempfile.TemporaryDirectory() as tmp:
        snippet = Path(tmp) / "empty.py"
        snippet.write_text("")
        target = RunTarget.from_file(snippet)
        warm = WarmStart()
        try:
            for _ in range(args.runs):
                for name, argv in CHAINS.items():
                    figures[name].append(await chain(argv, snippet, info))
                hello, total = await run(target, options, None)
                figures["cold hello"].append(hello)
                figures["cold total"].append(total)
                warm.prepare(False, options)
                await warm.ready()  # the app has it ready while idle
                hello, total = await run(target, options, warm)
                figures["warm hello"].append(hello)
                figures["warm total"].append(total)
        finally:
            await warm.close()
    print(f"layers: {' '.join(info.layers)}")
    for name, values in figures.items():
        ms = sorted(v * 1000 for v in values)
        print(f"{name:22} median {statistics.median(ms):6.1f} ms   worst {ms[-1]:6.1f} ms   ({len(ms)})")


if __name__ == "__main__":
    asyncio.run(main())
