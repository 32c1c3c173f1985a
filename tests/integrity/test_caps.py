"""Daily caps on counted votes: fixed UTC windows, crowds behind one address, identities,
shared state across instances and after a restart (SQLite/PostgreSQL and Redis)."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Callable

import pytest

from arena.db import make_engine
from arena.integrity.caps import DAY_S, CapPolicy, VoteCaps, is_established
from arena.integrity.counters import Counters, MemoryCounters, RedisCounters, SqlCounters
from arena.settings import normalize_database_url
from arena.tables import vote_cap_members, vote_caps

MIDNIGHT = 40_000 * DAY_S  # a UTC midnight in 2079: Redis keys must not expire at once


class Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


async def charge_many(caps: VoteCaps, k: int, **who: object) -> int:
    counted = 0
    for _ in range(k):
        counted += (await caps.charge(**who)).counted  # type: ignore[arg-type]
    return counted


async def test_fixed_window_boundaries_and_a_burst_at_the_edge():
    clock = Clock(MIDNIGHT + DAY_S - 1)  # one second before the next midnight
    caps = VoteCaps(MemoryCounters(), CapPolicy(per_voter=5, per_ip=0), clock)
    assert caps.window() == (MIDNIGHT, MIDNIGHT + DAY_S)
    assert await charge_many(caps, 8, voter="v", network=None) == 5  # the burst before
    decision = await caps.charge(voter="v", network=None)
    assert not decision.counted and decision.reason == "vote_cap" and decision.limit == 5
    clock.t = MIDNIGHT + DAY_S  # the edge: a new window, a new allowance, and no more
    assert caps.window()[0] == MIDNIGHT + DAY_S
    assert await charge_many(caps, 8, voter="v", network=None) == 5
    clock.t = MIDNIGHT + 2 * DAY_S - 1  # still the same window: nothing was given back
    assert await charge_many(caps, 3, voter="v", network=None) == 0


async def test_over_cap_votes_are_not_counted_and_take_nothing():
    caps = VoteCaps(MemoryCounters(), CapPolicy(per_voter=2, per_ip=3), Clock(MIDNIGHT))
    assert await charge_many(caps, 5, voter="a", network="n") == 2
    assert await charge_many(caps, 5, voter="b", network="n") == 1  # the address's 3rd
    # b's refused vote was given back to b's own count: b could still vote elsewhere.
    assert await charge_many(caps, 1, voter="b", network="other") == 1


async def test_cookie_churn_earns_no_allowance_but_a_crowd_does():
    policy = CapPolicy(per_voter=10, per_ip=20, max_voters_per_ip=40, established_votes=3)
    churn = VoteCaps(MemoryCounters(), policy, Clock(MIDNIGHT))
    counted = 0
    for k in range(200):  # a fresh cookie every vote: never established
        counted += (await churn.charge(voter=f"c{k}", network="nat",
                                       established=is_established(policy, read_votes=0))).counted
    assert counted == 20
    school = VoteCaps(MemoryCounters(), policy, Clock(MIDNIGHT))
    counted = 0
    for pupil in range(30):  # a class of 30 behind one NAT, each with its reading record
        for vote in range(10):
            established = is_established(policy, read_votes=vote)
            counted += (await school.charge(voter=f"p{pupil}", network="nat",
                                            established=established)).counted
    assert counted >= 0.95 * 300  # honest crowd: (almost) every vote counts


async def test_identity_is_capped_per_identity_not_per_address():
    caps = VoteCaps(MemoryCounters(), CapPolicy(per_voter=1, per_ip=1, per_identity=4),
                    Clock(MIDNIGHT))
    assert await charge_many(caps, 6, voter="x", network="n", identity="alice") == 4
    assert await charge_many(caps, 2, voter="y", network="n", identity="bob") == 2
    assert await charge_many(caps, 2, voter="z", network="n") == 1  # the address is untouched


async def shared_cap_check(make: Callable[[], Counters], tag: str) -> None:
    policy = CapPolicy(per_voter=3, per_ip=0)
    one, two = make(), make()
    try:
        clock = Clock(MIDNIGHT)
        w1, w2 = VoteCaps(one, policy, clock), VoteCaps(two, policy, clock)
        assert await charge_many(w1, 2, voter=tag, network=None) == 2
        assert await charge_many(w2, 2, voter=tag, network=None) == 1  # shared across workers
    finally:
        await one.aclose()
        await two.aclose()
    again = make()  # "restart": new instances on the same state
    try:
        assert await charge_many(VoteCaps(again, policy, Clock(MIDNIGHT + 60)), 1,
                                 voter=tag, network=None) == 0
        assert await charge_many(VoteCaps(again, policy, Clock(MIDNIGHT + DAY_S)), 1,
                                 voter=tag, network=None) == 1
    finally:
        await again.aclose()


@pytest.fixture
async def engine_url(db_url: str) -> AsyncIterator[str]:
    url = normalize_database_url(db_url)
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(vote_caps.metadata.create_all,
                            tables=[vote_caps, vote_cap_members])
    await engine.dispose()
    yield url


async def test_sql_caps_are_shared_and_survive_a_restart(engine_url: str):
    engines = []

    def make() -> Counters:
        engine = make_engine(engine_url)
        engines.append(engine)
        return SqlCounters(engine)

    try:
        await shared_cap_check(make, f"v-{secrets.token_hex(4)}")
        counters = SqlCounters(engines[0])
        assert await counters.add_member("ip:n", MIDNIGHT, "a", MIDNIGHT + DAY_S) == 1
        assert await counters.add_member("ip:n", MIDNIGHT, "a", MIDNIGHT + DAY_S) == 1
        assert await counters.add_member("ip:n", MIDNIGHT, "b", MIDNIGHT + DAY_S) == 2
        await counters.prune(MIDNIGHT + 1)
        assert await counters.members("ip:n", MIDNIGHT) == 0
    finally:
        for engine in engines:
            await engine.dispose()


def redis_url() -> str:
    return os.environ.get("ARENA_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


async def test_redis_caps_are_shared_and_survive_a_restart():
    import redis.asyncio as redis

    probe = redis.from_url(redis_url())
    try:
        await probe.ping()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"Redis is not reachable at {redis_url()} ({exc!r}); start redis-server")
    finally:
        await probe.aclose()
    prefix = f"arena:test:{os.getpid()}:{secrets.token_hex(4)}"
    await shared_cap_check(lambda: RedisCounters(redis_url(), prefix=prefix), "v")
    counters = RedisCounters(redis_url(), prefix=prefix)
    try:
        far = MIDNIGHT + 2 * DAY_S
        assert await counters.add_member("ip:n", MIDNIGHT, "a", far) == 1
        assert await counters.add_member("ip:n", MIDNIGHT, "a", far) == 1
        assert await counters.members("ip:n", MIDNIGHT) == 1
    finally:
        await counters.aclose()


@pytest.mark.parametrize("kind", ["sql", "memory"])
async def test_the_gate_forgets_windows_two_days_old_and_keeps_the_rest(engine_url, kind):
    """The hourly clean-up drops cap windows that ended more than a window ago and spent
    proof-of-work long expired; today's and yesterday's counts stay (operators read them)."""
    from arena.integrity.gate import VoteGate

    engine = make_engine(engine_url)
    counters: Counters = SqlCounters(engine) if kind == "sql" else MemoryCounters()
    clock = Clock(MIDNIGHT + 3 * DAY_S + 100)
    gate = VoteGate(caps=VoteCaps(counters, CapPolicy(per_voter=5, per_ip=0), clock=clock),
                    counters=counters)
    try:
        for day in range(4):  # windows of three days ago … today
            start = MIDNIGHT + day * DAY_S
            await counters.add(f"v:old{day}", start, 1, start + 2 * DAY_S)
            await counters.add_member(f"ip:old{day}", start, "a", start + 2 * DAY_S)
        await gate.forget_old_windows()
        kept = [await counters.add(f"v:old{day}", MIDNIGHT + day * DAY_S, 0, 0)
                for day in range(4)]
        members = [await counters.members(f"ip:old{day}", MIDNIGHT + day * DAY_S)
                   for day in range(4)]
        assert kept == [0, 1, 1, 1] and members == [0, 1, 1, 1]
    finally:
        await gate.aclose()
        await engine.dispose()
