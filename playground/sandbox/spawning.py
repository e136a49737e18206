"""Start a run: :func:`spawn` copies the snippet into a fresh work directory, opens
the run's pipes, builds the command chain for the plan, puts the gate into the run's
cgroups before it may go on, and hands back a :class:`~playground.sandbox.child.Child`.

``spawn(None, warm=True)`` starts the same chain ahead of its run: the probe imports
everything and waits on a go pipe; :meth:`Child.go` sends it the snippet (written
into the still empty work directory by the probe) and what else is per run.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

from playground.sandbox.cgroups import RunCgroup
from playground.sandbox.child import HANDOFF_TIMEOUT_S, LIVE_PIDS, LIVE_UIDS, Child
from playground.sandbox.command import build, chown, make_workdir, remove_tree
from playground.sandbox.detection import plan_for
from playground.sandbox.types import CONTROL_FD_ENV, EVENTS_FD_ENV, MIB, Limits, SandboxInfo

__all__ = ["spawn"]

_EVENTS_PIPE_BYTES = 1 * MIB
#: The snippet's stdout and stderr pipes: a flood of output then waits for the
#: parent's reads only when 1 MiB is pending, not 64 KiB (about 15 ms of a flood,
#: less than one frame of the app, which reads on the same event loop as it draws).
_OUTPUT_PIPE_BYTES = 1 * MIB
#: An output reader keeps up to the output limit and this much more (the session stops
#: the run once the limit is crossed; what comes after is drained and dropped).
_READ_SLACK = 1 * MIB


def _set_pipe_size(fd: int, size: int) -> None:
    """Best effort: a bigger pipe lets its writer (the probe, the snippet) block less often."""
    import fcntl

    op = getattr(fcntl, "F_SETPIPE_SZ", None)
    if op is not None:
        with contextlib.suppress(OSError):
            fcntl.fcntl(fd, op, size)


async def spawn(
    snippet: Path | None,
    *,
    origin: str,
    limits: Limits = Limits(),
    stall_ms: float = 50.0,
    api: Literal["none", "port", "handoff"] = "none",
    api_port: int | None = None,
    info: SandboxInfo | None = None,
    extra_env: Mapping[str, str] | None = None,
    probe_args: Sequence[str] = (),
    control: bool = False,
    warm: bool = False,
    handoff_timeout_s: float = HANDOFF_TIMEOUT_S,
    _argv: Sequence[str] | None = None,
) -> Child:
    """Start ``python -I -m playground.probe`` on a private copy of ``snippet``.

    The child's environment is exactly: ``PATH`` (the interpreter's directory,
    then /usr/local/bin:/usr/bin:/bin), ``LANG``/``LC_ALL`` = ``C.UTF-8``,
    ``HOME`` = ``TMPDIR`` = the work dir, ``MALLOC_ARENA_MAX=2``,
    ``ASYNCPLAY_EVENTS_FD``, ``API_URL`` (``api="port"``), then ``extra_env``.
    No ``PYTHONUNBUFFERED``: ``-I`` ignores every ``PYTHON*`` variable, so the
    probe sets up its own buffering.

    ``api="port"``: the parent serves the API on 127.0.0.1:``api_port`` (not
    reachable with bwrap). ``api="handoff"`` (bwrap only): the probe gets
    ``--handoff-fd`` and sends back a listening socket created inside the
    sandbox; it becomes :attr:`Child.api_socket` and :attr:`Child.api_url`.
    spawn waits for it until the child exits, or ``handoff_timeout_s`` at most
    (then the child runs without an API).

    ``probe_args``: more options for the probe (``--trace``). ``control``: step mode;
    a pipe from the parent to the probe (``ASYNCPLAY_CONTROL_FD``, passed and closed
    in the supervisor as the event channel is), whose write end becomes
    :meth:`Child.send_control`'s.

    ``warm``: ``snippet`` is None; the probe starts, imports everything and waits for
    :meth:`Child.go` (``origin`` and ``stall_ms`` are given there, not here). Nothing
    of the run is in the work directory until then.

    ``_argv`` (tests) replaces the probe command; the elements ``"{snippet}"``
    and ``"{handoff_fd}"`` are substituted.
    """
    if (snippet is None) != warm:
        raise ValueError("give a snippet, or warm=True without one")
    if api not in ("none", "port", "handoff"):
        raise ValueError(f"unknown api mode {api!r}")
    plan = plan_for(info)
    if api == "port":
        if api_port is None or not 0 < api_port < 65536:
            raise ValueError("api='port' needs api_port")
        if plan.bwrap:
            raise ValueError("api='port' is unreachable from bwrap's network namespace; use 'handoff'")
    if api == "handoff" and not plan.bwrap:
        raise ValueError("api='handoff' needs the bwrap layer; use 'port'")
    env_extra: list[tuple[str, str]] = []
    for key, value in (extra_env or {}).items():
        if not key or "=" in key or "\0" in key or "\0" in value or key in (EVENTS_FD_ENV, CONTROL_FD_ENV):
            raise ValueError(f"bad extra_env entry {key!r}")
        env_extra.append((key, value))

    loop = asyncio.get_running_loop()
    workdir = make_workdir(plan)
    own: list[int] = []  # fds to close on failure
    child_side: list[int] = []  # fds to close in the parent once spawned
    cgroup: RunCgroup | None = None
    handoff_parent: socket.socket | None = None
    child: Child | None = None
    try:
        copy: Path | None = None
        if snippet is not None:
            copy = workdir / Path(snippet).name
            shutil.copyfile(snippet, copy)
            os.chmod(copy, 0o644)
            chown(plan, copy)

        def pipe() -> tuple[int, int]:
            r, w = os.pipe()
            own.extend((r, w))
            child_side.append(w)
            return r, w

        gate_r, gate_w = os.pipe()
        own.extend((gate_r, gate_w))
        child_side.append(gate_r)
        out_r, out_w = pipe()
        err_r, err_w = pipe()
        events_r, events_w = pipe()
        status_r, status_w = pipe()
        _set_pipe_size(events_w, _EVENTS_PIPE_BYTES)
        _set_pipe_size(out_w, _OUTPUT_PIPE_BYTES)
        _set_pipe_size(err_w, _OUTPUT_PIPE_BYTES)
        pass_fds = [events_w, status_w]
        bwrap_status_w: int | None = None
        if plan.bwrap:
            bwrap_status_w = os.dup(status_w)
            own.append(bwrap_status_w)
            child_side.append(bwrap_status_w)
            pass_fds.append(bwrap_status_w)
        close_in_supervisor = [events_w]

        def probe_reads() -> tuple[int, int]:
            """A pipe the probe reads: its read end is passed down to the probe (the
            supervisor closes its own copy), the parent keeps the write end."""
            r, w = os.pipe()
            own.extend((r, w))
            child_side.append(r)
            pass_fds.append(r)
            close_in_supervisor.append(r)
            return r, w

        control_w: int | None = None
        if control:
            control_r, control_w = probe_reads()
            env_extra.insert(0, (CONTROL_FD_ENV, str(control_r)))
        go_r: int | None = None
        go_w: int | None = None
        if warm:
            go_r, go_w = probe_reads()
        handoff_fd: int | None = None
        if api == "handoff":
            handoff_parent, handoff_child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            handoff_fd = handoff_child.detach()
            own.append(handoff_fd)
            child_side.append(handoff_fd)
            pass_fds.append(handoff_fd)
            close_in_supervisor.append(handoff_fd)

        if _argv is not None:
            subst = {"{snippet}": str(copy), "{handoff_fd}": str(handoff_fd)}
            argv = [subst.get(a, a) for a in _argv]
        else:
            argv = [sys.executable, "-I", "-m", "playground.probe", *probe_args]
            if handoff_fd is not None:
                argv += ["--handoff-fd", str(handoff_fd)]
            if go_w is not None:
                argv += ["--go-fd", str(go_r)]
            else:
                argv += ["--origin", origin, "--stall-ms", str(stall_ms), str(copy)]
        env_extra.insert(0, (EVENTS_FD_ENV, str(events_w)))
        if api == "port":
            env_extra.insert(1, ("API_URL", f"http://127.0.0.1:{api_port}"))
        # off the loop: counting the uid's tasks for RLIMIT_NPROC walks /proc
        cmd, env = await asyncio.to_thread(
            build,
            plan,
            workdir,
            copy,
            argv,
            limits,
            api_port if api == "port" else None,
            status_w,
            bwrap_status_w,
            close_in_supervisor,
            env_extra,
        )
        if plan.cgroups:
            cgroup = RunCgroup.create(plan.cgroups, limits)
        # Popen stays on the loop's thread: the parent-death signal is tied to the
        # thread that forks, and executor threads may come and go.
        popen = subprocess.Popen(
            cmd,
            stdin=gate_r,
            stdout=out_w,
            stderr=err_w,
            pass_fds=pass_fds,
            close_fds=True,
            start_new_session=True,
            cwd=workdir,
            env=env,
        )
        LIVE_PIDS.add(popen.pid)
        run_uid = plan.uid if plan.root else None
        if run_uid is not None:
            LIVE_UIDS[run_uid] += 1
        for fd in child_side:
            os.close(fd)
            own.remove(fd)
        child = Child(
            popen=popen, plan=plan, workdir=workdir, cgroup=cgroup, status_r=status_r, loop=loop
        )
        own.remove(status_r)
        if control_w is not None:
            os.set_blocking(control_w, False)  # a command never waits for the child
            child.control_fd = control_w
            own.remove(control_w)
        if go_w is not None:
            child.go_fd = go_w
            own.remove(go_w)
        if cgroup is not None:
            # before the gate opens, so everything is born inside; the first move
            # waits for an RCU grace period (~10 ms): keep it off the loop
            await asyncio.to_thread(cgroup.add, popen.pid)
        with contextlib.suppress(BrokenPipeError):
            os.write(gate_w, b"go\n")
        os.close(gate_w)
        own.remove(gate_w)
        own.remove(events_r)
        child.events = await child._reader(events_r)
        # Output is drained by threads: a busy loop (the app drawing) never holds a
        # printing snippet up. What is over the output limit is read and dropped.
        for name, fd in (("stdout", out_r), ("stderr", err_r)):
            own.remove(fd)
            setattr(child, name, child._output_reader(fd, limits.output_bytes + _READ_SLACK, name))
        if api == "port":
            child.api_url = f"http://127.0.0.1:{api_port}"
        if handoff_parent is not None:
            sock, handoff_parent = handoff_parent, None
            await child._receive_handoff(sock, handoff_timeout_s)
        return child
    except BaseException:
        for fd in own:
            with contextlib.suppress(OSError):
                os.close(fd)
        if handoff_parent is not None:
            handoff_parent.close()
        if child is not None:
            await child.aclose()
        else:
            if cgroup is not None:
                cgroup.remove(timeout_s=0.5)
            remove_tree(workdir)
        raise
