"""What one run is made of: its private work directory, its rlimits, the bwrap
command line, the supervisor's spec, and the gate command that starts it all;
and what comes back on the status pipe (the supervisor's report, bwrap's pid 1).
"""

from __future__ import annotations

import contextlib
import json
import marshal
import os
import resource
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from playground.sandbox import supervisor
from playground.sandbox.cgroups import WRAPPER_TASKS
from playground.sandbox.landlock import landlock_spec
from playground.sandbox.plan import Plan, under
from playground.sandbox.procfs import count_tasks_of_uid
from playground.sandbox.types import MIB, Limits

__all__ = ["build", "make_workdir", "chown", "remove_tree", "read_all", "parse_status"]

#: RLIMIT_NPROC margin (x Limits.processes) when a pids cgroup limits each run.
NPROC_BACKSTOP_FACTOR = 64
#: Extra RLIMIT_NPROC margin when the run keeps asyncplay's (non-root) uid.
NPROC_SHARED_SLACK = 256
#: The gate: waits for one line (the parent has put it in the run's cgroups), then execs.
GATE_SCRIPT = 'read -r _ || exit 125; unset PWD OLDPWD; exec "$@" </dev/null'
RUN_PREFIX = "asyncplay-run-"
#: Start-up of the supervisor: argv[1] is its code, argv[2] its spec, both marshalled
#: (the child runs this very interpreter, so the format matches) and hex-encoded.
#: No json, no typing, no compile step: each would add milliseconds to every run.
SUPERVISOR_BOOTSTRAP = "import marshal, sys; exec(marshal.loads(bytes.fromhex(sys.argv[1])))"
_supervisor_code: str | None = None


def supervisor_code_hex() -> str:
    """The supervisor module, compiled and marshalled (once per process)."""
    global _supervisor_code
    if _supervisor_code is None:
        path = supervisor.__file__
        with open(path, encoding="utf-8") as f:
            code = compile(f.read(), path, "exec")
        _supervisor_code = marshal.dumps(code).hex()
    return _supervisor_code


def read_all(fd: int) -> bytes:
    """Whatever can be read from ``fd`` now (non-blocking) up to EOF."""
    os.set_blocking(fd, False)
    chunks = []
    with contextlib.suppress(BlockingIOError):
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
    return b"".join(chunks)


def make_workdir(plan: Plan) -> Path:
    workdir = Path(tempfile.mkdtemp(prefix=RUN_PREFIX))
    os.chmod(workdir, 0o700)
    chown(plan, workdir)
    return workdir


def chown(plan: Plan, path: Path) -> None:
    if plan.uid is not None and plan.gid is not None:
        os.chown(path, plan.uid, plan.gid)


def remove_tree(path: Path) -> None:
    def on_error(func: Any, p: str, _exc: Any) -> None:
        with contextlib.suppress(OSError):
            os.chmod(os.path.dirname(p), 0o700)
            os.chmod(p, 0o700)
            func(p)

    if path.exists():
        shutil.rmtree(path, onerror=on_error)


def nproc_margin(plan: Plan, limits: Limits) -> int:
    """How many tasks above the uid's current count RLIMIT_NPROC allows a run.

    RLIMIT_NPROC counts all tasks of the uid on the machine, so every run of the
    same uid (all runs, when they drop to nobody) shares it. With a pids cgroup the
    per-run limit is the cgroup and RLIMIT_NPROC is only a loose backstop, so runs
    side by side do not starve each other. Without one it is the only limit: strict
    for a dropped uid; for asyncplay's own uid, with some slack for the user's
    other programs, whose threads come and go during the run.
    """
    if any("pids" in base.controllers for base in plan.cgroups):
        return limits.processes * NPROC_BACKSTOP_FACTOR
    if plan.uid is None:
        return limits.processes + NPROC_SHARED_SLACK
    return limits.processes


def rlimits(plan: Plan, limits: Limits) -> list[tuple[int, int, int]]:
    run_uid = plan.uid if plan.uid is not None else os.getuid()
    nproc = limits.processes
    if plan.own_user_ns:
        # RLIMIT_NPROC counts the tasks of a uid *in a user namespace*: in the run's own,
        # only its own tasks (bwrap's pid 1, the supervisor and the snippet's)
        nproc = limits.processes + WRAPPER_TASKS
    elif run_uid != 0 and plan.linux:
        nproc = count_tasks_of_uid(run_uid) + nproc_margin(plan, limits)
    wanted = [
        (resource.RLIMIT_CPU, limits.cpu_s, limits.cpu_s + 2),
        (resource.RLIMIT_AS, limits.memory_mb * MIB, limits.memory_mb * MIB),
        (resource.RLIMIT_NPROC, nproc, nproc),
        (resource.RLIMIT_FSIZE, limits.file_size_mb * MIB, limits.file_size_mb * MIB),
        (resource.RLIMIT_NOFILE, limits.open_files, limits.open_files),
        (resource.RLIMIT_CORE, 0, 0),
    ]
    out: list[tuple[int, int, int]] = []
    for res, soft, hard in wanted:
        _cur_soft, cur_hard = resource.getrlimit(res)
        if cur_hard != resource.RLIM_INFINITY and not plan.root:
            hard = min(hard, cur_hard)
            soft = min(soft, hard)
        out.append((int(res), soft, hard))
    return out


