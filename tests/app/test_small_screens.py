"""Small screens (80x24, 100x30): after a run the tabs, the key figures, the run keys
and help stay on screen; 1 2 3 switch the tabs of every pane; help lists every key.

The panes are filled from two recorded runs of the time-sleep lesson (the real
fold of real events), so what is measured on screen is the same every time.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import Static, TabbedContent, Tabs

from playground.catalog import load_catalog
from playground.compare import compare
from playground.edits import Edits
from playground.model import RunState
from playground.recording import load
from playground.replay import Replay
from playground.tui.app import AsyncPlayApp
from playground.tui.code import CodeView
from playground.tui.footer import RunFooter
from playground.tui.messages import RunFinished
from playground.tui.formatting import checks_lines, fit_figures, format_ms, status_figures, status_line
from playground.tui.panels import ChecksPanel, LagPanel, StatusPanel, TaskTable
from playground.tui.panels.grid import Grid
from playground.tui.scoreboard import Scoreboard, scoreboard_lines
from playground.tui.panels.fix import FixPanel
from playground.tui.predict import RevealBar
from playground.tui.run_pane import RunPane
from playground.tui.screens import HELP_KEYS
from textual.content import Content
from test_app import wait_until
from test_key_restyles import _count_styled

RECORDINGS = Path(__file__).parent / "data"
SMALL = [(80, 24), (100, 30)]


def lessons_app() -> AsyncPlayApp:
    return AsyncPlayApp(catalog=load_catalog())


async def after_runs(pilot: Pilot[None]) -> None:
    await pilot.app.workers.wait_for_complete()
    app = pilot.app
    assert isinstance(app, AsyncPlayApp)
    app.lesson = next(lesson for lesson in app.catalog.lessons if lesson.slug == "time-sleep")
    await pilot.pause()
    for variant in ("bad", "good"):
        replay = Replay(load(RECORDINGS / f"time-sleep-{variant}.jsonl"))
        pane = pilot.app.screen.query_one(f"#pane-{variant}", RunPane)
        pane.state = replay.final
        await pane.details_mounted()
        pane.show_checks(replay.summary().get("expect"))
        # Both ran: the scoreboard under the panes takes its rows, as after r.
        app.query_one(Scoreboard).run_finished(variant, replay.summary())
    await pilot.pause()
    await pilot.pause()


async def run_both_answered(pilot: Pilot[None], app: AsyncPlayApp, finished: list[RunFinished]) -> None:
    """time-sleep shown, ``r``, its question answered (``2``): both runs to their end."""
    await app.workers.wait_for_complete()
    app.lesson = next(lesson for lesson in app.catalog.lessons if lesson.slug == "time-sleep")
    await pilot.pause()
    await pilot.press("r")
    await wait_until(pilot, lambda: app.predictions.asking == "time-sleep", timeout_s=10,
                     what="the question")
    await pilot.press("2")
    await wait_until(pilot, lambda: len(finished) == 2, what="both runs")


@pytest.mark.parametrize("size", SMALL, ids=["80x24", "100x30"])
async def test_the_tabs_and_their_rows_fit_after_a_run(size: tuple[int, int]) -> None:
    app = lessons_app()
    async with app.run_test(size=size) as pilot:
        await after_runs(pilot)
        for variant in ("bad", "good"):
            pane = app.screen.query_one(f"#pane-{variant}", RunPane)
            inner = pane.content_region
            tabs = pane.query_one(Tabs)
            assert tabs.region.height > 0 and inner.contains_region(tabs.region), (variant, tabs.region, inner)
            details = pane.query_one(TabbedContent)
            # The tab bar and at least four rows of the table or the output under it.
            visible = details.region.intersection(inner)
            assert visible.height >= 6, (variant, details.region, inner)
            # The task grid shows its header and at least two tasks (time-sleep has four).
            grid = pane.query_one(TaskTable).query_one(Grid)
            assert inner.contains_region(grid.region), (variant, grid.region, inner)
            assert grid.scrollable_content_region.height - 1 >= 2, (variant, grid.region)


@pytest.mark.parametrize("size", SMALL, ids=["80x24", "100x30"])
async def test_key_figures_are_whole(size: tuple[int, int]) -> None:
    app = lessons_app()
    async with app.run_test(size=size) as pilot:
        await after_runs(pilot)
        for variant in ("bad", "good"):
            pane = app.screen.query_one(f"#pane-{variant}", RunPane)
            state = pane.state
            assert state is not None
            status = pane.query_one(StatusPanel)
            lag = pane.query_one(LagPanel).query_one("#lag-numbers")
            for widget in (status, lag):
                width = widget.content_region.width
                lines = widget.render_lines(widget.region.reset_offset)  # type: ignore[attr-defined]
                text = "\n".join("".join(seg.text for seg in line) for line in lines)
                assert "…" not in text, (variant, text)
                assert all(len(line.rstrip()) <= width for line in text.splitlines())
            shown = "\n".join("".join(seg.text for seg in line)
                              for line in status.render_lines(status.region.reset_offset))
            # The wall time is never split at its digit group.
            assert f"{state.wall_ms:,.0f}".replace(",", " ") in shown.replace("\n", "|"), shown


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (160, 48)], ids=["80x24", "100x30", "160x48"])
async def test_the_footer_keeps_the_run_keys_and_help(size: tuple[int, int]) -> None:
    app = lessons_app()
    async with app.run_test(size=size) as pilot:
        for when in ("first screen", "after a run"):
            await pilot.pause()
            footer = app.screen.query_one(RunFooter)
            keys = {entry.key: entry for entry in footer.shown()}
            row = "".join(strip.text for strip in footer.render_lines(footer.region.reset_offset))
            assert footer.region.width == size[0] and len(row) == size[0], (when, row)
            for key in ("b", "g", "r", "s", "question_mark"):
                assert key in keys, (when, key, sorted(keys))
                assert keys[key].text in row, (when, key, row)
            await after_runs(pilot)


@pytest.mark.parametrize("size", SMALL, ids=["80x24", "100x30"])
async def test_no_footer_label_is_cut(size: tuple[int, int]) -> None:
    """The footer's row, as the terminal shows it, holds whole labels only: at 80 and
    100 columns its last label was cut at the palette's key ("p Previo▏")."""
    app = lessons_app()
    async with app.run_test(size=size) as pilot:
        for when in ("first screen", "after a run"):
            await wait_until(pilot, lambda: "Run bad" in screen_lines(app)[-1], what="the footer's keys")
            labels = {f"{app.get_key_display(binding)} {binding.description}"
                      for _, binding, _, _ in app.screen.active_bindings.values() if binding.show}
            row = screen_lines(app)[-1]
            keys, _, palette = row.partition("▏")
            assert "palette" in palette, row
            shown = re.split(r" {2,}", keys.strip())
            assert all(label in labels for label in shown), (when, row)
            assert {"b Run bad", "? Help"} <= set(shown), (when, row)
            await after_runs(pilot)


