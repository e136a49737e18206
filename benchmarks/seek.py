"""Seeking in a long recording: how long :class:`~playground.replay.Replay` takes to
give the state at any moment of a synthetic 10-minute run.

The run is made up, at the rates a real one has: a batch every 50 ms (five 10 ms
heartbeats of lag, a memory sample, a task table update), 20 tasks created a second,
each living 2 s (about 40 alive at once, 12,000 in all), a line of output every
100 ms, a 200 ms stall every 10 s. It is written as a recording and loaded back
(as `asyncplay replay` would), then:

- **load**: reading the file; **fold**: ``Replay(...)`` (the whole fold, and the
  checkpoints kept on the way);
- **seek**: ``state_at`` at random event indexes and ``state_at_time`` at random
  times, median and worst, against folding from the start to the same points.

    .venv/bin/python benchmarks/seek.py [--seeks 200] [--minutes 10]

Figures are recorded in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from playground.model import RunState
from playground.recording import Recorder, load
from playground.replay import Replay


def synthetic_events(minutes: float) -> list[dict[str, Any]]:
    rng = random.Random(10)
    events: list[dict[str, Any]] = [
        {"kind": "sandbox", "t": 0.0, "layers": ["rlimits"], "missing": []},
        {"kind": "code", "t": 0.0, "path": "/w/server.py", "text": "print('hi')\n" * 40},
        {"kind": "hello", "t": 0.01, "v": 2, "pid": 42, "python": "3.11.7",
         "file": "/w/server.py", "stall_ms": 50},
        {"kind": "started", "t": 0.02},
    ]
    alive: dict[int, float] = {}  # tid -> when it ends
    next_tid, created, stall_id = 1, 0, 0
    batches = int(minutes * 60 / 0.05)
    for b in range(1, batches + 1):
        t = round(b * 0.05, 6)
        events.append({"kind": "lag", "t": t,
                       "samples_ms": [round(rng.expovariate(2.0), 3) for _ in range(5)]})
        events.append({"kind": "memory", "t": t, "rss_kb": 30_000 + b // 10})
        new, upd = [], []
        for _ in range(1):  # 20 a second
            tid, next_tid = next_tid, next_tid + 1
            created += 1
            alive[tid] = t + 2.0
            new.append([tid, f"Task-{tid}", "handle", 1, "/w/server.py", 12])
        for tid, end in list(alive.items()):
            if end <= t:
                upd.append([tid, "done", None, None, None, 2000, 40, None])
                del alive[tid]
            elif rng.random() < 0.3:
                upd.append([tid, rng.choice(["waiting", "ready"]), "sleep 0.1",
                            "/w/server.py", 14, 1000, 20, None])
        events.append({"kind": "tasks", "t": t, "new": new, "upd": upd, "created": created,
                       "alive": len(alive), "max_alive": 45, "failed": 0, "cancelled": 0})
        if b % 2 == 0:
            events.append({"kind": "stdout", "t": t, "data": f"served request {b}\n", "n": 20})
        if b % 200 == 0:
            stall_id += 1
            for kind, ms in (("stall", 60.0), ("stall_end", 200.0)):
                events.append({"kind": kind, "t": t, "id": stall_id, "ms": ms, "task": "Task-1",
                               "tid": 1, "file": "/w/server.py", "line": 30,
                               "code": "time.sleep(0.2)"})
    end_t = round(batches * 0.05 + 0.01, 6)
    events.append({"kind": "end", "t": end_t, "wall_ms": end_t * 1000, "peak_rss_kb": 40_000,
                   "exit_code": 0})
    events.append({"kind": "exit", "t": end_t, "status": "ok", "exit_code": 0,
                   "message": "finished", "total_ms": end_t * 1000 + 100})
    return events


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeks", type=int, default=200)
    parser.add_argument("--minutes", type=float, default=10.0)
    args = parser.parse_args()
    recorder = Recorder()
    for event in synthetic_events(args.minutes):
        recorder.add(event)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "long.jsonl"
        recorder.save(path, {"target": "synthetic/server"})
        size_mb = path.stat().st_size / 1e6
        t0 = time.perf_counter()
        recording = load(path)
    t1 = time.perf_counter()
    replay = Replay(recording)
    t2 = time.perf_counter()
    n = len(replay)
    print(f"{args.minutes:g} minutes: {n} events, {size_mb:.1f} MB; load {1000 * (t1 - t0):.0f} ms, "
          f"fold with {replay.checkpoints} checkpoints (every {replay.every}) "
          f"{1000 * (t2 - t1):.0f} ms")
    rng = random.Random(7)
    by_index: list[float] = []
    by_time: list[float] = []
    cpu: list[float] = []  # CPU time of each seek: what a loaded machine inflates least
    scratch: list[float] = []
    for _ in range(args.seeks):
        index = rng.randrange(n + 1)
        s, c = time.perf_counter(), time.process_time()
        replay.state_at(index)
        by_index.append(1000 * (time.perf_counter() - s))
        cpu.append(1000 * (time.process_time() - c))
        at = rng.uniform(replay.start_t, replay.end_t)
        s, c = time.perf_counter(), time.process_time()
        replay.state_at_time(at)
        by_time.append(1000 * (time.perf_counter() - s))
        cpu.append(1000 * (time.process_time() - c))
    for index in [rng.randrange(n + 1) for _ in range(5)]:
        s = time.perf_counter()
        state = RunState(target="x")
        for event in recording.events[:index]:
            state.apply(event)
        scratch.append(1000 * (time.perf_counter() - s))
    for label, ms in (("seek by index", by_index), ("seek by time", by_time),
                      ("seek, CPU time (both)", cpu),
                      ("fold from the start (no checkpoints, 5 points)", scratch)):
        print(f"{label}: median {statistics.median(ms):.1f} ms, "
              f"p99 {sorted(ms)[int(0.99 * (len(ms) - 1))]:.1f} ms, worst {max(ms):.1f} ms")


if __name__ == "__main__":
    main()
