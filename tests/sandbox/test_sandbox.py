"""playground.sandbox with real processes: every test runs with bwrap and without.

Most tests run a small stand-in program (``_argv``) instead of the probe, so
they do not depend on it; one test runs the real probe when it exists.
"""

from __future__ import annotations

import asyncio
import errno
import json
import os
import secrets
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from conftest import sandbox_mode_skipped, zombie_children

from playground.sandbox import Child, ExitInfo, Limits, SandboxInfo, detect, spawn
from playground.sandbox.child import LIVE_PIDS
from playground.sandbox.command import NPROC_SHARED_SLACK
from playground.sandbox.detection import plan as sandbox_plan
from playground.sandbox.userns import userns_blocked

REPO = Path(__file__).resolve().parents[2]
PY = sys.executable
SMALL = Limits(wall_s=20, cpu_s=10, memory_mb=1024, processes=32, file_size_mb=8)


@pytest.fixture
def snippet(tmp_path: Path) -> Path:
    path = tmp_path / "snippet.py"
    path.write_text("print('from the snippet')\n")
    return path


def need(info: SandboxInfo, *layers: str) -> None:
    """Skip unless one of ``layers`` is active (the test checks what it enforces)."""
    if not any(layer in info.layers for layer in layers):
        pytest.skip(f"none of {layers} active here: {'; '.join(info.missing)}")


@asynccontextmanager
async def running(
    info: SandboxInfo, snippet: Path, code: str, *args: str, **kw: object
) -> AsyncIterator[Child]:
    kw.setdefault("limits", SMALL)
    child = await spawn(snippet, origin=str(snippet), info=info, _argv=[PY, "-c", code, *args], **kw)  # type: ignore[arg-type]
    try:
        yield child
    finally:
        await child.aclose()


async def run(
    info: SandboxInfo, snippet: Path, code: str, *args: str, **kw: object
) -> tuple[ExitInfo, str, str]:
    async with running(info, snippet, code, *args, **kw) as child:
        result = await asyncio.wait_for(child.wait(), 30)
        out = await asyncio.wait_for(child.stdout.read(), 10)
        err = await asyncio.wait_for(child.stderr.read(), 10)
    return result, out.decode(), err.decode()


def procs_with(token: str) -> list[int]:
    """Pids with an argument starting with ``token`` (not the wrappers' JSON spec)."""
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) != os.getpid():
            try:
                with open(f"/proc/{name}/cmdline", "rb") as f:
                    args = f.read().split(b"\0")
            except OSError:
                continue
            if any(arg.startswith(token.encode()) for arg in args):
                found.append(int(name))
    return found


# --------------------------------------------------------------------------- detection


def test_layers_reported(info: SandboxInfo) -> None:
    for layer in ("session", "tree-kill", "rlimits", "workdir", "clean-env"):
        assert layer in info.layers
    for entry in info.missing:
        name, _, reason = entry.partition(": ")
        assert name and reason, entry
        assert name not in info.layers, entry
    if info.bwrap:
        for layer in ("bwrap", "ro-root", "net-isolated", "pid-ns", "hidden-homes"):
            assert layer in info.layers
    else:
        assert "bwrap" not in info.layers
        assert any(m.startswith("bwrap: ") for m in info.missing)
        assert "landlock" in info.layers or any(m.startswith("landlock: ") for m in info.missing)
    if os.geteuid() == 0:
        assert "uid-drop" in info.layers or any(m.startswith("uid-drop: ") for m in info.missing)
    assert "cgroup" in info.layers or any(m.startswith("cgroup: ") for m in info.missing)
    assert detect(use_bwrap=info.bwrap) is info  # probed once per process


