"""The sandbox's public types: the limits of a run, the layers a machine gives,
and how a run ended. Plain frozen dataclasses, shared by every other module."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Limits", "SandboxInfo", "ExitInfo", "EVENTS_FD_ENV", "CONTROL_FD_ENV", "NO_BWRAP_ENV",
           "MIB"]

#: Environment variable naming the event channel's fd in the child.
EVENTS_FD_ENV = "ASYNCPLAY_EVENTS_FD"
#: Environment variable naming step mode's control channel (parent -> probe) in the child.
CONTROL_FD_ENV = "ASYNCPLAY_CONTROL_FD"
#: ``ASYNCPLAY_NO_BWRAP=1`` switches bubblewrap off (default of :func:`detect`).
NO_BWRAP_ENV = "ASYNCPLAY_NO_BWRAP"
MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Resource limits of one run."""

    wall_s: float = 30.0  # enforced by the session (timeout), carried here for reference
    cpu_s: int = 30  # RLIMIT_CPU soft; hard = soft + 2 (SIGXCPU first, then SIGKILL)
    memory_mb: int = 2048  # RLIMIT_AS (and memory cgroup when available)
    processes: int = 64  # RLIMIT_NPROC (only effective for a non-root uid) and pids cgroup
    file_size_mb: int = 64  # RLIMIT_FSIZE (the bwrap work dir tmpfs holds 4x this)
    open_files: int = 256  # RLIMIT_NOFILE (asyncio needs >= 64)
    output_bytes: int = 8 * 1024 * 1024  # enforced by the session's readers

    def __post_init__(self) -> None:
        for name in ("cpu_s", "memory_mb", "processes", "file_size_mb", "output_bytes"):
            if getattr(self, name) <= 0:
                raise ValueError(f"Limits.{name} must be positive")
        if self.wall_s <= 0:
            raise ValueError("Limits.wall_s must be positive")
        if self.open_files < 64:
            raise ValueError("Limits.open_files must be >= 64 (asyncio needs them)")


@dataclass(frozen=True)
class SandboxInfo:
    """Which layers are active on this machine, and why the others are not."""

    layers: tuple[str, ...]
    missing: tuple[str, ...]  # "name: reason"
    bwrap: bool


@dataclass(frozen=True)
class ExitInfo:
    """How a run ended."""

    exit_code: int | None  # None when killed by a signal
    signal: str | None  # "SIGKILL", "SIGXCPU", ...
    cpu_s: float  # user+sys CPU of the snippet's process (and what it reaped)
    killed_by_us: bool  # True when Child.kill() ended it (timeout or Stop)
    peak_rss_kb: int = 0  # the run's own peak resident memory (largest process), 0 if unknown
