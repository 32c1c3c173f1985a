"""`arena db check` finds what the rules forbid: a vote on an open battle, a counted leak."""

from __future__ import annotations

import asyncio

from arena.cli import main as arena_main
from arena.tables import answers, battles
from tests.conftest import fake, fake_roster, run_turn

ROSTER = fake_roster(fake("alpha-1"), fake("beta-2"))


async def test_db_check_finds_a_tampered_vote(in_process, settings, monkeypatch, capsys):
    server = await in_process(roster=ROSTER)
    c = server.client()
    bid = (await c.post("/api/battles", json={"prompt": "x"})).json()["id"]
    await run_turn(c, bid)
    await c.post(f"/api/battles/{bid}/vote", json={"winner": "tie"})
    monkeypatch.setenv("ARENA_DATABASE_URL", settings.database_url)
    assert await asyncio.to_thread(arena_main, ["db", "check"]) == 0
    engine = server.app.state.services.battles.store.engine
    async with engine.begin() as conn:  # the vote stays counted while its battle reopens
        await conn.execute(battles.update().values(status="active"))
    assert await asyncio.to_thread(arena_main, ["db", "check"]) == 1
    out = capsys.readouterr().out
    assert '"problems"' in out and "vote_on_open_battle" in out
    async with engine.begin() as conn:  # a counted vote although an answer named its model
        await conn.execute(battles.update().values(status="voted"))
        await conn.execute(answers.update().values(leak_term="Claude"))
    assert await asyncio.to_thread(arena_main, ["db", "check"]) == 1
    assert "counted_leak" in capsys.readouterr().out
