"""In-process clients for the API tests that need no real socket: the app's lifespan runs,
requests go through httpx's ASGI transport (no server, no port)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from arena.app import create_app
from arena.settings import Settings
from tests.conftest import TEST_DB_ENV, reset_database


@contextlib.asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://arena.test",
                                     timeout=20) as client:
            yield client


@pytest.fixture
async def fresh_db(settings: Settings) -> Settings:
    """The settings, on an empty database (PostgreSQL runs share one database a session)."""
    if os.environ.get(TEST_DB_ENV):
        await reset_database(settings)
    return settings


@pytest.fixture
async def asgi(fresh_db: Settings) -> AsyncIterator[Any]:
    """``async with asgi(roster=...) as client`` — an app of its own, run in-process."""
    settings = fresh_db

    def start(**kwargs: Any) -> contextlib.AbstractAsyncContextManager[httpx.AsyncClient]:
        return running(create_app(kwargs.pop("settings", settings), **kwargs))

    yield start
