"""The mock API, served for real on loopback and queried with a real aiohttp client."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from playground.mockapi import MockAPI, MockSite, flaky_fails, stream_line

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
async def api() -> AsyncIterator[MockAPI]:
    async with MockAPI(latency_ms=5) as api:
        yield api


@pytest.fixture
async def site(api: MockAPI) -> MockSite:
    return await api.listen()


@pytest.fixture
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_index_lists_the_endpoints(site: MockSite, client: aiohttp.ClientSession) -> None:
    assert site.url == f"http://127.0.0.1:{site.port}"
    async with client.get(f"{site.url}/") as resp:
        assert resp.status == 200
        body = await resp.json()
    assert {"/users/{id}", "/slow?delay_ms=2000", "/flaky"} <= set(body["endpoints"])
    assert any(path.startswith("/stream") for path in body["endpoints"])


async def test_user_is_json_after_the_latency(client: aiohttp.ClientSession) -> None:
    async with MockAPI(latency_ms=60_000) as api:
        site = await api.listen()
        # a request with the default latency is still waiting when one without is answered
        waiting = asyncio.create_task(client.get(f"{site.url}/users/3"))
        async with client.get(f"{site.url}/users/3?delay_ms=0") as resp:
            assert resp.status == 200
            user = await resp.json()
        assert not waiting.done()
        waiting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await waiting
    assert user == {"id": 3, "name": "Grace Hopper", "email": "grace3@example.com"}


async def test_delay_ms_overrides_the_latency(client: aiohttp.ClientSession) -> None:
    async with MockAPI(latency_ms=30_000) as api:
        site = await api.listen()
        async with client.get(f"{site.url}/users/1?delay_ms=0") as resp:
            assert resp.status == 200
            assert (await resp.json())["id"] == 1


@pytest.mark.parametrize("user_id", ["0", "abc", "-1"])
async def test_unknown_user_is_404(
    site: MockSite, client: aiohttp.ClientSession, user_id: str
) -> None:
    async with client.get(f"{site.url}/users/{user_id}") as resp:
        assert resp.status == 404
        assert "error" in await resp.json()


@pytest.mark.parametrize(
    "query",
    [
        "/users/1?delay_ms=soon",
        "/users/1?delay_ms=-5",
        "/slow?delay_ms=nan",
        "/slow?delay_ms=99999999",
        "/stream?lines=x",
        "/stream?size=1",
        "/stream?lines=10000000&size=1000000",
        "/stream?interval_ms=-1",
    ],
)
async def test_bad_parameters_are_400(
    site: MockSite, client: aiohttp.ClientSession, query: str
) -> None:
    async with client.get(f"{site.url}{query}") as resp:
        assert resp.status == 400
        assert "error" in await resp.json()


async def test_slow_waits_delay_ms(site: MockSite, client: aiohttp.ClientSession) -> None:
    waiting = asyncio.create_task(client.get(f"{site.url}/slow?delay_ms=60000"))
    async with client.get(f"{site.url}/slow?delay_ms=150") as resp:
        body = await resp.json()
    assert body == {"slept_ms": 150}
    assert not waiting.done()  # answered only once its own delay is over
    waiting.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await waiting


async def test_stream_sends_exact_lines_chunked(
    site: MockSite, client: aiohttp.ClientSession
) -> None:
    async with client.get(f"{site.url}/stream?lines=300&size=40&interval_ms=0") as resp:
        assert resp.status == 200
        assert resp.headers["Transfer-Encoding"] == "chunked"
        assert resp.content_type == "text/plain"
        lines = [line async for line in resp.content]
    assert len(lines) == 300
    assert all(len(line) == 40 and line.endswith(b"\n") for line in lines)
    assert lines == [stream_line(i, 40) for i in range(300)]
    assert lines[0].startswith(b"000000 ERROR ")
    assert lines[13].startswith(b"000013 WARN ")
    assert lines[1].startswith(b"000001 INFO ")


async def test_stream_arrives_over_time(site: MockSite, client: aiohttp.ClientSession) -> None:
    async with client.get(f"{site.url}/stream?lines=3&size=20&interval_ms=60000") as resp:
        first = await resp.content.readline()
        assert first == stream_line(0, 20)
        # the next line is due a minute after the first: nothing more has come
        assert not resp.content.at_eof() and resp.content.read_nowait() == b""


async def test_stream_fractional_interval_batches_lines(
    site: MockSite, client: aiohttp.ClientSession
) -> None:
    async with client.get(f"{site.url}/stream?lines=2000&size=100&interval_ms=0.05") as resp:
        body = await resp.read()
    assert len(body) == 2000 * 100


async def test_stream_defaults(site: MockSite, client: aiohttp.ClientSession) -> None:
    async with client.get(f"{site.url}/stream?interval_ms=0") as resp:
        lines = [line async for line in resp.content]
    assert len(lines) == 200
    assert len({len(line) for line in lines}) == 1


def test_stream_line_is_exactly_size_bytes() -> None:
    for size in (2, 5, 40, 1000):
        line = stream_line(123456, size)
        assert len(line) == size and line.endswith(b"\n") and line.count(b"\n") == 1


async def flaky_statuses(client: aiohttp.ClientSession, url: str, count: int) -> list[int]:
    statuses = []
    for _ in range(count):
        async with client.get(f"{url}/flaky?delay_ms=0") as resp:
            statuses.append(resp.status)
            await resp.read()
    return statuses


@pytest.mark.parametrize(
    ("seed", "failing"), [(0, {1, 4, 7}), (1, {3, 6, 9}), (2, {2, 5, 8}), (3, {1, 4, 7})]
)
async def test_flaky_schedule_is_deterministic(
    client: aiohttp.ClientSession, seed: int, failing: set[int]
) -> None:
    expected = [503 if n in failing else 200 for n in range(1, 10)]
    assert expected == [503 if flaky_fails(n, seed) else 200 for n in range(1, 10)]
    async with MockAPI(latency_ms=0, seed=seed) as api:
        first = await api.listen()
        assert await flaky_statuses(client, first.url, 9) == expected
        # A fresh site starts its own count: same schedule again.
        second = await api.listen()
        assert await flaky_statuses(client, second.url, 9) == expected


async def test_flaky_bodies(site: MockSite, client: aiohttp.ClientSession) -> None:
    async with client.get(f"{site.url}/flaky") as resp:
        assert resp.status == 503
        assert (await resp.json())["request"] == 1
    async with client.get(f"{site.url}/flaky") as resp:
        assert resp.status == 200
        assert await resp.json() == {"ok": True, "request": 2}


async def test_flaky_counts_per_site_under_concurrency(
    api: MockAPI, client: aiohttp.ClientSession
) -> None:
    sites = [await api.listen() for _ in range(3)]
    results = await asyncio.gather(*(flaky_statuses(client, s.url, 6) for s in sites))
    expected = [503, 200, 200, 503, 200, 200]
    assert results == [expected] * 3


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "", "::"])
async def test_listen_refuses_non_loopback_hosts(api: MockAPI, host: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        await api.listen(host)
    assert api.sites == ()


async def test_listen_on_other_loopback_addresses(
    api: MockAPI, client: aiohttp.ClientSession
) -> None:
    site = await api.listen("127.0.0.2")
    assert site.url == f"http://127.0.0.2:{site.port}"
    async with client.get(f"{site.url}/users/2?delay_ms=0") as resp:
        assert resp.status == 200


async def test_listen_on_ipv6_loopback(api: MockAPI, client: aiohttp.ClientSession) -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    try:
        site = await api.listen("::1")
    except OSError as exc:
        pytest.skip(f"no IPv6 loopback here: {exc}")
    assert site.url == f"http://[::1]:{site.port}"
    async with client.get(f"{site.url}/users/2?delay_ms=0") as resp:
        assert resp.status == 200


async def test_listen_on_a_fixed_port(api: MockAPI, client: aiohttp.ClientSession) -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    site = await api.listen(port=port)
    assert site.port == port
    async with client.get(f"{site.url}/") as resp:
        assert resp.status == 200


def listening_socket(host: str = "127.0.0.1") -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((host, 0))
    sock.listen()
    return sock


async def test_serve_socket_serves_a_handed_over_socket(
    api: MockAPI, client: aiohttp.ClientSession
) -> None:
    sock = listening_socket()
    port = sock.getsockname()[1]
    site = await api.serve_socket(sock)
    assert site.port == port
    assert site.url == f"http://127.0.0.1:{port}"
    async with client.get(f"{site.url}/users/7?delay_ms=0") as resp:
        assert (await resp.json())["id"] == 7
    await site.stop()
    assert sock.fileno() == -1  # the site owned the socket and closed it
    assert api.sites == ()


async def test_serve_socket_refuses_unusable_sockets(api: MockAPI) -> None:
    unbound = socket.socket()
    not_listening = socket.socket()
    not_listening.bind(("127.0.0.1", 0))
    wildcard = listening_socket("0.0.0.0")
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    try:
        with pytest.raises(ValueError, match="loopback"):
            await api.serve_socket(unbound)  # bound to 0.0.0.0:0
        with pytest.raises(ValueError, match="listening"):
            await api.serve_socket(not_listening)
        with pytest.raises(ValueError, match="loopback"):
            await api.serve_socket(wildcard)
        with pytest.raises(ValueError, match="TCP"):
            await api.serve_socket(udp)
    finally:
        for sock in (unbound, not_listening, wildcard, udp):
            sock.close()
    assert api.sites == ()


async def test_concurrent_sites_are_independent(
    api: MockAPI, client: aiohttp.ClientSession
) -> None:
    sites = [await api.listen() for _ in range(2)]
    sites.append(await api.serve_socket(listening_socket()))
    sites.append(await api.serve_socket(listening_socket()))
    assert len({s.port for s in sites}) == 4
    assert set(api.sites) == set(sites)

    async def fetch(url: str, user_id: int) -> int:
        async with client.get(f"{url}/users/{user_id}?delay_ms=50") as resp:
            return int((await resp.json())["id"])

    ids = await asyncio.gather(*(fetch(s.url, i) for i, s in enumerate(sites, 1)))
    assert ids == [1, 2, 3, 4]

    await sites[0].stop()
    await sites[0].stop()  # stopping twice is harmless
    with pytest.raises(aiohttp.ClientConnectionError):
        async with client.get(f"{sites[0].url}/"):
            pass
    assert await fetch(sites[1].url, 9) == 9
    assert await fetch(sites[2].url, 10) == 10


async def test_close_stops_every_site_even_mid_request(client: aiohttp.ClientSession) -> None:
    api = MockAPI()
    site_a = await api.listen()
    site_b = await api.serve_socket(listening_socket())
    pending = asyncio.ensure_future(client.get(f"{site_a.url}/slow?delay_ms=30000"))
    while site_a.stats()["in_flight_max"] == 0:  # the request is being answered
        await asyncio.sleep(0.01)
    await api.close()
    assert api.sites == ()
    with pytest.raises(aiohttp.ClientError):  # cut, not answered 30 s later
        resp = await pending
        await resp.read()
    for site in (site_a, site_b):
        with pytest.raises(aiohttp.ClientConnectionError):
            async with client.get(f"{site.url}/"):
                pass
    with pytest.raises(RuntimeError):
        await api.listen()


def test_latency_must_be_sane() -> None:
    with pytest.raises(ValueError):
        MockAPI(latency_ms=-1)
    with pytest.raises(ValueError):
        MockAPI(latency_ms=float("nan"))


async def test_command_line_serves_until_interrupted(client: aiohttp.ClientSession) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "playground.mockapi", "--port", "0", "--latency-ms", "0",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=REPO,
    )
    try:
        assert proc.stdout is not None
        banner = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
        url = banner.split()[3]
        assert url.startswith("http://127.0.0.1:")
        async with client.get(f"{url}/users/5") as resp:
            assert (await resp.json())["id"] == 5
        proc.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(proc.wait(), 30) == 0
        assert proc.stderr is not None
        assert b"GET /users/5" in await proc.stderr.read()  # access log by default
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def test_command_line_stops_cleanly_on_sigterm() -> None:
    """Signals go through the loop's own handling (which wakes it through a pipe,
    whichever thread the signal lands on): SIGTERM stops the server as Ctrl-C does."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "playground.mockapi", "--port", "0", "--quiet",
        stdout=asyncio.subprocess.PIPE,
        cwd=REPO,
    )
    try:
        assert proc.stdout is not None
        banner = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
        assert banner.startswith("mock API on http://127.0.0.1:")
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 30) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def test_command_line_refuses_non_loopback() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "playground.mockapi", "--host", "0.0.0.0",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=REPO,
    )
    _, stderr = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 2
    assert b"loopback" in stderr


