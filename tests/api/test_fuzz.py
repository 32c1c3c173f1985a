"""Schemathesis against the app's own OpenAPI schema: whatever it sends, no 500s, and
every error in the one JSON error shape. Bounded and derandomised examples, so CI time
stays fixed and a failure reproduces."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from arena.app import create_app
from arena.settings import Settings
from tests.conftest import Postgres, ThreadServer, fake, fake_roster, reset_database


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory,
         postgres: Postgres) -> Iterator[tuple[str, dict[str, str]]]:
    if postgres.problem:
        pytest.skip(postgres.problem)
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    url = postgres.url or f"sqlite:///{tmp / 'arena.db'}"
    s = Settings(database_url=url, bootstrap_rounds=10,
                 battles_per_minute_voter=0, battles_per_minute_ip=0,
                 votes_per_minute_voter=0, votes_per_minute_ip=0)
    if postgres.url:
        asyncio.run(reset_database(s))
    app = create_app(s, roster=fake_roster(fake("alpha-1"), fake("beta-2")))
    server = ThreadServer(app).start()
    try:
        r = httpx.post(server.base_url + "/api/battles", json={"prompt": "seed"})
        yield server.base_url, {"arena_voter": r.cookies["arena_voter"]}
    finally:
        server.stop()


@pytest.fixture(scope="module")
def api_schema(live):
    base_url, _ = live
    return schemathesis.openapi.from_url(base_url + "/api/openapi.json")


def operations(schema) -> list:
    return [r.ok() for r in schema.get_all_operations()]


@pytest.mark.db  # runs again in the PostgreSQL pass
def test_no_server_errors_and_one_error_shape(api_schema, live):
    base_url, cookies = live
    ops = operations(api_schema)
    assert {op.path for op in ops} >= {"/api/battles", "/api/battles/{battle_id}/vote",
                                        "/api/leaderboard"}
    seen: dict[int, int] = {}
    for op in ops:

        @given(case=op.as_strategy())
        @settings(max_examples=40, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def check(case) -> None:
            for jar in ({}, cookies):
                response = case.call(base_url=base_url, cookies=jar, timeout=30)
                seen[response.status_code] = seen.get(response.status_code, 0) + 1
                assert response.status_code < 500, (case.method, case.formatted_path,
                                                    response.text)
                if response.status_code >= 400:
                    body = response.json()
                    assert set(body) == {"error"}, body
                    assert isinstance(body["error"]["code"], str) and body["error"]["message"]

        check()
    # The fuzzer got past validation too, not only into 4xx.
    assert any(200 <= code < 300 for code in seen), seen
    assert any(400 <= code < 500 for code in seen), seen
