"""Rate limits: battles per voter and votes per address through the API, and the sliding
window of the in-memory and the Redis limiter (shared between workers)."""

from __future__ import annotations

import os

import pytest

from arena.ratelimit import MemoryRateLimiter, RedisRateLimiter
from tests.conftest import fake, fake_roster, run_turn

ROSTER = fake_roster(fake("alpha-1"), fake("beta-2"))


async def test_battle_and_vote_rate_limits(in_process, settings):
    s = settings.model_copy(update={"battles_per_minute_voter": 2, "votes_per_minute_ip": 1})
    server = await in_process(roster=ROSTER, settings=s)
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
    assert err["message"].startswith("Too many battles from this voter")
    # The standard header says the same wait, in whole seconds (RFC 9110 §10.2.3).
    assert r.headers["retry-after"] == str(err["details"]["retry_after_s"])
    for bid in ids:
        await run_turn(c, bid)
    assert (await c.post(f"/api/battles/{ids[0]}/vote", json={"winner": "a"})).status_code == 200
    r = await c.post(f"/api/battles/{ids[1]}/vote", json={"winner": "a"})
    assert (r.status_code, r.json()["error"]["code"]) == (429, "rate_limited")
    assert int(r.headers["retry-after"]) >= 1
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










