"""The terms of the learning path that a loaded catalog reads: the two variants of a
lesson, the levels in the order they are taught, and a lesson's default place in its
level.

They are :mod:`playground.lessonmeta`'s, which checks a ``lesson.toml`` against them; a
module of their own so that a start whose lessons are all kept (see
:mod:`playground.lessoncache`) sorts and shows them without importing the parser.
"""

from __future__ import annotations

__all__ = ["DEFAULT_ORDER", "LEVELS", "VARIANTS"]

#: The two snippets of every lesson, in display order.
VARIANTS = ("bad", "good")
#: The levels of the learning path, in the order they are taught.
LEVELS = (
    "basics",
    "concurrency",
    "errors and cancellation",
    "resources",
    "threads and processes",
    "advanced",
)
#: Sort key of a lesson without ``order`` (after every ordered lesson of its level).
DEFAULT_ORDER = 1000
