"""How each expectation reads a run summary: builders of (description, evaluator).

A builder takes a declared value (already valid) and returns what the check says
(``"lag max < 50 ms"``) and a function from the summary to ``(met, observed)``.
``observed`` says what the run showed; when there is nothing to add to the check's
own words, it repeats them (the front ends then show the check alone, see
:func:`playground.expect.shown`). A summary field that is missing makes a check unmet
with ``"not measured"``, never an exception.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from playground.words import format_mb, format_ms, place

#: (met, observed)
Result = tuple[bool, str]
Evaluator = Callable[[Mapping[str, Any]], Result]
Built = tuple[str, Evaluator]
Builder = Callable[[Any], Built]

NOT_MEASURED = "not measured"
#: What a check of the loop's health observes of a run whose snippet never ran a loop.
NO_LOOP = "no event loop ran"


def loop_ran(summary: Mapping[str, Any]) -> bool:
    """Whether the run's snippet ran an event loop: it created a task (``asyncio.run``'s
    main one at least), or the loop was measured. False for a snippet that died before
    its loop (a syntax error, an exception at import): "no stalls" and "lag max < 50 ms"
    would hold of it, and mean nothing. A summary without the count of tasks made (an
    older recording, a run that died early) is taken as having run one: the check
    itself says what was not measured."""
    tasks = summary.get("tasks")
    created = tasks.get("created") if isinstance(tasks, Mapping) else None
    if not isinstance(created, int):
        return True
    return bool(created or summary.get("stalls") or (summary.get("lag") or {}).get("max_ms"))


def of_the_loop(built: Built) -> Built:
    """A check of the loop's health that only a run with a loop meets (see :func:`loop_ran`)."""
    described, evaluate = built

    def evaluate_if_ran(summary: Mapping[str, Any]) -> Result:
        if not loop_ran(summary):
            return False, NO_LOOP
        return evaluate(summary)

    return described, evaluate_if_ran


# -- wording ---------------------------------------------------------------------------


def ms(value: Any) -> str:
    return format_ms(float(value))


def num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def mb(kb: Any) -> str:
    return format_mb(float(kb))


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def where(item: Mapping[str, Any]) -> str:
    file, line = item.get("file"), item.get("line")
    return place(str(file) if file else None, line) or "unknown place"


def stall_text(stall: Mapping[str, Any]) -> str:
    text = f"{ms(stall['ms'])} at {where(stall)}"
    code = stall.get("code")
    if code:
        text += f" `{str(code).strip()}`"
    return text


def warning_text(warning: Mapping[str, Any]) -> str:
    return f"{warning.get('category', '?')} at {where(warning)}: {warning.get('message', '')}"


def error_text(error: Mapping[str, Any]) -> str:
    return f"{error.get('type', '?')} at {where(error)}: {error.get('message', '')}"


def quoted(texts: Sequence[str], joiner: str = " and ") -> str:
    return joiner.join(f'"{t}"' for t in texts)


