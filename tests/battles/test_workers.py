"""Several workers on one database: they share nothing else, agree on the address-hash key,
and the store settles which one runs a turn. Each worker is a real server on its own socket."""

from __future__ import annotations

import asyncio

from arena.settings import parse_roster
from tests.conftest import fake, fake_roster, run_turn, stored_ip_hashes, texts

ROSTER = fake_roster(fake("alpha-1"), fake("beta-2"))


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
