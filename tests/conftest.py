"""Shared fixtures: every test builds its own app on its own database and talks HTTP to it.

Two ways to run that app, chosen explicitly by the fixture a test asks for:

- ``in_process`` (the default choice): the app's lifespan runs and requests go through
  httpx's ASGI transport, with no server and no port. It is quicker and needs no free
  port, but the transport reads a whole response before handing it over: a streamed
  response arrives complete, a client cannot hang up mid-stream, and the peer address is
  the transport's fixed ``127.0.0.1``.
- ``serve``: a real uvicorn server on a free loopback port. For what needs a socket: SSE
  read while it is still streaming, a client that disconnects (cancellation), request
  bodies that arrive in chunks (the body limit), several workers sharing one database,
  and anything that depends on the peer's real address.

Both give the same object back (``.app``, ``.client()`` for a fresh voter with its own
cookie jar), so moving a test between them changes only the fixture's name. ``asgi`` is
the shortest form of the in-process one: ``async with asgi(roster=...) as client``.

Every test that asks for ``db_url`` (directly or through ``settings``, ``serve``,
``in_process`` or ``asgi``) is marked ``db``, so the PostgreSQL pass runs exactly those.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from arena.app import create_app
from arena.settings import Roster, Settings, parse_roster

pytest_plugins = ["tests.upstream_fixtures"]

TEST_DB_ENV = "ARENA_TEST_DATABASE_URL"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that touches the database ``db``, so the PostgreSQL pass of CI can
    run exactly those (``ARENA_TEST_DATABASE_URL=postgresql://… pytest -m db``)."""
    for item in items:
        if "db_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)


def fake_roster(*models: dict[str, Any]) -> Roster:
    return parse_roster({"models": list(models)}, source="test roster")


def fake(name: str, persona: str = "concise", **options: Any) -> dict[str, Any]:
    return {"name": name, "provider": "fake", "model": persona,
            "options": {"delay_s": 0, **options}}