async def test_number_keys_switch_the_tabs_of_every_pane() -> None:
    app = lessons_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await after_runs(pilot)
        for key, tab in (("2", "output"), ("3", "problems"), ("1", "tasks")):
            await pilot.press(key)
            await pilot.pause()
            for variant in ("bad", "good"):
                pane = app.screen.query_one(f"#pane-{variant}", RunPane)
                assert pane.query_one(TabbedContent).active == f"{variant}-{tab}", (key, variant)


async def test_arrows_change_the_lesson_where_the_list_is_hidden() -> None:
    """At 80x24 the lesson list is hidden and nothing has the focus: help's "↑ ↓ next /
    previous lesson" did nothing there (the list's own keys, with the list away)."""
    app = lessons_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.focused is None
        first = app.lesson
        assert first is not None
        await pilot.press("down")
        assert app.lesson is not None and app.lesson != first
        await pilot.press("up")
        assert app.lesson == first


def test_help_lists_every_key_of_the_app() -> None:
    """Every binding, shown in the footer or not, has its line in help."""
    listed = {key.lower() for keys, _ in HELP_KEYS for key in keys.split()}
    names = {"question_mark": "?", "space": "space", "full_stop": ".", "slash": "/", "up": "↑", "down": "↓"}
    missing = set()
    for binding in AsyncPlayApp.BINDINGS:
        assert isinstance(binding, Binding)
        for key in binding.key.split(","):
            if names.get(key, binding.key_display if key == binding.key and binding.key_display
                         else key).lower() not in listed:
                missing.add(key)
    assert not missing, missing


