"""How a run ended: :func:`classify_exit` turns the exit facts into a status, the
limit met (if any) and one sentence that says so."""

from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING, Any

from playground.model.records import ErrorRecord
from playground.words import format_bytes, place

if TYPE_CHECKING:
    from playground.model.fold import RunState

__all__ = ["classify_exit", "limit_of_error"]
_ERRNO_LIMITS = {"EMFILE": "open_files", "ENFILE": "open_files", "EFBIG": "file_size",
                 "ENOSPC": "file_size", "EDQUOT": "file_size", "EAGAIN": "processes",
                 "ENOMEM": "memory"}
_LIMIT_WORDS = {
    "wall": "it ran longer than the {wall_s:g} s time limit",
    "cpu": "it used more than the {cpu_s:g} s CPU-time limit",
    "memory": "it ran out of memory (limit {memory_mb} MB)",
    "processes": "it tried to start too many processes or threads (limit {processes})",
    "file_size": "it wrote a file larger than the {file_size_mb} MB limit",
    "disk": "it ran out of disk space (files may hold {file_size_mb} MB each, "
            "its work directory a few times that)",
    "open_files": "it opened too many files or sockets (limit {open_files})",
    "output": "it printed more than the {output_size} output limit",
}
#: The snippet's process killed by SIGKILL (not by us) after using at least this
#: share of the memory limit was, in all likelihood, the kernel's OOM killer
#: enforcing the run's memory cgroup (it picks the biggest of the run's processes,
#: which holds a quarter or more of the limit when a few share it).
_OOM_SHARE = 0.25


def _describe_error(err: ErrorRecord) -> str:
    """``OSError: [Errno 24] Too many open files (bad.py:6)``."""
    kind, text = err.type or "Exception", err.message or ""
    detail = f"{kind}: {text}" if text else kind
    line = err.line
    if line and f"line {line}" not in text:  # SyntaxError messages already say where
        detail += f" ({place(err.file, line)})"
    return detail


def limit_of_error(err: ErrorRecord) -> str | None:
    """The limit an uncaught error shows the run ran into ("memory", "processes",
    "open_files", "file_size"), or None for an ordinary error."""
    if err.type == "MemoryError":
        return "memory"
    if err.type == "RuntimeError" and "can't start new thread" in err.message:
        return "processes"
    limit = _ERRNO_LIMITS.get(str(err.errno))
    if limit == "processes" and err.type != "BlockingIOError":
        return None
    return limit


def classify_exit(
    state: RunState,
    *,
    exit_code: int | None,
    signal: str | None,
    cpu_s: float,
    stop_reason: str | None,
    limits: dict[str, Any],
    peak_rss_kb: int = 0,
    oom_killed: bool | None = None,
) -> tuple[str, str | None, str]:
    """(status, limit, message) for a run that ended; a pure function of the facts.

    ``stop_reason`` is why the parent killed the child, if it did: "timeout",
    "stop", "output" or "processes" (one of its processes was refused a process or
    thread). ``peak_rss_kb`` is the snippet's peak resident memory as
    its reaper measured it (0 when unknown). ``oom_killed`` is whether the run's
    memory cgroup saw an OOM kill (None when unknown: then a SIGKILL we did not send,
    after a large share of the memory limit, is taken for one).
    """
    words = {**limits, "output_size": format_bytes(float(limits.get("output_bytes", 0)))}

    def limited(limit: str, detail: str = "", words_for: str = "") -> tuple[str, str | None, str]:
        text = "Stopped: " + _LIMIT_WORDS[words_for or limit].format(**words) + "."
        return ("limit", limit, text + (f" {detail}" if detail else ""))

    if stop_reason == "timeout":
        return ("timeout", "wall", "Stopped: " + _LIMIT_WORDS["wall"].format(**words) + ".")
    if stop_reason == "stop":
        return ("stopped", None, "Stopped by the user.")
    if stop_reason == "output":
        return limited("output")
    if signal == "SIGXCPU" or (state.probe_limit is not None and state.probe_limit.limit == "cpu"):
        return limited("cpu")
    if signal == "SIGKILL" and cpu_s >= float(limits.get("cpu_s", math.inf)) - 0.5:
        return limited("cpu")
    if signal == "SIGXFSZ":
        return limited("file_size")
    rss_kb = max(peak_rss_kb, state.peak_rss_kb or 0)
    memory_kb = float(limits.get("memory_mb", math.inf)) * 1024
    if signal == "SIGKILL" and (oom_killed or (oom_killed is None and rss_kb >= _OOM_SHARE * memory_kb)):
        at = f" at {format_bytes(rss_kb * 1024)} of memory" if rss_kb else ""
        return limited("memory", f"The system killed it{at}.")
    err = state.error
    if stop_reason == "processes":
        return limited("processes", _describe_error(err) if err is not None else "")
    if err is not None:
        detail = _describe_error(err)
        limit = limit_of_error(err)
        if limit is not None:
            full_disk = str(err.errno) in ("ENOSPC", "EDQUOT")
            return limited(limit, detail, words_for="disk" if full_disk else "")
        return ("error", None, f"The snippet raised {detail}.")
    stderr = state.stderr.text
    probe_failed = state.started_t is None and f"playground{os.sep}probe{os.sep}" in stderr
    if (state.pid is None or probe_failed) and (signal is not None or exit_code not in (0, None)):
        # no hello, or a traceback of the probe's own: it broke before the snippet's first line
        last = next((ln.strip() for _, ln in reversed(list(state.stderr.kept_lines()))
                     if ln.strip()), "")
        why = f": {last[:300]}" if last else f" (exit code {exit_code})" if signal is None \
            else f" (killed by {signal})"
        return ("error", None, f"The run could not start{why}.")
    if signal is not None:
        return ("error", None, f"The snippet was killed by {signal}.")
    if exit_code not in (0, None):
        return ("error", None, f"The snippet exited with code {exit_code}.")
    if state.wall_ms is None and state.channel_problem is None:
        return ("ok", None, "Finished (the probe did not report the end of the run).")
    return ("ok", None, "Finished.")
