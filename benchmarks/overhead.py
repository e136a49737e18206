"""Instrumentation overhead: the probe vs plain ``python`` vs asyncio debug mode.

Each workload in ``benchmarks/workloads/`` times its own ``asyncio.run`` and prints
``BENCH_WALL_S=...``, so interpreter start-up is excluded. The variants of one
workload run interleaved (plain, probe, debug, then debug, probe, plain, ...) so that
a noisy machine slows them alike; we report the median of the per-round ratios with
a 95% confidence interval for it (how far the noise leaves the median uncertain), and
the peak RSS ratio (``ru_maxrss`` of the child).

    .venv/bin/python benchmarks/overhead.py [--rounds 7] [--only many_tasks] [--versions]

``--versions`` measures, side by side, this Python and every other one that the test
matrix (scripts/matrix.py) installed asyncplay for: each ``.venv-3.X`` (through
scripts/in-chroot.sh when it lives in a Debian root). ``--python CMD`` adds one
interpreter command of your own (repeatable).

Budgets (issue 2): <= 1.35x on many_tasks, <= 1.05x on queue_pipeline and
http_gets; peak RSS <= 1.15x. Trace mode (``--trace``: the probe sends every callback
as a step; issue 16), measured in the same rounds as its own variant: <= 1.6x on
many_tasks, <= 1.25x on queue_pipeline and http_gets (``--skip-trace`` leaves it out). The figures are recorded in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import shlex
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORKLOADS = {
    "many_tasks": (HERE / "workloads" / "many_tasks.py", 1.35),
    "queue_pipeline": (HERE / "workloads" / "queue_pipeline.py", 1.05),
    "http_gets": (HERE / "workloads" / "http_gets.py", 1.05),
}
RSS_BUDGET = 1.15
TRACE_BUDGETS = {"many_tasks": 1.6, "queue_pipeline": 1.25, "http_gets": 1.25}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pin(cpu: int | None) -> Callable[[], None] | None:
    """Run a child on one CPU (less scheduler noise): snippet and server apart."""
    if cpu is None or not hasattr(os, "sched_setaffinity"):
        return None
    return lambda: os.sched_setaffinity(0, {cpu})


SNIPPET_CPU = (os.cpu_count() or 1) - 1 if (os.cpu_count() or 1) > 1 else None
SERVER_CPU = 0 if SNIPPET_CPU else None


def start_mock_api(port: int) -> subprocess.Popen[bytes]:
    """The loopback server of http_gets, on its own CPU, ready when this returns."""
    server = subprocess.Popen(
        [sys.executable, "-m", "playground.mockapi", "--port", str(port), "--latency-ms", "0",
         "--quiet"],
        stdout=subprocess.DEVNULL,
        preexec_fn=pin(SERVER_CPU),
    )
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return server
        except OSError:
            if time.monotonic() > deadline:
                server.kill()
                raise SystemExit("mock API did not start")
            time.sleep(0.05)


def median_interval(values: list[float]) -> tuple[float, float]:
    """A 95% confidence interval for the median, free of any assumption about the
    distribution: the order statistics n/2 -+ 0.98 sqrt(n) (the binomial's normal
    approximation). Too few values: the whole range."""
    ordered = sorted(values)
    n = len(ordered)
    half = 0.98 * n ** 0.5
    low, high = int(n / 2 - half), int(n / 2 + half + 0.999)
    if low < 0 or high >= n:
        return ordered[0], ordered[-1]
    return ordered[low], ordered[high]


def run_measured(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            preexec_fn=pin(SNIPPET_CPU))
    assert proc.stdout is not None and proc.stderr is not None
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{argv} failed:\n{err.decode(errors='replace')[-2000:]}")
    wall = next(
        float(line.split("=", 1)[1])
        for line in out.decode().splitlines()
        if line.startswith("BENCH_WALL_S=")
    )
    return wall, int(usage.ru_maxrss)


def matrix_pythons() -> list[list[str]]:
    """The interpreters of the test matrix's ``.venv-3.X``: each as a command."""
    root = HERE.parent
    found = []
    for venv in sorted(root.glob(".venv-3.*"), key=lambda p: int(p.name.rsplit(".", 1)[1])):
        python = venv / "bin" / "python"
        if not os.path.lexists(python):  # a Debian root's venv links to its /usr/bin
            continue
        chroot = venv / ".chroot"  # written by scripts/matrix.py for a Debian root's venv
        prefix = ([str(root / "scripts" / "in-chroot.sh"), chroot.read_text().strip()]
                  if chroot.exists() else [])
        found.append([*prefix, str(python)])
    return found