def bwrap_args(
    plan: Plan, workdir: Path, snippet: Path | None, limits: Limits, json_status_w: int
) -> list[str]:
    assert plan.bwrap is not None
    args = [
        plan.bwrap,
        # {"child-pid": N}: bwrap's pid 1, which the outer bwrap does not reap when it
        # exits; as a subreaper we adopt it and must reap it ourselves
        "--json-status-fd",  # bwrap closes it on exec: its own dup of the status pipe
        str(json_status_w),
        "--die-with-parent",
        "--new-session",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--hostname",
        "asyncplay",
        "--unshare-cgroup-try",
        *(["--unshare-user"] if plan.own_user_ns else []),
        "--cap-drop",
        "ALL",
    ]
    if plan.root and plan.uid is not None:
        # the supervisor drops to the run's uid itself (and the bounding set), and
        # must be able to SIGKILL what the snippet (another uid) leaves behind
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP"]
        args += ["--cap-add", "CAP_KILL"]
    shm_bytes = max(limits.file_size_mb, 16) * MIB
    work_bytes = max(4 * limits.file_size_mb, 16) * MIB
    args += ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    args += ["--perms", "1777", "--size", str(shm_bytes), "--tmpfs", "/dev/shm"]
    for h in plan.hidden:
        args += ["--perms", "0755", "--tmpfs", h]
    made: set[str] = set(plan.hidden)

    def parents(path: str) -> None:
        for h in plan.hidden:
            if under(path, h) and path != h:
                rel = Path(path).relative_to(h).parts[:-1]
                cur = h
                for part in rel:
                    cur = os.path.join(cur, part)
                    if cur not in made:
                        made.add(cur)
                        args.extend(["--perms", "0755", "--dir", cur])

    for r in plan.roots:
        if any(under(r, h) for h in plan.hidden):
            parents(r)
            args += ["--ro-bind", r, r]
            made.add(r)
    wd = str(workdir)
    parents(wd)
    args += ["--perms", "01777", "--size", str(work_bytes), "--tmpfs", wd]
    if snippet is not None:  # a warm start's probe writes it there at go
        args += ["--ro-bind", str(snippet), str(snippet)]
    for h in plan.hidden:
        args += ["--remount-ro", h]
    args += ["--chdir", wd, "--"]
    return args


def parse_status(data: bytes) -> tuple[dict[str, Any], set[int]]:
    """The supervisor's report and the pids bwrap announced, from the status pipe."""
    report: dict[str, Any] = {}
    pids: set[int] = set()
    for line in data.splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if not isinstance(obj, dict):
            continue
        if isinstance(obj.get("child-pid"), int):
            pids.add(obj["child-pid"])
        if "status" in obj:
            report = obj
    return report, pids


def build(
    plan: Plan,
    workdir: Path,
    snippet: Path | None,
    argv: Sequence[str],
    limits: Limits,
    api_port: int | None,
    status_w: int,
    bwrap_status_w: int | None,
    close_in_supervisor: Sequence[int],
    extra_env: Sequence[tuple[str, str]],
) -> tuple[list[str], dict[str, str]]:
    """The gate command line and the environment of one run."""
    exe_dir = os.path.dirname(sys.executable)
    env = {
        "PATH": f"{exe_dir}:/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": str(workdir),
        "TMPDIR": str(workdir),
        "MALLOC_ARENA_MAX": "2",
    }
    env.update(extra_env)
    root_child = plan.root and plan.uid is None
    spec = {
        "argv": list(argv),
        "env": env,
        "status_fd": status_w,
        "close_fds": list(close_in_supervisor),
        "rlimits": rlimits(plan, limits),
        "uid": plan.uid if plan.root else None,
        "gid": plan.gid if plan.root else None,
        "drop_bounding": plan.root and (plan.bwrap is None or plan.uid is not None),
        "securebits": root_child and plan.bwrap is None,
        "clear_caps": plan.root and (plan.bwrap is None or plan.uid is not None),
        "linux": plan.linux,
        "own_pid_ns": plan.bwrap is not None,  # bwrap --unshare-pid
        "parent_pid": os.getpid() if plan.bwrap is None and plan.linux else None,
        "landlock": landlock_spec(plan, workdir, api_port),
        "private_mounts": {
            "workdir": str(workdir),
            "files": [str(snippet)] if snippet is not None else [],
            "shm_bytes": max(limits.file_size_mb, 16) * MIB,
            "work_bytes": max(4 * limits.file_size_mb, 16) * MIB,
            "uid": plan.uid if plan.root else None,
            "gid": plan.gid if plan.root else None,
        } if plan.private_mounts and plan.bwrap is None else None,
    }
    supervisor = [
        sys.executable, "-I", "-S", "-c", SUPERVISOR_BOOTSTRAP,
        supervisor_code_hex(), marshal.dumps(spec).hex(),
    ]
    chain: list[str] = []
    if plan.bwrap:
        assert bwrap_status_w is not None
        chain = bwrap_args(plan, workdir, snippet, limits, bwrap_status_w)
    chain += supervisor
    return [plan.sh, "-c", GATE_SCRIPT, "asyncplay-gate", *chain], env


# --------------------------------------------------------------------------- the child
