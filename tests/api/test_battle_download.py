"""``GET /api/battles.jsonl``: the public battle download is a Chatbot Arena battle file
that the offline ranking reads back, with counted votes only and no conversations."""

from __future__ import annotations

import json
from pathlib import Path

from arena.app import create_app
from arena.ranking.io import read_battles
from tests.api.test_leaderboard_schema import ROSTER, vote_a_few
from tests.conftest import run_turn, running


async def test_the_download_reads_back_as_a_battle_file(fresh_db, tmp_path: Path) -> None:
    s = fresh_db.model_copy(update={"battles_per_minute_voter": 0, "votes_per_minute_voter": 0,
                                    "votes_per_minute_ip": 0, "battles_per_minute_ip": 0})
    async with running(create_app(s, roster=ROSTER)) as c:
        await vote_a_few(c, 4)
        res = await c.get("/api/battles.jsonl")
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in res.text.splitlines()]
    assert len(lines) == 4
    for rec in lines:
        assert rec["winner"] in ("model_a", "model_b", "tie")
        assert rec["anony"] is True
        assert "conversation_a" not in rec and "conversation_b" not in rec
    path = tmp_path / "download.jsonl"
    path.write_text(res.text, encoding="utf-8")
    assert len(read_battles(path)) == 4


async def test_downloads_honour_the_category_and_are_named_after_the_view(fresh_db) -> None:
    s = fresh_db.model_copy(update={"battles_per_minute_voter": 0, "votes_per_minute_voter": 0,
                                    "votes_per_minute_ip": 0, "battles_per_minute_ip": 0})
    async with running(create_app(s, roster=ROSTER)) as c:
        await vote_a_few(c, 3)  # English prompts
        for prompt in ("Quelle est la capitale de l'Australie ?", "Écris un poème sur la mer"):
            bid = (await c.post("/api/battles", json={"prompt": prompt})).json()["id"]
            await run_turn(c, bid)
            assert (await c.post(f"/api/battles/{bid}/vote", json={"winner": "a"})).is_success
        every = await c.get("/api/battles.jsonl")
        french = await c.get("/api/battles.jsonl", params={"category": "lang:fr"})
        none = await c.get("/api/battles.jsonl", params={"category": "no-such-tag"})
        csv = await c.get("/api/leaderboard.csv", params={
            "method": "bt", "category": "lang:fr", "style_control": "true"})
        elo = await c.get("/api/leaderboard.csv", params={"method": "elo"})
        side = await c.get("/api/leaderboard.csv", params={"side_control": "true"})
    assert len(every.text.splitlines()) == 5
    rows = [json.loads(line) for line in french.text.splitlines()]
    assert len(rows) == 2 and all(r["category_tag"]["lang:fr"] for r in rows)
    assert none.text == ""
    disposition = {name: r.headers["content-disposition"] for name, r in [
        ("every", every), ("french", french), ("csv", csv), ("elo", elo), ("side", side)]}
    assert disposition == {
        "every": 'attachment; filename="arena-battles.jsonl"',
        "french": 'attachment; filename="arena-battles-lang_fr.jsonl"',
        "csv": 'attachment; filename="arena-leaderboard-lang_fr-style.csv"',
        "elo": 'attachment; filename="arena-leaderboard-elo.csv"',
        "side": 'attachment; filename="arena-leaderboard-side.csv"'}
