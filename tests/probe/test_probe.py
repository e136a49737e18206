"""The core engine end to end: real sandboxed children under the real probe."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import SANDBOX_MODES, RunSnippet, line_of, write_snippet
from playground import protocol as P
from playground.model import RunState
from playground.probe.recorder import MAX_DETAILED_TASKS
from playground.session import RunOptions, RunTarget, Session, summarize

THREE_SLEEPS = """
import asyncio
import time


async def blocker():
    for _ in range(3):
        time.sleep(0.2)  # BLOCK
        await asyncio.sleep(0.05)


async def ticker():
    for _ in range(40):
        await asyncio.sleep(0.01)


async def main():
    await asyncio.gather(asyncio.create_task(blocker(), name="blocker"), ticker())


asyncio.run(main())
"""


async def test_three_sleeps_are_three_stalls_of_200ms_at_their_line(run_snippet: RunSnippet) -> None:
    summary = await run_snippet(THREE_SLEEPS)
    line = line_of(Path(summary["_path"]), "# BLOCK")
    assert summary["status"] == "ok", summary["message"]
    stalls = summary["stalls"]
    assert len(stalls) == 3, stalls
    for stall in stalls:
        assert 185 <= stall["ms"] <= 215, stall
        assert stall["task"] == "blocker"
        assert stall["line"] == line
        assert stall["file"] == summary["_path"]
        assert stall["code"].startswith("time.sleep(0.2)")
    assert summary["lag"]["max_ms"] >= 150  # the ticker's timers ran late


CPU_LOOP = """
import asyncio
import time


def burn(ms):
    end = time.perf_counter() + ms / 1000
    while time.perf_counter() < end: pass  # BURN


async def blocker():
    for _ in range(3):
        burn(200)
        await asyncio.sleep(0.05)


async def main():
    await asyncio.create_task(blocker(), name="blocker")


asyncio.run(main())
"""


async def test_cpu_bound_loop_stalls_are_timed_and_placed(run_snippet: RunSnippet) -> None:
    summary = await run_snippet(CPU_LOOP)
    line = line_of(Path(summary["_path"]), "# BURN")
    stalls = summary["stalls"]
    assert len(stalls) == 3, stalls
    for stall in stalls:
        assert 185 <= stall["ms"] <= 215, stall
        assert (stall["task"], stall["line"]) == ("blocker", line), stall


async def test_fifty_ticking_tasks_show_little_lag(run_snippet: RunSnippet) -> None:
    summary = await run_snippet("""
        import asyncio

        async def tick(i):
            for _ in range(30):
                await asyncio.sleep(0.02)

        async def main():
            await asyncio.gather(*(tick(i) for i in range(50)))

        asyncio.run(main())
    """)
    assert summary["status"] == "ok"
    assert summary["lag"]["max_ms"] < 50, summary["lag"]
    assert summary["stalls"] == []
    assert summary["tasks"]["created"] == 51
    assert summary["tasks"]["max_alive"] == 51


async def test_missing_await_is_reported_at_the_creation_line(run_snippet: RunSnippet) -> None:
    summary = await run_snippet("""
        import asyncio

        async def save(x):
            await asyncio.sleep(0.01)

        async def main():
            save(1)  # FORGOT
            await asyncio.sleep(0.05)

        asyncio.run(main())
    """)
    line = line_of(Path(summary["_path"]), "# FORGOT")
    never = [w for w in summary["warnings"] if "was never awaited" in w["message"]]
    assert len(never) == 1, summary["warnings"]
    assert never[0]["category"] == "RuntimeWarning"
    assert "'save'" in never[0]["message"]
    assert never[0]["line"] == line


async def test_missing_await_in_a_stored_variable_is_placed_by_its_call(run_snippet: RunSnippet) -> None:
    summary = await run_snippet("""
        import asyncio
        import time

        async def main():
            time.sleep(0.001)
            pending = asyncio.sleep(3)  # STORED
            await asyncio.sleep(0.01)

        asyncio.run(main())
    """)
    line = line_of(Path(summary["_path"]), "# STORED")
    never = [w for w in summary["warnings"] if "was never awaited" in w["message"]]
    assert [w["line"] for w in never] == [line]


async def test_nested_asyncio_run_is_a_runtime_error_at_its_line(run_snippet: RunSnippet) -> None:
    summary = await run_snippet("""
        import asyncio

        async def inner():
            return 1

        async def main():
            return asyncio.run(inner())  # NESTED

        asyncio.run(main())
    """)
    line = line_of(Path(summary["_path"]), "# NESTED")
    assert summary["status"] == "error"
    assert summary["exit_code"] == 1
    error = summary["error"]
    assert error["type"] == "RuntimeError"
    assert "cannot be called from a running event loop" in error["message"]
    assert error["line"] == line
    assert "Traceback" in summary["stderr"]
    assert "playground" not in summary["stderr"]  # the probe's own frames are hidden
    # The coroutine handed to the inner asyncio.run never ran: Python says so on stderr
    # once the error's traceback is freed, and the report says it too, at its line.
    assert "coroutine 'inner' was never awaited" in summary["stderr"]
    never = [w for w in summary["warnings"] if "was never awaited" in w["message"]]
    assert [(w["category"], w["line"]) for w in never] == [("RuntimeWarning", line)], never


async def test_uncaught_exception_in_a_task_and_never_retrieved(run_snippet: RunSnippet) -> None:
    summary = await run_snippet("""
        import asyncio

        async def fail():
            raise ValueError("boom")  # RAISE

        async def main():
            task = asyncio.create_task(fail())
            await asyncio.sleep(0.05)
            del task

        asyncio.run(main())
    """)
    line = line_of(Path(summary["_path"]), "# RAISE")
    assert summary["status"] == "ok"
    assert summary["tasks"]["failed"] == 1
    retrieved = [w for w in summary["warnings"] if "never retrieved" in w["message"]]
    assert retrieved and retrieved[0]["line"] == line, summary["warnings"]


@pytest.mark.parametrize("use_bwrap", SANDBOX_MODES)
async def test_hung_snippet_times_out_and_leaves_nothing(run_snippet: RunSnippet, use_bwrap: bool | None) -> None:
    marker = f"hang-{os.getpid()}-{time.monotonic_ns()}"
    summary = await run_snippet(f"""
        import asyncio, subprocess, sys
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", "{marker}"])
        async def main():
            await asyncio.Event().wait()
        asyncio.run(main())
    """, timeout_s=2.0, use_bwrap=use_bwrap)
    assert summary["status"] == "timeout"
    assert summary["limit"] == "wall"
    assert "time limit" in summary["message"]
    assert not _processes_with(marker)


async def test_garbage_on_the_event_channel_does_not_crash_the_parent(run_snippet: RunSnippet) -> None:
    summary = await run_snippet("""
        import os, stat
        for fd in range(3, 1024):
            try:
                if stat.S_ISFIFO(os.fstat(fd).st_mode):
                    os.write(fd, b"\\x00\\xffnot json\\n{\\"kind\\": 3}\\n" + b"x" * 100000 + b"\\n")
            except OSError:
                pass
        print("still here")
    """)
    assert summary["status"] == "ok"
    assert "still here" in summary["stdout"]
    assert summary["channel"] and "corrupted" in summary["channel"]


async def test_stall_is_reported_while_it_is_still_going_on(run_snippet: RunSnippet) -> None:
    seen_live: list[float] = []

    def on_update(state: RunState) -> None:
        stall = state.live_stall
        if stall is not None:
            seen_live.append(stall.ms)

    summary = await run_snippet("""
        import asyncio, time
        async def main():
            time.sleep(1.5)
        asyncio.run(main())
    """, on_update=on_update)
    assert seen_live, "no update showed the stall while it lasted"
    assert min(seen_live) < 1000  # seen early, not only at the end
    assert max(seen_live) > min(seen_live)  # and its duration grew live
    assert 1450 <= summary["stalls"][0]["ms"] <= 1600


BACK_TO_BACK_STALLS = """
import asyncio
import time


