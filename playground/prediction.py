"""A lesson's question to answer before its run: ``[predict]`` in ``lesson.toml``.

    [predict]
    question = "While worker() sleeps with time.sleep(1), do the tickers keep printing?"
    choices = ["Yes, every 0.2 s", "No: nothing prints for a second"]   # 2 to 4
    answer = 1                                                           # 0-based
    explain = "time.sleep() never gives the loop back: ..."

The app asks before the run and reveals the answer (with the explanation) after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["KEYS", "Prediction", "parse_prediction"]

KEYS = ("question", "choices", "answer", "explain")


@dataclass(frozen=True)
class Prediction:
    """The question, its 2-4 choices, the index of the right one, and why it is right."""

    question: str
    choices: tuple[str, ...]
    answer: int
    explain: str

    @property
    def right(self) -> str:
        return self.choices[self.answer]


def parse_prediction(value: Any) -> tuple[Prediction | None, str | None]:
    """A :class:`Prediction` from the ``[predict]`` table, or the problem (after 'must')."""
    if not isinstance(value, dict):
        return None, f"must be a table ([predict] with {', '.join(KEYS)}), not {value!r}"
    unknown = sorted(set(value) - set(KEYS))
    if unknown:
        return None, f"has an unknown key {unknown[0]!r} (known: {', '.join(KEYS)})"
    missing = [key for key in KEYS if key not in value]
    if missing:
        return None, f"misses {missing[0]!r} (it needs {', '.join(KEYS)})"
    for key in ("question", "explain"):
        if not isinstance(value[key], str) or not value[key].strip():
            return None, f"{key!r} must be non-empty text, not {value[key]!r}"
    choices = value["choices"]
    if (not isinstance(choices, list) or not 2 <= len(choices) <= 4
            or not all(isinstance(c, str) and c.strip() for c in choices)):
        return None, f"'choices' must be a list of 2 to 4 non-empty texts, not {choices!r}"
    if len(set(choices)) != len(choices):
        return None, "'choices' lists the same choice twice"
    answer = value["answer"]
    if isinstance(answer, bool) or not isinstance(answer, int) or not 0 <= answer < len(choices):
        return None, (f"'answer' must be the index of the right choice (0 to {len(choices) - 1}), "
                      f"not {answer!r}")
    return Prediction(value["question"].strip(), tuple(c.strip() for c in choices), answer,
                      value["explain"].strip()), None
