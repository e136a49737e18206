"""The ``lesson.toml`` format: one declarative table of its keys, and their validation.

Every key of a lesson's metadata is one :class:`MetaField` in :data:`FIELDS`: its name,
what kind of value it takes (a :class:`Kind`: how to check and convert a value, and how
to name it in an error), whether it is required and its default. :func:`parse_meta` reads
a parsed ``lesson.toml`` against that table and returns the converted fields and a list
of problems (each a sentence naming the key), so adding a key is one line in the table
plus the :class:`~playground.catalog.Lesson` field that holds it.

``requires_python`` takes a version specifier (``">=3.12"``, ``">=3.11,<3.14"``,
``"==3.12.*"``); :func:`python_excluded` says whether, and why, a Python version is
outside it.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from playground.lessonterms import DEFAULT_ORDER, LEVELS, VARIANTS

__all__ = [
    "DEFAULT_ORDER",
    "FIELDS",
    "LEVELS",
    "SLUG",
    "VARIANTS",
    "Kind",
    "MetaField",
    "parse_meta",
    "python_excluded",
]

#: A lesson's slug (its folder name), also what ``related`` lists.
SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

_RULE_CODE = re.compile(r"^[A-Z]{1,8}[0-9]{1,4}$")
_URL = re.compile(r"^https?://[^\s/]+\.[^\s/]+(/\S*)?$")
_SPEC_CLAUSE = re.compile(r"^\s*(>=|<=|==|!=|>|<)\s*([0-9]+(?:\.[0-9]+){0,2})(\.\*)?\s*$")

#: (value or None, problem or None): a Kind's verdict on one value.
Checked = tuple[Any, str | None]


@dataclass(frozen=True)
class Kind:
    """A kind of value: ``check`` converts a value or names the problem after ``must be``."""

    what: str  # e.g. "text", "a list of texts": used in "missing 'tags' (a list of texts)"
    check: Callable[[Any], Checked]


@dataclass(frozen=True)
class MetaField:
    """One key of ``lesson.toml``: its kind, whether it is required, its default."""

    key: str
    kind: Kind
    required: bool = False
    default: Any = None
    #: The name of the Lesson attribute (the key itself unless given).
    attr: str | None = None


def _type_name(value: object) -> str:
    names = {str: "text", bool: "a boolean", int: "an integer", float: "a number",
             list: "a list", dict: "a table"}
    return names.get(type(value), type(value).__name__)


def _text(value: Any) -> Checked:
    if not isinstance(value, str):
        return None, f"must be text, not {_type_name(value)}"
    if not value.strip():
        return None, "must not be empty"
    return value.strip(), None


def _integer(value: Any) -> Checked:
    if isinstance(value, bool) or not isinstance(value, int):
        return None, f"must be an integer, not {_type_name(value)}"
    return value, None


def _seconds(value: Any) -> Checked:
    if (isinstance(value, bool) or not isinstance(value, (int, float))
            or not 0 < value < math.inf):
        return None, f"must be a positive number of seconds, not {value!r}"
    return float(value), None


def _boolean(value: Any) -> Checked:
    if not isinstance(value, bool):
        return None, f"must be true or false, not {value!r}"
    return value, None


def _level(value: Any) -> Checked:
    if value not in LEVELS:
        return None, f"must be one of {', '.join(repr(v) for v in LEVELS)}, not {value!r}"
    return value, None


def _list_of(item: str, ok: Callable[[str], object], *, may_be_empty: bool = True,
             ) -> Callable[[Any], Checked]:
    """A list of texts that each pass ``ok``; the problem names the first bad item."""

    def check(value: Any) -> Checked:
        if not isinstance(value, list):
            return None, f"must be a list of {item}, not {value!r}"
        if not value and not may_be_empty:
            return None, f"must be a list of {item}, not an empty list"
        for entry in value:
            if not isinstance(entry, str) or not ok(entry):
                return None, f"must be a list of {item}, not {value!r} ({entry!r})"
        if len(set(value)) != len(value):
            return None, f"lists {next(v for v in value if value.count(v) > 1)!r} twice"
        return tuple(value), None

    return check


def _prediction(value: Any) -> Checked:
    # Imported when a lesson is parsed: a start that finds its lessons kept
    # (playground.lessoncache) reads only the constants above.
    from playground.prediction import parse_prediction

    return parse_prediction(value)


def _python_spec(value: Any) -> Checked:
    if not isinstance(value, str) or not value.strip():
        return None, f"must be a version specifier such as \">=3.12\", not {value!r}"
    problem = _spec_problem(value)
    if problem:
        return None, problem
    return value.strip(), None


TEXT = Kind("text", _text)
TAGS = Kind("a list of texts", _list_of("non-empty texts", bool, may_be_empty=False))
INTEGER = Kind("an integer", _integer)
SECONDS = Kind("a positive number of seconds", _seconds)
BOOLEAN = Kind("true or false", _boolean)
LEVEL = Kind("one of " + ", ".join(repr(v) for v in LEVELS), _level)
RULE_CODES = Kind("a list of rule codes such as \"ASYNC251\"",
                  _list_of("rule codes such as \"ASYNC251\"", _RULE_CODE.match))
DOC_LINKS = Kind("a list of https:// links", _list_of("http(s) links", _URL.match))
SLUGS = Kind("a list of lesson slugs", _list_of("lesson slugs", SLUG.match))
PREDICT = Kind("a [predict] table (question, choices, answer, explain)", _prediction)
PYTHON_SPEC = Kind("a version specifier such as \">=3.12\"", _python_spec)

#: Every key of ``lesson.toml`` except ``expect`` (checked by :mod:`playground.expect`).
FIELDS: tuple[MetaField, ...] = (
    MetaField("title", TEXT, required=True),
    MetaField("summary", TEXT, required=True),
    MetaField("why", TEXT, required=True),
    MetaField("watch", TEXT, required=True),
    MetaField("mistake", TEXT, required=True),
    MetaField("fix", TEXT, required=True),
    MetaField("tags", TAGS, required=True),
    # Optional so that a user's own lesson folder loads without it; every shipped lesson
    # declares it (a test says so). Without a level a lesson comes after every level.
    MetaField("level", LEVEL),
    MetaField("order", INTEGER, default=DEFAULT_ORDER),
    MetaField("lint", RULE_CODES, default=()),
    MetaField("docs", DOC_LINKS, default=()),
    MetaField("related", SLUGS, default=()),
    MetaField("requires_python", PYTHON_SPEC),
    MetaField("python_notes", TEXT),
    MetaField("timeout_s", SECONDS),
    # None: decided from the snippets (do they mention API_URL?).
    MetaField("uses_api", BOOLEAN),
    # The question asked before a run, answered after it (playground.prediction).
    MetaField("predict", PREDICT),
)
_KNOWN_KEYS = frozenset(f.key for f in FIELDS) | {"expect"}


def parse_meta(meta: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The Lesson fields (by attribute name) read from ``meta``, and the problems found."""
    problems: list[str] = []
    out: dict[str, Any] = {}
    for key in sorted(set(meta) - _KNOWN_KEYS):
        problems.append(f"unknown key {key!r} (known: {', '.join(sorted(_KNOWN_KEYS))})")
    for spec in FIELDS:
        attr = spec.attr or spec.key
        if spec.key not in meta:
            if spec.required:
                problems.append(f"missing {spec.key!r} ({spec.kind.what})")
            out[attr] = spec.default
            continue
        value, problem = spec.kind.check(meta[spec.key])
        if problem is not None:
            problems.append(f"{spec.key!r} {problem}")
        else:
            out[attr] = value
    out["expect"] = _parse_expect(meta.get("expect", {}), problems)
    return out, problems