@pytest.mark.parametrize("size", SMALL, ids=["80x24", "100x30"])
async def test_expectations_break_between_words_not_inside_a_figure(size: tuple[int, int]) -> None:
    """A plain wrap broke "1 001 ms" after its "1" (read as 1 and 001 ms), in the
    expectations and in "did you fix it?": a figure (a digit group, a number and its
    unit) stays on one line."""
    app = lessons_app()
    async with app.run_test(size=size) as pilot:
        await after_runs(pilot)
        pane = app.screen.query_one("#pane-bad", RunPane)
        checks = pane.query_one(ChecksPanel)
        assert checks.checks
        whole = checks_lines(checks.checks).plain  # on long lines, unbroken
        figures = re.findall(r"\d{1,3}(?: \d{3})+ ms|\d+(?:\.\d+)? ms", whole)
        assert any(" " in figure[:-3] for figure in figures), whole  # a digit group
        # Placed and filled as an edit's run does (editing.py): before its first layout.
        fix = FixPanel()
        pane.mount(fix, after=checks)
        fix.show_result({"met": False, "checks": list(checks.checks)})
        await pilot.pause()
        await pilot.pause()
        for panel in (checks, fix):
            lines = ["".join(seg.text for seg in line).strip()
                     for line in panel.render_lines(panel.region.reset_offset)]
            shown = "|".join(lines)
            for figure in figures:
                assert figure in shown, (panel, figure, lines)
            # Only breaks were added: the words are all there, in order.
            assert shown.replace("|", " ").split()[-len(whole.split()):] == whole.split(), lines


def test_figures_break_between_figures_only() -> None:
    figures = [Content("✓ ok  2 508 ms"), Content("1 stall, worst 1 000 ms"), Content("21 MB peak")]
    sep = Content("  ·  ")
    assert fit_figures(figures, 0, sep).plain == "✓ ok  2 508 ms  ·  1 stall, worst 1 000 ms  ·  21 MB peak"
    assert fit_figures(figures, 40, sep).plain.split("\n") == [
        "✓ ok  2 508 ms", "1 stall, worst 1 000 ms  ·  21 MB peak"]
    # A figure wider than the line is broken between its words, never inside a number.
    assert fit_figures(figures, 21, sep).plain.split("\n") == [
        "✓ ok  2 508 ms", "1 stall, worst", "1 000 ms", "21 MB peak"]
    assert fit_figures(figures, 10, sep).plain.split("\n") == [
        "✓ ok", "2 508 ms", "1 stall,", "worst", "1 000 ms", "21 MB peak"]


def test_the_stalls_figure_is_said_shorter_where_it_is_too_wide() -> None:
    """Beside the lesson list at 80 columns the status has 21: "1 stall, worst 1 000 ms"
    (23) is said "1 stall, 1 000 ms", several "3 stalls ≤ 1 000 ms"; wide, as before."""
    state = RunState(target="t")

    def stalled(stall: int, ms: float) -> None:
        state.apply({"kind": "stall_end", "t": float(stall), "id": stall, "ms": ms, "task": "Task-1",
                     "file": "bad.py", "line": 7, "code": "time.sleep(1)"})

    stalled(1, 120.0)
    assert status_line(state, label="b", width=21).plain.endswith("\n1 stall, worst 120 ms")  # fits
    stalled(2, 1000.0)
    stalled(3, 300.0)
    assert status_line(state, label="b").plain.endswith("  ·  3 stalls, worst 1 000 ms")
    assert status_line(state, label="b", width=40).plain.endswith("\n3 stalls, worst 1 000 ms")
    assert status_line(state, label="b", width=21).plain.endswith("\n3 stalls ≤ 1 000 ms")
    state = RunState(target="t")
    stalled(1, 1000.0)
    assert status_line(state, label="b", width=21).plain.endswith("\n1 stall, 1 000 ms")

