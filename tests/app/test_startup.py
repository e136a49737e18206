"""What the app's start-up imports: only what its first screen needs.

`asyncplay serve` starts one app process per browser tab, so every module imported at
start is paid again per tab. The rest (the editor's TextArea and tree-sitter, aiohttp for
the mock API and the serve link, replay, export, the server) is imported when first used.
"""

from __future__ import annotations

import gc
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from collections.abc import Iterable

import pytest
from textual.app import App
from textual.dom import DOMNode
from textual.geometry import Size
from textual.screen import Screen

from playground import cli
from playground.catalog import load_catalog
from pty_app import app_in_terminal

#: Modules the first screen does not need: none may be imported by then.
DEFERRED = (
    "aiohttp",
    "playground.mockapi",
    "playground.serve.server",
    "playground.export",
    "playground.replay",
    "playground.tui.replay_screen",
    "playground.tui.editor",
    "playground.tui.screens",  # help and the open-file dialog
    "playground.tui.timeline",
    "playground.tui.history_screen",
    "textual.widgets._text_area",
    "textual.widgets._digits",  # presenter mode's big figures
    "tree_sitter",
)

#: Modules the first frame does not need: imported after it (a run, the hidden panels).
AFTER_FIRST_FRAME = (
    "playground.model",  # a run's state: with the first run or recording
    "playground.compare",  # the scoreboard's figures: with the first pair of runs
    "playground.tui.explain",  # the panels' tooltips: with the panels
    "playground.recording",  # with a run's end, or a recording opened
    "playground.expect",  # a run's checks; parsing a lesson that is not kept
    "playground.lessonmeta",  # parsing a lesson that is not kept
    "playground.protocol",  # the events of a run
    "playground.serve.command",  # `asyncplay serve`'s own arguments
    *(f"playground.tui.panels.{name}" for name in (
        "awaits", "checks", "fix", "grid", "lag", "memory", "output", "problems", "stalls", "tasks")),
)

# The real command line builds the real app, which shows its first screen (headless),
# then reports what is imported.
PROBE = textwrap.dedent("""\
    import asyncio, json, sys
    from playground import cli
    from playground.tui.main_screen import MainScreen

    at_first_frame = []
    laid_out = MainScreen._refresh_layout

    def first_frame(self, size=None, scroll=False):
        laid_out(self, size, scroll)
        if size is not None and not at_first_frame:
            at_first_frame.extend(sorted(sys.modules))

    MainScreen._refresh_layout = first_frame

    async def main() -> None:
        app = cli.app.build_app(cli.parse([]))
        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.pause()
            assert app.lesson is not None
            print(json.dumps({"first frame": at_first_frame, "after": sorted(sys.modules)}))

    asyncio.run(main())
""")


def test_the_first_screen_imports_nothing_that_waits_for_its_use() -> None:
    load_catalog()  # the lessons kept, as at every start but the first (playground.lessoncache)
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.splitlines()[-1])
    imported, at_first_frame = set(seen["after"]), set(seen["first frame"])
    assert "playground.tui.app" in at_first_frame  # the probe did start the app
    assert sorted(m for m in DEFERRED if m in imported) == []
    assert sorted(m for m in AFTER_FIRST_FRAME if m in at_first_frame) == []
    # What they are needed for comes right after the first frame.
    assert {"playground.model", "playground.tui.panels.tasks"} <= imported


