"""Abuse controls and security: rate limits, trusted proxies, moderation, headers, CORS,
vote timing, and the concurrency rules that keep every vote exactly once."""

from __future__ import annotations

import asyncio
import gc
import hashlib
import hmac
import os

import pytest
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from arena.cli import main as arena_main
from arena.db import make_engine
from arena.ratelimit import MemoryRateLimiter, RedisRateLimiter
from arena.settings import normalize_database_url, parse_roster
from arena.tables import answers, battles, votes
from tests.conftest import LiveServer, fake, fake_roster, run_turn, texts

ROSTER = fake_roster(fake("alpha-1"), fake("beta-2"))


async def test_security_headers_everywhere(serve):
    server = await serve(roster=ROSTER)
    c = server.client()
    for r in [await c.get("/"), await c.get("/api/info"), await c.get("/api/nope"),
              await c.post("/api/battles", json={})]:
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
    bid = (await c.post("/api/battles", json={"prompt": "hi"})).json()["id"]
    async with c.stream("GET", f"/api/battles/{bid}/stream") as r:
        assert r.headers["x-content-type-options"] == "nosniff"
        await r.aread()


async def test_cors_is_closed_by_default(serve):
    server = await serve(roster=ROSTER)
    r = await server.client().options(
        "/api/battles", headers={"Origin": "https://evil.example",
                                 "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in r.headers


async def test_cors_opens_only_to_configured_origins(serve, settings):
    s = settings.model_copy(update={"cors_origins": ["https://arena.example"]})
    server = await serve(roster=ROSTER, settings=s)
    c = server.client()
    ok = await c.get("/api/info", headers={"Origin": "https://arena.example"})
    assert ok.headers["access-control-allow-origin"] == "https://arena.example"
    bad = await c.get("/api/info", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in bad.headers


async def test_battle_and_vote_rate_limits(serve, settings):
    s = settings.model_copy(update={"battles_per_minute_voter": 2, "votes_per_minute_ip": 1})
    server = await serve(roster=ROSTER, settings=s)
    c = server.client()
    ids = [(await c.post("/api/battles", json={"prompt": f"q{i}"})).json()["id"]
           for i in range(2)]
    r = await c.post("/api/battles", json={"prompt": "q3"})
    assert r.status_code == 429
    err = r.json()["error"]
    # The configured limit (2), not the default one (20), and never a crossed wire: the
    # message may well say "try again in 20 s".
    assert err["code"] == "rate_limited" and "limit is 20 " not in err["message"]
    assert "limit is 2 a minute" in err["message"] and err["details"]["retry_after_s"] >= 1
    for bid in ids:
        await run_turn(c, bid)
    assert (await c.post(f"/api/battles/{ids[0]}/vote", json={"winner": "a"})).status_code == 200
    r = await c.post(f"/api/battles/{ids[1]}/vote", json={"winner": "a"})
    assert (r.status_code, r.json()["error"]["code"]) == (429, "rate_limited")
    # The refused vote left nothing behind; the battle can be voted once the window passes.
    view = (await c.get(f"/api/battles/{ids[1]}")).json()
    assert view["status"] == "active"


async def test_memory_rate_limiter_slides():
    now = [600.0]
    rl = MemoryRateLimiter(clock=lambda: now[0])
    assert [await rl.hit("k", 3) for _ in range(3)] == [None, None, None]
    assert await rl.hit("k", 3) is not None
    assert await rl.hit("other", 3) is None
    now[0] += 60  # next window: the previous one still weighs fully at its start
    assert await rl.hit("k", 3) is not None
    now[0] += 45  # three quarters through: 3 * 0.25 + 1 < 3
    assert await rl.hit("k", 3) is None


def redis_url() -> str:
    return os.environ.get("ARENA_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


async def test_redis_rate_limiter_is_shared_between_instances():
    import redis.asyncio as redis

    probe = redis.from_url(redis_url())
    try:
        await probe.ping()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"Redis is not reachable at {redis_url()} ({exc!r}); start redis-server")
    finally:
        await probe.aclose()
    one, two = RedisRateLimiter(redis_url()), RedisRateLimiter(redis_url())
    key = f"test-{os.getpid()}-{id(one)}"
    try:
        assert await one.hit(key, 2) is None
        assert await two.hit(key, 2) is None
        assert await one.hit(key, 2) is not None  # the limit holds across "workers"
        assert await two.hit(key, 2) is not None
    finally:
        await one.aclose()
        await two.aclose()


async def stored_ip_hashes(server) -> list[str]:
    engine = server.app.state.services.battles.store.engine
    async with engine.connect() as conn:
        return list((await conn.execute(select(battles.c.ip_hash))).scalars())


def keyed(ip: str) -> str:
    return hmac.new(b"k" * 32, ip.encode(), hashlib.sha256).hexdigest()[:32]


@pytest.mark.parametrize(("trusted", "forwarded", "expected"), [
    ([], "9.9.9.9", "127.0.0.1"),  # untrusted peer: the header is ignored
    (["127.0.0.1"], "1.2.3.4, 5.6.7.8", "5.6.7.8"),  # right-most untrusted hop
    (["127.0.0.0/8", "10.0.0.0/8"], "1.2.3.4, 10.1.1.1", "1.2.3.4"),  # skip our own proxies
    (["127.0.0.1"], "not-an-ip", "127.0.0.1"),
])
async def test_trusted_proxies(serve, settings, trusted, forwarded, expected):
    s = settings.model_copy(update={"trusted_proxies": trusted, "secret_key": "k" * 32})
    server = await serve(roster=ROSTER, settings=s)
    r = await server.client().post("/api/battles", json={"prompt": "hi"},
                                   headers={"X-Forwarded-For": forwarded})
    assert r.status_code == 201
    assert await stored_ip_hashes(server) == [keyed(expected)]


@pytest.fixture
async def moderation_server():
    """A stand-in for OpenAI's moderation endpoint, speaking its wire format."""
    calls: list[str] = []
    state: dict = {"down": False, "account_headers": []}

    async def moderations(request: Request) -> JSONResponse:
        body = await request.json()
        calls.append(body["input"])
        state["account_headers"] += [v for k, v in request.headers.items()
                                     if k in ("openai-organization", "openai-project")]
        if state["down"]:
            return JSONResponse({"error": {"message": "down", "type": "server_error"}}, 500)
        flagged = "forbidden" in body["input"]
        cats = {"violence": flagged, "harassment": False}
        return JSONResponse({"id": "modr-1", "model": body["model"], "results": [{
            "flagged": flagged, "categories": cats,
            "category_scores": {k: float(v) for k, v in cats.items()}}]})

    app = Starlette(routes=[Route("/v1/moderations", moderations, methods=["POST"])])
    async with LiveServer(app) as srv:
        yield srv, calls, state


async def test_moderation_refusals_never_reach_the_models(serve, settings, moderation_server,
                                                          monkeypatch):
    srv, calls, state = moderation_server
    monkeypatch.setenv("MOD_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_ORG_ID", "org-not-for-other-hosts")
    s = settings.model_copy(update={"moderation": "openai", "moderation_api_key_env": "MOD_KEY",
                                    "moderation_base_url": srv.base_url + "/v1"})
    server = await serve(roster=ROSTER, settings=s)
    c = server.client()
    r = await c.post("/api/battles", json={"prompt": "something forbidden"})
    assert (r.status_code, r.json()["error"]["code"]) == (400, "prompt_refused")
    assert "violence" in r.json()["error"]["message"]
    ok = await c.post("/api/battles", json={"prompt": "a kind question"})
    assert ok.status_code == 201
    bid = ok.json()["id"]
    await run_turn(c, bid)
    r = await c.post(f"/api/battles/{bid}/turns", json={"prompt": "now forbidden"})
    assert (r.status_code, r.json()["error"]["code"]) == (400, "prompt_refused")
    providers = server.app.state.services.battles.providers.values()
    sent = [m.content for p in providers for req in p.requests for m in req.messages]
    assert sent and not any("forbidden" in t for t in sent)
    assert calls == ["something forbidden", "a kind question", "now forbidden"]
    assert state["account_headers"] == []
    state["down"] = True
    r = await c.post("/api/battles", json={"prompt": "while it is down"})
    assert (r.status_code, r.json()["error"]["code"]) == (503, "moderation_unavailable")


async def test_moderation_without_a_key_refuses_to_start(settings, monkeypatch):
    from arena.errors import ConfigError
    from arena.moderation import build_moderator

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ConfigError, match="needs OPENAI_API_KEY"):
        build_moderator(settings.model_copy(update={"moderation": "openai"}))


async def test_simultaneous_votes_give_one_success_and_one_conflict(serve):
    server = await serve(roster=ROSTER)
    c = server.client()
    for _ in range(5):
        bid = (await c.post("/api/battles", json={"prompt": "race"})).json()["id"]
        await run_turn(c, bid)
        r1, r2 = await asyncio.gather(
            c.post(f"/api/battles/{bid}/vote", json={"winner": "a"}),
            c.post(f"/api/battles/{bid}/vote", json={"winner": "b"}))
        assert sorted([r1.status_code, r2.status_code]) == [200, 409]
        loser = r1 if r1.status_code == 409 else r2
        assert loser.json()["error"]["code"] == "already_voted"
    engine = server.app.state.services.battles.store.engine
    async with engine.connect() as conn:
        assert len((await conn.execute(select(votes))).all()) == 5
        voted = (await conn.execute(select(battles).where(battles.c.status == "voted"))).all()
    assert len(voted) == 5
    assert await server.app.state.services.battles.store.check() == []


async def test_vote_timing_is_stored_and_fast_votes_flagged(serve):
    roster = fake_roster(fake("alpha-1", "verbose"), fake("beta-2", "verbose"))
    server = await serve(roster=roster)
    c = server.client()
    bid = (await c.post("/api/battles", json={"prompt": "long"})).json()["id"]
    await run_turn(c, bid)
    assert (await c.post(f"/api/battles/{bid}/vote", json={"winner": "a"})).status_code == 200
    engine = server.app.state.services.battles.store.engine
    async with engine.connect() as conn:
        row = (await conn.execute(select(votes))).one()
    assert row.seconds_to_vote is not None and 0 <= row.seconds_to_vote < 5
    assert row.too_fast is True  # hundreds of words "read" in well under a second
    assert row.counted is True  # flagged, not excluded: the operator decides what to do


async def test_db_check_finds_a_tampered_vote(serve, settings, monkeypatch, capsys):
    server = await serve(roster=ROSTER)
    c = server.client()
    bid = (await c.post("/api/battles", json={"prompt": "x"})).json()["id"]
    await run_turn(c, bid)
    await c.post(f"/api/battles/{bid}/vote", json={"winner": "tie"})
    monkeypatch.setenv("ARENA_DATABASE_URL", settings.database_url)
    assert await asyncio.to_thread(arena_main, ["db", "check"]) == 0
    engine = server.app.state.services.battles.store.engine
    async with engine.begin() as conn:  # the vote stays counted while its battle reopens
        await conn.execute(battles.update().values(status="active"))
    assert await asyncio.to_thread(arena_main, ["db", "check"]) == 1
    out = capsys.readouterr().out
    assert '"problems"' in out and "vote_on_open_battle" in out
    async with engine.begin() as conn:  # a counted vote although an answer named its model
        await conn.execute(battles.update().values(status="voted"))
        await conn.execute(answers.update().values(leak_term="Claude"))
    assert await asyncio.to_thread(arena_main, ["db", "check"]) == 1
    assert "counted_leak" in capsys.readouterr().out


async def test_two_workers_share_nothing_but_the_database(serve):
    roster = fake_roster(fake("alpha-1", delay_s=0.01), fake("beta-2", delay_s=0.01))
    one = await serve(roster=roster)
    two = await serve(roster=roster)
    c1, c2 = one.client(), two.client()
    bid = (await c1.post("/api/battles", json={"prompt": "started on one"})).json()["id"]
    c2.cookies.set("arena_voter", c1.cookies["arena_voter"])
    # Streamed on one worker while the other asks too: the second waits, then replays.
    from tests.conftest import texts

    live, replayed = await asyncio.gather(run_turn(c2, bid), run_turn(c1, bid))
    assert texts(live) == texts(replayed) and texts(live)["a"]
    assert replayed[-1][1].get("replayed") is True or live[-1][1].get("replayed") is True
    r = await c1.post(f"/api/battles/{bid}/turns", json={"prompt": "continued on one"})
    assert r.status_code == 200, r.text
    await run_turn(c2, bid)
    r = await c2.post(f"/api/battles/{bid}/vote", json={"winner": "b"})
    assert r.status_code == 200 and r.json()["counted"] is True
    r = await c1.post(f"/api/battles/{bid}/vote", json={"winner": "a"})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "already_voted")
    for _ in range(100):  # the other worker's leaderboard sees the vote by itself
        board = (await c1.get("/api/leaderboard")).json()
        if board["totals"].get("counted_votes") == 1:
            break
        await asyncio.sleep(0.05)
    assert board["totals"]["counted_votes"] == 1


async def test_workers_hash_addresses_with_one_shared_key(serve):
    one = await serve(roster=ROSTER)
    two = await serve(roster=ROSTER)
    await one.client().post("/api/battles", json={"prompt": "from one"})
    await two.client().post("/api/battles", json={"prompt": "from two"})
    hashes = await stored_ip_hashes(one)
    assert len(hashes) == 2 and hashes[0] == hashes[1] and hashes[0] != "127.0.0.1"
    assert one.app.state.services.ip_secret == two.app.state.services.ip_secret
    assert len(one.app.state.services.ip_secret) == 32


@pytest.mark.parametrize("pre_ping", [True, False])
async def test_a_dropped_database_connection(serve, settings, db_url, pre_ping):
    """The database cuts every connection (a restart, an idle timeout). With the pre-ping a
    voter never notices; without it one request gets 503 database_unavailable in the one
    error shape, and the next works on fresh connections."""
    if not db_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (ARENA_TEST_DATABASE_URL) to cut live connections")
    # No leaderboard polling: it would meet the cut first and leave fresh connections.
    server = await serve(roster=ROSTER, settings=settings.model_copy(
        update={"db_pre_ping": pre_ping, "leaderboard_refresh_s": 3600}))
    c = server.client()
    first = await c.post("/api/battles", json={"prompt": "before"})
    assert first.status_code == 201
    engine = make_engine(normalize_database_url(db_url), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    finally:
        await engine.dispose()
    r = await c.get(f"/api/battles/{first.json()['id']}")
    if pre_ping:
        assert r.status_code == 200, r.text
    else:
        assert r.status_code == 503, r.text
        error = r.json()["error"]
        assert error["code"] == "database_unavailable" and "try again" in error["message"]
        assert r.headers["retry-after"] == "1"
    again = await c.post("/api/battles", json={"prompt": "after"})
    assert again.status_code == 201, again.text


async def test_a_lost_claim_cancels_its_upstream_calls_and_writes_nothing(serve, upstream):
    """Both workers see the turn pending and send the upstream requests while the store
    settles the claim: the loser cancels its requests, writes nothing, and replays what
    the winner stored. A replay of an answered turn never calls a model."""
    upstream.script(delay_s=0.005, first_delay_s=0.3)
    roster = parse_roster({"models": [
        {"name": f"m-{i}", "provider": "openai", "model": "concise",
         "base_url": upstream.openai_base_url} for i in (1, 2)]})
    one, two = await serve(roster=roster), await serve(roster=roster)
    c1, c2 = one.client(), two.client()
    for _ in range(5):
        bid = (await c1.post("/api/battles", json={"prompt": "race"})).json()["id"]
        c2.cookies.set("arena_voter", c1.cookies["arena_voter"])
        first, second = await asyncio.gather(run_turn(c1, bid), run_turn(c2, bid))
        assert texts(first) == texts(second) and all(texts(first).values())
        assert [e[1].get("replayed", False) for e in (first[-1], second[-1])].count(True) == 1
        await upstream.wait_for(lambda: all(r.outcome != "pending" for r in upstream.requests))
        outcomes = sorted(r.outcome for r in upstream.requests)
        assert outcomes.count("completed") == 2, outcomes
        assert set(outcomes) <= {"completed", "client_closed"} and len(outcomes) <= 4
        assert not any(r.chunks_sent for r in upstream.requests if r.outcome != "completed")
        view = (await c2.get(f"/api/battles/{bid}")).json()
        assert view["turns"][-1]["status"] == "done", view

        again = await run_turn(c2, bid)
        assert again[-1][1]["replayed"] is True and texts(again) == texts(first)
        assert len(upstream.requests) == len(outcomes)  # no model was called for the replay
        upstream.requests.clear()


async def test_the_app_sets_the_garbage_collector_threshold(serve, settings):
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        await serve(settings=settings.model_copy(update={"gc_threshold": 12_345}))
        assert gc.get_threshold() == (12_345, 10, 10)
    finally:
        gc.set_threshold(*before)
