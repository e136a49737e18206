"""The scoreboard's rows: two run summaries compared figure by figure (a pure function)."""

from __future__ import annotations

from typing import Any

from playground.compare import Row, compare, not_compared


def summary(*, wall_ms: float | None = 1000.0, stalls: list[float] | None = None,
            p99: float = 1.0, lag_max: float = 2.0, tasks: int = 3, warnings: int = 0,
            error: bool = False, peak_kb: int = 20_000, rss_max_kb: int | None = None) -> dict[str, Any]:
    return {
        "wall_ms": wall_ms,
        "stalls": [{"ms": ms, "task": "t", "file": "bad.py", "line": 3, "code": "x"}
                   for ms in (stalls or [])],
        "lag": {"p50_ms": 0.5, "p99_ms": p99, "max_ms": lag_max},
        "tasks": {"created": tasks, "max_alive": tasks, "failed": 0, "cancelled": 0},
        "warnings": [{"category": "RuntimeWarning", "message": "m", "file": None, "line": None}
                     ] * warnings,
        "error": {"type": "E", "message": "m", "file": None, "line": None} if error else None,
        "peak_rss_kb": peak_kb,
        "rss": {"first_kb": 1, "max_kb": rss_max_kb, "last_kb": 1} if rss_max_kb else None,
    }


def by_metric(rows: list[Row]) -> dict[str, Row]:
    return {row.metric: row for row in rows}


def test_every_figure_has_a_row_in_order() -> None:
    rows = compare(summary(), summary())
    assert [r.metric for r in rows] == ["wall time", "worst stall", "stall time", "lag p99",
                                        "lag max", "tasks", "warnings", "peak memory"]
    assert all(r.change == "same" and r.better is None for r in rows)


def test_a_blocking_run_against_its_fix() -> None:
    bad = summary(wall_ms=1930, stalls=[1003.4, 60.0], p99=990, lag_max=1001, peak_kb=20_480)
    good = summary(wall_ms=1620, stalls=[], p99=1.2, lag_max=2.5, peak_kb=20_480)
    rows = by_metric(compare(bad, good))
    assert rows["wall time"] == Row("wall time", "1 930 ms", "1 620 ms", "1.2× less", "right",
                                    1930, 1620)
    # Zero on one side: the difference, not a ratio.
    assert (rows["worst stall"].left, rows["worst stall"].right) == ("1 003 ms", "none")
    assert rows["worst stall"].change == "1 003 ms less" and rows["worst stall"].better == "right"
    assert rows["stall time"].left == "1 063 ms (2)"
    assert rows["stall time"].change == "1 063 ms less"
    assert rows["lag p99"].change == "825× less" and rows["lag p99"].better == "right"
    assert rows["lag max"].change == "400× less"
    assert rows["peak memory"].change == "same" and rows["peak memory"].left == "20 MB"


def test_the_better_side_is_either() -> None:
    rows = by_metric(compare(summary(wall_ms=500), summary(wall_ms=2000)))
    # The change is said of the right run: here it took 4 times as long.
    assert rows["wall time"].better == "left" and rows["wall time"].change == "4.0× more"
    rows = by_metric(compare(summary(stalls=[]), summary(stalls=[300.0], warnings=2)))
    assert rows["worst stall"].change == "300 ms more" and rows["worst stall"].better == "left"
    assert rows["warnings"].change == "2 more" and rows["warnings"].better == "left"


def test_noise_reads_same() -> None:
    # 3 ms of lag jitter, 7% of wall time and 600 KiB of memory are within the noise.
    rows = by_metric(compare(summary(wall_ms=1000, lag_max=1.0, peak_kb=20_000),
                             summary(wall_ms=1070, lag_max=4.0, peak_kb=20_600)))
    assert rows["wall time"].change == rows["lag max"].change == "same"
    assert rows["peak memory"].change == "same"
    assert all(r.better is None for r in rows.values())


def test_counts_are_differences_and_tasks_name_no_winner() -> None:
    rows = by_metric(compare(summary(tasks=2, warnings=2, error=True), summary(tasks=10_002)))
    assert rows["warnings"].left == "3" and rows["warnings"].change == "3 fewer"
    assert rows["warnings"].better == "right"
    assert rows["tasks"].right == "10 002" and rows["tasks"].change == "+10 000"
    assert rows["tasks"].better is None


def test_memory_uses_the_higher_of_the_sampled_and_the_exit_peak() -> None:
    rows = by_metric(compare(summary(peak_kb=20_000, rss_max_kb=200_000), summary(peak_kb=20_000)))
    assert rows["peak memory"].left == "195 MB" and rows["peak memory"].better == "right"
    assert rows["peak memory"].change == "10× less"


def test_a_figure_missing_on_one_side_is_not_compared() -> None:
    rows = by_metric(compare(summary(wall_ms=None), {"status": "error"}))
    assert rows["wall time"].left == "–" and rows["wall time"].change == "–"
    assert all(r.better is None for r in rows.values())


def test_a_run_that_ended_early_is_shown_not_ranked() -> None:
    # A crashed edit ends in a millisecond with no stall: no win, only more problems.
    bad = {**summary(wall_ms=2500, stalls=[1000.0], lag_max=996), "status": "ok"}
    broken = {**summary(wall_ms=0.6, error=True), "status": "error"}
    rows = by_metric(compare(bad, broken))
    assert {m for m, r in rows.items() if r.better is not None} == {"warnings"}
    assert rows["warnings"].better == "left"
    assert rows["wall time"] == Row("wall time", "2 500 ms", "0.6 ms", "–", None, 2500, 0.6)
    assert not_compared(bad, broken, ("bad", "bad (edited)")) == (
        "bad (edited) ended with error: its figures are shown, not compared")
    both = {**broken, "status": "timeout"}
    assert not_compared(both, broken) == (
        "left ended with timeout and right ended with error: their figures are shown, not compared")
    assert not_compared(bad, bad) is None and not_compared(summary(), summary()) is None