async def wait_for_stat(site: MockSite, name: str, value: int) -> None:
    """Until the site has counted ``value`` (the server side of a request lags the client)."""
    for _ in range(1000):
        if site.stats()[name] >= value:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{name} never reached {value}: {site.stats()}")


async def test_a_site_counts_requests_in_flight_and_connections(site: MockSite) -> None:
    assert site.stats() == {"requests": 0, "in_flight_max": 0, "connections": 0}
    # One shared session, one request after the other: one connection, one in flight.
    async with aiohttp.ClientSession() as shared:
        for user_id in (1, 2, 3):
            async with shared.get(f"{site.url}/users/{user_id}") as resp:
                assert resp.status == 200
        async with shared.get(f"{site.url}/users/nobody") as resp:
            assert resp.status == 404  # counted too
    assert site.stats() == {"requests": 4, "in_flight_max": 1, "connections": 1}
    # A new session per request: a new connection each.
    for _ in range(2):
        async with aiohttp.ClientSession() as own, own.get(f"{site.url}/") as resp:
            assert resp.status == 200
    assert site.stats() == {"requests": 6, "in_flight_max": 1, "connections": 3}
    # Five at once that cannot finish before they are all in: five in flight.
    async with aiohttp.ClientSession() as shared:
        async def slow() -> None:
            async with shared.get(f"{site.url}/slow?delay_ms=60000") as resp:
                await resp.read()

        tasks = [asyncio.create_task(slow()) for _ in range(5)]
        await wait_for_stat(site, "requests", 11)
        assert site.stats() == {"requests": 11, "in_flight_max": 5, "connections": 8}
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    # A connection that sends nothing is accepted all the same.
    reader, writer = await asyncio.open_connection("127.0.0.1", site.port)
    await wait_for_stat(site, "connections", 9)
    writer.close()
    await writer.wait_closed()
    assert site.stats()["requests"] == 11 and site.stats()["in_flight_max"] == 5


async def test_each_site_counts_its_own(api: MockAPI, client: aiohttp.ClientSession) -> None:
    first, second = await api.listen(), await api.serve_socket(listening_socket())
    async with client.get(f"{first.url}/users/1") as resp:
        assert resp.status == 200
    assert first.stats() == {"requests": 1, "in_flight_max": 1, "connections": 1}
    assert second.stats() == {"requests": 0, "in_flight_max": 0, "connections": 0}
