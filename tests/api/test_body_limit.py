"""A body over ARENA_MAX_BODY_BYTES is refused with 413 in the error shape before it is
read — by its declared length, or, for a chunked body, as soon as the bytes that arrived
pass the limit. Through a real server: chunked bodies come from real sockets."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx

from arena.settings import Settings
from tests.conftest import fake, fake_roster

ROSTER = fake_roster(fake("alpha-1"), fake("beta-2"))
LIMIT = 4096


def prompt_body(size: int) -> bytes:
    """A JSON prompt body of exactly ``size`` bytes."""
    shell = len(json.dumps({"prompt": ""}).encode())
    return json.dumps({"prompt": "x" * (size - shell)}).encode()


def assert_refused(r: httpx.Response) -> None:
    assert r.status_code == 413, r.text
    body = r.json()
    assert body["error"]["code"] == "body_too_large"
    assert f"{LIMIT:,} bytes" in body["error"]["message"]


async def test_the_default_limit_is_one_megabyte():
    assert Settings().max_body_bytes == 1_048_576


async def test_a_declared_length_over_the_limit_is_refused(serve, settings):
    server = await serve(roster=ROSTER, settings=settings.model_copy(
        update={"max_body_bytes": LIMIT}))
    c = server.client()
    r = await c.post("/api/battles", content=prompt_body(LIMIT + 1),
                     headers={"content-type": "application/json"})
    assert_refused(r)
    assert r.headers["x-content-type-options"] == "nosniff"  # still behind the headers
    assert "set-cookie" not in r.headers  # the route never ran


async def test_a_chunked_body_over_the_limit_is_refused(serve, settings):
    server = await serve(roster=ROSTER, settings=settings.model_copy(
        update={"max_body_bytes": LIMIT}))
    sent = []

    async def chunks() -> AsyncIterator[bytes]:
        data = prompt_body(LIMIT * 4)
        for i in range(0, len(data), 1000):
            sent.append(i)
            yield data[i:i + 1000]

    r = await server.client().post("/api/battles", content=chunks(),
                                   headers={"content-type": "application/json"})
    assert "content-length" not in r.request.headers
    assert r.request.headers["transfer-encoding"] == "chunked"
    assert_refused(r)
    assert "set-cookie" not in r.headers
    assert len(sent) == 17  # the whole body left the client, so the refusal was the server's


async def test_a_body_just_under_the_limit_goes_through(serve, settings):
    server = await serve(roster=ROSTER, settings=settings.model_copy(
        update={"max_body_bytes": LIMIT, "max_prompt_chars": LIMIT}))
    c = server.client()
    r = await c.post("/api/battles", content=prompt_body(LIMIT),
                     headers={"content-type": "application/json"})
    assert r.status_code == 201, r.text

    async def chunks() -> AsyncIterator[bytes]:
        data = prompt_body(LIMIT)
        for i in range(0, len(data), 1000):
            yield data[i:i + 1000]

    r = await c.post("/api/battles", content=chunks(),
                     headers={"content-type": "application/json"})
    assert r.request.headers["transfer-encoding"] == "chunked"
    assert r.status_code == 201, r.text


async def test_a_connection_is_usable_again_after_a_refusal(serve, settings):
    server = await serve(roster=ROSTER, settings=settings.model_copy(
        update={"max_body_bytes": LIMIT}))
    c = server.client()
    assert_refused(await c.post("/api/battles", content=prompt_body(LIMIT * 2),
                                headers={"content-type": "application/json"}))
    r = await c.post("/api/battles", json={"prompt": "hello"})
    assert r.status_code == 201, r.text
