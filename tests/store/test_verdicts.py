"""The detection job's state in the database: ``judged_up_to`` only ever rises, whichever
of two workers' runs finishes last, and a new store on the same database (a restart, or
another worker) reads what the other wrote."""

from __future__ import annotations

import pytest

from arena.db import make_engine, upgrade
from arena.store import Store

pytestmark = pytest.mark.db


async def test_judged_up_to_never_goes_back(fresh_db):
    engines = [make_engine(fresh_db.resolved_database_url()) for _ in range(2)]
    try:
        await upgrade(engines[0])
        first, second = Store(engines[0]), Store(engines[1])
        assert await first.verdict_state() == (0, 0)
        await first.apply_verdicts([], set(), judged_up_to=40)
        await second.apply_verdicts([], set(), judged_up_to=25)  # a slower, older run
        assert await second.verdict_state() == (0, 40)
        await second.apply_verdicts([], set(), judged_up_to=41)
        assert await first.verdict_state() == (0, 41)
    finally:
        for engine in engines:
            await engine.dispose()


async def test_battle_activity_counts_started_battles_model_by_model(fresh_db):
    """What the presence test compares with: every battle started, voted or not, per voter
    and per address, in all and model by model (a battle counts for both its models)."""
    engine = make_engine(fresh_db.resolved_database_url())
    try:
        await upgrade(engine)
        store = Store(engine)
        started = [("v1", "ip1", "m1", "m2"), ("v1", "ip1", "m2", "m3"),
                   ("v2", "ip1", "m3", "m1"), ("v3", None, "m1", "m2")]
        for k, (voter, ip, a, b) in enumerate(started):
            await store.create_battle(battle_id=f"b{k}", voter_key=voter, ip_hash=ip,
                                      model_a=a, model_b=b, propensity=1 / 3,
                                      prompt="Hello", categories=[])
        got = await store.battle_activity()
        assert got.battles == 4
        assert got.by_voter == {"v1": 2, "v2": 1, "v3": 1}
        assert got.by_address == {"ip1": 3}
        assert got.by_model == {"m1": 3, "m2": 3, "m3": 2}
        assert got.by_voter_model == {("v1", "m1"): 1, ("v1", "m2"): 2, ("v1", "m3"): 1,
                                      ("v2", "m1"): 1, ("v2", "m3"): 1,
                                      ("v3", "m1"): 1, ("v3", "m2"): 1}
        assert got.by_address_model == {("ip1", "m1"): 2, ("ip1", "m2"): 2,
                                        ("ip1", "m3"): 2}
    finally:
        await engine.dispose()