def version_of(python: list[str]) -> str:
    out = subprocess.run([*python, "-c", "import sys; print(sys.version.split()[0])"],
                         capture_output=True, text=True, cwd=HERE.parent)
    if out.returncode != 0:
        raise SystemExit(f"{shlex.join(python)} does not run: {out.stderr.strip()[-500:]}")
    return out.stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--python", action="append", default=[], metavar="CMD",
                        help="also measure this interpreter command (repeatable)")
    parser.add_argument("--versions", action="store_true",
                        help="also measure every .venv-3.X of the test matrix")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--only", choices=sorted(WORKLOADS), action="append")
    parser.add_argument("--skip-debug", action="store_true",
                        help="do not run asyncio debug mode (it is slow)")
    parser.add_argument("--skip-trace", action="store_true",
                        help="do not run the probe's trace mode")
    args = parser.parse_args()

    port = free_port()
    server = start_mock_api(port)
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHONASYNCIODEBUG")}
    base_env["API_URL"] = f"http://127.0.0.1:{port}"

    pythons = [[sys.executable], *(shlex.split(c) for c in args.python)]
    if args.versions:
        pythons += matrix_pythons()
    versions = [version_of(py) for py in pythons]
    failed = False
    try:
        print(f"{'workload':<16}{'python':<9}{'probe':>9} {'95% interval':<15}{'debug':>8}"
              f"{'rss':>8}   plain s   budget        {'trace':>8} {'95% interval':<15}budget")
        for name, py, version in (
            (n, p, v) for n in args.only or list(WORKLOADS) for p, v in zip(pythons, versions)
        ):
            path, budget = WORKLOADS[name]
            variants = {
                "plain": ([*py, str(path)], base_env),
                "probe": ([*py, "-I", "-m", "playground.probe", str(path)], base_env),
                "debug": ([*py, str(path)], dict(base_env, PYTHONASYNCIODEBUG="1")),
                "trace": ([*py, "-I", "-m", "playground.probe", "--trace", str(path)], base_env),
            }
            if args.skip_debug:
                del variants["debug"]
            if args.skip_trace:
                del variants["trace"]
            ratios: dict[str, list[float]] = {k: [] for k in variants if k != "plain"}
            rss_ratios: list[float] = []
            plains: list[float] = []
            order = list(variants)
            for i in range(args.rounds):
                # Each round in the other order: no variant always runs first (right
                # after the previous workload) or always follows the same one.
                round_order = order if i % 2 == 0 else order[::-1]
                res = {k: run_measured(*variants[k]) for k in round_order}
                plains.append(res["plain"][0])
                for k in ratios:
                    ratios[k].append(res[k][0] / res["plain"][0])
                rss_ratios.append(res["probe"][1] / res["plain"][1])
            probe = statistics.median(ratios["probe"])
            debug = statistics.median(ratios["debug"]) if "debug" in ratios else float("nan")
            rss = statistics.median(rss_ratios)
            ok = probe <= budget and rss <= RSS_BUDGET
            trace_col = ""
            if "trace" in ratios:
                trace = statistics.median(ratios["trace"])
                trace_ok = trace <= TRACE_BUDGETS[name]
                ok = ok and trace_ok
                trace_col = (f"{trace:>7.3f}x {'%.3f-%.3f' % median_interval(ratios['trace']):<15}"
                             f"<= {TRACE_BUDGETS[name]}x {'ok' if trace_ok else 'OVER'}")
            failed |= not ok
            print(
                f"{name:<16}{version:<9}{probe:>8.3f}x {'%.3f-%.3f' % median_interval(ratios['probe']):<15}"
                f"{'%.2fx' % debug if debug == debug else '-':>8}{rss:>7.2f}x"
                f"   {statistics.median(plains):7.3f}   <= {budget}x "
                f"{'ok' if probe <= budget and rss <= RSS_BUDGET else 'OVER'}   {trace_col}"
            )
    finally:
        server.terminate()
        server.wait()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
