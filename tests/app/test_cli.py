"""The command line as a user runs it: a real `asyncplay` process."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from playground.lessonmeta import LEVELS

ASYNCPLAY = [sys.executable, "-m", "playground"]


def asyncplay(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ASYNCPLAY, *args], capture_output=True, text=True, timeout=timeout)


def test_list_json_gives_slugs_titles_and_absolute_paths() -> None:
    result = asyncplay("list", "--json")
    assert result.returncode == 0, result.stderr
    lessons = json.loads(result.stdout)
    assert len(lessons) >= 8
    for lesson in lessons:
        assert {"slug", "title", "summary", "tags", "bad", "good"} <= set(lesson)
        for variant in ("bad", "good"):
            assert Path(lesson[variant]).is_absolute() and Path(lesson[variant]).is_file()
    assert "time-sleep" in {l["slug"] for l in lessons}
    first = lessons[0]
    assert first["slug"] == "time-sleep"
    assert (first["level"], first["lint"], first["related"]) == (
        "basics", ["ASYNC251"], ["blocking-http", "cpu-bound"])
    assert first["docs"] and first["order"] == 10
    assert (first["requires_python"], first["available"], first["unavailable"]) == (
        None, True, None)


def test_list_human_readable_shows_the_path_by_level() -> None:
    result = asyncplay("list")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "basics"
    assert lines[1].split() == ["1.", "time-sleep", "Blocking", "sleep", "in", "a", "coroutine"]
    levels = [line for line in lines if line and not line.startswith(" ")]
    # The levels come in the learning path's order, each once.
    assert levels == [level for level in LEVELS if level in levels]
    assert {"basics", "concurrency", "threads and processes"} <= set(levels)


def test_a_lesson_for_another_python_is_listed_as_such_and_refuses_to_run(
    tmp_path: Path,
) -> None:
    lesson = tmp_path / "future"
    lesson.mkdir()
    (lesson / "lesson.toml").write_text(
        'title = "Future"\nsummary = "s"\nwhy = "w"\nwatch = "w"\nmistake = "m"\nfix = "f"\n'
        'tags = ["x"]\nrequires_python = ">=99"\n'
    )
    (lesson / "bad.py").write_text("print('bad')\n")
    (lesson / "good.py").write_text("print('good')\n")
    listed = asyncplay("list", "--snippets", str(tmp_path))
    assert listed.returncode == 0, listed.stderr
    assert "not available: needs Python >=99 (this is Python 3." in listed.stdout
    as_json = json.loads(asyncplay("list", "--json", "--snippets", str(tmp_path)).stdout)
    entry = next(l for l in as_json if l["slug"] == "future")
    assert entry["available"] is False and entry["unavailable"].startswith("needs Python >=99")
    run = asyncplay("run", "future", "--snippets", str(tmp_path))
    assert run.returncode == 2 and run.stdout == ""
    assert "lesson 'future' is not available: needs Python >=99" in run.stderr


def test_run_json_prints_exactly_one_object_and_exit_code_0() -> None:
    result = asyncplay("run", "time-sleep", "--variant", "good", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)  # one object, nothing else on stdout
    assert summary["target"] == "time-sleep/good"
    assert summary["status"] == "ok"
    assert summary["expect"]["met"] is True


def test_run_default_variant_is_bad_and_stalls_print_live() -> None:
    result = asyncplay("run", "time-sleep")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "time-sleep/bad" in out
    assert "loop blocked now" in out
    assert re.search(r"stall 1 00\d ms in \w+\(\) at bad\.py:\d+", out), out  # "stall 1 001 ms ..."
    assert "time.sleep(1)" in out
    assert out.index("loop blocked now") < out.index("■ OK")
    # Each check says each thing once: no "status is ok · ok".
    assert "    ✓ status is ok\n" in out
    assert "✓ stall >= 900 ms at `time.sleep` · 1 0" in out


def test_run_shows_what_the_mock_api_saw() -> None:
    result = asyncplay("run", "sequential-awaits", "--variant", "good")
    assert result.returncode == 0, result.stderr
    # Five users fetched at once on one shared session.
    assert re.search(r"  mock API 5 requests, \d at most in flight, \d connections\n",
                     result.stdout), result.stdout
    plain = asyncplay("run", "time-sleep", "--variant", "good")
    assert "mock API" not in plain.stdout


def test_run_says_how_many_lines_it_does_not_show(tmp_path: Path) -> None:
    """The last 40 lines came with no sign of the ones before (here 2 960, and for a
    flood the head and the "lines left out" marker too)."""
    snippet = tmp_path / "chatty.py"
    snippet.write_text("for i in range(3000):\n    print(f'line {i}')\n")
    result = asyncplay("run", "--file", str(snippet))
    assert result.returncode == 0, result.stderr
    shown = result.stdout.split("── stdout ")[1].split("■ OK")[0].splitlines()[1:]
    assert shown[0] == "  │ [… 2 960 earlier lines not shown …]", shown[:2]
    assert shown[1] == "  │ line 2960" and shown[-1] == "  │ line 2999", shown[-2:]
    assert len(shown) == 41


def test_run_a_file_that_fails_exits_1(tmp_path: Path) -> None:
    snippet = tmp_path / "boom.py"
    snippet.write_text("raise ValueError('boom')\n")
    result = asyncplay("run", "--file", str(snippet), "--json")
    assert result.returncode == 1
    summary = json.loads(result.stdout)
    assert summary["target"] == str(snippet)
    assert summary["status"] == "error"
    assert summary["error"] == {"type": "ValueError", "message": "boom", "file": str(snippet.resolve()),
                                "line": 1}
    assert "expect" not in summary


def test_run_takes_a_file_without_the_file_option(tmp_path: Path) -> None:
    snippet = tmp_path / "hello.py"
    snippet.write_text("print('hello from a file')\n")
    result = asyncplay("run", str(snippet), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["target"] == str(snippet)
    assert summary["stdout"] == "hello from a file\n"


def test_timeout_option(tmp_path: Path) -> None:
    snippet = tmp_path / "hang.py"
    snippet.write_text("import time\ntime.sleep(60)\n")
    result = asyncplay("run", "--file", str(snippet), "--timeout", "1", "--json")
    assert result.returncode == 1
    summary = json.loads(result.stdout)
    assert summary["status"] == "timeout" and summary["limit"] == "wall"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "no-such-lesson"], "unknown lesson 'no-such-lesson'"),
        (["run", "--file", "/no/such/file.py"], "/no/such/file.py: no such file"),
        (["run", "/no/such/file.py"], "/no/such/file.py: no such file"),
        (["run", "--file", "/"], "/: a folder, not a file"),
        (["/"], "/: a folder, not a file"),
        (["run"], "which lesson?"),
        (["run", "time-sleep", "--file", "x.py"], "not both"),
        (["list", "--snippets", "/no/such/dir"], "not a folder"),
        (["--snippets", "/no/such/dir", "list"], "not a folder"),
        (["--snippets", "/no/such/dir", "run", "time-sleep"], "not a folder"),
    ],
)
def test_usage_errors_exit_2_with_a_clear_message(args: list[str], message: str) -> None:
    result = asyncplay(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_user_snippets_folder_and_broken_lessons(tmp_path: Path) -> None:
    good = tmp_path / "mine"
    good.mkdir()
    (good / "lesson.toml").write_text(
        'title = "Mine"\nsummary = "s"\nwhy = "w"\nwatch = "w"\nmistake = "m"\nfix = "f"\n'
        'tags = ["x"]\n'
    )
    (good / "bad.py").write_text("print('bad')\n")
    (good / "good.py").write_text("print('good')\n")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "lesson.toml").write_text("title = \n")
    result = asyncplay("list", "--json", "--snippets", str(tmp_path))
    assert result.returncode == 0
    slugs = {l["slug"] for l in json.loads(result.stdout)}
    assert "mine" in slugs and "time-sleep" in slugs
    assert "broken" in result.stderr and "lesson.toml" in result.stderr
    run = asyncplay("run", "mine", "--variant", "good", "--snippets", str(tmp_path), "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["stdout"] == "good\n"


def test_snippets_option_before_the_command(tmp_path: Path) -> None:
    """``asyncplay --snippets DIR list|run`` (as the README shows it), and both places at once."""
    for slug in ("first", "second"):
        folder = tmp_path / slug / slug
        folder.mkdir(parents=True)
        (folder / "lesson.toml").write_text(
            f'title = "{slug}"\nsummary = "s"\nwhy = "w"\nwatch = "w"\nmistake = "m"\n'
            'fix = "f"\ntags = ["x"]\n'
        )
        (folder / "bad.py").write_text(f"print('{slug} bad')\n")
        (folder / "good.py").write_text(f"print('{slug} good')\n")
    listed = asyncplay("--snippets", str(tmp_path / "first"), "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert "first" in {l["slug"] for l in json.loads(listed.stdout)}
    both = asyncplay("--snippets", str(tmp_path / "first"), "list", "--json",
                     "--snippets", str(tmp_path / "second"))
    assert both.returncode == 0, both.stderr
    assert {"first", "second"} <= {l["slug"] for l in json.loads(both.stdout)}
    run = asyncplay("--snippets", str(tmp_path / "second"), "run", "second", "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["stdout"] == "second bad\n"


def test_doctor_lists_sandbox_layers() -> None:
    result = asyncplay("doctor")
    assert result.returncode == 0
    assert "sandbox" in result.stdout and "rlimits" in result.stdout


def test_core_does_not_import_textual() -> None:
    code = ("import sys, playground.session, playground.cli; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')]; "
            "assert not bad, bad")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_terminal_control_sequences_in_output_are_shown_not_obeyed(tmp_path: Path) -> None:
    snippet = tmp_path / "esc.py"
    snippet.write_text("print('\\x1b[2J\\x1b]0;pwned\\x07hello')\n")
    result = asyncplay("run", "--file", str(snippet))
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "\\x1b[2J" in result.stdout and "hello" in result.stdout


def test_run_shows_memory_as_it_grows_and_in_the_summary(tmp_path: Path) -> None:
    snippet = tmp_path / "grow.py"
    snippet.write_text(
        "import asyncio\n"
        "async def main():\n"
        "    kept = []\n"
        "    for _ in range(10):\n"
        "        kept.append(bytearray(10 << 20))\n"
        "        await asyncio.sleep(0.1)\n"
        "asyncio.run(main())\n")
    result = asyncplay("run", "--file", str(snippet))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    live = [line for line in out.splitlines() if line.startswith("  ▲ memory ")]
    assert len(live) >= 2, out  # printed while it grew, not only at the end
    assert out.index(live[-1]) < out.index("■ OK")
    assert "MB at most" in out


def test_ctrl_c_stops_a_headless_run_which_says_stopped_and_is_not_graded(tmp_path: Path) -> None:
    folder = tmp_path / "long-wait"
    folder.mkdir()
    (folder / "lesson.toml").write_text(
        'title = "Long"\nsummary = "s"\nwhy = "w"\nwatch = "w"\nmistake = "m"\nfix = "f"\n'
        'tags = ["x"]\ntimeout_s = 20\n[expect.bad]\nstatus = "ok"\nstall = { min_ms = 900 }\n'
    )
    (folder / "bad.py").write_text(
        "import asyncio, time\n\nasync def worker():\n    time.sleep(0.3)\n"
        "    await asyncio.sleep(60)\n\nasyncio.run(worker())\n"
    )
    (folder / "good.py").write_text("print('good')\n")
    proc = subprocess.Popen([*ASYNCPLAY, "--snippets", str(tmp_path), "run", "long-wait"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    seen = ""
    try:
        while "■ stall" not in seen:  # the stall ended: the snippet now waits 60 s
            line = proc.stdout.readline()
            assert line, f"ended before its stall: {seen}"
            seen += line
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    out = seen + out
    assert proc.returncode == 130, err
    assert "■ STOPPED: Stopped by the user." in out
    assert "stall 3" in out and "worker()" in out  # what it did is still reported
    assert "expect" not in out and "✗" not in out  # not graded
    assert "Traceback" not in err


STEPPED = """
import asyncio


