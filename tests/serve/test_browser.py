"""``asyncplay serve`` in a real browser: Debian's chromium, headless, driven by Playwright
(see ``chromium.py`` for how the terminal's text is read from the page)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from children import leaves_no_child_behind  # noqa: F401  (autouse: checks every test here)
from chromium import CAPTURE, needs_chromium, open_browser, screen_text, wait_for_text
from viewers import ServeProcess

pytestmark = [pytest.mark.timeout(240), *needs_chromium]


async def test_a_browser_needs_the_token_then_runs_a_lesson_and_sees_the_stall(tmp_path: Path) -> None:
    server = await ServeProcess.start("--token", "browser-token")
    try:
        async with open_browser() as browser:
            page = await browser.new_page(viewport={"width": 1400, "height": 860})
            await page.add_init_script(CAPTURE)

            refused = await page.goto(server.base)
            assert refused is not None and refused.status == 403
            assert "needs its token" in await page.inner_text("body")

            opened = await page.goto(server.urls["attendees"])
            assert opened is not None and opened.status == 200
            first = await wait_for_text(page, "press b to run it")
            await page.click(".textual-terminal")
            await page.keyboard.press("b")
            await wait_for_text(page, "1-3 or a-c to answer")  # the lesson's question first
            await page.keyboard.press("2")
            shown = await wait_for_text(page, "time.sleep(1)")
            await page.wait_for_function(
                # The ended stall's line, not the live one: "blocking now… 1 001 ms"
                # grows past 1 000 ms before the stall's end is reported.
                "() => window.__frames.some(f => "
                "/stalls(?:(?!blocking now).){0,80}1.0[0-9][0-9] ms/.test(atob(f)))",
                timeout=90_000)
            stalled = await screen_text(page)
            await page.screenshot(path=str(tmp_path / "stall.png"))
    finally:
        log = await server.stop()
    assert "asyncplay" in first and "Blocking sleep in a coroutine" in first
    assert "time.sleep(1)" in shown
    assert re.search(r"stalls\s+■\s+1 0\d\d ms\s+worker\(\)\s+bad\.py:15", stalled), stalled
    assert "viewer 1 ran time-sleep/bad" in log
    assert (tmp_path / "stall.png").stat().st_size > 10_000