async def worker():
    time.sleep(0.15)  # FIRST
    await asyncio.sleep(0)
    time.sleep(0.10)  # SECOND
    await asyncio.sleep(0)
    time.sleep(0.12)  # THIRD


async def main():
    await asyncio.gather(*(worker() for _ in range(4)))


asyncio.run(main())
"""


async def test_back_to_back_stalls_are_each_reported_once_at_their_line(
        run_snippet: RunSnippet) -> None:
    """Stalls that follow each other with no pause between them: each is reported
    once, at its line. The tick that saw the next stall begin used to take the one
    just ended (not yet reported) for a stall never seen, and report it again at
    line 0: 13 stalls instead of 12 in most runs, their total above the wall time."""
    for attempt in range(12):  # the race showed in about 3 runs out of 4
        summary = await run_snippet(BACK_TO_BACK_STALLS)
        path = Path(summary["_path"])
        lines = {line_of(path, marker): ms for marker, ms in
                 (("# FIRST", 150), ("# SECOND", 100), ("# THIRD", 120))}
        stalls = summary["stalls"]
        assert summary["status"] == "ok", summary["message"]
        assert sorted(s["line"] for s in stalls) == sorted(list(lines) * 4), (attempt, stalls)
        for stall in stalls:
            assert stall["ms"] >= lines[stall["line"]] - 1, stall  # a sleep is never shorter
        assert sum(s["ms"] for s in stalls) <= summary["wall_ms"], (attempt, stalls)


GROWING_MEMORY = """
import asyncio


async def main():
    kept = []
    for _ in range(12):
        kept.append(bytearray(8 << 20))  # 8 MB more, touched: resident
        await asyncio.sleep(0.1)
    kept.clear()
    await asyncio.sleep(0.3)