def test_the_memory_goes_beside_the_status_where_the_stalls_do_not_fit() -> None:
    """At 80x24 a pane's status shows two lines: time-sleep's bad run made three in
    their order ("✓ ok  2 5xx ms", "1 stall, worst 1 000 ms", "22 MB peak"), and its
    peak was out of sight. The memory, which fits beside the status, comes first."""
    state = Replay(load(RECORDINGS / "time-sleep-bad.jsonl")).final
    assert state.stalls and state.peak_rss_kb
    lines = status_line(state, label="b", width=36).plain.split("\n")
    assert len(lines) == 2, lines
    assert lines[0].endswith("MB peak") and lines[1].startswith("1 stall, worst 1 0"), lines
    # Wide, one line in the usual order.
    assert status_line(state, label="b", width=80).plain.endswith(lines[1] + "  ·  "
                                                                  + lines[0].split("·  ")[-1])


@pytest.mark.parametrize("size", SMALL)
async def test_keys_still_run_after_help_closes(size: tuple[int, int]) -> None:
    """Closing help gave the focus to the first widget that could take it: on a screen
    too narrow for the lesson list, the hidden filter's input, and every key typed
    after went into it (the footer showed no key but ctrl+p, and b ran nothing)."""
    app = lessons_app()
    async with app.run_test(size=size) as pilot:
        await pilot.press("question_mark")
        await pilot.press("escape")
        await pilot.pause()
        focused = app.screen.focused
        assert focused is None or focused.id != "filter-input", focused
        keys = {entry.key for entry in app.screen.query_one(RunFooter).shown()}
        assert {"b", "question_mark"} <= keys, keys


def screen_lines(app: AsyncPlayApp) -> list[str]:
    """The text of every row of the screen, as the terminal shows it."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


@pytest.mark.timeout(180)
@pytest.mark.parametrize("size", SMALL, ids=["80x24", "100x30"])
async def test_the_scoreboard_is_whole_after_r_with_the_tabs_below(size: tuple[int, int],
                                                                   tmp_path: Path) -> None:
    """After a real ``r`` (the question answered, so the answer shows too), every figure
    of the scoreboard is on screen, for both runs, with its change and the runs it
    compares; the panes keep their tabs. At 80 columns it cut tasks, warnings and peak
    memory (and hid its scrollbar), and the answer and the board took the tabs' rows."""
    finished: list[RunFinished] = []

    def hook(message: Message) -> None:
        if isinstance(message, RunFinished):
            finished.append(message)

    # Edits of their own: a saved edit of the user's would be run instead of bad.py.
    app = AsyncPlayApp(catalog=load_catalog(), predict=True, edits=Edits(tmp_path))
    async with app.run_test(size=size, message_hook=hook) as pilot:
        await run_both_answered(pilot, app, finished)
        board = app.screen.query_one(Scoreboard)
        await wait_until(pilot, lambda: board.compared == ("bad", "good"), timeout_s=10,
                         what="the scoreboard")
        await pilot.pause()
        await pilot.pause()
        shown = "\n".join(screen_lines(app))
        assert len(board.rows) == 8
        for row in board.rows:
            for text in (row.metric, row.left, row.right, row.change):
                assert text in shown, (row, shown)
        assert "good vs bad" in shown, shown  # the runs the changes compare
        table = board.query_one("#scoreboard-table", Static)
        assert board.content_region.contains_region(table.region), (table.region, board.region)
        assert app.screen.region.contains_region(board.region), board.region
        for variant in ("bad", "good"):
            pane = app.screen.query_one(f"#pane-{variant}", RunPane)
            tabs = pane.query_one(Tabs)
            assert tabs.region.height > 0 and pane.content_region.contains_region(tabs.region), (
                variant, tabs.region, pane.content_region)
            grid = pane.query_one(TaskTable).query_one(Grid)
            assert pane.content_region.contains_region(grid.region), (variant, grid.region)
            assert grid.scrollable_content_region.height - 1 >= 2, (variant, grid.region)
        keys = {entry.key for entry in app.screen.query_one(RunFooter).shown()}
        assert {"b", "g", "r", "question_mark"} <= keys, keys


