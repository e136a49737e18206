"""A trial run: a tiny program through a candidate plan's whole command chain, so
that a layer is reported only when a run with it really works on this machine."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys

from playground.sandbox.command import build, chown, make_workdir, parse_status, read_all, remove_tree
from playground.sandbox.plan import Plan
from playground.sandbox.procfs import read_proc
from playground.sandbox.types import Limits

__all__ = ["trial", "reap_adopted", "TRIAL_TIMEOUT_S"]

TRIAL_TIMEOUT_S = 20.0
_TRIAL_CHECK = (
    "import json, os, sys, playground\n"
    "print(json.dumps({'uid': os.getuid(), 'cwd': os.getcwd()}))\n"
)


def trial(plan: Plan) -> tuple[bool, str]:
    """Run a tiny program through ``plan``'s full chain; (worked, why not)."""
    workdir = make_workdir(plan)
    status_r, status_w = os.pipe()
    bwrap_status_w = os.dup(status_w) if plan.bwrap else -1
    try:
        snippet = workdir / "trial.py"
        snippet.write_text("")
        chown(plan, snippet)
        argv = [sys.executable, "-I", "-c", _TRIAL_CHECK]
        cmd, env = build(
            plan, workdir, snippet, argv, Limits(), None, status_w, bwrap_status_w, [], []
        )
        try:
            proc = subprocess.run(
                cmd,
                input=b"go\n",
                capture_output=True,
                timeout=TRIAL_TIMEOUT_S,
                env=env,
                cwd=workdir,
                pass_fds=(status_w, bwrap_status_w) if plan.bwrap else (status_w,),
                start_new_session=True,
            )
        finally:
            for fd in (status_w, bwrap_status_w):
                if fd >= 0:
                    os.close(fd)
            status_w = bwrap_status_w = -1
            with contextlib.suppress(OSError):
                reap_adopted(parse_status(read_all(status_r))[1])
        if proc.returncode != 0:
            lines = proc.stderr.decode(errors="replace").strip().splitlines()
            return False, (lines[-1] if lines else f"exit status {proc.returncode}")[:300]
        got = json.loads(proc.stdout.decode().strip().splitlines()[-1])
        want_uid = plan.uid if plan.uid is not None else os.getuid()
        if got.get("uid") != want_uid:
            return False, f"ran as uid {got.get('uid')}, expected {want_uid}"
        if got.get("cwd") != str(workdir):
            return False, f"cwd is {got.get('cwd')}, expected {workdir}"
        return True, ""
    except subprocess.TimeoutExpired:
        return False, "timed out"
    except (OSError, ValueError, IndexError) as exc:
        return False, str(exc)
    finally:
        os.close(status_r)
        for fd in (status_w, bwrap_status_w):
            if fd >= 0:
                os.close(fd)
        remove_tree(workdir)


def reap_adopted(pids: set[int]) -> None:
    """Reap processes in ``pids`` that were reparented to us (kill them first)."""
    me = os.getpid()
    for pid in pids:
        proc = read_proc(pid)
        if proc is None or proc.ppid != me:
            continue
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
