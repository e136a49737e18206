"""classify_exit: how a run ended -> (status, limit, message), as a pure function."""

from __future__ import annotations

from typing import Any

import pytest

from playground.model import LimitRecord, RunState, classify_exit

LIMITS: dict[str, Any] = {
    "wall_s": 5.0, "cpu_s": 10, "memory_mb": 512, "processes": 32, "file_size_mb": 8,
    "open_files": 128, "output_bytes": 1024 * 1024,
}


def state_with(error: dict[str, Any] | None = None, **fields: Any) -> RunState:
    state = RunState(target="t.py")
    state.apply({"kind": "hello", "t": 0.0, "v": 2, "pid": 7, "python": "3.11", "file": "/x/t.py"})
    if error is not None:
        state.apply({"kind": "error", "t": 0.5, **error})
    for name, value in fields.items():
        setattr(state, name, value)
    return state


def classify(state: RunState | None = None, **facts: Any) -> tuple[str, str | None, str]:
    facts.setdefault("exit_code", 0)
    facts.setdefault("signal", None)
    facts.setdefault("cpu_s", 0.1)
    facts.setdefault("stop_reason", None)
    facts.setdefault("limits", LIMITS)
    return classify_exit(state or state_with(wall_ms=10.0), **facts)


def oserror(errno_name: str, message: str, type_: str = "OSError") -> dict[str, Any]:
    return {"type": type_, "message": message, "file": "/x/t.py", "line": 6, "errno": errno_name}


def test_clean_exit_is_ok() -> None:
    assert classify() == ("ok", None, "Finished.")


@pytest.mark.parametrize(
    ("error", "limit", "words"),
    [
        (oserror("EMFILE", "[Errno 24] Too many open files"), "open_files",
         "it opened too many files or sockets (limit 128)"),
        (oserror("ENFILE", "[Errno 23] Too many open files in system"), "open_files", "limit 128"),
        (oserror("EFBIG", "[Errno 27] File too large"), "file_size",
         "it wrote a file larger than the 8 MB limit"),
        (oserror("ENOSPC", "[Errno 28] No space left on device"), "file_size",
         "it ran out of disk space (files may hold 8 MB each"),
        (oserror("EAGAIN", "[Errno 11] Resource temporarily unavailable", "BlockingIOError"),
         "processes", "too many processes or threads (limit 32)"),
        ({"type": "RuntimeError", "message": "can't start new thread", "file": "/x/t.py", "line": 3},
         "processes", "too many processes or threads"),
        ({"type": "MemoryError", "message": "", "file": "/x/t.py", "line": 4}, "memory",
         "it ran out of memory (limit 512 MB)"),
        (oserror("ENOMEM", "[Errno 12] Cannot allocate memory"), "memory", "out of memory"),
    ],
)
def test_resource_errors_name_their_limit(error: dict[str, Any], limit: str, words: str) -> None:
    status, got_limit, message = classify(state_with(error), exit_code=1)
    assert (status, got_limit) == ("limit", limit)
    assert message.startswith("Stopped: ")
    assert words in message
    assert "t.py:" in message  # where it happened


def test_the_limit_message_is_a_friendly_sentence() -> None:
    _status, _limit, message = classify(
        state_with(oserror("EMFILE", "[Errno 24] Too many open files")), exit_code=1)
    assert message.startswith("Stopped: it opened too many files or sockets (limit 128).")


def test_eagain_from_a_socket_is_not_a_process_limit() -> None:
    error = oserror("EAGAIN", "[Errno 11] Resource temporarily unavailable", "OSError")
    assert classify(state_with(error), exit_code=1)[:2] == ("error", None)


def test_memory_error_without_a_message_reads_well() -> None:
    error = {"type": "MemoryError", "message": "", "file": "/x/bomb.py", "line": 4}
    message = classify(state_with(error), exit_code=1)[2]
    assert message.endswith("MemoryError (bomb.py:4)")
    assert "MemoryError: " not in message


def test_syntax_error_location_is_not_repeated() -> None:
    error = {"type": "SyntaxError", "message": "'(' was never closed (bad.py, line 1)",
             "file": "/x/bad.py", "line": 1}
    status, limit, message = classify(state_with(error), exit_code=1)
    assert (status, limit) == ("error", None)
    assert message == "The snippet raised SyntaxError: '(' was never closed (bad.py, line 1)."


def test_ordinary_exception_is_an_error_with_its_line() -> None:
    error = {"type": "RecursionError", "message": "maximum recursion depth exceeded",
             "file": "/x/deep.py", "line": 2}
    status, limit, message = classify(state_with(error), exit_code=1)
    assert (status, limit) == ("error", None)
    assert message == "The snippet raised RecursionError: maximum recursion depth exceeded (deep.py:2)."


def test_exit_code_is_an_error() -> None:
    assert classify(exit_code=3) == ("error", None, "The snippet exited with code 3.")


