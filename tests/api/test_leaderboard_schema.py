"""The leaderboard's response model describes every board the server really sends: each
variant validates against it with no field undeclared, and the served JSON is exactly the
board the cache holds (the model documents the shape; it does not reshape it)."""

from __future__ import annotations

import asyncio
import json

import pytest

from arena.app import create_app
from arena.ranking import Battles, compute_leaderboard
from arena.schemas import Categories, Info, Leaderboard
from tests.conftest import fake, fake_roster, run_turn, running

ROSTER = fake_roster(fake("alpha-1", "concise"), fake("beta-2", "verbose"),
                     fake("gamma-3", "concise"))
VARIANTS = [{}, {"method": "elo"}, {"method": "davidson"}, {"style_control": True}, {"ipw": True},
            {"category": "no-such-tag"}, {"style_control": True, "method": "bt", "ipw": True},
            {"side_control": True}, {"side_control": True, "style_control": True}]


async def vote_a_few(c, n: int) -> None:
    for i in range(n):
        r = await c.post("/api/battles", json={"prompt": f"Explain topic number {i}."})
        assert r.status_code == 201, r.text
        bid = r.json()["id"]
        await run_turn(c, bid)
        r = await c.post(f"/api/battles/{bid}/vote", json={"winner": ["a", "b", "tie"][i % 3]})
        assert r.status_code == 200, r.text


async def test_every_board_variant_matches_the_model(fresh_db):
    s = fresh_db.model_copy(update={"battles_per_minute_voter": 0, "votes_per_minute_voter": 0,
                                    "votes_per_minute_ip": 0, "battles_per_minute_ip": 0})
    app = create_app(s, roster=ROSTER)
    async with running(app) as c:
        await vote_a_few(c, 9)
        for _ in range(200):
            board = (await c.get("/api/leaderboard")).json()
            if board["totals"]["counted_votes"] == 9:
                break
            await asyncio.sleep(0.05)
        assert board["totals"]["counted_votes"] == 9
        cache = app.state.services.leaderboard
        for params in VARIANTS:
            r = await c.get("/api/leaderboard", params=params)
            assert r.status_code == 200, (params, r.text)
            assert r.headers["content-type"] == "application/json"
            served = r.json()
            model = Leaderboard.model_validate(served)  # extra="forbid": nothing undeclared
            assert model.model_dump(mode="json", exclude_unset=True) == served, params
            held = await cache.get(**params)
            assert served == json.loads(json.dumps(held)), params
        plain = (await c.get("/api/leaderboard")).json()
        assert len(plain["fragility"]["pairs"]) == len(plain["models"]) - 1
        styled = (await c.get("/api/leaderboard", params={"style_control": True})).json()
        assert styled["style"] is not None and all("rank_change" in m for m in styled["models"])
        davidson = (await c.get("/api/leaderboard", params={"method": "davidson"})).json()
        assert davidson["davidson"]["draws"] == 3 and "fragility" not in davidson
        r = await c.get("/api/leaderboard", params={"method": "davidson", "style_control": True})
        assert r.status_code == 400 and "Bradley" in r.text, r.text
        Categories.model_validate((await c.get("/api/categories")).json())
        Info.model_validate((await c.get("/api/info")).json())


def test_a_board_in_pieces_matches_the_model():
    records = [{"model_a": a, "model_b": b, "winner": w}
               for a, b in (("a1", "a2"), ("b1", "b2")) for w in ("model_a", "model_b", "tie")]
    board = compute_leaderboard(Battles.from_records(records), bootstrap_rounds=10, min_votes=0)
    assert board["components"]
    served = {**board, "totals": {**board["totals"], "counted_votes": 6, "excluded_votes": {},
                                  "last_vote_id": 6},
              "demo": False, "updated_at": "2026-01-01T00:00:00+00:00"}
    model = Leaderboard.model_validate(served)
    assert model.model_dump(mode="json", exclude_unset=True) == served
    assert model.unlisted  # the smaller piece is named, not rated


def test_the_model_refuses_a_field_it_does_not_declare():
    records = [{"model_a": "x", "model_b": "y", "winner": "model_a"}]
    board = compute_leaderboard(Battles.from_records(records), bootstrap_rounds=10, min_votes=0)
    served = {**board, "totals": {**board["totals"], "counted_votes": 1, "excluded_votes": {},
                                  "last_vote_id": 1},
              "demo": False, "updated_at": "2026-01-01T00:00:00+00:00", "surprise": 1}
    with pytest.raises(ValueError, match="surprise"):
        Leaderboard.model_validate(served)
