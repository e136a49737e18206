"""The room of a served workshop: the presenter asks, two attendees answer on their own
screens, the presenter's screen shows the live tally; the presenter moves on and the
attendees follow. A real server, three viewers speaking textual-serve's protocol."""

from __future__ import annotations

import re

import pytest

from children import leaves_no_child_behind  # noqa: F401  (autouse: checks every test here)
from viewers import ProtocolViewer, ServeProcess

pytestmark = pytest.mark.timeout(240)


async def test_two_attendees_answer_and_the_presenter_sees_both_then_they_follow() -> None:
    server = await ServeProcess.start("--present-token", "presenter-token")
    ws = server.base.replace("http", "ws") + "ws"
    presenter, first, second = ProtocolViewer(120, 40), ProtocolViewer(), ProtocolViewer()
    try:
        assert server.urls["presenter"].endswith("?token=presenter-token")
        await presenter.connect(ws, token="presenter-token")
        await presenter.wait_for("Blocking sleep in a coroutine")
        for attendee in (first, second):
            await attendee.connect(ws)
            await attendee.wait_for("press b to run it")
        await presenter.press("r")  # asks the room first
        await presenter.wait_for("enter to run")
        for attendee, key, letter in ((first, "2", "B"), (second, "1", "A")):
            await attendee.wait_for("1-3 or a-c to answer")  # the room was asked
            await attendee.press(key)
            await attendee.wait_for(f"Your answer {letter} is in")  # told what comes next
        await presenter.wait_for("answers: 2 of 2")
        assert re.search(r"A\s+1 █+\s+They keep printing every 0\.2 s", presenter.text())
        assert re.search(r"B\s+1 █+\s+They print nothing for about a second, then catch up",
                         presenter.text())
        await presenter.press("\r")  # runs; its end reveals the answer to the room
        await presenter.wait_for("Prediction · ")
        await first.wait_for(r"✓ right: you chose B")
        await second.wait_for(r"✗ not this time: you chose A")
        await presenter.press("n")
        for attendee in (first, second):
            await attendee.wait_for(r"Forgotten await  ·  2/")
        await first.press("p")  # after answering, the keys still move the attendee's app
        await first.wait_for(r"Blocking sleep in a coroutine  ·  1/")
    finally:
        for viewer in (presenter, first, second):
            await viewer.close()
        log = await server.stop()
    assert "viewer 1 (presenter) connected" in log


async def test_an_attendee_who_wanders_stays_until_f_follows_the_presenter_again() -> None:
    server = await ServeProcess.start("--present-token", "presenter-token")
    ws = server.base.replace("http", "ws") + "ws"
    presenter, wanderer, follower = ProtocolViewer(120, 40), ProtocolViewer(), ProtocolViewer()
    try:
        await presenter.connect(ws, token="presenter-token")
        await presenter.wait_for("Blocking sleep in a coroutine")
        for attendee in (wanderer, follower):
            await attendee.connect(ws)
            await attendee.wait_for("press b to run it")
        await presenter.press("n")
        for attendee in (wanderer, follower):
            await attendee.wait_for(r"Forgotten await  ·  2/\d+  ·  following the presenter")
        await presenter.wait_for(r"Forgotten await  ·  2/\d+  ·  presenting")
        await wanderer.press("p")  # wanders back to the first lesson: the header says so
        await wanderer.wait_for(r"Blocking sleep in a coroutine  ·  1/\d+  ·  wandering")
        await presenter.press("n")  # the room moves on: the wanderer stays
        await follower.wait_for(r"asyncio\.run\(\) inside a running loop  ·  3/")
        assert re.search(r"  ·  1/\d+  ·  wandering \(F follows the presenter\)", wanderer.text())
        await wanderer.press("F")  # follows again
        await wanderer.wait_for(r"asyncio\.run\(\) inside a running loop  ·  3/\d+  ·  following")
    finally:
        for viewer in (presenter, wanderer, follower):
            await viewer.close()
        await server.stop()
