"""Uncovering the main screen (help or the timeline closed) writes its kept frame with
what changed under the other screen drawn into it, not a new composite of the whole
screen; and what is written is what a whole composite makes (text and styles, line by
line)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from textual._compositor import Compositor, LayoutUpdate
from textual.app import App
from textual.screen import Screen
from textual.strip import Strip

from playground.tui.main_screen import MainScreen

from test_timeline import showing_one_task, tasks_event


def _segments(line: list[Strip]) -> list[tuple[str, Any]]:
    return [(segment.text, segment.style) for segment in Strip.join(line).simplify()]


class Frames:
    """The whole-screen frames the app writes for the main screen, each with what a
    composite of the whole screen made at that moment; and the main screen's composites."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.written: list[tuple[list[Any], list[Any]]] = []
        self.composites = 0
        display, full = App._display, Compositor.render_full_update
        frames = self

        def counted_full(compositor: Compositor, simplify: bool = False) -> LayoutUpdate:
            if isinstance(compositor.root, MainScreen):
                frames.composites += 1
            return full(compositor, simplify)

        def recorded(app: App[Any], screen: Screen[Any], renderable: Any) -> None:
            if isinstance(screen, MainScreen) and isinstance(renderable, LayoutUpdate):
                written = [_segments(list(line)) for line in renderable.strips]
                whole = [_segments([strip]) for strip in screen._compositor.render_strips()]
                frames.written.append((written, whole))
            display(app, screen, renderable)

        monkeypatch.setattr(App, "_display", recorded)
        monkeypatch.setattr(Compositor, "render_full_update", counted_full)


@pytest.mark.parametrize("key", ["question_mark", "t"])
async def test_uncovering_the_main_screen_writes_its_kept_frame_with_what_changed(
        key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    async with showing_one_task() as (app, pilot, pane, state):
        for round_ in range(2):
            for steps in range(1, 4):  # frames written in part (the task's row changes)
                state.apply(tasks_event(state.last_t, upd=[[1, "ready", None, "/x/bad.py", 7,
                                                            1000 * steps, steps, None]]))
                pane.state = state
                await pilot.pause()
            await pilot.press(key)
            await pilot.pause()
            assert not isinstance(app.screen, MainScreen)
            n = 2 + 3 * round_
            for task in range(n, n + 3):  # the task table changes under the other screen
                state.apply(tasks_event(0.1 * task, new=[[task, f"Task-{task}", "nap", None,
                                                          "/x/bad.py", 7]]))
                pane.state = state
                await pilot.pause()
            frames = Frames(monkeypatch)
            await pilot.press("escape")
            await pilot.pause()
            await pilot.pause()
            monkeypatch.undo()
            assert isinstance(app.screen, MainScreen)
            assert frames.composites == 0
            assert len(frames.written) == 1
            written, whole = frames.written[0]
            assert written == whole
            # What changed under the other screen is in it: the status line's time.
            text = "\n".join("".join(text for text, _ in line) for line in written)
            assert re.search(rf"running\s+0\.{n + 2} s", text), text
