"""``asyncplay serve`` in a real browser: Debian's chromium, headless, driven by Playwright.

The page draws the terminal on a canvas, so the test reads the terminal's text from the
bytes the page itself received over its websocket (captured in the page, fed to a
terminal emulator), and keeps a screenshot beside it.
"""

from __future__ import annotations

import base64
import re
import os
import shutil
from pathlib import Path

import pyte
import pytest

from viewers import ServeProcess

CHROMIUM = os.environ.get("ASYNCPLAY_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

try:
    from playwright.async_api import Page, async_playwright
except ImportError:  # pragma: no cover - the test extra installs it
    async_playwright = None  # type: ignore[assignment]

pytestmark = [
    pytest.mark.timeout(240),
    pytest.mark.skipif(async_playwright is None, reason="Playwright for Python is not installed "
                       "(pip install -e '.[test]')"),
    pytest.mark.skipif(not (os.access(CHROMIUM, os.X_OK) or shutil.which("chromium")),
                       reason=f"no chromium at {CHROMIUM} (`make test` installs Debian's as root)"),
]

#: Keeps every binary frame the page's websockets receive, base64, in window.__frames.
CAPTURE = """
window.__frames = [];
const Native = window.WebSocket;
window.WebSocket = function (...args) {
  const socket = new Native(...args);
  window.__size = Object.fromEntries(new URL(args[0]).searchParams);
  socket.addEventListener("message", (event) => {
    if (event.data instanceof ArrayBuffer) {
      let text = "";
      const bytes = new Uint8Array(event.data);
      for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
      window.__frames.push(btoa(text));
    }
  });
  return socket;
};
window.WebSocket.prototype = Native.prototype;
"""


async def screen_text(page: Page) -> str:
    """The terminal's text: the page's frames played on a screen of the page's size."""
    frames: list[str] = await page.evaluate("window.__frames")
    size: dict[str, str] = await page.evaluate("window.__size")
    screen = pyte.Screen(int(size["width"]), int(size["height"]))
    stream = pyte.ByteStream(screen)
    for frame in frames:
        stream.feed(base64.b64decode(frame))
    return "\n".join(screen.display)


async def wait_for_text(page: Page, text: str) -> str:
    """Wait (page-side, on each frame) for ``text`` in the stream, then read the screen."""
    await page.wait_for_function(
        "(text) => window.__frames.length && window.__frames.some(f => atob(f).includes(text))",
        arg=text, timeout=90_000)
    return await screen_text(page)


async def test_a_browser_needs_the_token_then_runs_a_lesson_and_sees_the_stall(tmp_path: Path) -> None:
    assert async_playwright is not None
    server = await ServeProcess.start("--token", "browser-token")
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=shutil.which("chromium") if not os.access(CHROMIUM, os.X_OK) else CHROMIUM,
                args=ARGS)
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
                "() => window.__frames.some(f => /stalls.{0,80}1.0[0-9][0-9] ms/.test(atob(f)))",
                timeout=90_000)
            stalled = await screen_text(page)
            await page.screenshot(path=str(tmp_path / "stall.png"))
            await browser.close()
    finally:
        log = await server.stop()
    assert "asyncplay" in first and "Blocking sleep in a coroutine" in first
    assert "time.sleep(1)" in shown
    assert re.search(r"stalls\s+■\s+1 0\d\d ms\s+worker\(\)\s+bad\.py:15", stalled), stalled
    assert "viewer 1 ran time-sleep/bad" in log
    assert (tmp_path / "stall.png").stat().st_size > 10_000
