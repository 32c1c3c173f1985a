"""A database that drops its connections: with the pre-ping nobody notices; without it one
request gets 503 in the one error shape and the next one works."""

from __future__ import annotations

import pytest

from arena.db import make_engine
from arena.settings import normalize_database_url
from tests.conftest import fake, fake_roster

ROSTER = fake_roster(fake("alpha-1"), fake("beta-2"))


@pytest.mark.parametrize("pre_ping", [True, False])
async def test_a_dropped_database_connection(in_process, settings, db_url, pre_ping):
    """The database cuts every connection (a restart, an idle timeout). With the pre-ping a
    voter never notices; without it one request gets 503 database_unavailable in the one
    error shape, and the next works on fresh connections."""
    if not db_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (ARENA_TEST_DATABASE_URL) to cut live connections")
    # No leaderboard polling: it would meet the cut first and leave fresh connections.
    server = await in_process(roster=ROSTER, settings=settings.model_copy(
        update={"db_pre_ping": pre_ping, "leaderboard_refresh_s": 3600}))
    c = server.client()
    first = await c.post("/api/battles", json={"prompt": "before"})
    assert first.status_code == 201
    engine = make_engine(normalize_database_url(db_url), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    finally:
        await engine.dispose()
    r = await c.get(f"/api/battles/{first.json()['id']}")
    if pre_ping:
        assert r.status_code == 200, r.text
    else:
        assert r.status_code == 503, r.text
        error = r.json()["error"]
        assert error["code"] == "database_unavailable" and "try again" in error["message"]
        assert r.headers["retry-after"] == "1"
    again = await c.post("/api/battles", json={"prompt": "after"})
    assert again.status_code == 201, again.text
