"""`arena history snapshot` keeps the server's board as it is now (on demand, on top of
the daily one); `arena history show` prints what is kept as a table, JSON or CSV."""

from __future__ import annotations

import asyncio
import csv
import io
import json

from arena.cli import main as arena_main
from tests.api.test_history import ROSTER, unlimited, vote
from tests.conftest import running


async def test_snapshot_on_demand_then_show(fresh_db, monkeypatch, capsys):
    from arena.app import create_app

    monkeypatch.setenv("ARENA_DATABASE_URL", fresh_db.database_url)
    monkeypatch.setenv("ARENA_MIN_VOTES", "0")
    monkeypatch.setenv("ARENA_BOOTSTRAP_ROUNDS", "20")
    monkeypatch.setenv("ARENA_DETECTION_INTERVAL_S", "0")
    async with running(create_app(unlimited(fresh_db), roster=ROSTER)) as c:
        # Nothing to keep yet: one clear line, exit status 2.
        assert await asyncio.to_thread(arena_main, ["history", "snapshot"]) == 2
        assert "no model yet" in capsys.readouterr().err
        board = await vote(c, ["a", "b", "tie", "a", "b", "a"])
        for _ in range(2):  # on demand: any number a day
            assert await asyncio.to_thread(arena_main, ["history", "snapshot"]) == 0
        out = capsys.readouterr().out
        last = board["totals"]["last_vote_id"]
        assert out.count("snapshot ") == 2 and f"up to vote {last}" in out
        served = (await c.get("/api/leaderboard/history")).json()

    assert await asyncio.to_thread(arena_main, ["history", "show", "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown == served  # the same body as the API's
    assert [s["kind"] for s in shown["snapshots"]] == ["on_demand", "on_demand"]
    # The CLI computed the server's board: the same ratings as the server served.
    first = {m["model"]: m["points"][0]["rating"] for m in shown["models"]}
    assert first == {m["model"]: m["rating"] for m in board["models"]}

    top = board["models"][0]["model"]
    assert await asyncio.to_thread(arena_main, ["history", "show", "--format", "csv",
                                                "--model", top, "--limit", "1"]) == 0
    got = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(got.out)))
    assert [r["model"] for r in rows] == [top] and rows[0]["kind"] == "on_demand"
    assert "older ones left out" in got.err

    assert await asyncio.to_thread(arena_main, ["history", "show"]) == 0
    text = capsys.readouterr().out.splitlines()
    assert len(text) == 2 * len(board["models"]) and all("votes" in line for line in text)

    assert await asyncio.to_thread(arena_main, ["history", "show", "--since", "soon"]) == 2
    assert "Not a date or a time: --since='soon'" in capsys.readouterr().err
