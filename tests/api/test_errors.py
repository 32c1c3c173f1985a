"""The one JSON error shape, pinned: every 4xx/5xx is {"error": {"code", "message"}}."""

from __future__ import annotations

import pytest

from tests.conftest import fake, fake_roster

ROSTER = fake_roster(fake("alpha-1"), fake("beta-2"))


def assert_shape(r, status: int, code: str | None = None) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"error"}
    assert set(body["error"]) <= {"code", "message", "details"}
    assert isinstance(body["error"]["code"], str) and body["error"]["code"]
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert "Traceback" not in r.text
    # A sentence starts with a capital letter; a 422 starts with the field's name.
    if body["error"]["code"] != "invalid_request":
        assert body["error"]["message"][0].isupper(), body["error"]["message"]
    if code:
        assert body["error"]["code"] == code


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "code"),
    [
        ("GET", "/api/nope", {}, 404, "not_found"),
        ("DELETE", "/api/battles", {}, 405, "method_not_allowed"),
        ("POST", "/api/battles", {"content": b"{not json",
                                   "headers": {"content-type": "application/json"}}, 400,
         "invalid_json"),
        ("POST", "/api/battles", {"json": {}}, 422, "invalid_request"),
        ("POST", "/api/battles", {"json": {"prompt": 42}}, 422, "invalid_request"),
        ("POST", "/api/battles", {"json": {"prompt": "x", "extra": 1}}, 422, "invalid_request"),
        ("POST", "/api/battles", {"json": ["prompt"]}, 422, "invalid_request"),
        ("GET", "/api/battles/abc", {}, 403, "no_voter"),
        ("GET", "/api/leaderboard?method=glicko", {}, 422, "invalid_request"),
        ("GET", "/api/leaderboard?style_control=maybe", {}, 422, "invalid_request"),
        ("GET", "/api/leaderboard?method=elo&side_control=true", {}, 400, "bad_request"),
        ("POST", "/api/me/leaderboard", {}, 405, "method_not_allowed"),
    ],
)
async def test_error_shape(in_process, method, path, kwargs, status, code):
    server = await in_process(roster=ROSTER)
    r = await server.client().request(method, path, **kwargs)
    assert_shape(r, status, code)


async def test_error_shape_for_battle_calls_with_a_cookie(in_process):
    server = await in_process(roster=ROSTER)
    c = server.client()
    await c.post("/api/battles", json={"prompt": "hello"})
    long_id = "f" * 5000
    for r, status, code in [
        (await c.get("/api/battles/unknown"), 404, "battle_not_found"),
        (await c.get(f"/api/battles/{long_id}"), 404, "battle_not_found"),
        (await c.get("/api/battles/unknown/stream"), 404, "battle_not_found"),
        (await c.post("/api/battles/unknown/turns", json={"prompt": "x"}), 404,
         "battle_not_found"),
        (await c.post("/api/battles/unknown/regenerate"), 404, "battle_not_found"),
        (await c.post("/api/battles/unknown/vote", json={"winner": "z"}), 422,
         "invalid_request"),
    ]:
        assert_shape(r, status, code)


async def test_unexpected_errors_are_500_in_the_shape_without_a_trace(in_process, monkeypatch):
    server = await in_process(roster=ROSTER)
    c = server.client()

    async def boom(*a, **k):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(server.app.state.services.battles, "start", boom)
    r = await c.post("/api/battles", json={"prompt": "hi"})
    assert_shape(r, 500, "internal_error")
    assert "secret internal detail" not in r.text


async def test_ids_and_parameters_that_are_not_text_are_clean_misses(in_process):
    """A NUL in a path or a query is an error in PostgreSQL, not a miss: it must never
    reach the database (this was a 500 on PostgreSQL)."""
    server = await in_process(roster=ROSTER)
    c = server.client()
    await c.post("/api/battles", json={"prompt": "hello"})
    for r in [await c.get("/api/battles/%00"), await c.get("/api/battles/a%00b/stream"),
              await c.post("/api/battles/%00/vote", json={"winner": "a"}),
              await c.post("/api/battles/%00/turns", json={"prompt": "x"}),
              await c.get("/api/battles/" + "A" * 32)]:
        assert_shape(r, 404, "battle_not_found")
    r = await c.get("/api/leaderboard?category=%00")
    assert r.status_code == 200 and r.json()["models"] == []
