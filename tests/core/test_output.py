"""OutputLines: a stream kept as lines with times, head and tail, exact counts."""

from __future__ import annotations

import random

from playground.model import RunState
from playground.model import OutputLines


def feed_in_chunks(out: OutputLines, text: str, *, seed: int, t: float = 1.0) -> None:
    """Feed ``text`` cut at random places (a pipe cuts lines anywhere)."""
    rng = random.Random(seed)
    at = 0
    while at < len(text):
        size = rng.choice([1, 7, 64, 4096, 65536])
        chunk = text[at:at + size]
        out.append(chunk, len(chunk.encode()), t)
        at += size


def test_small_output_is_kept_exactly_with_lines_cut_across_chunks() -> None:
    out = OutputLines()
    for text in ["hel", "lo\nwor", "ld\n", "\n", "no newline"]:
        out.append(text, len(text), 1.0)
    assert out.text == "hello\nworld\n\nno newline"
    assert out.lines == 4 and out.complete == 3
    assert not out.truncated and out.left_out == 0 and out.marker == ""


def test_a_flood_keeps_the_head_and_the_tail_and_counts_the_rest() -> None:
    lines = [f"line {i}" for i in range(20_000)]
    for seed in range(5):
        out = OutputLines(head_lines=1000, tail_lines=1000)
        feed_in_chunks(out, "".join(line + "\n" for line in lines), seed=seed)
        kept = [line for _, line in out.kept_lines()]
        assert kept == lines[:1000] + lines[-1000:]
        assert out.lines == 20_000 and out.left_out == 18_000
        assert out.marker == "[… 18 000 lines left out …]"
        text = out.text
        assert text.startswith("line 0\nline 1\n") and text.endswith("line 19998\nline 19999\n")
        assert out.marker in text


def test_a_chunk_larger_than_the_tail_replaces_it_and_counts_it() -> None:
    out = OutputLines(head_lines=2, tail_lines=3)
    out.append("a\nb\nc\nd\n", 8, 1.0)
    out.append("".join(f"{i}\n" for i in range(10)), 20, 2.0)
    assert [line for _, line in out.kept_lines()] == ["a", "b", "7", "8", "9"]
    assert out.left_out == 14 - 5 and out.lines == 14


def test_an_over_long_line_keeps_its_beginning_and_its_end() -> None:
    out = OutputLines(line_chars=10)
    out.append("BEGIN" + "a" * 100, 105, 1.0)
    assert [line for _, line in out.kept_lines()] == ["BEGIN [… 95 characters not kept …] aaaaa"]
    out.append("b" * 100 + "END\nshort\n" + "c" * 30 + "\n", 140, 1.0)
    assert [line for _, line in out.kept_lines()] == [
        "BEGIN [… 198 characters not kept …] bbEND", "short", "ccccc [… 20 characters not kept …] ccccc"]
    assert out.cut_chars == 218 and out.truncated and out.lines == 3


def test_lines_carry_the_time_they_were_printed_since_the_start() -> None:
    out = OutputLines()
    out.append("early\n", 6, 0.2)
    out.append("la", 2, 1.5)
    out.append("te\n", 3, 1.9)  # a line's time is when it began
    out.append("unfinished", 10, 2.25)
    assert out.timed(0.5) == [[0, "early"], [1000, "late"], [1750, "unfinished"]]


def test_the_summary_counts_every_line_and_gives_the_timed_stdout() -> None:
    state = RunState(target="x")
    state.apply({"kind": "hello", "t": 0.0, "v": 2, "pid": 3, "stall_ms": 50})
    state.apply({"kind": "started", "t": 0.1})
    state.apply({"kind": "stdout", "t": 0.3, "data": "one\ntwo\n", "n": 8})
    state.apply({"kind": "stderr", "t": 0.4, "data": "oops\n", "n": 5})
    summary = state.summary()
    assert summary["output"]["stdout_lines"] == 2 and summary["output"]["stderr_lines"] == 1
    assert summary["stdout_timed"] == [[200, "one"], [200, "two"]]
    assert summary["stdout"] == "one\ntwo\n" and summary["stderr"] == "oops\n"
