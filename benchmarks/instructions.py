"""Probe overhead in executed instructions and simulated cache misses: a
deterministic companion to overhead.py.

Wall time on a shared virtual machine varies by tens of per cent between runs of the
same program; valgrind's simulation does not. Exactly the timed window of each
workload is counted (its ``asyncio.run``, as overhead.py times it): the workload runs
from a copy whose ``asyncio.run(main())`` is called through ``functools.reduce``,
a C function nothing else in the window calls, and callgrind collects only inside it
(``--toggle-collect``). Start-up, the probe's last report and the interpreter's exit
are left out. Runs are made repeatable: no address randomization (``setarch -R``), a
fixed hash seed (so the probe runs without ``-I``, which would ignore it). Two runs of
the same code then give the same counts to within 0.01%.

Printed: instructions, the first-level instruction and data cache misses that
callgrind simulates (a first-level miss costs about 12 cycles when the second level
has the line), and an estimate of cycles from them (instructions + 12 x first-level
misses + 150 x last-level misses). The probe's code runs between two pieces of the
snippet's work and displaces the snippet's code and data from the first-level caches:
on ``queue_pipeline`` that is as large a cost as the instructions themselves.

What is counted is the instrumentation alone: the callback hook, task tracking and
the guard's audit hook. What the clock drives (a batch of events every 50 ms, stall
checks, the lag heartbeat every 10 ms) would be inflated at random by valgrind's
50-100x slowdown, so the probe runs with its watchdog thread as the clock (valgrind
delivers the interval timer's signals unreliably) and with those periods pushed out
of the run; their cost is per period, not per task or callback (see README.md for
what a batch costs).

    .venv/bin/python benchmarks/instructions.py [--only http_gets]   # needs valgrind

``http_gets`` is repeatable only to about 0.1%: how many reads a response takes
depends on timing.
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


EVENTS = ("Ir", "I1mr", "D1mr", "D1mw", "ILmr", "DLmr", "DLmw")


TIMED = "asyncio.run(main())"
WINDOW = "functools.reduce(lambda _, __: asyncio.run(main()), (0, 0))"


def windowed_copy(path: Path, folder: Path) -> Path:
    """The workload with its timed call made through ``functools.reduce``."""
    source = path.read_text()
    lines = source.splitlines(keepends=True)
    timed = [i for i, line in enumerate(lines) if line.strip() == TIMED]
    if len(timed) != 1:
        raise SystemExit(f"{path}: expected one line `{TIMED}`, found {len(timed)}")
    lines[timed[0]] = f"import functools; {WINDOW}\n"
    copy = folder / path.name
    copy.write_text("".join(lines))
    return copy


def counts(argv: list[str], env: dict[str, str]) -> dict[str, int]:
    """Callgrind's totals inside the timed window (instructions, simulated misses)."""
    setarch = ["setarch", "-R"] if shutil.which("setarch") else []
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(
            [*setarch, "valgrind", "--tool=callgrind", "--cache-sim=yes",
             "--toggle-collect=functools_reduce", f"--callgrind-out-file={tmp}/out", *argv],
            env=dict(env, PYTHONHASHSEED="0"), capture_output=True, text=True,
        )
        out = Path(tmp, "out")
        text = out.read_text() if out.exists() else ""
    events = re.search(r"^events: (.*)$", text, re.M)
    totals = re.search(r"^(?:summary|totals): (.*)$", text, re.M)
    if proc.returncode != 0 or events is None or totals is None:
        raise SystemExit(f"{argv} failed under valgrind:\n{proc.stderr[-2000:]}")
    found = dict(zip(events.group(1).split(), map(int, totals.group(1).split())))
    if not found.get("Ir"):
        raise SystemExit(f"{argv}: nothing counted inside functools.reduce")
    return {k: found.get(k, 0) for k in EVENTS}


def cycles(c: dict[str, int]) -> float:
    """A rough cost model: what the counts would cost on a typical x86-64 core."""
    return (c["Ir"] + 12 * (c["I1mr"] + c["D1mr"] + c["D1mw"])
            + 150 * (c["ILmr"] + c["DLmr"] + c["DLmw"]))


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
    probe = [py, "-s", "-m", "playground.probe", "--clock", "thread",
             "--flush-ms", "1000000", "--stall-ms", "1000000", "--heartbeat-ms", "1000000"]
    try:
        print(f"{'workload':<16}{'instructions':>14}{'I1 misses':>16}{'D1 misses':>16}"
              f"{'est. cycles':>13}")
        for name in args.only or list(WORKLOADS):
            with tempfile.TemporaryDirectory() as tmp:
                path = str(windowed_copy(WORKLOADS[name][0], Path(tmp)))
                plain = counts([py, "-s", path], env)
                probe_ = counts([*probe, path], env)
            extra_i1 = probe_["I1mr"] - plain["I1mr"]
            extra_d1 = probe_["D1mr"] + probe_["D1mw"] - plain["D1mr"] - plain["D1mw"]
            print(f"{name:<16}{probe_['Ir'] / plain['Ir']:>13.4f}x{extra_i1:>+16,}"
                  f"{extra_d1:>+16,}{cycles(probe_) / cycles(plain):>12.4f}x")
    finally:
        server.terminate()
        server.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