asyncio.run(main())
"""


async def test_resident_memory_is_reported_live_in_every_batch(run_snippet: RunSnippet) -> None:
    """The snippet's resident memory arrives while it runs, one sample per batch: the
    model's series climbs with the snippet's allocations before the run ends, and
    falls when it lets them go."""
    live: list[int] = []

    def on_update(state: RunState) -> None:
        if not state.finished and state.rss_kb is not None:
            live.append(state.rss_kb)

    summary = await run_snippet(GROWING_MEMORY, on_update=on_update)
    assert summary["status"] == "ok", summary["message"]
    rss = summary["rss"]
    assert rss["max_kb"] - rss["first_kb"] >= 80 * 1024, rss  # 96 MB allocated
    assert rss["last_kb"] <= rss["max_kb"] - 64 * 1024, rss  # and released
    assert max(live) - min(live) >= 64 * 1024, "memory was not seen growing while it ran"


async def test_sys_exit_code_is_reported(run_snippet: RunSnippet) -> None:
    summary = await run_snippet("import sys\nprint('bye')\nsys.exit(3)\n")
    assert summary["exit_code"] == 3
    assert summary["status"] == "error"
    assert summary["stdout"] == "bye\n"


async def test_summary_has_the_public_fields(run_snippet: RunSnippet) -> None:
    summary = await run_snippet("print('hi')\n")
    for name in ("target", "status", "exit_code", "signal", "wall_ms", "total_ms", "lag",
                 "stalls", "tasks", "warnings", "error", "limit", "sandbox", "output",
                 "peak_rss_kb", "rss"):
        assert name in summary, name
    assert set(summary["lag"]) >= {"p50_ms", "p99_ms", "max_ms"}
    assert set(summary["tasks"]) >= {"created", "max_alive", "failed", "cancelled"}
    assert set(summary["output"]) >= {"stdout_bytes", "stderr_bytes", "truncated"}
    assert set(summary["sandbox"]) == {"layers", "missing"}
    assert summary["output"]["stdout_bytes"] == 3
    assert 0 <= summary["wall_ms"] < summary["total_ms"]
    assert summary["peak_rss_kb"] > 1000


def _processes_with(marker: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if marker.encode() in f.read():
                    found.append(int(entry))
        except OSError:
            continue
    return found


def test_probe_runs_on_the_standard_library_alone(tmp_path: Path) -> None:
    """The probe must not need anything installed: run it with site-packages off."""
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[2]
    snippet = tmp_path / "s.py"
    snippet.write_text("import asyncio\nasync def main():\n    await asyncio.sleep(0.01)\n"
                       "asyncio.run(main())\nprint('ran')\n")
    code = (f"import sys, runpy; sys.path.insert(0, {str(repo)!r}); "
            f"sys.argv = ['probe', {str(snippet)!r}]; "
            "runpy.run_module('playground.probe', run_name='__main__', alter_sys=True)")
    result = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ran\n"


OWN_TASK_CLASS = """
import asyncio


async def work(i):
    await asyncio.sleep(0)
    if i % 100 == 99:
        raise ValueError(i)


async def main():
    loop = asyncio.get_running_loop()
    # the pure-Python Task: another class than asyncio.Task, made by the snippet's factory
    loop.set_task_factory(lambda loop, coro, **kw: asyncio.tasks._PyTask(coro, loop=loop, **kw))
    tasks = [asyncio.create_task(work(i)) for i in range(300)]
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.create_task(work(0))


asyncio.run(main())
"""


async def test_tasks_of_a_snippets_own_class_are_counted_beyond_the_table_too(
        run_snippet: RunSnippet) -> None:
    summary = await run_snippet(OWN_TASK_CLASS)
    assert summary["status"] == "ok", (summary["message"], summary["stderr"])
    assert summary["tasks"]["created"] == 302
    assert summary["tasks"]["max_alive"] == 301  # back down before the last one
    assert summary["tasks"]["failed"] == 3


DESTROYED_PENDING = """
import asyncio
import gc


async def forever():
    await asyncio.get_running_loop().create_future()  # nobody will ever set it  # WAIT


async def main():
    # 300 tasks: the first ones have rows (main has one too), the rest are only counted
    for i in range(300):
        asyncio.create_task(forever(), name=f"lost{i}")  # no reference kept  # CREATE
    await asyncio.sleep(0.3)  # a few reports: the tasks with rows are in the table
    gc.collect()  # the tasks and their futures are garbage: destroyed while pending
    await asyncio.sleep(0.1)