@dataclass
class Postgres:
    url: str | None = None  # a database of this session's own
    problem: str | None = None  # why PostgreSQL cannot be used, if it cannot


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """With ARENA_TEST_DATABASE_URL, a fresh database on that server for this session
    (dropped at the end), so concurrent test runs never clobber each other's tables."""
    url = os.environ.get(TEST_DB_ENV)
    if not url:
        yield Postgres()
        return
    from sqlalchemy.engine import make_url

    from arena.db import make_engine
    from arena.settings import normalize_database_url

    name = f"arena_test_{os.getpid()}_{secrets.token_hex(4)}"
    admin_url = normalize_database_url(url)

    async def admin(sql: str) -> None:
        engine = make_engine(admin_url, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as conn:
                await conn.exec_driver_sql(sql)
        finally:
            await engine.dispose()

    try:
        asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure means "not here"
        yield Postgres(problem=f"{TEST_DB_ENV}={url} is not usable "
                               f"({type(exc).__name__}: {exc})")
        return
    own = make_url(url).set(database=name).render_as_string(hide_password=False)
    try:
        yield Postgres(url=own)
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def db_url(tmp_path: Path, postgres: Postgres) -> str:
    if postgres.problem:
        pytest.skip(postgres.problem)
    return postgres.url or f"sqlite:///{tmp_path / 'arena.db'}"


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    # No detection loop: it would judge (at start-up, then every 30 s) whatever votes a
    # test casts, and the board would wait for it. tests/integrity/test_rigging_job.py
    # turns it on where it is the subject.
    return Settings(database_url=db_url, data_dir=tmp_path, bootstrap_rounds=20, min_votes=0,
                    leaderboard_refresh_s=0.05, demo_delay_s=0.0, request_timeout_s=5,
                    answer_timeout_s=10, detection_interval_s=0)


class LiveServer:
    """A real server for one test; ``client()`` gives a fresh voter (own cookie jar)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0,
                                                    log_level="warning", lifespan="on",
                                                    proxy_headers=False))
        self.task: asyncio.Task[None] | None = None
        self.base_url = ""
        self._clients: list[httpx.AsyncClient] = []

    async def __aenter__(self) -> LiveServer:
        self.task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            if self.task.done():
                self.task.result()  # re-raise the start-up error
            await asyncio.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: Any) -> None:
        for c in self._clients:
            await c.aclose()
        self.server.should_exit = True
        if self.task:
            await asyncio.wait_for(self.task, 15)

    def client(self) -> httpx.AsyncClient:
        c = httpx.AsyncClient(base_url=self.base_url, timeout=20)
        self._clients.append(c)
        return c


class _TimedASGITransport(httpx.ASGITransport):
    """The ASGI transport with a limit on each whole exchange: no network means httpx's
    own timeouts never fire, and a stuck stream would otherwise hang the test run."""

    limit_s = 60.0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        async with asyncio.timeout(self.limit_s):
            return await super().handle_async_request(request)


class InProcessApp:
    """The app run in-process for one test, the same interface as :class:`LiveServer`:
    the lifespan runs on entry, ``client()`` gives a fresh voter over the ASGI transport.

    An exception the app lets escape becomes the 500 the client would get from a server
    (``raise_app_exceptions=False``), instead of surfacing in the test's own code."""

    base_url = "http://arena.test"

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self._lifespan: contextlib.AbstractAsyncContextManager[Any] | None = None
        self._clients: list[httpx.AsyncClient] = []

    async def __aenter__(self) -> InProcessApp:
        self._lifespan = self.app.router.lifespan_context(self.app)
        await self._lifespan.__aenter__()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        for c in self._clients:
            await c.aclose()
        if self._lifespan is not None:
            await self._lifespan.__aexit__(None, None, None)

    def client(self) -> httpx.AsyncClient:
        transport = _TimedASGITransport(app=self.app, raise_app_exceptions=False)
        c = httpx.AsyncClient(transport=transport, base_url=self.base_url, timeout=20)
        self._clients.append(c)
        return c


class ThreadServer:
    """uvicorn serving one app on a free loopback port from a daemon thread, for
    synchronous tests (the browser tests, the fuzzer)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0,
                                                    log_level="warning", lifespan="on",
                                                    proxy_headers=False))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.base_url = ""

    def start(self) -> ThreadServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the arena server did not start (see the log above)")
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)


Runner = type[LiveServer] | type[InProcessApp]


@contextlib.asynccontextmanager
async def starter(settings: Settings, runner: Runner) -> AsyncIterator[Any]:
    """``await start(roster=..., settings=...)`` builds an app and runs it with ``runner``
    until the test ends. On PostgreSQL (one database a session) the first start empties
    it; later apps of the same test share the data, as workers do."""
    stack = contextlib.AsyncExitStack()
    fresh = [True]

    async def start(**kwargs: Any) -> Any:
        if os.environ.get(TEST_DB_ENV) and fresh[0]:  # once: later apps share the data
            await reset_database(settings)
            fresh[0] = False
        app = create_app(kwargs.pop("settings", settings), **kwargs)
        return await stack.enter_async_context(runner(app))

    try:
        yield start
    finally:
        await stack.aclose()


@pytest.fixture
async def serve(settings: Settings) -> AsyncIterator[Any]:
    """``server = await serve(roster=...)`` — an app behind a real uvicorn socket."""
    async with starter(settings, LiveServer) as start:
        yield start


@pytest.fixture
async def in_process(settings: Settings) -> AsyncIterator[Any]:
    """``server = await in_process(roster=...)`` — an app run in-process, no socket."""
    async with starter(settings, InProcessApp) as start:
        yield start


@pytest.fixture
async def fresh_db(settings: Settings) -> Settings:
    """The settings, on an empty database (PostgreSQL runs share one database a session)."""
    if os.environ.get(TEST_DB_ENV):
        await reset_database(settings)
    return settings


@pytest.fixture
async def asgi(fresh_db: Settings) -> AsyncIterator[Any]:
    """``async with asgi(roster=...) as client`` — an app of its own, run in-process,
    and one client for it."""

    def start(**kwargs: Any) -> contextlib.AbstractAsyncContextManager[httpx.AsyncClient]:
        return running(create_app(kwargs.pop("settings", fresh_db), **kwargs))

    yield start


@contextlib.asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An app built by the test itself, run in-process, and one client for it."""
    async with InProcessApp(app) as inproc:
        yield inproc.client()


async def reset_database(settings: Settings) -> None:
    from arena.db import make_engine
    from arena.tables import metadata

    engine = make_engine(settings.resolved_database_url())
    async with engine.begin() as conn:
        await conn.run_sync(metadata.drop_all)
        await conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    await engine.dispose()


async def read_sse(response: httpx.Response) -> list[tuple[str, dict[str, Any]]]:
    events: list[tuple[str, dict[str, Any]]] = []
    name = None
    async for line in response.aiter_lines():
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: ") and name:
            events.append((name, json.loads(line[6:])))
            name = None
    return events


async def run_turn(client: httpx.AsyncClient, battle_id: str) -> list[tuple[str, dict[str, Any]]]:
    async with client.stream("GET", f"/api/battles/{battle_id}/stream") as r:
        assert r.status_code == 200, await r.aread()
        assert r.headers["content-type"].startswith("text/event-stream")
        return await read_sse(r)


async def stored_ip_hashes(server: LiveServer | InProcessApp) -> list[str]:
    """The address hashes of every stored battle, read from the app's own store engine."""
    from sqlalchemy import select

    from arena.tables import battles

    engine = server.app.state.services.battles.store.engine
    async with engine.connect() as conn:
        return list((await conn.execute(select(battles.c.ip_hash))).scalars())


def texts(events: list[tuple[str, dict[str, Any]]]) -> dict[str, str]:
    out = {"a": "", "b": ""}
    for name, data in events:
        if name == "delta":
            out[data["side"]] += data["text"]
    return out
