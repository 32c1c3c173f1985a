"""Migrations: they build exactly the tables the code describes, on SQLite and PostgreSQL,
and run down and up again."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from arena.db import current_revision, make_engine, upgrade
from arena.settings import normalize_database_url
from arena.tables import metadata
from tests.conftest import TEST_DB_ENV, reset_database


def _diff(connection):
    return compare_metadata(MigrationContext.configure(connection), metadata)


async def test_migrations_match_the_tables(db_url, settings, monkeypatch):
    import os

    if os.environ.get(TEST_DB_ENV):
        await reset_database(settings)
    engine = make_engine(normalize_database_url(db_url))
    try:
        await upgrade(engine)
        assert await current_revision(engine) == "0014"
        async with engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
        await upgrade(engine, "0001")  # alembic's upgrade to an older revision is a no-op
        assert await current_revision(engine) == "0014"
    finally:
        await engine.dispose()


async def test_downgrade_and_upgrade_again(db_url, settings):
    import os

    from alembic import command

    from arena.db import _alembic_config

    if os.environ.get(TEST_DB_ENV):
        await reset_database(settings)
    engine = make_engine(normalize_database_url(db_url))
    try:
        await upgrade(engine)
        async with engine.begin() as conn:
            await conn.run_sync(lambda c: command.downgrade(_alembic_config(c), "base"))
        assert await current_revision(engine) is None
        await upgrade(engine)
        assert await current_revision(engine) == "0014"
    finally:
        await engine.dispose()


async def test_concurrent_upgrades_take_turns(db_url, settings):
    """Two servers starting at once on a fresh database: both succeed, no deadlock."""
    import asyncio
    import os

    if os.environ.get(TEST_DB_ENV):
        await reset_database(settings)
    engines = [make_engine(normalize_database_url(db_url)) for _ in range(3)]
    try:
        await asyncio.wait_for(asyncio.gather(*(upgrade(e) for e in engines)), 60)
        assert {await current_revision(e) for e in engines} == {"0014"}
    finally:
        for e in engines:
            await e.dispose()


async def test_upgrades_of_separate_databases_in_one_process_do_not_mix(tmp_path):
    """Alembic keeps the running migration in module globals: two upgrades awaited side by
    side in one event loop (here on three fresh SQLite files) must take turns, or one
    runs the other's migrations ("table already exists", KeyError from alembic)."""
    import asyncio

    engines = [make_engine(f"sqlite+aiosqlite:///{tmp_path / f'db{i}.sqlite'}")
               for i in range(3)]
    try:
        await asyncio.wait_for(asyncio.gather(*(upgrade(e) for e in engines)), 60)
        assert [await current_revision(e) for e in engines] == ["0014"] * 3
        for e in engines:
            async with e.connect() as conn:
                assert (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
                assert await conn.run_sync(_diff) == []
    finally:
        for e in engines:
            await e.dispose()
