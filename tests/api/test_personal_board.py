"""``GET /api/me/leaderboard``: a voter's own board, from their own votes as told,
shrunk toward the public board, which it never changes."""

from __future__ import annotations

import numpy as np
import pytest

from arena.api.deps import VOTER_COOKIE, voter_key
from arena.ranking import personal
from arena.schemas import PersonalBoard
from tests.api.test_errors import assert_shape
from tests.conftest import fake, fake_roster, run_turn

NAMES = ("alpha-1", "beta-2", "gamma-3")
ROSTER = fake_roster(*(fake(n) for n in NAMES))
OPEN = {"battles_per_minute_voter": 0, "votes_per_minute_voter": 0,
        "votes_per_minute_ip": 0, "battles_per_minute_ip": 0, "min_votes": 0,
        "bootstrap_rounds": 20}
URL = "/api/me/leaderboard"


async def start(server, settings):
    return await server(roster=ROSTER, settings=settings.model_copy(update=OPEN))


async def vote(c, winner: str, prompt: str = "Explain the tides.") -> dict:
    r = await c.post("/api/battles", json={"prompt": prompt})
    assert r.status_code == 201, r.text
    bid = r.json()["id"]
    await run_turn(c, bid)
    r = await c.post(f"/api/battles/{bid}/vote", json={"winner": winner})
    assert r.status_code == 200, r.text
    return r.json()


def cookie_key(c) -> str:
    return voter_key(c.cookies[VOTER_COOKIE])


async def mine(c, **kwargs) -> dict:
    r = await c.get(URL, **kwargs)
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "private, no-store"
    body = r.json()
    PersonalBoard.model_validate(body)  # extra="forbid": nothing undeclared
    return body


def expected(public: dict, votes: list[dict]) -> np.ndarray:
    """The voter's ratings recomputed here from the votes' own reveals, in public order."""
    names = [e["model"] for e in public["models"]]
    ratings = np.array([e["rating"] for e in public["models"]])
    idx = {n: k for k, n in enumerate(names)}
    i = np.array([idx[v["model_a"]] for v in votes], dtype=np.int64)
    j = np.array([idx[v["model_b"]] for v in votes], dtype=np.int64)
    score = np.array([{"a": 1.0, "b": 0.0}.get(v["winner"], 0.5) for v in votes])
    return personal.fit(ratings, personal.own_cells(len(names), i, j, score)).ratings


async def test_empty_state_without_cookie_or_votes(in_process, settings):
    server = await start(in_process, settings)
    c = server.client()
    odd = server.client()
    odd.cookies.set(VOTER_COOKIE, "not-a-token")  # too short for the token's pattern
    for body in (await mine(c), await mine(odd)):
        assert body["votes"] == 0 and body["models"] == [] and body["spearman"] is None
        assert "vote" in body["message"]
    assert VOTER_COOKIE not in c.cookies  # asking does not make a voter
    r = await c.post("/api/battles", json={"prompt": "Explain the tides."})
    await run_turn(c, r.json()["id"])  # a battle, not voted
    body = await mine(c)
    assert body["votes"] == 0 and body["models"] == []


async def test_only_the_voters_own_votes(in_process, settings):
    server = await start(in_process, settings)
    a, b = server.client(), server.client()
    votes_a = [await vote(a, "a", f"Explain topic {k}.") for k in range(6)]
    votes_b = [await vote(b, "b", f"Describe topic {k}.") for k in range(4)]
    await server.app.state.services.leaderboard.refresh()
    public = (await a.get("/api/leaderboard")).json()
    assert public["totals"]["counted_votes"] == 10
    board_a, board_b = await mine(a), await mine(b)
    assert board_a["votes"] == 6 and board_b["votes"] == 4
    assert sum(m["votes"] for m in board_a["models"]) == 12
    assert {m["model"] for m in board_a["models"]} == set(NAMES)
    # A's board is A's votes alone: recomputed from A's reveals, it matches to rounding.
    got = {m["model"]: m["rating"] for m in board_a["models"]}
    want = expected(public, votes_a)
    for k, e in enumerate(public["models"]):
        assert got[e["model"]] == pytest.approx(want[k], abs=0.06)
    assert not np.allclose(want, expected(public, votes_a + votes_b), atol=0.5)
    # Naming another voter in the request changes nothing: the voter is the cookie's.
    key_b = cookie_key(b)
    assert await mine(a, params={"voter": key_b, "voter_key": key_b}) == board_a
    # A battle A has started but not voted adds nothing (its models are not revealed).
    r = await a.post("/api/battles", json={"prompt": "One more question."})
    await run_turn(a, r.json()["id"])
    assert await mine(a) == board_a
    # Each entry says how it compares with the public board.
    for m in board_a["models"]:
        assert m["difference"] == pytest.approx(m["rating"] - m["public_rating"], abs=0.11)
        assert m["ci_low"] < m["rating"] < m["ci_high"]
    assert [m["rank"] for m in board_a["models"]] == [1, 2, 3]
    assert -1.0 <= board_a["spearman"] <= 1.0


