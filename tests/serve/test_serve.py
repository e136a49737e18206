"""``asyncplay serve``: the token, one app process per viewer, the run queue, and nothing
left behind when a viewer goes. A real server process, real viewers speaking
textual-serve's websocket protocol, real runs."""

from __future__ import annotations

import argparse
import asyncio
import re

import aiohttp
import pytest

from playground.serve.command import config_from_args
from playground.serve.queue import RunQueue
from playground.serve.room import Room

from children import leaves_no_child_behind  # noqa: F401  (autouse: checks every test here)
from viewers import ProtocolViewer, ServeProcess, all_gone, cmdline, descendants

pytestmark = pytest.mark.timeout(180)


def _args(**given: object) -> argparse.Namespace:
    values: dict[str, object] = dict(host="127.0.0.1", port=8000, token=None, present_token=None,
                                     max_runs=None, memory_mb=512, snippets=[])
    values.update(given)
    return argparse.Namespace(**values)


# ---------------------------------------------------------------------- options
def test_loopback_needs_no_token_another_address_gets_one() -> None:
    assert config_from_args(_args()).token is None
    made = config_from_args(_args(host="0.0.0.0")).token
    assert made is not None and len(made) >= 16
    assert config_from_args(_args(host="0.0.0.0", token="given-token")).token == "given-token"


@pytest.mark.parametrize(("given", "problem"), [
    ({"token": "short"}, "--token: use at least 8"),
    ({"token": "same-token", "present_token": "same-token"}, "must differ"),
    ({"max_runs": 0}, "--max-runs must be at least 1"),
    ({"port": 70000}, "not a port"),
])
def test_bad_options_are_named(given: dict[str, object], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        config_from_args(_args(**given))


# ------------------------------------------------------------------------ queue
async def test_queue_keeps_the_cap_and_tells_each_its_place() -> None:
    queue = RunQueue(1)
    places: dict[str, list[int]] = {"b": [], "c": []}
    await queue.acquire(lambda p: None)  # a holds the only slot
    b = asyncio.create_task(queue.acquire(places["b"].append))
    c = asyncio.create_task(queue.acquire(places["c"].append))
    await asyncio.sleep(0)
    assert (places, queue.running, queue.waiting) == ({"b": [1], "c": [2]}, 1, 2)
    b.cancel()  # b gives up: c moves up
    with pytest.raises(asyncio.CancelledError):
        await b
    assert places["c"] == [2, 1]
    queue.release()  # a ends: c runs
    await c
    assert (queue.running, queue.waiting) == (1, 0)
    queue.release()
    assert queue.running == 0


# ------------------------------------------------------------------------- room
def test_room_tallies_answers_and_only_the_presenter_moves_it() -> None:
    room = Room()
    assert room.apply("p", True, {"type": "ask", "lesson": "time-sleep"}) is None
    assert room.apply("a1", False, {"type": "answer", "lesson": "time-sleep", "choice": 1}) is None
    assert room.apply("a2", False, {"type": "answer", "lesson": "time-sleep", "choice": 1}) is None
    assert room.apply("a2", False, {"type": "answer", "lesson": "time-sleep", "choice": 0}) is None
    assert room.apply("a1", False, {"type": "move", "lesson": "other"}) == "only the presenter may 'move'"
    assert "choice" in (room.apply("a1", False, {"type": "answer", "lesson": "x", "choice": "1"}) or "")
    view = room.view()
    assert (view["lesson"], view["asking"], view["current_tally"]) == ("time-sleep", "time-sleep", [1, 1, 0, 0])


# ------------------------------------------------------------- a real server
async def _status(url: str, **kwargs: object) -> int:
    async with aiohttp.ClientSession() as session, session.get(url, **kwargs) as response:  # type: ignore[arg-type]
        return response.status


async def test_the_token_is_required_for_the_page_and_the_websocket() -> None:
    server = await ServeProcess.start("--token", "room-token-1")
    try:
        assert server.urls["attendees"].endswith("/?token=room-token-1")
        assert await _status(server.base) == 403
        assert await _status(server.base + "?token=wrong-token") == 403
        assert await _status(server.base + "?token=room-token-1") == 200
        ws = server.base.replace("http", "ws") + "ws"
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await ProtocolViewer().connect(ws)
        assert refused.value.status == 403
        viewer = ProtocolViewer()
        await viewer.connect(ws, token="room-token-1")
        await viewer.wait_for("press b to run it")
        await viewer.close()
    finally:
        log = await server.stop()
    assert "refused GET / from 127.0.0.1: no token" in log
    assert "viewer 1 connected from 127.0.0.1" in log


async def test_a_viewer_that_goes_mid_run_leaves_no_process_behind() -> None:
    server = await ServeProcess.start()
    try:
        viewer = ProtocolViewer()
        await viewer.connect(server.base.replace("http", "ws") + "ws")
        await viewer.wait_for("press b to run it")
        await viewer.press("b")
        await viewer.wait_for("1-3 or a-c to answer")  # the lesson's question first
        await viewer.press("2")
        await viewer.wait_for("● running")
        below = descendants(server.process.pid)
        assert any("playground.probe" in cmdline(pid) for pid in below), \
            [cmdline(pid) for pid in below]
        await viewer.close()
        assert await all_gone(below) == []
    finally:
        log = await server.stop()
    assert "viewer 1 ran time-sleep/bad" in log
    assert re.search(r"viewer 1 disconnected \(.*\): its app process and runs were killed", log)


async def test_runs_past_the_cap_wait_in_line_and_show_their_place() -> None:
    server = await ServeProcess.start("--max-runs", "1")
    first, second = ProtocolViewer(), ProtocolViewer()
    try:
        ws = server.base.replace("http", "ws") + "ws"
        for viewer in (first, second):
            await viewer.connect(ws)
            await viewer.wait_for("press b to run it")
        for viewer in (first, second):
            await viewer.press("b")
            await viewer.wait_for("1-3 or a-c to answer")
        await first.press("2")
        await first.wait_for("● running")
        await second.press("2")
        await second.wait_for("waiting for a free slot: next in line")
        await first.wait_for("✓ ok")
        await second.wait_for(r"stalls\s+■.*bad\.py:15")  # its run came after the first's
    finally:
        await first.close()
        await second.close()
        log = await server.stop()
    assert "viewer 2 ran time-sleep/bad (waited" in log


async def test_stopping_the_server_as_viewers_go_mid_run_leaves_no_process_behind() -> None:
    # A race: a viewer's goodbye and the server's stop both kill its app; the server must
    # not exit before the app's runs are reaped (else they end as zombies of the test
    # process, which the fixture sees). Three rounds, two viewers each.
    for _ in range(3):
        server = await ServeProcess.start()
        viewers = [ProtocolViewer(), ProtocolViewer()]
        try:
            ws = server.base.replace("http", "ws") + "ws"
            for viewer in viewers:
                await viewer.connect(ws)
                await viewer.wait_for("press b to run it")
                await viewer.press("b")
                await viewer.wait_for("1-3 or a-c to answer")
            for viewer in viewers:
                await viewer.press("1")
            for viewer in viewers:
                await viewer.wait_for("● running")
            below = descendants(server.process.pid)
            assert any("playground.probe" in cmdline(pid) for pid in below)
            for viewer in viewers:
                await viewer.close()  # the server is killing their apps as it stops
        finally:
            for viewer in viewers:
                await viewer.close()
            await server.stop()
        assert await all_gone(below) == []
