"""What the probe knows of the snippet's code, to tell its frames from others'."""

from __future__ import annotations

from typing import Any

__all__ = ["Snippet"]


class Snippet:
    """The snippet's path (as reported), source text and module globals.

    A frame whose globals are the snippet's runs the snippet's code, unless code
    compiled since it started (exec, eval, compile) runs with them: ``check_files``
    says whether such a frame must also show the snippet's file name (see hooks: the
    task factory). It is cleared once the snippet is compiled when an audit hook
    watches for new code (the guard), and set again if code appears.
    """

    __slots__ = ("origin", "source", "globals", "check_files")

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.source = ""  # set before it runs
        self.globals: dict[str, Any] | None = None  # set before it runs
        self.check_files = True
