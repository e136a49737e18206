"""Probe overhead in executed instructions: a deterministic companion to overhead.py.

Wall time on a shared virtual machine varies by tens of per cent between runs of the
same program; instruction counts (valgrind's callgrind) do not. For each workload,
the instructions of its timed window are those of a full run minus those of a run
that stops before its ``asyncio.run`` (``BENCH_IMPORT_ONLY=1``), for plain ``python``
and under the probe.

What is counted is the instrumentation alone: the callback hook, task tracking and
the guard's audit hook. What the clock drives (a batch of events every 50 ms, stall
checks, the lag heartbeat every 10 ms) would be inflated at random by valgrind's
50-100x slowdown, so the probe runs with its watchdog thread as the clock (valgrind
delivers the interval timer's signals unreliably) and with those periods pushed out
of the run; their cost is per period, not per task or callback, and small.

    .venv/bin/python benchmarks/instructions.py [--only http_gets]

Instructions are not time: cache misses and the like are not counted, so this
complements the wall-time ratios, it does not replace them (see README.md).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from overhead import WORKLOADS, free_port, start_mock_api  # noqa: E402


def instructions(argv: list[str], env: dict[str, str]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/out", *argv],
            env=env, capture_output=True, text=True,
        )
    found = re.search(r"Collected : (\d+)", proc.stderr)
    if proc.returncode != 0 or found is None:
        raise SystemExit(f"{argv} failed under valgrind:\n{proc.stderr[-2000:]}")
    return int(found.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=sorted(WORKLOADS), action="append")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (Debian: apt-get install valgrind)", file=sys.stderr)
        return 2
    port = free_port()
    server = start_mock_api(port)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHONASYNCIODEBUG")}
    env["API_URL"] = f"http://127.0.0.1:{port}"
    py = sys.executable
    probe = [py, "-I", "-m", "playground.probe", "--clock", "thread",
             "--flush-ms", "1000000", "--stall-ms", "1000000", "--heartbeat-ms", "1000000"]
    try:
        print(f"{'workload':<16}{'plain':>16}{'probe':>16}{'ratio':>8}")
        for name in args.only or list(WORKLOADS):
            path = str(WORKLOADS[name][0])
            window = {}
            for variant, argv in (("plain", [py, path]), ("probe", [*probe, path])):
                full = instructions(argv, env)
                start_up = instructions(argv, dict(env, BENCH_IMPORT_ONLY="1"))
                window[variant] = full - start_up
            print(f"{name:<16}{window['plain']:>16,}{window['probe']:>16,}"
                  f"{window['probe'] / window['plain']:>7.3f}x")
    finally:
        server.terminate()
        server.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
