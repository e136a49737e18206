"""Where was a never-awaited coroutine created?

CPython can record every coroutine's creation site
(``sys.set_coroutine_origin_tracking_depth``), but that costs a line-number lookup
and two tuples for *every* coroutine: 20-40% on workloads that await small
coroutines in a loop. So the probe starts with tracking off and, when the first
never-awaited coroutine is reported, finds its line from two facts:

- the line the snippet was executing when the coroutine was freed (for the common
  ``fetch(1)`` expression statement, the coroutine dies on its own line);
- the calls to that coroutine function in the snippet's source that are not awaited.

Then it switches tracking on, so every later report is exact.
"""

from __future__ import annotations

import ast
from types import FrameType

__all__ = ["UnawaitedCalls", "creation_line"]


class UnawaitedCalls:
    """The snippet's calls that are not directly awaited, by function name."""

    def __init__(self, source: str) -> None:
        # name -> [(line, is_argument, module the callee is looked up on, if known)]
        self.by_name: dict[str, list[tuple[int, bool, str | None]]] = {}
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            return
        modules: dict[str, str] = {}  # local name -> top-level module ("aio" -> "asyncio")
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    modules[alias.asname or alias.name.split(".")[0]] = alias.name.split(".")[0]
        awaited: set[int] = set()
        arguments: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Await):
                awaited.add(id(node.value))
            elif isinstance(node, ast.Call):
                for arg in node.args:
                    arguments.add(id(arg))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or id(node) in awaited:
                continue
            func = node.func
            module = None
            if isinstance(func, ast.Name):
                name: str | None = func.id
            elif isinstance(func, ast.Attribute):
                name = func.attr
                if isinstance(func.value, ast.Name):
                    module = modules.get(func.value.id)
            else:
                name = None
            if name:
                self.by_name.setdefault(name, []).append(
                    (node.lineno, id(node) in arguments, module))

    def lines(self, name: str, module: str | None) -> list[tuple[int, bool]]:
        """Unawaited calls of ``name``, leaving out ``othermodule.name(...)``."""
        return [(line, is_arg) for line, is_arg, mod in self.by_name.get(name, [])
                if mod is None or module is None or mod == module]


def creation_line(calls: UnawaitedCalls, name: str, module: str | None, origin: str,
                  freed_in: FrameType | None) -> int | None:
    """Best line for a never-awaited coroutine of function ``name`` from ``module``."""
    candidates = calls.lines(name, module)
    freed_line = None
    frame = freed_in
    while frame is not None:
        if frame.f_code.co_filename == origin:
            freed_line = frame.f_lineno
            break
        frame = frame.f_back
    lines = [line for line, _ in candidates]
    if freed_line is not None and freed_line in lines:
        return freed_line
    if len(lines) == 1:
        return lines[0]
    standalone = [line for line, is_arg in candidates if not is_arg]
    if len(standalone) == 1:
        return standalone[0]
    if freed_line is not None:
        return freed_line
    return min(lines) if lines else None