@pytest.mark.parametrize("size", SMALL, ids=["80x24", "100x30"])
async def test_the_whole_answer_can_be_read_after_the_runs(size: tuple[int, int]) -> None:
    """On a short screen the answer to the question gets a few rows: what does not fit
    scrolls, with a scrollbar that says so. It was cut without a sign (a room's tally,
    the end of the explanation), and nothing could bring it on screen."""
    app = lessons_app()
    async with app.run_test(size=size) as pilot:
        await after_runs(pilot)
        lesson = app.lesson
        assert lesson is not None and lesson.predict is not None
        reveal = app.screen.query_one("#reveal", RevealBar)
        reveal.reveal(lesson.predict, 0, [1, 2, 0, 0])  # a room's tally, as an attendee sees
        await pilot.pause()
        await pilot.pause()
        assert "not this time: you chose A" in "\n".join(screen_lines(app))
        last_choice = lesson.predict.choices[-1]
        assert reveal.region.height < 9  # the verdict, the answer, the why and 5 of tally
        assert reveal.vertical_scrollbar.display and reveal.scrollbar_size_vertical > 0
        reveal.scroll_end(animate=False, immediate=True)
        await pilot.pause()
        assert last_choice in "\n".join(screen_lines(app))


async def test_the_tall_scoreboard_restyles_only_the_widgets_that_give_it_rows() -> None:
    """The class that gives a tall board its rows was on the screen: showing the board,
    and hiding it at the next lesson (n, p), styled every widget of the screen again
    (some 400). It is on the six widgets whose rows change."""
    app = lessons_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await after_runs(pilot)
        board = app.screen.query_one(Scoreboard)
        sandbox_bar = app.screen.query_one("#sandbox-bar")
        assert board.display and not sandbox_bar.display  # tall at 80 columns: it gave its row
        styled = _count_styled(app)
        board.clear()
        await pilot.pause()
        assert sandbox_bar.display
        assert len(styled) < 80, Counter(type(node).__name__ for node in styled)


async def test_the_scoreboard_follows_the_terminal_size() -> None:
    """Laid out for the width it has when the terminal changes size: whole at 80x24
    (where it turns tall and the sandbox bar gives it its row), then one band again at
    160x48 (and the bar is back)."""
    app = lessons_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await after_runs(pilot)
        board = app.screen.query_one(Scoreboard)
        table = board.query_one("#scoreboard-table", Static)
        sandbox_bar = app.screen.query_one("#sandbox-bar")
        assert table.region.height == 4 and sandbox_bar.display
        for size, height in (((80, 24), 8), ((160, 48), 4)):
            await pilot.resize_terminal(*size)
            await pilot.pause()
            await pilot.pause()
            shown = "\n".join(screen_lines(app))
            for row in board.rows:
                for text in (row.metric, row.left, row.right, row.change):
                    assert text in shown, (size, row)
            assert table.region.height == height, (size, table.region)
            assert sandbox_bar.display == (height == 4), size


