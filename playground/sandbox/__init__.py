"""Run a learner's snippet in a child process, in layers of isolation.

A run is untrusted code: whatever it does, it must not escape, hang asyncplay or
leak. :func:`detect` finds once per process which layers this machine gives;
:func:`spawn` starts a run and returns its :class:`Child`; every run's
:class:`SandboxInfo` says which layers are active and why the others are not.
docs/SECURITY.md describes the process chain, each layer and the known gaps.
"""

from playground.sandbox.child import Child
from playground.sandbox.detection import detect
from playground.sandbox.pipes import OutputChunks
from playground.sandbox.spawning import spawn
from playground.sandbox.types import EVENTS_FD_ENV, NO_BWRAP_ENV, ExitInfo, Limits, SandboxInfo

__all__ = [
    "Limits",
    "SandboxInfo",
    "ExitInfo",
    "Child",
    "OutputChunks",
    "detect",
    "spawn",
    "EVENTS_FD_ENV",
    "NO_BWRAP_ENV",
]
