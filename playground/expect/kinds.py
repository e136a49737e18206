"""What an expectation key accepts: each :class:`Kind` checks a declared value.

A kind names the problem of a bad value in a sentence that starts with the key
(``"lag_max_below_ms must be a non-negative number, not '50'"``); the catalog shows it
with the lesson file, so a lesson author sees exactly what to change.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "COUNT",
    "LINE",
    "NUMBER",
    "POSITIVE",
    "TEXT",
    "TEXTS",
    "TEXT_LIST",
    "TRUE",
    "Kind",
    "one_of",
    "table",
]


@dataclass(frozen=True)
class Kind:
    """A kind of value: ``problems(key, value)`` lists what is wrong (empty: valid)."""

    problems: Callable[[str, Any], list[str]]
    #: For a table kind: its sub-keys (in the order they are documented).
    subkeys: tuple[str, ...] = field(default=())


def _simple(ok: Callable[[Any], bool], must: str) -> Kind:
    def problems(key: str, value: Any) -> list[str]:
        return [] if ok(value) else [f"{key} must be {must}, not {value!r}"]

    return Kind(problems)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value) and value >= 0)


def _is_text(value: object) -> bool:
    return isinstance(value, str) and value != ""


def _is_text_list(value: object) -> bool:
    return isinstance(value, list) and len(value) > 0 and all(_is_text(v) for v in value)


NUMBER = _simple(_is_number, "a non-negative number")
POSITIVE = _simple(lambda v: _is_int(v) and v >= 1, "a positive integer")
COUNT = _simple(lambda v: _is_int(v) and v >= 0, "a whole number (0 or more)")
LINE = _simple(lambda v: _is_int(v) and v >= 1, "a line number (1 or more)")
TRUE = _simple(lambda v: v is True, "true (leave it out otherwise)")
TEXT = _simple(_is_text, "non-empty text")
TEXTS = _simple(lambda v: _is_text(v) or _is_text_list(v), "text or a list of texts")
TEXT_LIST = _simple(_is_text_list, "a list of texts")


def one_of(choices: Sequence[str]) -> Kind:
    """One of ``choices``, or a non-empty list of them."""

    def ok(value: Any) -> bool:
        values = [value] if isinstance(value, str) else value
        return (isinstance(values, list) and len(values) > 0
                and all(isinstance(v, str) and v in choices for v in values))

    return _simple(ok, f"one of {', '.join(choices)} (or a list of them)")


def entry_problems(entries: Mapping[str, Any], kinds: Mapping[str, Kind], *,
                   unknown: Callable[[str], str], prefix: str = "") -> list[str]:
    """The problems of each entry of a table: by the kind ``kinds`` gives its key (named
    ``prefix`` + key), or ``unknown(key)`` for a key it does not know."""
    found: list[str] = []
    for key, value in entries.items():
        kind = kinds.get(key)
        if kind is None:
            found.append(unknown(key))
        else:
            found.extend(kind.problems(prefix + key, value))
    return found


def table(spec: Mapping[str, Kind], *, required: Sequence[str] = (),
          one_required: Sequence[str] = ()) -> Kind:
    """A table of sub-keys, each of its own kind; ``required`` sub-keys must be given,
    and at least one of ``one_required`` (when given)."""

    def problems(key: str, value: Any) -> list[str]:
        if not isinstance(value, Mapping):
            return [f"{key} must be a table like {{ {', '.join(spec)} }}, not {value!r}"]
        found = entry_problems(
            value, spec, prefix=f"{key}.",
            unknown=lambda sub: f"unknown key {sub!r} in {key} (known: {', '.join(spec)})")
        for sub in required:
            if sub not in value:
                found.append(f"{key} needs {sub}")
        if one_required and not any(sub in value for sub in one_required):
            found.append(f"{key} needs {' or '.join(one_required)}")
        return found

    return Kind(problems, subkeys=tuple(spec))
