"""Which layers this machine gives, found once per process and per bwrap choice.

Each layer is tried for real (a trial run through the whole chain) and reported as
active or as missing with the reason. :func:`detect` returns the public summary;
:func:`plan_for` the :class:`~playground.sandbox.plan.Plan` that spawning follows.
"""

from __future__ import annotations

import contextlib
import functools
import grp
import json
import logging
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from playground.sandbox import supervisor
from playground.sandbox.cgroups import cgroup_bases
from playground.sandbox.landlock import landlock_abi
from playground.sandbox.plan import HIDDEN_DIRS, Plan
from playground.sandbox.trial import TRIAL_TIMEOUT_S, trial
from playground.sandbox.types import NO_BWRAP_ENV, SandboxInfo
from playground.sandbox.userns import userns_blocked

__all__ = ["detect", "plan_for", "plan"]

log = logging.getLogger(__name__)

_PLANS: dict[bool, Plan] = {}
_PLAN_LOCK = threading.Lock()


def detect(*, use_bwrap: bool | None = None) -> SandboxInfo:
    """Probe this machine once (cached per process and per bwrap choice).

    ``use_bwrap=None`` means "on unless ``ASYNCPLAY_NO_BWRAP=1``"; an explicit
    value wins over the environment. Detection runs a trial of the real command
    chain (a few tens of milliseconds), so a layer is only reported when a run
    with it actually works here.
    """
    return plan(use_bwrap).info


def _want_bwrap(use_bwrap: bool | None) -> bool:
    if use_bwrap is not None:
        return use_bwrap
    return os.environ.get(NO_BWRAP_ENV, "").strip().lower() not in ("1", "true", "yes", "on")


def plan(use_bwrap: bool | None) -> Plan:
    """The plan for this bwrap choice (made on first use)."""
    want = _want_bwrap(use_bwrap)
    with _PLAN_LOCK:
        found = _PLANS.get(want)
        if found is None:
            found = _PLANS[want] = _make_plan(want)
        return found


def plan_for(info: SandboxInfo | None) -> Plan:
    """The plan whose summary is ``info`` (the default plan for None)."""
    if info is None:
        return plan(None)
    for candidate in _PLANS.values():
        if candidate.info is info:
            return candidate
    return plan(info.bwrap)


@functools.lru_cache(maxsize=1)
def _interpreter_roots() -> tuple[str, ...]:
    """Directories a ``python -I -m playground.probe`` needs to read."""
    cands = {
        sys.prefix,
        sys.exec_prefix,
        sys.base_prefix,
        sys.base_exec_prefix,
        os.path.dirname(sys.executable),
        os.path.dirname(os.path.realpath(sys.executable)),
        str(Path(__file__).resolve().parent.parent.parent),
    }
    try:
        out = subprocess.run(
            [sys.executable, "-I", "-c", "import json, sys; print(json.dumps(sys.path))"],
            capture_output=True,
            timeout=TRIAL_TIMEOUT_S,
            check=True,
            cwd="/",
        ).stdout
        cands.update(p for p in json.loads(out) if isinstance(p, str) and p.startswith("/"))
    except (OSError, subprocess.SubprocessError, ValueError):
        cands.update(p for p in sys.path if p.startswith("/"))
    real: set[str] = set()
    for c in cands:
        p = os.path.realpath(c)
        while not os.path.exists(p) and p != "/":  # e.g. python311.zip
            p = os.path.dirname(p)
        real.add(p)
    # keep the outermost ones
    out_roots: list[str] = []
    for p in sorted(real, key=len):
        if not any(p == r or p.startswith(r.rstrip("/") + "/") for r in out_roots):
            out_roots.append(p)
    return tuple(out_roots)


def _unreachable_by(uid: int, gid: int, paths: Sequence[str]) -> str | None:
    """First path component ``uid`` cannot traverse/read, as a reason, or None."""

    def allowed(st: os.stat_result, bits: int) -> bool:
        if st.st_uid == uid:
            return (st.st_mode >> 6) & bits == bits
        if st.st_gid == gid:
            return (st.st_mode >> 3) & bits == bits
        return st.st_mode & bits == bits

    for target in paths:
        parts = Path(target).parts
        for i in range(1, len(parts) + 1):
            p = os.path.join(*parts[:i])
            try:
                st = os.stat(p)
            except OSError:
                break
            need = 1 if stat.S_ISDIR(st.st_mode) else 4
            if i == len(parts) and stat.S_ISDIR(st.st_mode):
                need = 5
            if not allowed(st, need):
                return f"{p} is mode {stat.S_IMODE(st.st_mode):04o} (owner uid {st.st_uid})"
    return None