async def test_a_projector_keeps_three_rows_of_the_answer_beside_a_tall_scoreboard() -> None:
    """In presenter mode the panes show no tabs, and the room reads the answer: at 80x24
    beside the tall scoreboard it keeps three rows (one would say only right or wrong)."""
    app = AsyncPlayApp(catalog=load_catalog(), present=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await after_runs(pilot)
        lesson = app.lesson
        assert lesson is not None and lesson.predict is not None
        reveal = app.screen.query_one("#reveal", RevealBar)
        reveal.reveal(lesson.predict, 1, None)
        await pilot.pause()
        await pilot.pause()
        assert reveal.has_class("-board-tall") and reveal.region.height == 3, reveal.region
        shown = "\n".join(screen_lines(app))
        assert lesson.predict.right in shown, shown
        for row in app.screen.query_one(Scoreboard).rows:
            assert row.metric in shown and row.change in shown, row


def _region_text(app: AsyncPlayApp, region: Region) -> list[str]:
    """The rows of ``region`` as the terminal shows them."""
    return [line[region.x:region.right] for line in screen_lines(app)[region.y:region.bottom]]



def test_the_scoreboard_is_laid_out_within_the_lists_side_with_a_note() -> None:
    """Beside the lesson list at 80 columns the board has 52: an edit against its
    original, and the note of a run that ended early, are laid out within them (the
    headings broken between words, the note too), never wider."""
    summaries = [Replay(load(RECORDINGS / f"time-sleep-{variant}.jsonl")).summary()
                 for variant in ("bad", "good")]
    rows = compare(*summaries)
    note = "bad (edited) ended with error: its figures are shown, not compared"
    for left, right in (("bad", "good"), ("bad", "bad (edited)"), ("bad (edited)", "good")):
        table = scoreboard_lines(left, right, rows, note, width=52).plain
        assert max(len(line) for line in table.splitlines()) <= 52, table
        assert " ".join(table.split()).endswith(f"✗ {note}"), table
        assert all(row.change in table and row.left in table for row in rows), table
    # Two edits alike: every change "same", the narrowest column of changes. Its heading
    # on two lines ("good vs" over "bad" over "(edited)" took three).
    alike = compare(summaries[1], summaries[1])
    table = scoreboard_lines("bad (edited)", "good", alike, width=52).plain
    assert max(len(line) for line in table.splitlines()) <= 52, table
    assert table.splitlines()[:2] == ["              bad         good      good vs bad",
                                      "              (edited)              (edited)"], table
    # Wide enough, the same table as before: headings on one line.
    assert "bad (edited) vs bad" in scoreboard_lines("bad", "bad (edited)", rows, width=60).plain

@pytest.mark.parametrize("keys", [(), ("l",), ("slash",)], ids=["no-list", "l", "filter"])
@pytest.mark.parametrize("size", SMALL, ids=["80x24", "100x30"])
async def test_the_scoreboard_is_whole_after_an_edited_run_with_the_list_shown(
        size: tuple[int, int], keys: tuple[str, ...]) -> None:
    """After both runs and an edit of bad run alone, with the lesson list shown (l, or
    the filter) beside the panes or not: at 80x24 beside the list the board (the edit
    against its original) was a table cut at its right edge, "bad (edited)" for the
    heading "bad (edited) vs bad" and "1 000 ms les" for "1 000 ms less"."""
    app = lessons_app()
    async with app.run_test(size=size) as pilot:
        await after_runs(pilot)
        board = app.screen.query_one(Scoreboard)
        good = Replay(load(RECORDINGS / "time-sleep-good.jsonl")).summary()
        board.runs_started(("bad",), edited=True)
        board.run_finished("bad", {**good, "target": f"{good['target'].rpartition('/')[0]}/bad (edited)"})
        await pilot.press(*keys)
        await pilot.pause()
        await pilot.pause()
        assert board.compared == ("bad", "bad (edited)")
        assert keys == () or app.screen.query_one("#sidebar").display, keys

        # The board: all of it within its width (no scrolling sideways), every figure,
        # change and heading whole on screen.
        table = board.query_one("#scoreboard-table", Static)
        assert board.max_scroll_x == 0 and board.content_region.contains_region(table.region), (
            table.region, board.content_region)
        shown = "\n".join(_region_text(app, board.content_region))
        for line in str(table.visual).splitlines():
            assert line.rstrip() in shown, (line, shown)
        for row in board.rows:
            for text in (row.metric, row.left, row.right, row.change):
                assert text in shown, (row, shown)
        # What the changes compare: a row's label (bands), or the heading of their column
        # (a line per figure), on one line or broken between its words.
        lines = shown.splitlines()
        first = next((at for at, line in enumerate(lines) if line.startswith("wall time")), None)
        if first is None:
            assert any(line.startswith("bad (edited) vs bad ") for line in lines), shown
        else:
            column = lines[first].index(board.rows[0].change, len("wall time"))
            heading = " ".join(line[column:].strip() for line in lines[:first]).strip()
            assert heading == "bad (edited) vs bad", (heading, shown)


@pytest.mark.parametrize("keys", [(), ("l",), ("slash",)], ids=["no-list", "l", "filter"])
@pytest.mark.parametrize("size", SMALL, ids=["80x24", "100x30"])
async def test_the_status_figures_are_whole_with_the_list_shown(
        size: tuple[int, int], keys: tuple[str, ...]) -> None:
    """After both runs, with the lesson list shown (l, or the filter) or not: at 80x24
    beside the list the bad pane's status read "1 stall, worst 1 000", its "ms" out of
    sight (the widget wrapped the figure, wider than its 21 columns, inside its number)."""
    app = lessons_app()
    async with app.run_test(size=size) as pilot:
        await after_runs(pilot)
        await pilot.press(*keys)
        await pilot.pause()
        await pilot.pause()
        assert keys == () or app.screen.query_one("#sidebar").display, keys
        # No line wider than the widget, and the figures on screen (the wall time, the
        # stalls with their worst) whole; the peak below them, whole (it may scroll).
        for variant in ("bad", "good"):
            pane = app.screen.query_one(f"#pane-{variant}", RunPane)
            status = pane.query_one(StatusPanel)
            state = pane.state
            assert state is not None and state.wall_ms is not None
            text = "\n".join("".join(seg.text for seg in line).rstrip()
                             for line in status.render_lines(status.region.reset_offset))
            assert all(len(line) <= status.content_region.width for line in text.splitlines()), text
            assert "…" not in text, text
            seen = status.region.intersection(pane.query_one(".figures").region)
            on_screen = "\n".join(_region_text(app, seen))
            assert format_ms(state.wall_ms) in on_screen, (variant, on_screen)
            if state.stalls:
                assert re.search(r"\d+ stalls?\b[^\n]*\d ms\b", on_screen), (variant, on_screen)
            assert re.search(r"\d+ MB peak", text), (variant, text)


@pytest.mark.parametrize("size", SMALL, ids=["80x24", "100x30"])
async def test_the_figures_are_broken_again_when_the_list_shows_after_a_scroll(
        size: tuple[int, int]) -> None:
    """A run's end scrolls the code to the line it blames; the list shown after that (l)
    narrowed the panes, but their status lines and task counts kept the lines broken
    for the old width, which the widget wrapped inside a figure ("22" over "MB peak",
    "tasks  0 alive · 4" over "created"): the layout was compared with a map made since
    the scroll, on demand, that already held the list, and no widget was told its size."""
    app = lessons_app()
    async with app.run_test(size=size) as pilot:
        await after_runs(pilot)
        for variant in ("bad", "good"):
            app.screen.query_one(f"#pane-{variant}", RunPane).query_one(CodeView).scroll_to(
                y=3, animate=False)
        await pilot.pause()
        await pilot.pause()
        await pilot.press("l")
        await pilot.pause()
        await pilot.pause()
        assert app.screen.query_one("#sidebar").display
        for variant in ("bad", "good"):
            pane = app.screen.query_one(f"#pane-{variant}", RunPane)
            status = pane.query_one(StatusPanel)
            counts = pane.query_one("#task-counts", Static)
            for widget, figures in (
                    (status, [f.plain for f in status_figures(pane.state, label=status.label,
                                                              width=status.content_region.width)]),
                    (counts, ["0 alive", "4 created", "4 max alive"])):
                lines = ["".join(seg.text for seg in line)
                         for line in widget.render_lines(widget.region.reset_offset)]
                for figure in figures:
                    assert any(figure in line for line in lines), (variant, figure, lines)