asyncio.run(main())
"""


async def test_tasks_destroyed_while_pending_are_reported_and_no_longer_alive(
        run_snippet: RunSnippet) -> None:
    states: list[RunState] = []
    summary = await run_snippet(DESTROYED_PENDING, on_update=states.append)
    assert summary["status"] == "ok", (summary["message"], summary["stderr"])
    destroyed = [w for w in summary["warnings"] if "destroyed but it is pending" in w["message"]]
    assert len(destroyed) == 300, summary["warnings"]
    # A task with a row is placed in the snippet: where it waits, or else (its coroutine
    # already collected) where it was created.
    path = Path(summary["_path"])
    places = {line_of(path, "# WAIT"), line_of(path, "# CREATE")}
    with_rows = [w for w in destroyed
                 if int(w["message"].split("(task lost")[1][:-1]) < MAX_DETAILED_TASKS - 1]
    assert with_rows and all(w["line"] in places for w in with_rows), with_rows
    assert summary["tasks"]["created"] == 301
    assert states[-1].tasks_alive == 0  # with a row or without, each one is over
    rows = [t for t in states[-1].tasks.values() if t.name.startswith("lost")]
    # MAX_DETAILED_TASKS rows at once, main's included
    assert len(rows) == MAX_DETAILED_TASKS - 1, len(rows)
    assert all(t.state == "cancelled" for t in rows), rows[:3]
    # The counts agree with the rows: every destroyed task is a cancelled one, with a
    # row or without (the header and the summary once said 0 cancelled).
    assert summary["tasks"]["cancelled"] == 300, summary["tasks"]
    assert states[-1].tasks_cancelled == 300


GUARD_NEW_CODE = """
import os, sys
from playground.probe import guard
from playground.probe.recorder import Recorder

rec = Recorder(os.open(os.devnull, os.O_WRONLY), "/nowhere/snippet.py")
snippet = {"__name__": "__main__"}
rec.snippet_globals = snippet
guard.install(rec, None, workdir=os.getcwd())
rec.check_files = False
import fractions, collections  # code made by imports, for the modules' own globals
collections.namedtuple("Point", "x y")  # made by exec inside collections
print("after imports", rec.check_files)
exec("made = compile('y = 1', '<other>', 'exec')", snippet)  # the snippet makes code
print("after the snippet's compile", rec.check_files)
"""


def test_new_code_turns_the_file_check_on_only_when_the_snippet_makes_it(tmp_path: Path) -> None:
    """Task creation sites are found by frame globals; the file name is checked too only
    once the snippet's own code compiles or builds code (which may run with its globals
    under another name), not whenever a module is imported."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-I", "-c", GUARD_NEW_CODE], capture_output=True,
                            text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["after imports False", "after the snippet's compile True"]


async def test_a_snippet_using_sigalrm_still_gets_its_stalls_reported(run_snippet: RunSnippet) -> None:
    """The probe ticks with SIGALRM; a snippet that takes SIGALRM for itself hands the
    ticks to the watchdog thread, and both keep working."""
    summary = await run_snippet("""
        import asyncio, signal, time
        fired = []
        signal.signal(signal.SIGALRM, lambda *_: fired.append(1))
        signal.setitimer(signal.ITIMER_REAL, 0.05)

        async def main():
            time.sleep(0.3)  # BLOCK
            await asyncio.sleep(0.05)
            print("alarm fired", len(fired))

        asyncio.run(main())
    """)
    line = line_of(Path(summary["_path"]), "# BLOCK")
    assert summary["status"] == "ok", summary["message"]
    assert summary["stdout"] == "alarm fired 1\n"
    assert [(round(s["ms"], -2), s["line"]) for s in summary["stalls"]] == [(300, line)]


TASK_TABLE = """
import asyncio

made = []


def factory(loop, coro, context=None):
    made.append(coro.__qualname__)
    return asyncio.Task(coro, loop=loop, context=context)


async def work(ms):
    await asyncio.sleep(ms / 1000)
    return ms


async def spawn_in_helper():
    return asyncio.get_running_loop().create_task(work(1), name="from-helper")  # HELPER


async def main():
    direct = asyncio.create_task(work(5), name="direct")  # DIRECT
    await asyncio.gather(work(2), work(3))  # GATHER
    await await_helper()
    await direct
    exec("asyncio.create_task(work(1), name='exec-made')")  # EXEC
    loop = asyncio.get_running_loop()
    loop.set_task_factory(factory)
    assert loop.get_task_factory() is factory
    await asyncio.create_task(work(1), name="user-factory")  # FACTORY
    assert made == ["work"], made
    await asyncio.sleep(0.01)


async def await_helper():
    task = await spawn_in_helper()
    await task


asyncio.run(main())
"""


async def test_every_task_has_its_creation_line_parent_and_counters(run_snippet: RunSnippet) -> None:
    """Creation lines, whichever way a task is made: create_task, loop.create_task in a
    helper, gather, code run by exec, and a snippet's own task factory."""
    states: list[RunState] = []
    summary = await run_snippet(TASK_TABLE, on_update=states.append)
    assert summary["status"] == "ok", (summary["message"], summary["stderr"])
    path = Path(summary["_path"])
    tasks = {t.name: t for t in states[-1].tasks.values()}
    main = next(t for t in tasks.values() if t.coro == "main")
    expected = {"direct": "# DIRECT", "from-helper": "# HELPER", "exec-made": "# EXEC",
                "user-factory": "# FACTORY"}
    for name, marker in expected.items():
        task = tasks[name]
        assert (task.created_file, task.created_line) == (str(path), line_of(path, marker)), task
        assert task.parent == main.tid, task
        assert task.state == "done" and task.steps >= 2 and task.busy_ms >= 0, task
    gathered = [t for t in tasks.values() if t.created_line == line_of(path, "# GATHER")]
    assert len(gathered) == 2 and all(t.coro == "work" for t in gathered), gathered
    assert summary["tasks"]["created"] == 7
    assert summary["tasks"]["failed"] == summary["tasks"]["cancelled"] == 0


