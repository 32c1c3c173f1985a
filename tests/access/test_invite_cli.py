"""``arena invite create | list | revoke`` on the server's own database and secret."""

from __future__ import annotations

import pytest

from arena.cli import main, parse_duration
from tests.access.conftest import ROSTER, SECRET, battle_and_vote


async def test_create_list_revoke(in_process, invite_settings, monkeypatch, capsys):
    server = await in_process(settings=invite_settings, roster=ROSTER)  # migrates the db
    monkeypatch.setenv("ARENA_DATABASE_URL", invite_settings.database_url)
    monkeypatch.setenv("ARENA_SECRET_KEY", SECRET)
    monkeypatch.setenv("ARENA_ACCESS", "invite")
    monkeypatch.setenv("ARENA_PUBLIC_URL", "https://arena.example.org")
    assert await _run(["invite", "create", "--label", "Class 4B", "--uses", "30",
                       "--expires", "2d"]) == 0
    out = capsys.readouterr()
    link = out.out.strip()
    assert link.startswith("https://arena.example.org/invite/")
    assert "uses 0/30" in out.err and "Class 4B" in out.err
    token = link.rsplit("/", 1)[1]
    c = server.client()
    assert (await c.post(f"/invite/{token}")).status_code == 303
    await battle_and_vote(c)
    assert await _run(["invite", "list"]) == 0
    listed = capsys.readouterr().out
    invite_id = token.split(".")[0]
    assert invite_id in listed and "open" in listed and "uses 1/30" in listed
    assert "voters 1" in listed and "votes 1" in listed
    assert await _run(["invite", "revoke", invite_id]) == 0
    assert "revoked" in capsys.readouterr().out
    assert (await c.post("/api/battles", json={"prompt": "x"})).status_code == 401
    assert await _run(["invite", "revoke", "nosuchinvite"]) == 1


async def test_a_weak_secret_is_refused(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("ARENA_DATABASE_URL", f"sqlite:///{tmp_path / 'a.db'}")
    monkeypatch.setenv("ARENA_SECRET_KEY", "changeme")
    assert await _run(["invite", "create"]) == 2
    assert "ARENA_SECRET_KEY is too weak" in capsys.readouterr().err


def test_durations():
    assert parse_duration("7d") == 7 * 86400 and parse_duration("90m") == 5400
    assert parse_duration("12h") == 43200 and parse_duration("2") == 2 * 86400
    for bad in ("", "soon", "-1d", "0h"):
        with pytest.raises(Exception, match="not a duration"):
            parse_duration(bad)


async def _run(argv: list[str]) -> int:
    import asyncio

    # The command runs its own event loop (asyncio.run): give it a thread of its own.
    return await asyncio.to_thread(main, argv)