@dataclass
class _Found:
    """Layers found active, and the missing ones with their reasons."""

    layers: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def lack(self, layer: str, why: str) -> None:
        self.missing.append(f"{layer}: {why}")


def _make_plan(want_bwrap: bool) -> Plan:
    linux = sys.platform.startswith("linux")
    root = os.geteuid() == 0
    found = _Found(["session", "tree-kill", "rlimits", "workdir", "clean-env"])
    if linux:
        found.layers += ["no-new-privs", "die-with-parent"]
    subreaper = _become_subreaper(linux, found)
    cgroups, cg_notes = cgroup_bases() if linux else ((), ("not Linux",))
    uid, gid = _nobody() if root else (None, None)
    base = Plan(
        info=SandboxInfo((), (), False), linux=linux, sh=shutil.which("sh") or "/bin/sh",
        bwrap=None, uid=uid, gid=gid, root=root, landlock_abi=0, cgroups=tuple(cgroups),
        roots=_interpreter_roots(), subreaper=subreaper,
        hidden=tuple(h for h in HIDDEN_DIRS if os.path.isdir(h) and not os.path.islink(h)),
    )
    chosen: Plan | None = None
    why = "switched off" + (f" ({NO_BWRAP_ENV}=1)" if os.environ.get(NO_BWRAP_ENV) else "")
    if want_bwrap:
        chosen, why = _bwrap_plan(base, found)
    if chosen is None:
        found.lack("bwrap", why)
        chosen = _fallback_plan(base, found)
    _cgroup_layers(chosen, cg_notes, found)
    if chosen.uid is None and root and "cgroup-pids" not in found.layers:
        found.lack("nproc", "no process limit (RLIMIT_NPROC does not apply to root)")
    info = SandboxInfo(tuple(dict.fromkeys(found.layers)), tuple(found.missing), chosen.bwrap is not None)
    return replace(chosen, info=info)


def _become_subreaper(linux: bool, found: _Found) -> bool:
    """asyncplay adopts the orphans of its runs (``subreaper``)."""
    if not linux:
        found.lack("subreaper", "not Linux")
        return False
    try:
        supervisor.prctl(supervisor.PR_SET_CHILD_SUBREAPER, 1)
    except OSError as exc:
        found.lack("subreaper", f"prctl failed ({exc.strerror})")
        return False
    found.layers.append("subreaper")
    return True


def _nobody() -> tuple[int, int]:
    """The uid and gid a root asyncplay drops runs to (``uid-drop``)."""
    try:
        pw = pwd.getpwnam("nobody")
    except KeyError:
        return 65534, 65534
    gid = pw.pw_gid
    for name in ("nogroup", "nobody"):
        with contextlib.suppress(KeyError):
            return pw.pw_uid, grp.getgrnam(name).gr_gid
    return pw.pw_uid, gid


def _bwrap_plan(base: Plan, found: _Found) -> tuple[Plan | None, str]:
    """The plan with bubblewrap (``bwrap`` and the layers it brings), or why it does not work."""
    path = shutil.which("bwrap")
    why = ""
    if not base.linux:
        why = "not Linux"
    elif path is None:
        why = "not installed"
    else:
        try:
            help_text = subprocess.run([path, "--help"], capture_output=True, timeout=10,
                                       text=True).stdout
        except (OSError, subprocess.SubprocessError) as exc:
            help_text, why = "", f"cannot run ({exc})"
        if help_text and not ("--size" in help_text and "--perms" in help_text):
            why = "too old (needs --perms and --size: bubblewrap >= 0.5)"
        elif help_text:
            abi, ll_why = landlock_abi()
            candidate = replace(base, bwrap=path, landlock_abi=abi if abi >= 6 else 0)
            ok, trial_why = trial(candidate)
            if not ok and base.uid is not None:
                uid_why = trial_why
                candidate = replace(candidate, uid=None, gid=None)
                ok, trial_why = trial(candidate)
                if ok:
                    found.lack("uid-drop", f"failed inside bwrap: {uid_why}")
            if not ok and candidate.landlock_abi:
                ll_why = f"trial run failed: {trial_why}"
                candidate = replace(candidate, landlock_abi=0)
                ok, trial_why = trial(candidate)
            if ok:
                _bwrap_layers(candidate, abi, ll_why, found)
                return candidate, ""
            blocked = None if base.root else userns_blocked()
            why = blocked or f"trial run failed: {trial_why}"
    return None, why


