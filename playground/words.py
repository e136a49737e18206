"""How a run's facts are put in words, for every front end.

The app, the headless CLI and the expectations' checks say durations, memory, places
and task names through these functions, so they say the same thing for the same
state. The model re-exports them; this module depends on nothing, so that
:mod:`playground.expect` (which the model's summary uses) can use it too.
"""

from __future__ import annotations

import os
import re

__all__ = ["format_bytes", "format_mb", "format_ms", "place", "task_label"]

_MIB = 1024 * 1024


def format_ms(ms: float | None) -> str:
    """A duration for people: ``0.4 ms``, ``37 ms``, ``1 002 ms`` (``–`` when unknown)."""
    if ms is None:
        return "–"
    if ms < 10:
        return f"{ms:.1f} ms"
    return f"{ms:,.0f} ms".replace(",", " ")


def format_mb(kb: float) -> str:
    """Memory for people, in MB: ``94 MB``."""
    return f"{kb / 1024:.0f} MB"


def format_bytes(nbytes: float) -> str:
    """1048576 -> "1 MB", 1536 -> "1.5 KB" (binary units, as the limits are given)."""
    for unit, scale in (("GB", 1024 * _MIB), ("MB", _MIB), ("KB", 1024)):
        if nbytes >= scale:
            return f"{round(nbytes / scale, 1):g} {unit}"
    return f"{int(nbytes)} bytes"


def place(file: str | None, line: int | None) -> str:
    """``bad.py:15``: a file's base name and a line, as short as stays clear
    (the base name alone without a line, ``?:15`` without a file, "" without both)."""
    if line is None:
        return os.path.basename(file) if file else ""
    name = os.path.basename(file) if file else "?"
    return f"{name}:{line}"


_DEFAULT_TASK_NAME = re.compile(r"^Task-\d+$")


def task_label(name: str, coro: str | None) -> str:
    """What to call a task: its own name, or its coroutine's when asyncio named it ``Task-N``."""
    if coro and (not name or _DEFAULT_TASK_NAME.match(name)):
        return f"{coro}()"
    return name or "?"