def _parse_expect(raw: Any, problems: list[str]) -> dict[str, Mapping[str, Any]]:
    from playground import expect  # see _prediction

    expectations: dict[str, Mapping[str, Any]] = {}
    if not isinstance(raw, dict):
        problems.append(
            f"'expect' must be a table with [expect.bad] and [expect.good], not {raw!r}")
        return expectations
    for key in sorted(set(raw) - set(VARIANTS)):
        problems.append(f"unknown variant [expect.{key}] (use [expect.bad] and [expect.good])")
    for variant in VARIANTS:
        table = raw.get(variant, {})
        if not isinstance(table, dict):
            problems.append(f"[expect.{variant}] must be a table, not {_type_name(table)}")
            continue
        problems.extend(f"[expect.{variant}] {p}" for p in expect.validate(table))
        expectations[variant] = dict(table)
    return expectations


# -- requires_python -------------------------------------------------------------------------


def _clauses(spec: str) -> list[str]:
    return spec.split(",")


def _spec_problem(spec: str) -> str | None:
    for clause in _clauses(spec):
        match = _SPEC_CLAUSE.match(clause)
        if match is None:
            return (f"must be a version specifier such as \">=3.12\" or \">=3.11,<3.14\", "
                    f"not {spec!r} (cannot read {clause.strip()!r})")
        if match.group(3) and match.group(1) not in ("==", "!="):
            return f"{clause.strip()!r}: '.*' goes only with == or !="
    return None


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


def _clause_holds(op: str, wanted: tuple[int, ...], wildcard: bool,
                  running: tuple[int, int, int]) -> bool:
    if wildcard:
        same = running[: len(wanted)] == wanted
        return same if op == "==" else not same
    padded = wanted + (0,) * (3 - len(wanted))
    if op in ("==", "!="):
        # "==3.12" means 3.12.0 in the packaging rules; a lesson means the whole minor
        # version, so a shorter version compares only the parts it gives.
        same = running[: len(wanted)] == wanted
        return same if op == "==" else not same
    return {
        ">=": running >= padded, "<=": running <= padded,
        ">": running > padded, "<": running < padded,
    }[op]


def python_excluded(spec: str | None,
                    version: Sequence[int] | None = None) -> str | None:
    """Why the Python ``version`` (default: this one) is outside ``spec``; None when inside.

    ``spec`` must have passed validation (see :data:`FIELDS`).
    """
    if spec is None:
        return None
    info = tuple(version if version is not None else sys.version_info[:3])
    running = (info + (0, 0, 0))[:3]
    for clause in _clauses(spec):
        match = _SPEC_CLAUSE.match(clause)
        assert match is not None, spec
        op, wanted, wildcard = match.group(1), _version(match.group(2)), bool(match.group(3))
        if not _clause_holds(op, wanted, wildcard, (running[0], running[1], running[2])):
            shown = ".".join(str(p) for p in running)
            return f"needs Python {spec.strip()} (this is Python {shown})"
    return None