@pytest.mark.parametrize(("sysctl", "blocking", "allowing", "fix"), [
    ("kernel/apparmor_restrict_unprivileged_userns", "1", "0",
     "sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0"),
    ("kernel/unprivileged_userns_clone", "0", "1", "sudo sysctl -w kernel.unprivileged_userns_clone=1"),
    ("user/max_user_namespaces", "0", "63000", "sudo sysctl -w user.max_user_namespaces="),
])
def test_blocked_user_namespaces_are_named_with_the_fix(
    tmp_path: Path, sysctl: str, blocking: str, allowing: str, fix: str
) -> None:
    """What `asyncplay doctor` says when bubblewrap cannot make a user namespace
    (read from a copy of /proc/sys: the real settings are the machine's)."""
    knob = tmp_path / sysctl
    knob.parent.mkdir(parents=True)
    knob.write_text(allowing + "\n")
    assert userns_blocked(tmp_path) is None
    knob.write_text(blocking + "\n")
    why = userns_blocked(tmp_path)
    assert why is not None and fix in why
    assert sysctl.replace("/", ".") in why  # names the setting


_BLOCKED_USERNS = r"""
import ctypes, os, sys
uid, gid = os.getuid(), os.getgid()
if ctypes.CDLL(None, use_errno=True).unshare(0x10000000) != 0:  # CLONE_NEWUSER
    sys.exit(77)
for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
    with open(f"/proc/self/{name}", "w") as f:
        f.write(text)
with open("/proc/sys/user/max_user_namespaces", "w") as f:  # in this namespace only
    f.write("0")
os.execv(sys.executable, [sys.executable, "-m", "playground", "doctor"])  # without capabilities
"""


@pytest.mark.timeout(120)
def test_bwrap_falls_back_where_user_namespaces_are_blocked() -> None:
    """An ordinary user on a machine that blocks user namespaces (as Ubuntu 24.04's
    AppArmor does): bubblewrap cannot work, runs use the other layers, and the doctor
    says why and what to change."""
    if os.geteuid() == 0:
        pytest.skip("root needs no user namespace for bwrap: scripts/test-as-user.sh runs this")
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed")
    if why := sandbox_mode_skipped("bwrap"):
        pytest.skip(why)
    env = {k: v for k, v in os.environ.items() if k != "ASYNCPLAY_NO_BWRAP"}  # the default: bwrap on
    proc = subprocess.run([PY, "-c", _BLOCKED_USERNS], capture_output=True, text=True, timeout=100,
                          cwd=REPO, env=env)
    if proc.returncode == 77:
        pytest.skip("this machine allows no user namespaces at all: nothing to simulate")
    assert proc.returncode == 0, proc.stderr
    default = proc.stdout.split("sandbox (without bubblewrap):")[0]
    assert ("  - bwrap: user namespaces are switched off (user.max_user_namespaces = 0); "
            "to use bubblewrap: sudo sysctl -w user.max_user_namespaces=") in default, proc.stdout
    assert "  + bwrap" not in default
    assert "  + landlock" in default or "  - landlock: " in default  # the fallback's layers


def test_env_switch_turns_bwrap_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASYNCPLAY_NO_BWRAP", "1")
    assert detect().bwrap is False
    assert any(m.startswith("bwrap: switched off") for m in detect().missing)


async def test_api_modes_are_checked(info: SandboxInfo, snippet: Path) -> None:
    with pytest.raises(ValueError):
        await spawn(snippet, origin="x", info=info, api="port")  # no port
    with pytest.raises(ValueError):
        if info.bwrap:
            await spawn(snippet, origin="x", info=info, api="port", api_port=8080)
        else:
            await spawn(snippet, origin="x", info=info, api="handoff")


# --------------------------------------------------------------------------- environment


