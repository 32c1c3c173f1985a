"""The vote rules under load: two votes at once give one success and one conflict, and the
time a voter took is stored, with too-fast votes flagged (not excluded)."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from arena.tables import battles, votes
from tests.conftest import fake, fake_roster, run_turn

ROSTER = fake_roster(fake("alpha-1"), fake("beta-2"))


async def test_simultaneous_votes_give_one_success_and_one_conflict(in_process):
    server = await in_process(roster=ROSTER)
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


async def test_vote_timing_is_stored_and_fast_votes_flagged(in_process):
    roster = fake_roster(fake("alpha-1", "verbose"), fake("beta-2", "verbose"))
    server = await in_process(roster=roster)
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
