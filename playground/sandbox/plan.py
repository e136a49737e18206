"""The plan: what detection learnt about this machine, which spawning follows."""

from __future__ import annotations

from dataclasses import dataclass

from playground.sandbox.cgroups import CgroupBase
from playground.sandbox.types import SandboxInfo

__all__ = ["Plan", "HIDDEN_DIRS", "under"]

#: Directories that are hidden inside bwrap (empty read-only tmpfs) and not
#: readable under Landlock; the interpreter's own directories are put back.
HIDDEN_DIRS = ("/root", "/home", "/run", "/tmp", "/var/tmp", "/mnt", "/media", "/srv")


@dataclass(frozen=True)
class Plan:
    """Everything detect() learnt; spawn() follows it."""

    info: SandboxInfo
    linux: bool
    sh: str
    bwrap: str | None  # path of bwrap when the bwrap layer is on
    uid: int | None  # drop to this uid/gid (None: keep ours)
    gid: int | None
    root: bool  # asyncplay runs as root
    landlock_abi: int  # 0 = off; inside bwrap only its scope (signals) is used
    cgroups: tuple[CgroupBase, ...]
    roots: tuple[str, ...]  # directories the interpreter and the package need
    hidden: tuple[str, ...]  # existing directories hidden from the run
    subreaper: bool
    private_mounts: bool = False  # without bwrap: own mount + IPC namespace (root only)

    @property
    def own_user_ns(self) -> bool:
        """The run has a user namespace of its own (bwrap as an ordinary user)."""
        return self.bwrap is not None and not self.root

    @property
    def run_uid(self) -> int | None:
        """The uid the run is dropped to, when asyncplay (root) drops it."""
        return self.uid if self.root else None


def under(path: str, parent: str) -> bool:
    """``path`` is ``parent`` or inside it (as strings: no symlinks resolved)."""
    return path == parent or path.startswith(parent.rstrip("/") + "/")