def test_the_command_line_alone_imports_neither_textual_nor_the_run_machinery() -> None:
    """``asyncplay list`` and friends: building the command line stays light."""
    probe = ("import json, sys; from playground import cli; cli.parse(['list']); "
             "print(json.dumps(sorted(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    imported = set(json.loads(result.stdout.splitlines()[-1]))
    heavy = ("textual", "aiohttp", "playground.session", "playground.sandbox",
             "playground.serve.server", "secrets")
    assert sorted(m for m in heavy if m in imported) == []


def _styles(app: App[None]) -> dict[int, tuple[str, tuple[str, ...], tuple[tuple[str, tuple[str, ...]], ...]]]:
    """Every widget's styles from the stylesheet, its parts' (component classes) too."""
    return {id(node): (repr(node), tuple(node.styles.base.css_lines),
                       tuple(sorted((name, tuple(parts.base.css_lines))
                                    for name, parts in node._component_styles.items())))
            for node in app.screen.walk_children(with_self=True)}


@pytest.mark.parametrize("size", [(160, 48), (80, 24), (100, 30), (140, 30)])
async def test_the_first_screen_is_styled_once_and_as_a_full_restyle_would(size: tuple[int, int]) -> None:
    app = cli.app.build_app(cli.parse([]))
    restyled: list[int] = []
    update_nodes = app.stylesheet.update_nodes

    def counted(nodes: Iterable[DOMNode], animate: bool = False) -> None:
        nodes = list(nodes)
        restyled.append(len(nodes))
        update_nodes(nodes, animate=animate)

    app.stylesheet.update_nodes = counted  # type: ignore[method-assign]
    async with app.run_test(size=size) as pilot:
        from playground.tui.run_pane import RunPane

        await pilot.pause()
        for pane in app.screen.query(RunPane):  # their hidden panels, mounted after the first frame
            await pane.details_mounted()
        await pilot.pause()
        widgets = len(list(app.screen.walk_children()))
        # Mounting styled each widget; Textual's first resume did not restyle them all again.
        assert widgets > 100
        assert [n for n in restyled if n > widgets / 2] == []
        settled = _styles(app)
        app.screen.update_node_styles(animate=False)
        assert max(restyled) > widgets  # the full restyle, for comparison
        assert _styles(app) == settled


# The app as `asyncplay` starts it (cli.app.launch), in a process of its own: the
# collector is paused from before the app's imports until its first frame.
GC_PROBE = textwrap.dedent("""\
    import asyncio, gc, json, sys
    from playground import cli

    async def main() -> None:
        app = cli.app.launch(cli.parse([]))
        seen = {"paused while starting": not gc.isenabled(),
                "textual imported while paused": "textual.app" in sys.modules}
        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.pause()
            seen["on after the first frame"] = gc.isenabled()
            seen["start-up frozen"] = gc.get_freeze_count() > 10_000
        print(json.dumps(seen))

    asyncio.run(main())
""")


def test_a_launched_app_collects_no_garbage_until_its_first_frame_then_skips_what_start_up_built() -> None:
    result = subprocess.run([sys.executable, "-c", GC_PROBE], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == {
        "paused while starting": True, "textual imported while paused": True,
        "on after the first frame": True, "start-up frozen": True}


async def test_an_app_built_in_a_test_leaves_the_collector_alone() -> None:
    app = cli.app.build_app(cli.parse([]))
    frozen = gc.get_freeze_count()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert gc.isenabled() and gc.get_freeze_count() == frozen


def test_a_usage_error_at_launch_turns_the_collector_back_on() -> None:
    probe = ("import gc\nfrom playground import cli\nfrom playground.cli.common import UsageError\n"
             "try:\n    cli.app.launch(cli.parse(['--lesson', 'no-such-lesson']))\n"
             "except UsageError:\n    print(gc.isenabled())\n")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.stdout.split() == ["True"], result.stderr




# The app as `asyncplay` starts it, in a terminal (a pseudo-terminal of 160x48): the
# sizes the main screen is laid out at until the frame after its first.
LAYOUT_PROBE = textwrap.dedent("""\
    import json, sys, threading
    from playground import cli
    from playground.tui.main_screen import MainScreen

    from textual.screen import Screen

    sizes = []
    seen = {}
    original = MainScreen._refresh_layout
    drawn = Screen._compositor_refresh
    laying_out = []

    def counted(self, size=None, scroll=False):
        sizes.append(None if size is None else [size.width, size.height])
        laying_out.append(size)
        original(self, size, scroll)
        laying_out.pop()
        seen.setdefault("pygments in the first frame", "pygments" in sys.modules)
        seen.setdefault("threads in the first frame",
                        sorted(t.name for t in threading.enumerate() if t.name.startswith("asyncio")))
        seen.setdefault("tabs' module in the first frame", "textual.widgets._tabbed_content" in sys.modules)
        seen.setdefault("widgets in the first frame",
                        sorted({type(w).__name__ for w in self.walk_children()}))

    def draw(self):
        drawn(self)
        if [160, 48] in sizes and "first frame" not in seen:  # the first drawing at the size
            seen["first frame"] = {
                "drawn by its layout": bool(laying_out and laying_out[-1] is not None),
                "pygments": "pygments" in sys.modules,
                "widgets": sorted({type(w).__name__ for w in self.walk_children()}),
                "footer": [entry.key for entry in self.query_one("RunFooter").shown()]}

    MainScreen._refresh_layout = counted
    Screen._compositor_refresh = draw
    app = cli.app.launch(cli.parse(["--no-predict"]))

    async def done():
        from playground.tui.run_pane import RunPane

        for pane in app.screen.query(RunPane):  # their hidden panels, mounted after the first frame
            await pane._details_ready.wait()
        seen["sizes"] = sizes
        seen["pygments later"] = "pygments" in sys.modules
        seen["widgets later"] = sorted({type(w).__name__ for w in app.screen.walk_children()})
        with open(sys.argv[1], "w") as out:
            json.dump(seen, out)
        app.exit()

    app.call_later(lambda: app.call_after_refresh(lambda: app.call_after_refresh(done)))
    app.run()
""")


def test_start_up_in_a_terminal_lays_the_screen_out_at_its_size_once_without_pygments_or_hidden_panels(
        tmp_path: Path) -> None:
    """Textual resizes a new screen to the size it already has after its first layout,
    three times in a terminal (the driver's size and the app's, each as an event, then
    the layout's own resize of the screen); each was a full layout, ~60 ms of a start."""
    out = tmp_path / "sizes.json"
    with app_in_terminal(["-c", LAYOUT_PROBE, str(out)], tmp_path) as terminal:
        assert terminal.wait_exit(120) == 0
    seen = json.loads(out.read_text())
    assert seen["sizes"].count([160, 48]) == 1, seen
    # The code is highlighted from the frame after the first (Pygments: ~45 ms of a start).
    assert seen["pygments in the first frame"] is False
    assert seen["pygments later"] is True
    # The sandbox's check (a thread importing the run machinery) starts after the first
    # frame: before, that thread took turns with the frame's drawing for the GIL.
    assert seen["threads in the first frame"] == []
    # What an idle pane hides (its tabs and gauges: some 80 widgets, a tenth of the
    # start-up to style, lay out and draw) comes right after the first frame.
    hidden_until_run = {"TabbedContent", "TaskTable", "OutputPanel", "LagPanel", "StallPanel"}
    assert hidden_until_run & set(seen["widgets in the first frame"]) == set()
    assert hidden_until_run <= set(seen["widgets later"])
    assert seen["tabs' module in the first frame"] is False
    # That layout is drawn at once: the footer's keys, made again for the focus given at
    # start (a recompose, which is a batch), held its drawing back until the batch ended,
    # after the hidden panels were mounted and the code highlighted (~2.3 G instructions
    # by the first frame, where ~1.5 G do).
    first_frame = seen["first frame"]
    assert first_frame["drawn by its layout"] is True
    assert first_frame["pygments"] is False
    assert hidden_until_run & set(first_frame["widgets"]) == set()
    # With its keys (Textual's footer made them once told the screen's bindings, after
    # the first frame and behind the work queued for after it: ~300 ms later).
    assert {"b", "g", "r", "s", "question_mark", "ctrl+p"} <= set(first_frame["footer"]), first_frame


async def test_a_new_size_is_still_laid_out(monkeypatch: pytest.MonkeyPatch) -> None:
    from textual.geometry import Size

    from playground.tui.main_screen import MainScreen

    sizes: list[Size | None] = []
    refresh_layout = MainScreen._refresh_layout

    def counted(self: MainScreen, size: Size | None = None, scroll: bool = False) -> None:
        sizes.append(size)
        refresh_layout(self, size, scroll)

    monkeypatch.setattr(MainScreen, "_refresh_layout", counted)
    app = cli.app.build_app(cli.parse([]))
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert sizes.count(Size(120, 40)) == 1, sizes
        assert app.query_one("#pane-bad").region.right <= 120


async def test_a_tab_asked_for_before_a_pane_has_its_tabs_is_shown_once_it_has() -> None:
    """A pane whose hidden panels come after the first frame: `2` pressed before they
    exist is not lost (nor an error)."""
    from textual.widgets import TabbedContent

    from playground.tui.run_pane import RunPane

    asked_before: list[bool] = []

    class OnePane(App[None]):
        def compose(self) -> Iterable[RunPane]:
            yield RunPane("bad", defer_details=True)

        def on_mount(self) -> None:
            pane = self.query_one(RunPane)
            asked_before.append(not pane.query(TabbedContent))
            pane.show_tab("output")

    app = OnePane()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        assert asked_before == [True]
        tabs = app.query_one(RunPane).query_one(TabbedContent)
        assert tabs.active == "bad-output"


async def test_a_run_shown_on_a_pane_before_it_has_its_tabs_mounts_them_at_once() -> None:
    """A replay or a mirrored run sets the state itself (no run key): its panels come with it."""
    from textual.widgets import TabbedContent

    from playground.model import RunState
    from playground.tui.run_pane import RunPane

    seen: list[tuple[bool, bool]] = []

    class OnePane(App[None]):
        def compose(self) -> Iterable[RunPane]:
            yield RunPane("bad", defer_details=True)

        def on_mount(self) -> None:
            pane = self.query_one(RunPane)
            before = bool(pane.query(TabbedContent))
            pane.state = RunState(target="t")
            seen.append((before, bool(pane.query(TabbedContent))))

    app = OnePane()
    async with app.run_test(size=(100, 40)) as pilot:
        await app.query_one(RunPane).details_mounted()
        await pilot.pause()
        assert seen == [(False, True)]


#: What the first screen does not show: styled by its class's DEFAULT_CSS, parsed when
#: first used (app.tcss, parsed at start, styles the first screen).
LATER_STYLES = ("HelpScreen", "#help-dialog", "#help-text", "OpenFileScreen", "#open-dialog",
                "PredictScreen", "#predict-dialog", "HistoryScreen", "#history-dialog",
                "#replay-title", "#timeline-title", "#timelines", "TaskTable", "OutputPanel",
                "ProblemsPanel")


async def test_the_first_frame_parses_no_style_of_the_screens_and_panels_it_does_not_show(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The dialogs, the replay and timeline screens and the panels mounted after the first
    frame had a third of app.tcss's rules, all parsed (and matched against every widget's
    names) before the first frame."""
    app = cli.app.build_app(cli.parse([]))
    at_first_frame: list[str] = []
    laid_out = Screen._refresh_layout

    def first_frame(screen: Screen[object], size: Size | None = None, scroll: bool = False) -> None:
        laid_out(screen, size, scroll)
        if size is not None and not at_first_frame:
            at_first_frame.extend(rule.selectors for rule in app.stylesheet.rules)

    monkeypatch.setattr(Screen, "_refresh_layout", first_frame)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        assert at_first_frame  # the first frame was seen
        later = [s for s in at_first_frame
                 if set(re.findall(r"#?[A-Za-z_][\w-]*", s)) & set(LATER_STYLES)]
        assert later == []
        # Parsed once used: help's own rules are in once it shows (and it looks as it
        # did: tests/app/test_snapshots.py).
        await pilot.press("question_mark")
        await pilot.pause()
        assert any("#help-dialog" in rule.selectors for rule in app.stylesheet.rules)