def texts(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


# -- reading the summary ------------------------------------------------------------------


def path(*keys: str) -> Callable[[Mapping[str, Any]], Any]:
    """A reader of ``summary[k1][k2]...``: None when any step is missing."""

    def read(summary: Mapping[str, Any]) -> Any:
        value: Any = summary
        for key in keys:
            if not isinstance(value, Mapping):
                return None
            value = value.get(key)
        return value

    return read


def stalls(summary: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [s for s in summary.get("stalls") or []
            if isinstance(s, Mapping) and s.get("ms") is not None]


def longest(items: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    return max(items, key=lambda s: float(s["ms"]), default=None)


def warnings(summary: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [w for w in summary.get("warnings") or [] if isinstance(w, Mapping)]


def memory_growth_kb(summary: Mapping[str, Any]) -> float | None:
    rss = summary.get("rss")
    if not isinstance(rss, Mapping) or rss.get("max_kb") is None or rss.get("first_kb") is None:
        return None
    return float(rss["max_kb"]) - float(rss["first_kb"])


def stdout_timed(summary: Mapping[str, Any]) -> list[Any] | None:
    timed = summary.get("stdout_timed")
    if timed is None:
        timed = path("output", "stdout_timed")(summary)
    return timed if isinstance(timed, list) else None


def matches(item: Mapping[str, Any], want: Mapping[str, Any], exact: str, contains: str) -> bool:
    if exact in want and str(item.get(exact)) != want[exact]:
        return False
    if contains in want and want[contains] not in str(item.get(contains) or ""):
        return False
    return not ("line" in want and item.get("line") != want["line"])


def describe_match(head: str, want: Mapping[str, Any], exact: str, contains: str) -> str:
    parts = [head]
    if exact in want:
        parts.append(str(want[exact]))
    if contains in want:
        parts.append(f'"{want[contains]}"')
    if "line" in want:
        parts.append(f"at line {want['line']}")
    return " ".join(parts)


# -- builders -------------------------------------------------------------------------------


def status(value: Any) -> Built:
    wanted = texts(value)
    described = f"status is {' or '.join(wanted)}"

    def evaluate(summary: Mapping[str, Any]) -> Result:
        got = summary.get("status")
        met = got in wanted
        observed = str(got)
        error = summary.get("error")
        if isinstance(error, Mapping) and error.get("type"):
            named = f"{error['type']}: {error.get('message', '')}"
            # Met, the status is the check's own word: only the error adds something.
            observed = named if met else f"{observed} ({named})"
        return met, observed

    return described, evaluate


def stall(value: Any) -> Built:
    min_ms = float(value["min_ms"])
    described = f"stall >= {min_ms:.0f} ms"
    if "code" in value:
        described += f" at `{value['code']}`"
    if "line" in value:
        described += f" on line {value['line']}"

    def evaluate(summary: Mapping[str, Any]) -> Result:
        found = stalls(summary)
        placed = [s for s in found
                  if ("code" not in value or value["code"] in str(s.get("code") or ""))
                  and ("line" not in value or s.get("line") == value["line"])]
        long_enough = [s for s in placed if float(s["ms"]) >= min_ms]
        best = longest(long_enough) or longest(placed) or longest(found)
        if best is None:
            return False, "no stalls"
        return bool(long_enough), stall_text(best)

    return described, evaluate


def no_stalls(value: Any) -> Built:
    def evaluate(summary: Mapping[str, Any]) -> Result:
        found = stalls(summary)
        worst = longest(found)
        if worst is None:
            return True, "no stalls"
        return False, f"{plural(len(found), 'stall')}, longest {stall_text(worst)}"

    return "no stalls", evaluate


def no_stall_over(value: Any) -> Built:
    def evaluate(summary: Mapping[str, Any]) -> Result:
        worst = longest(stalls(summary))
        if worst is None:
            return True, "no stalls"
        return float(worst["ms"]) <= value, f"longest stall {stall_text(worst)}"

    return f"no stall over {num(value)} ms", evaluate


def stalls_min(value: Any) -> Built:
    def evaluate(summary: Mapping[str, Any]) -> Result:
        if summary.get("stalls") is None:
            return False, NOT_MEASURED
        count = len(stalls(summary))
        return count >= value, plural(count, "stall")

    return f"at least {plural(value, 'stall')}", evaluate


def compare(read: Callable[[Mapping[str, Any]], Any], label: str, op: str,
            shown: Callable[[Any], str] = num,
            value_shown: Callable[[Any], str] | None = None) -> Builder:
    """A number in the summary against the declared bound: ``>`` and ``<`` are strict,
    ``>=`` and ``<=`` inclusive. ``shown`` words a measured number (and the bound, unless
    ``value_shown`` words it differently)."""
    tests: dict[str, Callable[[float, float], bool]] = {
        ">": lambda a, b: a > b, "<": lambda a, b: a < b,
        ">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b,
    }
    test = tests[op]

    def build(value: Any) -> Built:
        def evaluate(summary: Mapping[str, Any]) -> Result:
            measured = read(summary)
            if measured is None or isinstance(measured, bool):
                return False, NOT_MEASURED
            return test(float(measured), float(value)), shown(measured)

        return f"{label} {op} {(value_shown or shown)(value)}", evaluate

    return build


def warning(value: Any) -> Built:
    def evaluate(summary: Mapping[str, Any]) -> Result:
        found = warnings(summary)
        if not found:
            return False, "no warnings"
        matching = [w for w in found if matches(w, value, "category", "message")]
        return bool(matching), warning_text((matching or found)[0])

    return describe_match("warning", value, "category", "message"), evaluate


def no_warnings(value: Any) -> Built:
    def evaluate(summary: Mapping[str, Any]) -> Result:
        found = warnings(summary)
        if not found:
            return True, "no warnings"
        return False, f"{plural(len(found), 'warning')}, first: {warning_text(found[0])}"

    return "no warnings", evaluate


def no_warning(value: Any) -> Built:
    described = describe_match("no warning", value, "category", "message")

    def evaluate(summary: Mapping[str, Any]) -> Result:
        matching = [w for w in warnings(summary) if matches(w, value, "category", "message")]
        if not matching:
            return True, described
        return False, warning_text(matching[0])

    return described, evaluate


def error(value: Any) -> Built:
    def evaluate(summary: Mapping[str, Any]) -> Result:
        found = summary.get("error")
        if not isinstance(found, Mapping):
            return False, "no error"
        return matches(found, value, "type", "message"), error_text(found)

    return describe_match("error", value, "type", "message"), evaluate


def no_error(value: Any) -> Built:
    def evaluate(summary: Mapping[str, Any]) -> Result:
        found = summary.get("error")
        if not isinstance(found, Mapping):
            return True, "no error"
        return False, error_text(found)

    return "no error", evaluate


def contains(stream: str, *, negate: bool = False) -> Builder:
    """``stdout``/``stderr`` contains every text (or, negated, none of them)."""
    name = "output" if stream == "stdout" else "stderr"

    def build(value: Any) -> Built:
        wanted = texts(value)
        described = (f"{name} has none of {quoted(wanted, ', ')}" if negate and len(wanted) > 1
                     else f"{name} {'does not contain' if negate else 'contains'} "
                          f"{quoted(wanted)}")

        def evaluate(summary: Mapping[str, Any]) -> Result:
            text = summary.get(stream)
            if not isinstance(text, str):
                return False, f"no {name} captured"
            present = [w for w in wanted if w in text]
            if negate:
                return (not present, described) if not present else (
                    False, f'"{present[0]}" found')
            missing = [w for w in wanted if w not in text]
            if not missing:
                return True, described
            return False, f'"{missing[0]}" not in {len(text.encode())} bytes of {name}'

        return described, evaluate

    return build


def stdout_order(value: Any) -> Built:
    wanted = texts(value)
    described = "output in order: " + quoted(wanted, ", ")

    def evaluate(summary: Mapping[str, Any]) -> Result:
        text = summary.get("stdout")
        if not isinstance(text, str):
            return False, "no output captured"
        position = 0
        for index, item in enumerate(wanted):
            found = text.find(item, position)
            if found < 0:
                if item not in text:
                    return False, f'"{item}" not in the output'
                return False, f'"{item}" comes before "{wanted[index - 1]}"'
            position = found + len(item)
        return True, described

    return described, evaluate


def stdout_at(value: Any) -> Built:
    text = value["text"]
    bounds = []
    if "above_ms" in value:
        bounds.append(f"after {num(value['above_ms'])} ms")
    if "below_ms" in value:
        bounds.append(f"within {num(value['below_ms'])} ms")
    described = f'"{text}" printed {" and ".join(bounds)}'

    def evaluate(summary: Mapping[str, Any]) -> Result:
        timed = stdout_timed(summary)
        if timed is None:
            return False, NOT_MEASURED
        for entry in timed:
            if (isinstance(entry, (list, tuple)) and len(entry) == 2
                    and isinstance(entry[1], str) and text in entry[1]):
                t = float(entry[0])
                met = (("above_ms" not in value or t > value["above_ms"])
                       and ("below_ms" not in value or t < value["below_ms"]))
                return met, f"printed at {ms(t)}"
        return False, f'"{text}" not printed'

    return described, evaluate


def tasks_min(field: str, what: str) -> Builder:
    def build(value: Any) -> Built:
        def evaluate(summary: Mapping[str, Any]) -> Result:
            count = path("tasks", field)(summary)
            if count is None:
                return False, NOT_MEASURED
            return count >= value, f"{count} {what}"

        return f"at least {value} {what}", evaluate

    return build
