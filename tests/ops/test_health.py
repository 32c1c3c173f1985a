"""/healthz and /readyz through the HTTP API, with readiness failing for real: a database
put back at an older revision by Alembic itself, one a newer arena migrated, and (on
PostgreSQL) one that stops answering, behind a TCP relay the test cuts and restores."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from arena.db import _alembic_config, head_revision, make_engine, upgrade
from arena.settings import Settings
from tests.conftest import TEST_DB_ENV, fake, fake_roster
from tests.ops.scrape import parse, value

ROSTER = fake_roster(fake("alpha-1"), fake("beta-2"))


async def downgrade(settings: Settings, revision: str) -> None:
    """Alembic's own downgrade, on a connection of the test's, not the app's."""
    from alembic import command

    engine = make_engine(settings.resolved_database_url())
    try:
        async with engine.begin() as conn:
            await conn.run_sync(lambda c: command.downgrade(_alembic_config(c), revision))
    finally:
        await engine.dispose()


async def set_revision(settings: Settings, revision: str) -> None:
    engine = make_engine(settings.resolved_database_url())
    try:
        async with engine.begin() as conn:
            await conn.exec_driver_sql(f"UPDATE alembic_version SET version_num = '{revision}'")
    finally:
        await engine.dispose()


def assert_not_ready(r: httpx.Response, code: str) -> dict[str, Any]:
    assert r.status_code == 503, r.text
    body = r.json()
    assert set(body) == {"error"} and body["error"]["code"] == code
    assert "postgresql://" not in r.text and "sqlite" not in r.text  # no address goes out
    error: dict[str, Any] = body["error"]
    return error


async def test_alive_and_ready(in_process):
    server = await in_process(roster=ROSTER)
    c = server.client()
    r = await c.get("/healthz")
    assert (r.status_code, r.json()) == (200, {"status": "ok"})
    r = await c.get("/readyz")
    assert (r.status_code, r.json()) == (200, {"status": "ready", "revision": head_revision()})


async def test_not_ready_while_the_migrations_are_behind(in_process, settings):
    server = await in_process(roster=ROSTER)
    c = server.client()
    assert (await c.get("/readyz")).status_code == 200
    await downgrade(settings, "0008")  # as a restore from an older backup would leave it
    error = assert_not_ready(await c.get("/readyz"), "migrations_pending")
    assert "0008" in error["message"] and head_revision() in error["message"]
    assert "arena db upgrade" in error["message"]
    assert error["details"] == {"revision": "0008"}
    assert (await c.get("/healthz")).status_code == 200  # alive all the same
    engine = make_engine(settings.resolved_database_url())
    try:
        await upgrade(engine)  # what `arena db upgrade` does
    finally:
        await engine.dispose()
    r = await c.get("/readyz")
    assert (r.status_code, r.json()["status"]) == (200, "ready")


async def test_not_ready_on_a_schema_a_newer_arena_made(in_process, settings):
    server = await in_process(roster=ROSTER)
    c = server.client()
    head = head_revision()
    assert head is not None
    await set_revision(settings, "0099")
    try:
        error = assert_not_ready(await c.get("/readyz"), "schema_unknown")
        assert "0099" in error["message"] and "newer arena" in error["message"]
    finally:
        await set_revision(settings, head)
    assert (await c.get("/readyz")).status_code == 200


class Relay:
    """A TCP relay to the database that the test can cut (every connection closed, no
    new ones accepted) and restore on the same port."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self.server: asyncio.Server | None = None
        self.pipes: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self.pipes |= {writer, up_writer}

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError, OSError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))

    async def cut(self) -> None:
        assert self.server is not None
        self.server.close()
        for w in self.pipes:
            w.close()
        self.pipes.clear()
        await self.server.wait_closed()

    async def close(self) -> None:
        await self.cut()


@contextlib.asynccontextmanager
async def relayed(settings: Settings) -> AsyncIterator[tuple[Relay, Settings]]:
    url = make_url(settings.database_url)
    relay = Relay(url.host or "127.0.0.1", url.port or 5432)
    await relay.start()
    through = url.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
    try:
        yield relay, settings.model_copy(update={"database_url": through})
    finally:
        with contextlib.suppress(Exception):
            await relay.close()


async def wait_status(c: httpx.AsyncClient, path: str, status: int) -> httpx.Response:
    deadline = time.monotonic() + 20
    while True:
        r = await c.get(path, headers={"Authorization": f"Bearer {TOKEN}"})
        if r.status_code == status or time.monotonic() > deadline:
            return r
        await asyncio.sleep(0.1)


TOKEN = secrets.token_hex(32)


async def test_not_ready_while_the_database_does_not_answer(in_process, settings):
    if not os.environ.get(TEST_DB_ENV):
        pytest.skip("needs PostgreSQL (ARENA_TEST_DATABASE_URL): a SQLite file that is "
                    "open stays reachable")
    async with relayed(settings) as (relay, through):
        server = await in_process(roster=ROSTER,
                                  settings=through.model_copy(update={"metrics_token": TOKEN}))
        c = server.client()
        assert (await c.get("/readyz")).status_code == 200
        await relay.cut()
        r = await wait_status(c, "/readyz", 503)
        error = assert_not_ready(r, "database_unavailable")
        assert "cannot be reached" in error["message"]
        assert (await c.get("/healthz")).status_code == 200
        # The workers' own counters still go out, saying the stored votes were not read.
        m = await wait_status(c, "/metrics", 200)
        assert m.status_code == 200
        samples = parse(m.text)
        assert value(samples, "arena_database_up") == 0
        assert ("arena_votes_stored", frozenset({("state", "counted")})) not in samples
        await relay.start()  # the database is back on the same address
        r = await wait_status(c, "/readyz", 200)
        assert r.status_code == 200, r.text
        samples = parse((await wait_status(c, "/metrics", 200)).text)
        assert value(samples, "arena_database_up") == 1