def _bwrap_layers(chosen: Plan, abi: int, ll_why: str, found: _Found) -> None:
    found.layers += ["bwrap", "ro-root", "net-isolated", "pid-ns", "hidden-homes", "workdir-quota"]
    found.layers.append("cap-drop")  # --cap-drop ALL (the uid change clears the rest)
    if chosen.uid is not None:
        found.layers.append("uid-drop")
        return
    if not chosen.root:
        found.lack("uid-drop", "asyncplay does not run as root (the run keeps its uid)")
        found.layers.append("user-ns")
    if chosen.landlock_abi >= 6:
        found.layers.append("landlock-scope")
    else:
        found.lack("landlock-scope", (ll_why or f"needs Landlock ABI >= 6 (this kernel has {abi})")
                   + ": the snippet could signal its supervisor, which ends the run")


def _fallback_plan(base: Plan, found: _Found) -> Plan:
    """Without bwrap: uid drop when the interpreter allows it, Landlock, private mounts."""
    abi, ll_why = landlock_abi() if base.linux else (0, "not Linux")
    uid_drop_why = ""
    uid, gid = base.uid, base.gid
    if uid is not None and gid is not None:
        block = _unreachable_by(uid, gid, list(base.roots) + [sys.executable, tempfile.gettempdir()])
        if block:
            uid_drop_why = f"the interpreter or package is not reachable by uid {uid}: {block}"
            uid = gid = None
    candidate = replace(base, uid=uid, gid=gid, landlock_abi=abi)
    ok, why = trial(candidate)
    if not ok and uid is not None:
        uid_drop_why = f"trial run as uid {uid} failed: {why}"
        candidate = replace(base, uid=None, gid=None, landlock_abi=abi)
        ok, why = trial(candidate)
    if not ok and abi:
        ll_why = f"trial run failed: {why}"
        abi = 0
        candidate = replace(candidate, landlock_abi=0)
        ok, why = trial(candidate)
    if not ok:
        log.warning("sandbox trial run failed even without Landlock: %s", why)
    private_why = "needs root (or bwrap)"
    if ok and base.root and base.linux:
        with_mounts = replace(candidate, private_mounts=True)
        mounts_ok, mounts_why = trial(with_mounts)
        if mounts_ok:
            candidate = with_mounts
        else:
            private_why = f"trial run failed: {mounts_why}"

    if candidate.uid is not None:
        found.layers.append("uid-drop")
    elif base.root:
        found.layers.append("cap-drop")
        found.lack("uid-drop", uid_drop_why)
    else:
        found.lack("uid-drop", "asyncplay does not run as root (the run keeps its uid)")
    if abi >= 1:
        found.layers.append("landlock")
    else:
        found.lack("landlock", ll_why)
    if abi >= 4:
        found.layers.append("landlock-net")
        found.lack("net-isolated", "needs bwrap (Landlock limits TCP connect only)")
    else:
        found.lack("net-isolated", "needs bwrap or Landlock ABI >= 4"
                   + (f" (this kernel has ABI {abi})" if abi else ""))
    if abi >= 6:
        found.layers.append("landlock-scope")
    found.lack("pid-ns", "needs bwrap")
    if candidate.private_mounts:
        found.layers += ["private-shm", "workdir-quota"]
    else:
        found.lack("private-shm", private_why)
        found.lack("workdir-quota", private_why)
    return candidate


def _cgroup_layers(chosen: Plan, notes: Sequence[str], found: _Found) -> None:
    """``cgroup``, ``cgroup-pids``, ``cgroup-memory``: what the run's cgroups give."""
    if not chosen.cgroups:
        found.lack("cgroup", "; ".join(notes) or "no writable cgroup")
        return
    found.layers.append("cgroup")
    ctrls = set().union(*(b.controllers for b in chosen.cgroups))
    for ctrl in ("pids", "memory"):
        if ctrl in ctrls:
            found.layers.append(f"cgroup-{ctrl}")
        else:
            found.lack(f"cgroup-{ctrl}", "; ".join(n for n in notes if ctrl in n)
                       or "controller not available")