NO_AUDITED_CALLS_PER_TASK = """
import asyncio
import sys

seen = []
watching = False


def hook(event, args):
    if watching and event in ("sys._getframe", "builtins.id"):
        seen.append(event)


sys.addaudithook(hook)


async def work():
    await asyncio.sleep(0.2)  # alive at a report: rows


async def main():
    global watching
    watching = True
    await asyncio.gather(*(work() for _ in range(400)))  # GATHER
    watching = False


asyncio.run(main())
assert not seen, f"{len(seen)} audited calls, e.g. {seen[:3]}"
"""


async def test_following_tasks_makes_no_audited_call(run_snippet: RunSnippet) -> None:
    """Every audit hook (the guard's, and a snippet's own) is a Python call per audited
    event: tracking tasks, with rows and beyond the table, must not make one per task
    (sys._getframe and id() are audited)."""
    states: list[RunState] = []
    summary = await run_snippet(NO_AUDITED_CALLS_PER_TASK, on_update=states.append)
    assert summary["status"] == "ok", (summary["error"], summary["stderr"])
    assert summary["tasks"]["created"] == 401  # and main
    path = Path(summary["_path"])
    rows = [t for t in states[-1].tasks.values() if t.coro == "work"]
    assert rows and all(t.created_line == line_of(path, "# GATHER") for t in rows)


CALLBACKS_BOTH_WAYS = """
import asyncio
import sys
import time

DEBUG = sys.argv[1:] == ["debug"]


def broken():
    raise KeyError("lost")  # RAISES


async def blocker():
    await asyncio.sleep(0.01)
    time.sleep(0.2)  # BLOCK
    await asyncio.sleep(0.01)


async def main():
    asyncio.get_running_loop().call_soon(broken)
    await asyncio.create_task(blocker(), name="blocker")


asyncio.run(main(), debug=DEBUG)
"""


@pytest.mark.parametrize("debug", [False, True], ids=["own-run-once", "debug-mode"])
async def test_callbacks_are_timed_and_their_errors_reported_in_debug_mode_too(
        run_snippet: RunSnippet, debug: bool) -> None:
    """A probe loop runs its callbacks itself; in debug mode asyncio's own iteration
    runs them, through the probe's Handle._run. Both time them alike and report a
    callback's exception as asyncio does."""
    source = CALLBACKS_BOTH_WAYS.replace('sys.argv[1:] == ["debug"]', str(debug))
    states: list[RunState] = []
    summary = await run_snippet(source, on_update=states.append)
    assert summary["status"] == "ok", (summary["error"], summary["stderr"])
    path = Path(summary["_path"])
    [stall] = summary["stalls"]
    assert 185 <= stall["ms"] <= 215, stall
    assert (stall["task"], stall["line"]) == ("blocker", line_of(path, "# BLOCK"))
    [blocker] = [t for t in states[-1].tasks.values() if t.name == "blocker"]
    assert blocker.state == "done" and blocker.steps == 3 and blocker.busy_ms >= 195, blocker
    [raised] = [w for w in summary["warnings"] if "Exception in callback" in w["message"]]
    assert "KeyError: 'lost'" in raised["message"], raised
    assert raised["line"] == line_of(path, "# RAISES")
    assert "KeyError: 'lost'" in summary["stderr"]  # asyncio's own report, as without the probe


WAITS = """
import asyncio
import socket


async def helper(reader):
    return await reader.read(1)  # READ


async def main():
    event, lock, queue = asyncio.Event(), asyncio.Lock(), asyncio.Queue()
    semaphore = asyncio.Semaphore(0)
    ours, theirs = socket.socketpair()
    reader, writer = await asyncio.open_connection(sock=ours)
    await lock.acquire()

    async def sleeper():
        await asyncio.sleep(0.6)  # SLEEP

    async def on_event():
        await event.wait()  # EVENT

    async def on_lock():
        async with lock:  # LOCK
            pass

    async def on_queue():
        await queue.get()  # QUEUE

    async def on_semaphore():
        async with semaphore:  # SEMAPHORE
            pass

    ours2, theirs2 = socket.socketpair()
    reader2, writer2 = await asyncio.open_connection(sock=ours2)
    queue2 = asyncio.Queue()

    async def received(r):
        while True:
            yield await r.readline()  # AGEN_READ

    async def on_async_for():
        async for line in received(reader2):
            return line

    async def taken():
        yield await queue2.get()  # AGEN_QUEUE

    async def on_anext():
        await anext(taken(), None)

    sleeping = asyncio.create_task(sleeper(), name="sleep")

    async def on_task():
        await sleeping  # TASK

    async def on_gather():
        await asyncio.gather(sleeping, event.wait())  # GATHER

    tasks = [sleeping] + [asyncio.create_task(f(), name=f.__name__) for f in (
        on_event, on_lock, on_queue, on_semaphore, on_task, on_gather, on_async_for,
        on_anext)]
    tasks.append(asyncio.create_task(helper(reader), name="on_socket"))
    await sleeping
    event.set()
    lock.release()
    queue.put_nowait(1)
    semaphore.release()
    theirs.send(b"x")
    theirs2.send(b"x\\n")
    queue2.put_nowait(1)
    await asyncio.gather(*tasks)
    writer.close()
    theirs.close()
    writer2.close()
    theirs2.close()


asyncio.run(main())
"""