async def worker(n):
    await asyncio.sleep(0.01)
    print("worker", n, "done")


async def main():
    await asyncio.gather(worker(1), worker(2))


asyncio.run(main())
"""


def test_run_step_reads_its_commands_from_stdin_and_prints_each_stop(tmp_path: Path) -> None:
    path = tmp_path / "stepped.py"
    path.write_text(STEPPED)
    result = subprocess.run([*ASYNCPLAY, "run", "--file", str(path), "--step"],
                            input=".\n\n.\nc\n", capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    # three commands that step: three stops after the first, then it runs freely
    assert "stopped before callback 1: main() #1 resumes at stepped.py:10" in out
    assert "stopped before callback 2: worker() #2 resumes at stepped.py:5" in out
    assert "then worker() #3 resumes at stepped.py:5" in out
    assert "stopped before callback 4:" in out
    assert "stopped before callback 5:" not in out
    assert "worker 2 done" in out


def test_run_step_ends_at_the_end_of_stdin_and_says_what_it_did_not_know(tmp_path: Path) -> None:
    path = tmp_path / "stepped.py"
    path.write_text(STEPPED)
    result = subprocess.run([*ASYNCPLAY, "run", "--file", str(path), "--step", "--json"],
                            input="x\nm fast\n", capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "unknown step command 'x'" in result.stderr
    assert "m wants a rate" in result.stderr
    assert json.loads(result.stdout)["status"] == "ok"


def test_version_prints_the_installed_package_version() -> None:
    from importlib.metadata import version

    result = asyncplay("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"asyncplay {version('asyncplay')}\n"
