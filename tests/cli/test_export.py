"""`arena export` writes the Chatbot Arena format; `arena leaderboard` reads it back and
agrees with the server's own leaderboard."""

from __future__ import annotations

import asyncio
import json

from arena.cli import main as arena_main
from arena.db import make_engine
from arena.store import Store
from tests.conftest import fake, fake_roster, run_turn

ROSTER = fake_roster(fake("alpha-1", "concise"), fake("beta-2", "verbose"),
                     fake("gamma-3", "markdown"))


async def test_export_round_trips_through_the_offline_leaderboard(in_process, settings, tmp_path,
                                                                   monkeypatch, capsys):
    server = await in_process(roster=ROSTER)
    c = server.client()
    for i, winner in enumerate(["a", "b", "tie", "both_bad", "a", "a"]):
        bid = (await c.post("/api/battles", json={"prompt": f"question {i}"})).json()["id"]
        await run_turn(c, bid)
        r = await c.post(f"/api/battles/{bid}/vote", json={"winner": winner})
        assert r.status_code == 200
    monkeypatch.setenv("ARENA_DATABASE_URL", settings.database_url)
    out = tmp_path / "battles.jsonl"
    assert await asyncio.to_thread(arena_main, ["export", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 6
    assert {r["winner"] for r in rows} == {"model_a", "model_b", "tie", "tie (bothbad)"}
    first = rows[0]
    assert first["anony"] is True and first["conv_metadata"]["sum_assistant_a_tokens"] > 0
    assert first["conversation_a"][0] == {"role": "user", "content": "question 0"}

    capsys.readouterr()
    code = await asyncio.to_thread(arena_main, ["leaderboard", "--battles", str(out), "--json",
                                                "--min-votes", "0", "--bootstrap", "20"])
    assert code == 0
    offline = json.loads(capsys.readouterr().out)
    for _ in range(100):
        online = (await c.get("/api/leaderboard")).json()
        if online["totals"].get("counted_votes") == 6:
            break
        await asyncio.sleep(0.05)
    assert tallies(offline) == tallies(online)
    ratings = {m["model"]: m["rating"] for m in online["models"]}
    for m in offline["models"]:
        assert abs(m["rating"] - ratings[m["model"]]) < 0.01


def tallies(board: dict) -> dict:
    return {m["model"]: (m["votes"], m["wins"], m["losses"]) for m in board["models"]}


async def test_vote_totals_stop_at_the_boards_last_vote(in_process, settings):
    # The leaderboard reads its votes up to max(id), then the totals: a vote committed in
    # between must not be in the totals of a board computed without it.
    server = await in_process(roster=ROSTER)
    c = server.client()
    for i in range(3):
        bid = (await c.post("/api/battles", json={"prompt": f"q{i}"})).json()["id"]
        await run_turn(c, bid)
        assert (await c.post(f"/api/battles/{bid}/vote", json={"winner": "a"})).status_code == 200
    engine = make_engine(settings.resolved_database_url())
    try:
        store = Store(engine)
        everything = await store.vote_totals()
        first_two = await store.vote_totals(up_to_id=everything.last_vote_id - 1)
    finally:
        await engine.dispose()
    assert everything.counted_votes == 3
    assert first_two.counted_votes == 2
    assert first_two.last_vote_id == everything.last_vote_id - 1
