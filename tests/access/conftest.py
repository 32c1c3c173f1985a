"""Settings and helpers of the access tests (ARENA_ACCESS invite and sso)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from arena.settings import Settings
from arena.store.records import utcnow
from tests.conftest import fake, fake_roster, run_turn

SECRET = "Zq7-Lx2pW9vR4tN8mK3sB6yH1cF5gJ0d"  # 32 random characters, as the README asks
ROSTER = fake_roster(fake("alpha-1"), fake("beta-2"))


@pytest.fixture
def invite_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"access": "invite", "secret_key": SECRET})


async def make_invite(server: Any, *, uses: int | None = None, label: str | None = None,
                      expires_in: timedelta = timedelta(days=1)) -> tuple[str, str]:
    """(invite id, token) of a new invite, made through the running app's own store."""
    access = server.app.state.services.access
    invite = await access.store.create_invite(label=label, max_uses=uses,
                                              expires_at=utcnow() + expires_in)
    return invite.id, access.keys.invite_token(invite.id)


async def join(client: httpx.AsyncClient, token: str) -> httpx.Response:
    """Press the invite page's button: POST the link."""
    return await client.post(f"/invite/{token}", headers={"accept": "application/json"})


async def battle_and_vote(client: httpx.AsyncClient, winner: str = "a") -> dict[str, Any]:
    r = await client.post("/api/battles", json={"prompt": "hello"})
    assert r.status_code == 201, r.text
    bid = r.json()["id"]
    await run_turn(client, bid)
    r = await client.post(f"/api/battles/{bid}/vote", json={"winner": winner})
    assert r.status_code == 200, r.text
    return {"battle": bid, **r.json()}