@pytest.mark.timeout(60)
async def test_env_is_scrubbed(
    info: SandboxInfo, snippet: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASYNCPLAY_TEST_SECRET", "do-not-leak")
    code = "import json, os; print(json.dumps(dict(os.environ)))"
    result, out, err = await run(info, snippet, code, extra_env={"LESSON": "x"})
    assert result.exit_code == 0, err
    env = json.loads(out)
    assert set(env) == {
        "PATH", "LANG", "LC_ALL", "HOME", "TMPDIR", "MALLOC_ARENA_MAX", "ASYNCPLAY_EVENTS_FD", "LESSON"
    }
    assert env["LANG"] == env["LC_ALL"] == "C.UTF-8"
    assert env["MALLOC_ARENA_MAX"] == "2"
    assert env["HOME"] == env["TMPDIR"]


@pytest.mark.timeout(60)
async def test_cwd_is_private_workdir_removed_by_aclose(info: SandboxInfo, snippet: Path) -> None:
    code = "import json, os; print(json.dumps([os.getcwd(), os.environ['HOME'], sorted(os.listdir('.'))]))"
    async with running(info, snippet, code) as child:
        st = child.workdir.stat()
        assert stat.S_IMODE(st.st_mode) == 0o700
        if "uid-drop" in info.layers:
            assert st.st_uid != 0
        result = await child.wait()
        cwd, home, listing = json.loads(await child.stdout.read())
        assert result.exit_code == 0
        assert cwd == home == str(child.workdir)
        assert listing == [snippet.name]
        assert (child.workdir / snippet.name).read_text() == snippet.read_text()
    assert not child.workdir.exists()


@pytest.mark.timeout(60)
async def test_stdin_is_eof(info: SandboxInfo, snippet: Path) -> None:
    result, out, _ = await run(info, snippet, "import sys; print(repr(sys.stdin.read()))")
    assert result.exit_code == 0
    assert out.strip() == "''"


@pytest.mark.timeout(60)
async def test_rlimits_visible_and_enforced_inside(info: SandboxInfo, snippet: Path) -> None:
    limits = Limits(cpu_s=7, memory_mb=600, processes=20, file_size_mb=3, open_files=100)
    code = r"""
import json, resource as r
lim = {n: r.getrlimit(getattr(r, 'RLIMIT_' + n)) for n in ('CPU', 'AS', 'NPROC', 'FSIZE', 'NOFILE', 'CORE')}
try:
    with open('big', 'wb') as f:
        f.write(b'x' * (4 * 1024 * 1024))
    lim['fsize_hit'] = None
except OSError as e:
    lim['fsize_hit'] = e.errno
try:
    block = bytearray(900 * 1024 * 1024)
    lim['memory_hit'] = False
except MemoryError:
    lim['memory_hit'] = True
print(json.dumps(lim))
"""
    result, out, err = await run(info, snippet, code, limits=limits)
    assert result.exit_code == 0, err
    got = json.loads(out)
    mib = 1024 * 1024
    assert got["CPU"] == [7, 9]
    assert got["AS"] == [600 * mib, 600 * mib]
    assert got["FSIZE"] == [3 * mib, 3 * mib]
    assert got["NOFILE"] == [100, 100]
    assert got["CORE"] == [0, 0]
    assert got["NPROC"][0] >= 20
    assert got["fsize_hit"] == errno.EFBIG
    assert got["memory_hit"] is True


def test_parent_is_not_restricted() -> None:
    status = Path("/proc/self/status").read_text()
    assert "NoNewPrivs:\t0" in status
    import resource

    assert resource.getrlimit(resource.RLIMIT_CPU)[0] == resource.RLIM_INFINITY


# --------------------------------------------------------------------------- filesystem


@pytest.mark.timeout(60)
async def test_writes_outside_workdir_fail(info: SandboxInfo, snippet: Path) -> None:
    need(info, "ro-root", "landlock")
    token = secrets.token_hex(6)
    targets = [
        f"/tmp/asyncplay-test-{token}",
        str(REPO / f"asyncplay-test-{token}"),
        os.path.join(os.path.expanduser("~"), f"asyncplay-test-{token}"),
        f"/var/tmp/asyncplay-test-{token}",
    ]
    code = r"""
import json, os, sys
res = {}
for path in sys.argv[1:] + ['inside.txt']:
    try:
        with open(path, 'w') as f:
            f.write('x')
        res[path] = 'written'
    except OSError as e:
        res[path] = e.strerror
print(json.dumps(res))
"""
    result, out, err = await run(info, snippet, code, *targets)
    assert result.exit_code == 0, err
    res = json.loads(out)
    assert res.pop("inside.txt") == "written"
    for path in targets:
        assert res[path] != "written", path
        assert not os.path.exists(path), path


@pytest.mark.timeout(60)
async def test_homes_are_hidden(info: SandboxInfo, snippet: Path) -> None:
    need(info, "hidden-homes", "landlock")
    home = os.path.expanduser("~")
    if not any(home.startswith(h) for h in ("/root", "/home")):
        pytest.skip(f"HOME {home} is not under a hidden directory")
    code = "import os, sys\ntry:\n print(len(os.listdir(sys.argv[1])))\nexcept OSError as e:\n print(e.strerror)"
    result, out, _ = await run(info, snippet, code, home)
    assert result.exit_code == 0
    visible = len(os.listdir(home))
    assert out.strip() != str(visible) or visible == 0


@pytest.mark.timeout(60)
async def test_process_pool_executor_works_inside(info: SandboxInfo, snippet: Path) -> None:
    # A file run as __main__, as the probe runs a snippet: with the start methods that
    # import the main module in the workers (forkserver, 3.14's default on Linux, and
    # spawn), a ``python -c`` program's functions cannot reach them.
    snippet.write_text(r"""
from concurrent.futures import ProcessPoolExecutor
def square(x):
    return x * x
if __name__ == '__main__':
    with ProcessPoolExecutor(2) as pool:
        print(sum(pool.map(square, range(10))))
""")
    main = "import runpy, sys; runpy.run_path(sys.argv[1], run_name='__main__')"
    result, out, err = await run(info, snippet, main, "{snippet}")
    assert result.exit_code == 0, err
    assert out.strip() == "285"


# --------------------------------------------------------------------------- network


async def _serve(reply: bytes) -> asyncio.Server:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(reply)
        await writer.drain()
        writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


_CONNECT = r"""
import json, os, socket, sys
def fetch(port):
    try:
        with socket.create_connection(('127.0.0.1', int(port)), timeout=5) as c:
            return c.recv(100).decode()
    except OSError as e:
        return 'error: ' + (e.strerror or type(e).__name__)
"""


@pytest.mark.timeout(60)
async def test_only_the_api_port_is_reachable(info: SandboxInfo, snippet: Path) -> None:
    other = await _serve(b"other-service")
    other_port = other.sockets[0].getsockname()[1]
    try:
        if info.bwrap:
            # stand-in for the probe's --handoff-fd: listen inside, send the socket out
            code = _CONNECT + r"""
fd, other = int(sys.argv[1]), sys.argv[2]
lsock = socket.socket()
lsock.bind(('127.0.0.1', 0))
lsock.listen()
socket.send_fds(socket.socket(fileno=fd), [b'L'], [lsock.fileno()])
print(json.dumps({'api': fetch(lsock.getsockname()[1]), 'other': fetch(other)}))
"""
            kw: dict[str, object] = {"api": "handoff"}
            args: tuple[str, ...] = ("{handoff_fd}", str(other_port))
        else:
            need(info, "landlock-net")
            api = await _serve(b"api-ok")
            api_port = api.sockets[0].getsockname()[1]
            code = _CONNECT + "print(json.dumps({'api': fetch(os.environ['API_URL'].rsplit(':', 1)[1]), 'other': fetch(sys.argv[1])}))"
            kw = {"api": "port", "api_port": api_port}
            args = (str(other_port),)
        async with running(info, snippet, code, *args, **kw) as child:
            assert child.api_url is not None
            if info.bwrap:
                assert child.api_socket is not None
                assert child.api_url.startswith("http://127.0.0.1:")

                async def handle(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
                    w.write(b"api-ok")
                    await w.drain()
                    w.close()

                api = await asyncio.start_server(handle, sock=child.api_socket)
            result = await asyncio.wait_for(child.wait(), 30)
            out = (await child.stdout.read()).decode()
            err = (await child.stderr.read()).decode()
            api.close()
        assert result.exit_code == 0, err
        got = json.loads(out)
        assert got["api"] == "api-ok"
        assert got["other"].startswith("error"), got
    finally:
        other.close()


@pytest.mark.timeout(60)
async def test_handoff_gives_up_when_the_child_exits(info: SandboxInfo, snippet: Path) -> None:
    if not info.bwrap:
        pytest.skip("the handoff exists only with bwrap")
    # With a handoff timeout far beyond this test's own, spawn returns at all only
    # because the child's exit ended the wait.
    async with running(info, snippet, "pass", api="handoff", handoff_timeout_s=3600) as child:
        assert child.api_socket is None and child.api_url is None
        assert (await child.wait()).exit_code == 0


# --------------------------------------------------------------------------- processes


@pytest.mark.timeout(60)
@pytest.mark.parametrize("kind", ["fork", "thread"])
async def test_flood_hits_the_process_limit(info: SandboxInfo, snippet: Path, kind: str) -> None:
    if os.geteuid() == 0:  # RLIMIT_NPROC binds any other uid, root needs one of these
        need(info, "cgroup-pids", "uid-drop")
    code = r"""
import os, sys, threading, time
made, err = 0, None
for _ in range(500):
    try:
        if sys.argv[1] == 'fork':
            if os.fork() == 0:
                time.sleep(60)
                os._exit(0)
        else:
            threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
        made += 1
    except (OSError, RuntimeError) as e:
        err = getattr(e, 'errno', None) or str(e)
        break
print(made, err, flush=True)
os._exit(0)
"""
    result, out, err = await run(
        info, snippet, code, kind, limits=Limits(cpu_s=10, memory_mb=1024, processes=16)
    )
    made, why = out.split(maxsplit=1)
    bound = 30  # 16 + the wrappers
    if not {"cgroup-pids", "user-ns"} & set(info.layers) and os.geteuid() != 0:
        bound += NPROC_SHARED_SLACK  # RLIMIT_NPROC with slack for the user's programs
    assert int(made) < bound, out
    assert why.strip() in (str(errno.EAGAIN), "can't start new thread"), out
    assert result.exit_code == 0, err


_ESCAPE = r"""
import os, signal, sys, time
token, mode = sys.argv[1], sys.argv[2]
pid = os.fork()
if pid == 0:
    os.setsid()
    if os.fork() == 0:
        code = 'import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)'
        os.execv(sys.executable, [sys.executable, '-c', code, token + '-escapee'])
    os._exit(0)
os.waitpid(pid, 0)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
signal.signal(signal.SIGINT, signal.SIG_IGN)
time.sleep(0.3)
print('ready', flush=True)
if mode == 'stay':
    while True:
        time.sleep(1)
"""


@pytest.mark.timeout(60)
@pytest.mark.parametrize("mode", ["stay", "exit"])
async def test_escapees_are_gone_after_kill_and_wait(
    info: SandboxInfo, snippet: Path, mode: str
) -> None:
    token = f"asyncplay-escape-{secrets.token_hex(6)}"
    async with running(info, snippet, _ESCAPE, token, mode) as child:
        assert (await asyncio.wait_for(child.stdout.readline(), 20)).strip() == b"ready"
        if mode == "stay":
            assert len(procs_with(token)) == 2  # the SIGTERM-ignoring main + the escapee
            await child.kill()
            await child.kill()  # idempotent
            result = await asyncio.wait_for(child.wait(), 20)
            assert result.killed_by_us
            assert result.signal == "SIGKILL"
        else:
            result = await asyncio.wait_for(child.wait(), 20)
            assert result.exit_code == 0
            assert not result.killed_by_us
            # the supervisor itself killed the escapee (it may signal the run's uid)
            assert child.parent_kills == 0
        assert procs_with(token) == []
        assert await asyncio.wait_for(child.stdout.read(), 10) == b""  # EOF: nobody holds it
    await child.aclose()  # idempotent
    assert procs_with(token) == []
    assert zombie_children() == []  # escapees adopted by us (subreaper) were reaped


@pytest.mark.timeout(60)
async def test_grandchild_holding_stdout_does_not_hang_wait(info: SandboxInfo, snippet: Path) -> None:
    token = f"asyncplay-holder-{secrets.token_hex(6)}"
    code = r"""
import subprocess, sys
subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)', sys.argv[1]])
print('started', flush=True)
"""
    async with running(info, snippet, code, token) as child:
        result = await asyncio.wait_for(child.wait(), 20)
        assert result.exit_code == 0
        assert child.parent_kills == 0  # the supervisor cleaned up by itself
        assert await asyncio.wait_for(child.stdout.read(), 10) == b"started\n"
        assert procs_with(token) == []
    assert zombie_children() == []


@pytest.mark.timeout(60)
async def test_cpu_limit_ends_an_infinite_loop(info: SandboxInfo, snippet: Path) -> None:
    result, _, _ = await run(
        info, snippet, "while True: pass", limits=Limits(cpu_s=1, memory_mb=512, processes=16)
    )
    assert result.signal in ("SIGXCPU", "SIGKILL")
    assert result.exit_code is None
    assert not result.killed_by_us
    assert result.cpu_s >= 0.8


@pytest.mark.timeout(60)
async def test_exit_status_and_signal_are_exact(info: SandboxInfo, snippet: Path) -> None:
    result, _, _ = await run(info, snippet, "import sys; sys.exit(137)")
    assert (result.exit_code, result.signal) == (137, None)
    result, _, _ = await run(info, snippet, "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)")
    assert (result.exit_code, result.signal) == (None, "SIGSEGV")


@pytest.mark.timeout(90)
async def test_a_killed_runs_peak_memory_is_its_own(info: SandboxInfo, snippet: Path) -> None:
    """A stopped run (no supervisor report) reports its processes' peak, not ours.

    The gate is forked from asyncplay, and exec keeps the larger high-water mark,
    so the gate's ru_maxrss is asyncplay's own peak: here well above the run's.
    """
    ballast = b"\1" * (256 << 20)  # touched pages: this process's peak >= 256 MB
    big, _, _ = await run(info, snippet, "x = b'\\1' * (200 << 20)")
    assert big.peak_rss_kb >= 200 << 10
    small = "import sys, time; print('ready', flush=True); sys.argv[1:] and time.sleep(60)"
    natural, _, _ = await run(info, snippet, small)
    async with running(info, snippet, small, "sleep") as child:
        assert await asyncio.wait_for(child.stdout.readline(), 20) == b"ready\n"
        await child.kill()
        stopped = await asyncio.wait_for(child.wait(), 20)
    assert stopped.killed_by_us and stopped.signal == "SIGKILL"
    assert 0 < stopped.peak_rss_kb < 2 * natural.peak_rss_kb, (stopped, natural)
    assert stopped.cpu_s > 0
    del ballast


@pytest.mark.timeout(60)
async def test_cannot_signal_asyncplay(info: SandboxInfo, snippet: Path) -> None:
    need(info, "pid-ns", "uid-drop", "landlock-scope")
    # signal 0 only checks permission: nothing is delivered even if this fails
    code = r"""
import os, sys
for target in (int(sys.argv[1]), os.getppid()):
    try:
        os.kill(target, 0)
        print('allowed', flush=True)
    except OSError as e:
        print(type(e).__name__, flush=True)
"""
    result, out, err = await run(info, snippet, code, str(os.getpid()))
    assert result.exit_code == 0, err
    asyncplay, supervisor = out.split()
    assert asyncplay in ("PermissionError", "ProcessLookupError")
    if not info.bwrap:
        # without a pid namespace, killing the supervisor would orphan the run
        assert supervisor in ("PermissionError", "ProcessLookupError")


# --------------------------------------------------------------------------- channels


@pytest.mark.timeout(60)
async def test_event_channel(info: SandboxInfo, snippet: Path) -> None:
    code = r"""
import os
fd = int(os.environ['ASYNCPLAY_EVENTS_FD'])
with os.fdopen(fd, 'wb') as ch:
    ch.write(b'{"kind": "hello", "v": 1}\n')
    ch.write(b'x' * 300000 + b'\n')
    ch.write(b'{"kind": "end"}\n')
print('stdout is separate')
"""
    async with running(info, snippet, code) as child:
        chunks = []
        while chunk := await asyncio.wait_for(child.events.read(65536), 20):
            chunks.append(chunk)
        data = b"".join(chunks)
        result = await child.wait()
        assert result.exit_code == 0
        assert data == b'{"kind": "hello", "v": 1}\n' + b"x" * 300000 + b'\n{"kind": "end"}\n'
        assert await child.stdout.read() == b"stdout is separate\n"


@pytest.mark.timeout(120)
async def test_no_fd_or_zombie_leak_across_50_spawns(info: SandboxInfo, snippet: Path) -> None:
    await run(info, snippet, "pass")  # warm up lazily created loop resources
    fds_before = set(os.listdir("/proc/self/fd"))
    workdirs = []
    for i in range(50):
        # odd runs leave a child behind that the sweep must kill and reap
        code = "import os, sys, time; os.fork() or time.sleep(60); sys.exit(3)" if i % 2 else "print('x')"
        async with running(info, snippet, code) as child:
            workdirs.append(child.workdir)
            result = await asyncio.wait_for(child.wait(), 30)
            assert result.exit_code == (3 if i % 2 else 0)
        # after every run, not only the last: the output pipes are closed by their
        # pumps' threads, and aclose must have waited for that (a race, 50 chances)
        assert set(os.listdir("/proc/self/fd")) == fds_before, f"run {i}"
    assert zombie_children() == []
    assert not LIVE_PIDS
    assert not any(w.exists() for w in workdirs)
    plan = sandbox_plan(info.bwrap)
    for base in plan.cgroups:
        assert not list(base.path.glob(f"asyncplay-{os.getpid()}-*"))


# --------------------------------------------------------------------------- the real probe


@pytest.mark.timeout(60)
async def test_real_probe_runs_and_reaches_the_api(info: SandboxInfo, tmp_path: Path) -> None:
    if not (REPO / "playground" / "probe" / "__main__.py").exists():
        pytest.skip("playground/probe/__main__.py does not exist yet")
    snippet = tmp_path / "hello.py"
    snippet.write_text(
        "import asyncio, os\n\n"
        "async def main():\n"
        "    host, port = os.environ['API_URL'].removeprefix('http://').split(':')\n"
        "    reader, writer = await asyncio.open_connection(host, int(port))\n"
        "    print((await reader.read()).decode())\n"
        "    writer.close()\n\n"
        "asyncio.run(main())\n"
    )

    async def handle(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        w.write(b"api-ok")
        await w.drain()
        w.close()

    if info.bwrap:
        child = await spawn(snippet, origin=str(snippet), info=info, limits=SMALL, api="handoff")
        assert child.api_socket is not None, "the probe did not hand over its socket"
        server = await asyncio.start_server(handle, sock=child.api_socket)
    else:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        child = await spawn(
            snippet, origin=str(snippet), info=info, limits=SMALL, api="port", api_port=port
        )
    try:
        events = b""
        while chunk := await asyncio.wait_for(child.events.read(65536), 30):
            events += chunk
        result = await asyncio.wait_for(child.wait(), 30)
        out = await child.stdout.read()
        err = await child.stderr.read()
    finally:
        server.close()
        await child.aclose()
    assert result.exit_code == 0, err.decode()
    assert b"api-ok" in out, (out, err)
    first = json.loads(events.splitlines()[0])
    assert first["kind"] == "hello"


async def test_output_is_drained_while_the_loop_is_busy(info: SandboxInfo, snippet: Path) -> None:
    """A snippet printing 4 MiB ends while the parent's event loop is held (as the app's
    is while it draws a frame): its output pipes are read off the loop. Read by the loop,
    the snippet waited on a full pipe for as long as the loop was busy."""
    code = "import sys\nsys.stdout.buffer.write(b'x' * (4 << 20))\nsys.stdout.flush()\n"
    async with running(info, snippet, code) as child:

        def exited_while_the_loop_is_held() -> bool:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                got = os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
                if got is not None:
                    return True
                time.sleep(0.01)
            return False

        assert exited_while_the_loop_is_held()
        result = await asyncio.wait_for(child.wait(), 30)
        assert result.exit_code == 0
        out = await asyncio.wait_for(child.stdout.read(), 10)
        assert len(out) == 4 << 20