async def test_what_a_task_waits_on_and_where(run_snippet: RunSnippet) -> None:
    """While they wait, the task rows say on what, at which line of the snippet (the
    innermost line of the snippet's own code, an async generator's included)."""
    seen: dict[str, tuple[str | None, int | None]] = {}

    def look(state: RunState) -> None:
        for task in state.tasks.values():
            if task.state == "waiting" and task.name not in seen:
                seen[task.name] = (task.waits_on, task.line)

    summary = await run_snippet(WAITS, on_update=look)
    assert summary["status"] == "ok", (summary["error"], summary["stderr"])
    path = Path(summary["_path"])
    expected = {"sleep": ("sleep", "# SLEEP"), "on_event": ("Event", "# EVENT"),
                "on_lock": ("Lock", "# LOCK"), "on_queue": ("Queue.get", "# QUEUE"),
                "on_semaphore": ("Semaphore", "# SEMAPHORE"), "on_task": ("task sleep", "# TASK"),
                "on_gather": ("gather", "# GATHER"), "on_socket": ("socket read", "# READ"),
                # through a snippet's async generator, to what it awaits (not a future)
                "on_async_for": ("socket read", "# AGEN_READ"),
                "on_anext": ("Queue.get", "# AGEN_QUEUE")}
    assert {name: seen.get(name) for name in expected} == {
        name: (kind, line_of(path, marker)) for name, (kind, marker) in expected.items()}


MANY_TASKS = """
import asyncio
import time


async def waiter(event, i):
    await event.wait()
    if i == 290:
        time.sleep(0.2)  # BLOCK
    if i % 100 == 7 or i == 297:
        raise ValueError(i)


async def main():
    event = asyncio.Event()
    tasks = [asyncio.create_task(waiter(event, i), name=f"w{i}") for i in range(300)]
    await asyncio.sleep(0.01)
    tasks[5].cancel()
    tasks[298].cancel()
    event.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert sum(isinstance(r, ValueError) for r in results) == 4
    for _ in range(3):  # one at a time: the count of tasks alive went back down
        await asyncio.create_task(asyncio.sleep(0))


asyncio.run(main())
"""


async def test_tasks_beyond_the_table_are_counted_and_their_stalls_named(
        run_snippet: RunSnippet) -> None:
    states: list[RunState] = []
    summary = await run_snippet(MANY_TASKS, on_update=states.append)
    assert summary["status"] == "ok", (summary["message"], summary["stderr"])
    # Exact for the tasks beyond the table too (w297 fails, w298 is cancelled).
    assert summary["tasks"]["created"] == 304
    assert summary["tasks"]["max_alive"] == 301
    assert summary["tasks"]["failed"] == 4
    assert summary["tasks"]["cancelled"] == 2
    [stall] = summary["stalls"]
    assert stall["task"] == "w290"  # beyond the tasks followed one by one, still named
    assert stall["line"] == line_of(Path(summary["_path"]), "# BLOCK")
    assert states[-1].stalls[0].tid is None  # no row of its own
    # A burst: the tasks followed one by one came and went between two reports, so
    # they were counted without rows; none of the rest ever had one.
    # (When a report fell between their creation and the burst, the first ones had
    # rows: the model keeps them, beside the three made after the burst.)
    rows = states[-1].tasks
    burst = [t for t in rows.values() if t.name.startswith("w")]
    assert len(burst) <= MAX_DETAILED_TASKS
    assert all(int(t.name[1:]) < MAX_DETAILED_TASKS for t in burst)
    assert all(t.finished for t in rows.values())  # w5 has a row, "cancelled", in those runs


QUIET_TASK = """
import asyncio


async def quiet(event):
    await event.wait()  # WAIT


async def main():
    event = asyncio.Event()
    task = asyncio.create_task(quiet(event), name="quiet")
    for _ in range(30):  # 300 ms: six reports, while "quiet" waits and never steps
        await asyncio.sleep(0.01)
    event.set()
    await task


asyncio.run(main())
"""


