"""Reading a request's query parameters: a number or an integer within bounds, or an
HTTP 400 whose JSON body names the parameter and what it must be."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import TypeVar

from aiohttp import web

#: Upper bound for any ``delay_ms`` / ``interval_ms`` a client may ask for.
MAX_DELAY_MS = 60_000.0

T = TypeVar("T", int, float)


def bad_request(message: str) -> web.HTTPBadRequest:
    """HTTP 400 with ``{"error": message}``."""
    return web.HTTPBadRequest(
        text=json.dumps({"error": message}), content_type="application/json"
    )


def number(request: web.Request, name: str, default: float, *, low: float, high: float) -> float:
    """The query parameter ``name`` as a finite number in [low, high] (``default`` if absent)."""
    value = _parsed(request, name, float, "a number")
    if value is None:
        return default
    if not math.isfinite(value) or not low <= value <= high:
        raise bad_request(f"{name} must be between {low:g} and {high:g}")
    return value


def integer(request: web.Request, name: str, default: int, *, low: int, high: int) -> int:
    """The query parameter ``name`` as an integer in [low, high] (``default`` if absent)."""
    value = _parsed(request, name, int, "an integer")
    if value is None:
        return default
    if not low <= value <= high:
        raise bad_request(f"{name} must be between {low} and {high}")
    return value


def _parsed(request: web.Request, name: str, parse: Callable[[str], T], what: str) -> T | None:
    """The query parameter ``name`` parsed (None when absent); HTTP 400 if it is not ``what``."""
    raw = request.query.get(name)
    if raw is None:
        return None
    try:
        return parse(raw)
    except ValueError:
        raise bad_request(f"{name} must be {what}, not {raw!r}") from None


def delay_s(request: web.Request, default_ms: float) -> float:
    """The request's ``delay_ms`` (or ``default_ms``), in seconds."""
    return number(request, "delay_ms", default_ms, low=0.0, high=MAX_DELAY_MS) / 1000.0
