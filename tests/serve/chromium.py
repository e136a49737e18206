"""A real browser for the serve tests: Debian's chromium, headless, driven by Playwright.

The page draws the terminal on a canvas, so the tests read the terminal's text from the
bytes the page itself received over its websocket (captured in the page by
:data:`CAPTURE`, played on a terminal emulator by :func:`screen_text`).

:func:`open_browser` closes the browser and Playwright whatever happens, then reaps the
processes chromium leaves to the test process: its crash handlers and zygotes are
double-forked orphans, and they come back to the test process as zombies when it is a
child subreaper (as it is once it has run a snippet itself).
"""

from __future__ import annotations

import asyncio
import base64
import os
import re
import shutil
import signal
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pyte
import pytest

from children import children

try:
    from playwright.async_api import Browser, Page, async_playwright
    from playwright.async_api import TimeoutError as PlaywrightTimeout
except ImportError:  # pragma: no cover - the test extra installs it
    async_playwright = None  # type: ignore[assignment]

__all__ = ["CAPTURE", "needs_chromium", "open_browser", "screen_text", "wait_for_screen",
           "wait_for_text"]

CHROMIUM = os.environ.get("ASYNCPLAY_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: The names (comm) of chromium's processes.
_NAMES = ("chromium", "chrome", "chrome_crashpad")

needs_chromium = [
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


def _chromium_children() -> dict[int, str]:
    """Children of the test process that are chromium's: pid -> state."""
    return {pid: state for pid, (state, comm, _) in children().items() if comm.startswith(_NAMES)}


@asynccontextmanager
async def open_browser() -> AsyncIterator[Browser]:
    """A headless chromium, closed (with Playwright) on the way out, its orphans reaped."""
    assert async_playwright is not None
    before = set(_chromium_children())
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=CHROMIUM if os.access(CHROMIUM, os.X_OK) else shutil.which("chromium"),
                args=ARGS)
            try:
                yield browser
            finally:
                await browser.close()
    finally:
        # Closed, chromium has ended them all: kill (a no-op then) and reap each one.
        for pid, state in _chromium_children().items():
            if pid in before:
                continue
            if state != "Z":
                os.kill(pid, signal.SIGKILL)
            try:
                await asyncio.to_thread(os.waitpid, pid, 0)
            except ChildProcessError:
                pass


async def _screen(page: Page) -> tuple[str, int]:
    """The terminal's text (the page's frames played on a screen of the page's size) and
    how many frames it played."""
    frames: list[str] = await page.evaluate("window.__frames")
    size: dict[str, str] = await page.evaluate("window.__size")
    screen = pyte.Screen(int(size["width"]), int(size["height"]))
    stream = pyte.ByteStream(screen)
    for frame in frames:
        stream.feed(base64.b64decode(frame))
    return "\n".join(screen.display), len(frames)


async def screen_text(page: Page) -> str:
    """The terminal's text, as the page shows it now."""
    return (await _screen(page))[0]


async def wait_for_text(page: Page, text: str) -> str:
    """Wait (page-side, on each frame) for ``text`` in the stream, then read the screen."""
    await page.wait_for_function(
        "(text) => window.__frames.length && window.__frames.some(f => atob(f).includes(text))",
        arg=text, timeout=90_000)
    return await screen_text(page)


async def wait_for_screen(page: Page, pattern: str, timeout_s: float = 90.0) -> str:
    """Wait until the terminal shows ``pattern`` (a regex, on the screen as it is now, not
    on what it once showed); its text then. Each look waits for the page's next frame."""
    deadline = time.monotonic() + timeout_s
    while True:
        text, played = await _screen(page)
        if re.search(pattern, text):
            return text
        left_s = deadline - time.monotonic()
        if left_s <= 0:
            raise AssertionError(f"{pattern!r} never showed; the screen:\n{text}")
        try:
            await page.wait_for_function("(n) => window.__frames.length > n", arg=played,
                                         timeout=left_s * 1000)
        except PlaywrightTimeout:
            continue  # one last look, then the error above
