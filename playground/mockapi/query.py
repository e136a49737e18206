"""Reading a request's query parameters: a number or an integer within bounds, or an
HTTP 400 whose JSON body names the parameter and what it must be."""

from __future__ import annotations

import json
import math

from aiohttp import web

#: Upper bound for any ``delay_ms`` / ``interval_ms`` a client may ask for.
MAX_DELAY_MS = 60_000.0


def bad_request(message: str) -> web.HTTPBadRequest:
    """HTTP 400 with ``{"error": message}``."""
    return web.HTTPBadRequest(
        text=json.dumps({"error": message}), content_type="application/json"
    )


def number(request: web.Request, name: str, default: float, *, low: float, high: float) -> float:
    """The query parameter ``name`` as a finite number in [low, high] (``default`` if absent)."""
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise bad_request(f"{name} must be a number, not {raw!r}") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise bad_request(f"{name} must be between {low:g} and {high:g}")
    return value


def integer(request: web.Request, name: str, default: int, *, low: int, high: int) -> int:
    """The query parameter ``name`` as an integer in [low, high] (``default`` if absent)."""
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"{name} must be an integer, not {raw!r}") from None
    if not low <= value <= high:
        raise bad_request(f"{name} must be between {low} and {high}")
    return value


def delay_s(request: web.Request, default_ms: float) -> float:
    """The request's ``delay_ms`` (or ``default_ms``), in seconds."""
    return number(request, "delay_ms", default_ms, low=0.0, high=MAX_DELAY_MS) / 1000.0