BURST_THEN_SLEEPERS = """
import asyncio


async def spin():
    for _ in range(3):
        await asyncio.sleep(0)


async def sleeper():
    await asyncio.sleep(1.5)  # SLEEPING


async def main():
    spinning = [asyncio.create_task(spin(), name="spin") for _ in range(10_000)]
    sleeping = [asyncio.create_task(sleeper(), name=f"sleeper-{i}") for i in range(3)]
    await asyncio.gather(*spinning)
    await asyncio.gather(*sleeping)  # MAIN


asyncio.run(main())
"""


async def test_live_tasks_get_rows_before_finished_ones(run_snippet: RunSnippet) -> None:
    """Tasks created while every row was taken (here, behind 10,000 short ones) get a
    row once rows are free, while they still live, and the model lists live tasks
    first. The three sleepers used to have no row at all: the rows went to main()
    and to the spinning tasks that had finished."""
    shown: list[list[tuple[str, str, str | None, int | None]]] = []

    def look(state: RunState) -> None:
        if not state.finished and state.tasks_alive == 4 and state.tasks_created == 10_004:
            shown.append([(t.name, t.state, t.waits_on, t.line)
                          for t in state.task_rows(MAX_DETAILED_TASKS)])

    summary = await run_snippet(BURST_THEN_SLEEPERS, on_update=look)
    assert summary["status"] == "ok", summary["message"]
    line = line_of(Path(summary["_path"]), "# SLEEPING")
    assert shown, "no update while only main() and the sleepers were alive"
    rows = shown[-1]
    assert len(rows) == MAX_DETAILED_TASKS
    assert rows[0] == ("Task-1", "waiting", "gather", line_of(Path(summary["_path"]), "# MAIN"))
    assert sorted(rows[1:4]) == [(f"sleeper-{i}", "waiting", "sleep", line) for i in range(3)], \
        rows[:6]
    assert {state for _, state, _, _ in rows[4:]} == {"done"}


