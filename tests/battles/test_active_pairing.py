"""ARENA_PAIRING=active in the server: the distribution follows the board the cache
computes, and a battle stores the exact probability of its pair under it."""

from __future__ import annotations

import pytest

from arena.battles import ActivePairing
from tests.conftest import fake, fake_roster, run_turn

ROSTER = fake_roster(fake("alpha-1"), fake("beta-2"), fake("gamma-3"))


async def test_a_battle_stores_its_active_propensity(in_process, settings):
    server = await in_process(roster=ROSTER, settings=settings.model_copy(update={
        "pairing": "active", "pairing_floor": 0.3, "pairing_top": 1,
        "battles_per_minute_voter": 0, "battles_per_minute_ip": 0,
        "votes_per_minute_voter": 0, "votes_per_minute_ip": 0}))
    services = server.app.state.services
    pairing = services.battles.pairing
    assert isinstance(pairing, ActivePairing)
    assert pairing.table.probability == pytest.approx([1 / 3] * 3)  # no votes: all unrated
    c = server.client()
    for _ in range(12):  # alpha-1 wins every vote, so it leads and gamma-3 trails
        bid = (await c.post("/api/battles", json={"prompt": "Say hi."})).json()["id"]
        await run_turn(c, bid)
        battle = await services.battles.store.get_battle(bid)
        winner = ("a" if battle.model_a == "alpha-1" else
                  "b" if battle.model_b == "alpha-1" else
                  "a" if battle.model_a == "beta-2" else "b")
        assert (await c.post(f"/api/battles/{bid}/vote",
                             json={"winner": winner})).status_code == 200
    await services.leaderboard.refresh()
    table = pairing.table
    assert len(set(table.probability)) == 3  # the board moved the distribution
    for _ in range(5):
        bid = (await c.post("/api/battles", json={"prompt": "Say hi."})).json()["id"]
        battle = await services.battles.store.get_battle(bid)
        assert pairing.table is table  # no new votes, no new board
        assert battle.propensity == pytest.approx(
            table.of(battle.model_a, battle.model_b), rel=1e-12)
        assert battle.propensity >= 0.3 / 3
        await run_turn(c, bid)