async def test_leaked_votes_do_not_count(in_process, settings):
    roster = fake_roster(fake("alpha-1"), {"name": "gossip-7b", "provider": "fake",
                                           "model": "leaky",
                                           "options": {"delay_s": 0, "maker": "Gossip Labs"}})
    server = await in_process(roster=roster, settings=settings.model_copy(update=OPEN))
    c = server.client()
    leaked = await vote(c, "a", "Who are you?")
    assert leaked["counted"] is False and leaked["excluded_reason"] == "identity_leak"
    await server.app.state.services.leaderboard.refresh()
    body = await mine(c)
    assert body["votes"] == 0 and body["left_out"] == 0 and body["models"] == []


async def test_the_public_board_is_byte_identical(in_process, settings):
    server = await start(in_process, settings)
    a, b = server.client(), server.client()
    for k in range(4):
        await vote(a, "a", f"Explain topic {k}.")
        await vote(b, "tie", f"Describe topic {k}.")
    cache = server.app.state.services.leaderboard
    await cache.refresh()
    before = [(await a.get("/api/leaderboard", params=p)).content
              for p in ({}, {"method": "elo"})]
    newest = await server.app.state.services.store.newest_vote_id()
    for c in (a, b, a, server.client()):
        await mine(c)
    await cache.refresh()
    after = [(await a.get("/api/leaderboard", params=p)).content
             for p in ({}, {"method": "elo"})]
    assert after == before
    assert await server.app.state.services.store.newest_vote_id() == newest


async def test_a_repeated_request_is_not_refitted(in_process, settings, monkeypatch):
    server = await start(in_process, settings)
    c = server.client()
    await vote(c, "a")
    await server.app.state.services.leaderboard.refresh()
    calls = []
    real = personal.fit
    monkeypatch.setattr(personal, "fit", lambda *a, **k: calls.append(1) or real(*a, **k))
    first = await mine(c)
    assert await mine(c) == first and len(calls) == 1
    await vote(c, "b", "Another question.")  # a new vote: a new fit
    second = await mine(c)
    # (the board has not been refreshed: a pair with a model it does not list yet is
    # left out, not dropped silently)
    assert len(calls) == 2 and second["votes"] + second["left_out"] == 2


async def test_bad_input(in_process, settings):
    server = await start(in_process, settings)
    c = server.client()
    assert_shape(await c.post(URL), 405, "method_not_allowed")
    assert_shape(await c.delete(URL), 405, "method_not_allowed")


async def test_a_capped_vote_counts_as_the_voter_was_told(in_process, settings):
    # Over its daily cap a vote is stored, left off the public board, and told to the
    # voter as counted. Its personal board counts it too: leaving it out would tell a
    # scripted voter where its cap lies, which the vote's answer keeps secret.
    server = await in_process(roster=ROSTER, settings=settings.model_copy(
        update={**OPEN, "votes_per_day_voter": 1}))
    c = server.client()
    told = [await vote(c, "a", f"Explain topic {k}.") for k in range(3)]
    assert all(v["counted"] for v in told)
    await server.app.state.services.leaderboard.refresh()
    public = (await c.get("/api/leaderboard")).json()
    assert public["totals"]["excluded_votes"].get("vote_cap", 0) >= 1
    assert public["totals"]["counted_votes"] < 3
    body = await mine(c)
    assert body["votes"] + body["left_out"] == 3


async def test_a_later_verdict_does_not_show(in_process, settings):
    # The detection job's verdict (or an operator's) is never told to the voter; a board
    # that lost the votes would tell it that it was caught. The public board drops them.
    from sqlalchemy import update

    from arena.tables import votes

    server = await start(in_process, settings)
    c = server.client()
    for k in range(3):
        await vote(c, "a", f"Explain topic {k}.")
    services = server.app.state.services
    await services.leaderboard.refresh()
    before = await mine(c)
    async with services.store.engine.begin() as conn:
        await conn.execute(update(votes).values(counted=False, excluded_reason="manipulation"))
    assert await services.store.counted_votes() == []  # what the public board reads
    assert await mine(c) == before