def probe_events(path: Path) -> list[dict[str, object]]:
    """Run the probe itself on ``path`` (no sandbox) and decode its whole event stream."""
    read_fd, write_fd = os.pipe()
    env = {"PATH": os.environ.get("PATH", ""), P.EVENTS_FD_ENV: str(write_fd)}
    proc = subprocess.Popen([sys.executable, "-I", "-m", "playground.probe", str(path)],
                            env=env, pass_fds=[write_fd], cwd=path.parent,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    os.close(write_fd)
    decoder = P.Decoder()
    events: list[dict[str, object]] = []
    with os.fdopen(read_fd, "rb") as channel:
        for chunk in iter(lambda: channel.read1(65536), b""):
            events.extend(decoder.feed(chunk))
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr.decode(errors="replace")
    assert decoder.dropped == 0
    return events


def test_a_task_that_does_not_step_is_not_reported_again(tmp_path: Path) -> None:
    """A report carries rows only for the tasks that changed: a task still waiting on
    the same thing, without a step since its last row, is not sent again."""
    path = write_snippet(tmp_path, QUIET_TASK)
    events = probe_events(path)
    reports = [e for e in events if e["kind"] == P.K_TASKS]
    quiet = next(row[0] for e in reports for row in e["new"] if row[1] == "quiet")  # type: ignore[attr-defined,index]
    rows = [row for e in reports for row in e["upd"] if row[0] == quiet]  # type: ignore[attr-defined,index]
    assert len(reports) >= 5  # the task table was reported all along
    assert [row[1] for row in rows] == ["waiting", "done"]
    assert rows[0][2:5] == ["Event", str(path), line_of(path, "# WAIT")]


HTTP_WAIT = """
import asyncio
import os

import aiohttp

API_URL = os.environ["API_URL"]


async def main():
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{API_URL}/slow?delay_ms=800") as resp:  # REQUEST
            await resp.read()


asyncio.run(main())
"""


async def test_an_http_request_waits_on_a_socket_read(run_snippet: RunSnippet) -> None:
    """A task waiting for the mock API's response waits on a socket read, at the
    line of the request: not on an anonymous future inside aiohttp."""
    seen: list[tuple[str | None, int | None]] = []

    def look(state: RunState) -> None:
        seen.extend((t.waits_on, t.line) for t in state.tasks.values() if t.state == "waiting")

    summary = await run_snippet(HTTP_WAIT, on_update=look)
    assert summary["status"] == "ok", (summary["error"], summary["stderr"])
    assert ("socket read", line_of(Path(summary["_path"]), "# REQUEST")) in seen, seen


STOPPED_MIDWAY = """
import asyncio
import time


async def main():
    time.sleep(0.2)  # BLOCK
    print("first half done", flush=True)
    await asyncio.sleep(60)
    time.sleep(1)


asyncio.run(main())
"""


async def test_a_run_stopped_midway_is_stopped_and_not_graded(tmp_path: Path) -> None:
    """Stop (the app's `s`) ends the run as "stopped": what it did is kept, nothing is graded."""
    path = write_snippet(tmp_path, STOPPED_MIDWAY)
    expect = {"status": "ok", "stall": {"min_ms": 900}}
    target = replace(RunTarget.from_file(path), expect=expect)
    halfway = asyncio.Event()

    def on_update(state: RunState) -> None:
        if "first half done" in state.stdout.text:
            halfway.set()

    session = Session(target, RunOptions(timeout_s=30), on_update=on_update)
    running = asyncio.create_task(session.run())
    await halfway.wait()
    session.stop()
    state = await running
    summary = summarize(session, state)
    assert state.status == summary["status"] == "stopped"
    assert state.stopped and state.finished
    assert summary["message"] == "Stopped by the user."
    assert "expect" not in summary  # not graded: no ✗ for what it did not get to do
    assert [s["line"] for s in summary["stalls"]] == [line_of(path, "# BLOCK")]
    assert summary["stdout"] == "first half done\n"
    # the same run left to end on its own is graded
    graded = summarize(session, replace(state, status="ok"))
    assert graded["expect"]["met"] is False


API_COUNTS = """
import asyncio
import os

import aiohttp

API_URL = os.environ["API_URL"]


async def main():
    async with aiohttp.ClientSession() as session:
        for user_id in (1, 2, 3):  # one after the other: one connection
            async with session.get(f"{API_URL}/users/{user_id}") as resp:
                await resp.read()

        async def slow():
            async with session.get(f"{API_URL}/slow?delay_ms=1500") as resp:
                await resp.read()

        await asyncio.gather(*(slow() for _ in range(4)))  # four at once
    async with aiohttp.ClientSession() as other:  # a new session: a new connection
        async with other.get(f"{API_URL}/") as resp:
            await resp.read()


asyncio.run(main())
"""


async def test_what_the_mock_api_saw_is_an_event_and_in_the_summary(tmp_path: Path) -> None:
    path = write_snippet(tmp_path, API_COUNTS)
    session = Session(RunTarget.from_file(path), RunOptions(timeout_s=30, record=True))
    state = await session.run()
    summary = summarize(session, state)
    assert summary["status"] == "ok", (summary["error"], summary["stderr"])
    expected = {"requests": 8, "in_flight_max": 4, "connections": 5}
    assert summary["api"] == expected
    assert state.api == expected
    events = [e for e in session.recording if e["kind"] == P.K_API]
    assert len(events) == 1 and {k: events[0][k] for k in expected} == expected
    replayed = RunState(target="replay")
    for event in session.recording:
        replayed.apply(event)
    assert replayed.summary()["api"] == expected


async def test_a_run_without_the_api_has_no_api_facts(run_snippet: RunSnippet) -> None:
    summary = await run_snippet("print('no network')\n")
    assert summary["api"] is None


async def test_output_lines_are_counted_and_carry_the_time_they_were_printed(
        run_snippet: RunSnippet) -> None:
    summary = await run_snippet("""\
        import asyncio

        async def main():
            print("first")
            await asyncio.sleep(0.5)
            print("second", end="")

        asyncio.run(main())
        """)
    assert summary["output"]["stdout_lines"] == 2 and summary["output"]["stderr_lines"] == 0
    (t1, first), (t2, second) = summary["stdout_timed"]
    assert (first, second) == ("first", "second")
    # The second line cannot have been printed before the sleep ended (a late read of
    # the first one can only bring them closer, hence the margin).
    assert 0 <= t1 and t2 - t1 >= 250


async def test_output_is_timed_when_it_was_read_not_when_the_loop_got_to_it(
        run_snippet: RunSnippet) -> None:
    """Lines were stamped when the parent's loop folded them: a line printed while the
    app drew a long frame got the frame's end as its time, and ticks bunched. The loop
    here is held for 1.5 s (as by a slow frame) while the snippet prints "during"; the
    pump's thread reads it meanwhile, and its time is the read's."""
    held: list[bool] = []

    def busy_frame(state: RunState) -> None:
        if not held and state.started_t is not None and not state.stdout.lines:
            held.append(True)
            time.sleep(1.5)  # the loop is busy: nothing is folded meanwhile

    summary = await run_snippet("""\
        import asyncio

        async def main():
            await asyncio.sleep(0.3)
            print("during")
            await asyncio.sleep(2.0)
            print("after")

        asyncio.run(main())
        """, on_update=busy_frame)
    assert held
    (t1, first), (t2, second) = summary["stdout_timed"]
    assert (first, second) == ("during", "after")
    # "after" comes 2 s after "during" on the child's clock; stamped by the loop,
    # "during" took the held loop's end as its time, and the two were 0.7 s apart.
    assert t2 - t1 >= 1800, (t1, t2)


async def test_the_snippets_output_pipes_hold_a_mebibyte(run_snippet: RunSnippet) -> None:
    """A flood of output waits for the parent only when 1 MiB is pending (issue 11 item 4)."""
    summary = await run_snippet("""\
        import fcntl, sys
        print(fcntl.fcntl(1, fcntl.F_GETPIPE_SZ), fcntl.fcntl(2, fcntl.F_GETPIPE_SZ))
        """)
    assert summary["stdout"].split() == [str(1 << 20)] * 2, summary["stdout"]