def test_timeout_wins_over_everything() -> None:
    state = state_with(oserror("EMFILE", "too many"))
    status, limit, message = classify(state, exit_code=None, signal="SIGKILL", stop_reason="timeout")
    assert (status, limit) == ("timeout", "wall")
    assert message == "Stopped: it ran longer than the 5 s time limit."


def test_stop_is_stopped() -> None:
    assert classify(exit_code=None, signal="SIGKILL", stop_reason="stop") == (
        "stopped", None, "Stopped by the user.")


@pytest.mark.parametrize(("nbytes", "text"), [
    (1024 * 1024, "1 MB"), (8 * 1024 * 1024, "8 MB"), (1536 * 1024, "1.5 MB"),
    (64 * 1024, "64 KB"), (500, "500 bytes"), (2 * 1024 ** 3, "2 GB"),
])
def test_output_limit_in_plain_units(nbytes: int, text: str) -> None:
    status, limit, message = classify(
        exit_code=None, signal="SIGKILL", stop_reason="output", limits={**LIMITS, "output_bytes": nbytes})
    assert (status, limit) == ("limit", "output")
    assert message == f"Stopped: it printed more than the {text} output limit."


def test_sigxcpu_is_the_cpu_limit() -> None:
    status, limit, message = classify(exit_code=None, signal="SIGXCPU", cpu_s=10.0)
    assert (status, limit) == ("limit", "cpu")
    assert message == "Stopped: it used more than the 10 s CPU-time limit."


def test_sigkill_at_the_cpu_hard_limit_is_the_cpu_limit() -> None:
    # a snippet that ignores SIGXCPU is killed by the kernel at soft + 2 s
    assert classify(exit_code=None, signal="SIGKILL", cpu_s=12.0)[:2] == ("limit", "cpu")


def test_probe_seen_cpu_limit() -> None:
    state = state_with(probe_limit=LimitRecord(limit="cpu", message="CPU time limit reached"))
    assert classify(state, exit_code=None, signal="SIGKILL", cpu_s=3.0)[:2] == ("limit", "cpu")


def test_sigxfsz_is_the_file_size_limit() -> None:
    assert classify(exit_code=None, signal="SIGXFSZ")[:2] == ("limit", "file_size")


def test_sigkill_with_a_big_footprint_is_the_memory_limit() -> None:
    # the memory cgroup's OOM killer: SIGKILL that we did not send, near the limit
    status, limit, message = classify(exit_code=None, signal="SIGKILL", peak_rss_kb=500 * 1024)
    assert (status, limit) == ("limit", "memory")
    assert "out of memory (limit 512 MB)" in message
    assert "500 MB" in message


def test_a_known_oom_kill_is_the_memory_limit_whatever_the_size() -> None:
    assert classify(exit_code=None, signal="SIGKILL", peak_rss_kb=0, oom_killed=True) == (
        "limit", "memory", "Stopped: it ran out of memory (limit 512 MB). The system killed it.")


def test_no_oom_kill_means_no_guess() -> None:
    assert classify(exit_code=None, signal="SIGKILL", peak_rss_kb=500 * 1024, oom_killed=False)[:2] == (
        "error", None)


def test_small_sigkill_is_just_a_signal() -> None:
    assert classify(exit_code=None, signal="SIGKILL", peak_rss_kb=20_000) == (
        "error", None, "The snippet was killed by SIGKILL.")


def test_other_signals_are_errors() -> None:
    assert classify(exit_code=None, signal="SIGSEGV") == (
        "error", None, "The snippet was killed by SIGSEGV.")


def test_a_run_that_could_not_start_says_why() -> None:
    state = RunState(target="t.py")  # no hello: the probe never started
    state.apply({"kind": "stderr", "t": 0.1, "data": "Traceback ...\n  File x\n"
                 "RuntimeError: can't start new thread\n"})
    assert classify(state, exit_code=1) == (
        "error", None, "The run could not start: RuntimeError: can't start new thread.")
    started = state_with()  # hello, but the probe failed before the snippet started
    started.apply({"kind": "stderr", "t": 0.1, "data": '  File "/x/playground/probe/recorder.py", '
                   'line 154, in start\nRuntimeError: can\'t start new thread\n'})
    assert classify(started, exit_code=1)[2] == (
        "The run could not start: RuntimeError: can't start new thread.")
    assert classify(RunState(target="t.py"), exit_code=126) == (
        "error", None, "The run could not start (exit code 126).")
    assert classify(RunState(target="t.py"), exit_code=None, signal="SIGSEGV")[2] == (
        "The run could not start (killed by SIGSEGV).")


def test_no_end_event_is_still_ok_but_said() -> None:
    state = state_with()  # no "end" event, no channel problem
    assert classify(state) == ("ok", None, "Finished (the probe did not report the end of the run).")


def test_classify_is_pure() -> None:
    state = state_with(oserror("EMFILE", "too many"))
    before = (state.status, state.error, state.exit, state.events)
    first = classify(state, exit_code=1)
    assert classify(state, exit_code=1) == first
    assert (state.status, state.error, state.exit, state.events) == before
