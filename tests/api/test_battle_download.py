"""``GET /api/battles.jsonl``: the public battle download is a Chatbot Arena battle file
that the offline ranking reads back, with counted votes only and no conversations."""

from __future__ import annotations

import json
from pathlib import Path

from arena.app import create_app
from arena.ranking.io import read_battles
from tests.api.test_leaderboard_schema import ROSTER, vote_a_few
from tests.conftest import running


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
