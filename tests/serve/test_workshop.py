"""A workshop as a room runs it, in a real browser: ``asyncplay serve`` with a presenter's
token, and one headless chromium with the presenter's tab and two attendees' tabs (one
browser: its tabs share cookies, as a presenter trying it alone would have them). The
presenter asks the time-sleep question, the attendees answer differently, the
presenter's tally shows both answers, each attendee runs the lesson and sees the stall,
the presenter moves on and both attendees' tabs follow.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from children import leaves_no_child_behind  # noqa: F401  (autouse: checks every test here)
from chromium import CAPTURE, needs_chromium, open_browser, wait_for_screen
from viewers import ServeProcess

try:
    from playwright.async_api import Page
except ImportError:  # pragma: no cover - the test extra installs it
    pass

pytestmark = [pytest.mark.timeout(420), *needs_chromium]

STALL = r"stalls\s+■\s+1 0\d\d ms\s+worker\(\)\s+bad\.py:15"


async def press(page: Page, key: str) -> None:
    """A key in this tab (brought to the front and its terminal focused, as a click does)."""
    await page.bring_to_front()
    await page.click(".textual-terminal")
    await page.keyboard.press(key)


async def test_a_presenter_and_two_attendees_in_one_browser_run_a_workshop(tmp_path: Path) -> None:
    server = await ServeProcess.start("--present-token", "presenter-token")
    try:
        async with open_browser() as browser:
            context = await browser.new_context(viewport={"width": 1400, "height": 860})
            await context.add_init_script(CAPTURE)
            presenter = await context.new_page()
            await presenter.goto(server.urls["presenter"])
            await wait_for_screen(presenter, r"Blocking sleep in a coroutine")
            attendees = [await context.new_page(), await context.new_page()]
            for page in attendees:
                await page.goto(server.urls["attendees"])
                await wait_for_screen(page, r"Blocking sleep in a coroutine  ·  1/")

            await press(presenter, "r")  # a lesson with a question: the room is asked first
            await wait_for_screen(presenter, r"enter to run")
            for page, key in zip(attendees, "21", strict=True):
                await wait_for_screen(page, r"1-3 or a-c to answer")
                await press(page, key)
            tally = await wait_for_screen(presenter, r"answers: 2 of 2")
            await presenter.screenshot(path=str(tmp_path / "tally.png"))

            for page in attendees:  # each runs it in a sandbox of its own
                await press(page, "b")
            stalled = [await wait_for_screen(page, STALL) for page in attendees]
            await attendees[0].screenshot(path=str(tmp_path / "stall.png"))

            await press(presenter, "Enter")  # the presenter's run; its end reveals the answer
            revealed = [await wait_for_screen(page, r"Prediction · ") for page in attendees]

            await press(presenter, "n")
            for page in attendees:
                await wait_for_screen(page, r"Forgotten await  ·  2/")
            await context.close()
    finally:
        log = await server.stop()
    assert re.search(r"A\s+1 █+\s+They keep printing every 0\.2 s", tally), tally
    assert re.search(r"B\s+1 █+\s+They print nothing for about a second, then catch up", tally), tally
    for screen in stalled:
        assert re.search(STALL, screen)
    assert "✓ right: you chose B" in revealed[0] and "✗ not this time: you chose A" in revealed[1]
    # the attendees' tabs are attendees' (the presenter's token in the shared cookies
    # must not make them presenters), and each ran the lesson itself
    assert "viewer 1 (presenter) connected" in log
    for number in (2, 3):
        assert f"viewer {number} connected" in log and f"viewer {number} (presenter)" not in log
        assert f"viewer {number} ran time-sleep/bad" in log
