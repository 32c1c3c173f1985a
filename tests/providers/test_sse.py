"""The SSE parser the SDK adapters read streamed bodies with."""

from __future__ import annotations

import json
import math

import pytest

from arena.api.battles import sse_frame
from arena.providers import sse
from arena.providers.sse import Event, events


async def parse(body: str, size: int | None = None) -> list[Event]:
    """The events of ``body`` sent in chunks of ``size`` bytes (all at once if None)."""
    data = body.encode()

    async def chunks():
        step = size or max(1, len(data))
        for i in range(0, len(data), step):
            yield data[i:i + step]

    return [e async for e in events(chunks())]


BODY = ('event: message_start\r\ndata: {"a": "é"}\r\n\r\n: ping\r\rdata: one\rdata:two\n'
        'data\n\nevent: x\ndata: [DONE]')
EXPECTED = [Event("message_start", '{"a": "é"}'), Event(None, "one\ntwo\n"),
            Event("x", "[DONE]")]


@pytest.mark.parametrize("size", [None, 1, 2, 3, 5, 7, 64])
async def test_any_chunking_and_any_line_end_give_the_same_events(size: int | None) -> None:
    # \r\n cut between its two bytes, a two-byte character cut in half, bare \r and \n
    assert await parse(BODY, size) == EXPECTED


async def test_a_body_cut_at_every_offset() -> None:
    async def pieces(*parts: bytes):
        for part in parts:
            yield part

    data = BODY.encode()
    for cut in range(len(data) + 1):
        assert [e async for e in events(pieces(data[:cut], data[cut:]))] == EXPECTED, cut


async def test_events_end_at_blank_lines_and_keep_their_names() -> None:
    body = 'event: message_start\ndata: {"a": 1}\n\ndata: {"b": 2}\n\n'
    assert await parse(body) == [Event("message_start", '{"a": 1}'), Event(None, '{"b": 2}')]


async def test_data_lines_of_one_event_are_joined_with_newlines() -> None:
    assert await parse("data: one\ndata:two\ndata\n\n") == [Event(None, "one\ntwo\n")]


async def test_comments_ids_and_retries_are_ignored() -> None:
    body = ": keep-alive\nid: 7\nretry: 100\ndata: x\n\n: ping\n\n"
    assert await parse(body) == [Event(None, "x")]


async def test_an_event_name_is_not_carried_into_the_next_event() -> None:
    body = "event: ping\n\ndata: x\n\n"  # a named event without data is not dispatched
    assert await parse(body) == [Event(None, "x")]


@pytest.mark.parametrize("body", ["data: [DONE]", "data: [DONE]\n"])
async def test_a_last_event_without_a_blank_line_is_still_given(body: str) -> None:
    assert await parse(body) == [Event(None, "[DONE]")]


async def test_only_one_space_after_the_colon_is_dropped() -> None:
    assert await parse("event:  spaced\ndata:  two\n\n") == [Event(" spaced", " two")]


def test_json_the_fast_parser_refuses_is_parsed_as_the_standard_library_parses_it() -> None:
    # orjson refuses a lone surrogate escape and NaN; an upstream that sends them must not
    # lose its answer for it.
    assert sse.loads('{"t": "half \\ud83d"}') == {"t": "half \ud83d"}
    assert math.isnan(sse.loads('{"x": NaN}')["x"])
    assert sse.loads('{"t": "caf\\u00e9 ☕", "n": [1, 2.5, null, true]}') == {
        "t": "café ☕", "n": [1, 2.5, None, True]}


def test_json_that_is_not_json_is_still_a_value_error() -> None:
    with pytest.raises(ValueError):
        sse.loads('{"t": ')


def test_an_sse_frame_is_compact_utf8_json_and_survives_a_lone_surrogate() -> None:
    assert sse_frame("delta", {"side": "a", "text": "café\n☕"}) == (
        'event: delta\ndata: {"side":"a","text":"café\\n☕"}\n\n'.encode())
    frame = sse_frame("delta", {"side": "b", "text": "half \ud83d"})
    name, data = frame.decode().removesuffix("\n\n").split("\n")
    assert name == "event: delta"
    assert json.loads(data.removeprefix("data: ")) == {"side": "b", "text": "half \ud83d"}
