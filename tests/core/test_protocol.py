"""The event channel's decoder survives whatever arrives."""

from __future__ import annotations

import json

from playground import protocol as P


def hello() -> bytes:
    return P.encode({"kind": P.K_HELLO, "v": P.VERSION, "t": 0.0, "pid": 1})


def test_round_trip_and_split_chunks() -> None:
    data = hello() + P.encode({"kind": P.K_LAG, "t": 0.05, "samples_ms": [0.1, 0.2]})
    decoder = P.Decoder()
    events = []
    for i in range(len(data)):  # one byte at a time
        events += decoder.feed(data[i:i + 1])
    assert [e["kind"] for e in events] == ["hello", "lag"]
    assert decoder.version == P.VERSION
    assert decoder.dropped == 0


def test_garbage_and_wrong_shapes_are_dropped_and_counted() -> None:
    decoder = P.Decoder()
    lines = [b"\x00\xff\xfe garbage", b"[1, 2]", b'{"kind": 3, "t": 0}', b'{"kind": "x"}',
             b'{"kind": "x", "t": true}', b'{"kind": "hello", "t": 0, "v": 999}', b"{" * 5000,
             b"", b"   "]
    events = decoder.feed(b"\n".join(lines) + b"\n" + hello())
    assert [e["kind"] for e in events] == ["hello"]
    assert decoder.dropped == 7


def test_huge_line_is_dropped_in_bounded_memory() -> None:
    decoder = P.Decoder(max_line=1000)
    events = decoder.feed(b"x" * 600)
    assert decoder.pending_bytes == 600  # a partial line, kept until its newline
    events += decoder.feed(b"y" * 600)  # now over the bound: skipped until newline
    assert decoder.pending_bytes == 0
    for _ in range(50):  # a line that never ends holds no memory
        events += decoder.feed(b"w" * 900)
        assert decoder.pending_bytes == 0
    events += decoder.feed(b"z" * 10_000 + b"\n" + hello())
    assert [e["kind"] for e in events] == ["hello"]
    assert decoder.dropped == 1


def test_partial_last_line_counts_as_dropped() -> None:
    decoder = P.Decoder()
    decoder.feed(hello() + b'{"kind": "lag", "t"')
    decoder.close()
    assert decoder.dropped == 1


def test_encode_is_one_json_line() -> None:
    line = P.encode({"kind": "x", "t": 1.5, "path": "a\nb"})
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert json.loads(line)["path"] == "a\nb"
