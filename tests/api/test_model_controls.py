"""Live roster controls from the console: a model paused on one worker is out of new
battles there at once and on another worker (same database) within
ARENA_ROSTER_REFRESH_S, without a restart; retired likewise; active gives it back. Each
change is audited with its reason; a model not in the roster is a 404."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import pytest

from arena.app import create_app
from tests.api.test_errors import assert_shape
from tests.api.test_history import unlimited
from tests.conftest import fake, fake_roster, running

TOKEN = secrets.token_urlsafe(32)
BEARER = {"authorization": f"Bearer {TOKEN}"}
ROSTER = fake_roster(fake("alpha-1"), fake("beta-2", "verbose"), fake("gamma-3"))


def worker(fresh_db: Any) -> Any:
    return create_app(unlimited(fresh_db, admin_token=TOKEN, roster_refresh_s=0.05,
                                detection_interval_s=0), roster=ROSTER)


async def models_in_new_battles(app: Any, c: Any, n: int) -> set[str]:
    seen: set[str] = set()
    for _ in range(n):
        r = await c.post("/api/battles", json={"prompt": "Name a river."})
        assert r.status_code == 201, r.text
        b = await app.state.services.store.get_battle(r.json()["id"])
        seen |= {b.model_a, b.model_b}
    return seen


async def wait_for(cond: Any, what: str) -> None:
    for _ in range(200):
        if cond():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"not within 4 s: {what}")


@pytest.mark.db
async def test_pause_and_retire_reach_every_worker(fresh_db):
    one, two = worker(fresh_db), worker(fresh_db)
    async with running(one) as a, running(two) as b:
        assert await models_in_new_battles(two, b, 12) == {"alpha-1", "beta-2", "gamma-3"}
        r = await a.post("/api/admin/models/alpha-1", headers=BEARER,
                         json={"state": "paused", "note": "its server is being moved"})
        assert r.status_code == 200, r.text
        assert (r.json()["state"], r.json()["control"]) == ("paused", "paused")
        assert "alpha-1" not in await models_in_new_battles(one, a, 12)  # at once, here
        await wait_for(lambda: "alpha-1" in two.state.services.battles.controls.out(),
                       "the other worker sees the pause")
        assert "alpha-1" not in await models_in_new_battles(two, b, 12)
        assert "alpha-1" in (await b.get("/api/info")).json()["paused_models"]

        await a.post("/api/admin/models/beta-2", headers=BEARER,
                     json={"state": "retired", "note": "replaced by a newer version"})
        await wait_for(lambda: "beta-2" in two.state.services.battles.controls.out(),
                       "the other worker sees the retirement")
        # Two models out of three: fewer than two answer, a clear 503.
        assert_shape(await b.post("/api/battles", json={"prompt": "Hi."}), 503,
                     "not_enough_models")
        await a.post("/api/admin/models/alpha-1", headers=BEARER,
                     json={"state": "active", "note": "moved"})
        await wait_for(lambda: "alpha-1" not in two.state.services.battles.controls.out(),
                       "the other worker sees the resumption")
        assert await models_in_new_battles(two, b, 6) == {"alpha-1", "gamma-3"}

        register = {m["model"]: m for m in
                    (await b.get("/api/admin/register", headers=BEARER)).json()["models"]}
        assert register["beta-2"]["state"] == "retired"
        assert register["beta-2"]["control_note"] == "replaced by a newer version"
        assert register["alpha-1"]["state"] == "active" and register["alpha-1"]["control"] is None
        log = (await a.get("/api/admin/audit", headers=BEARER)).json()["entries"]
        assert [(e["action"], e["target"], e["before"]["state"], e["after"]["state"])
                for e in log] == [("model.control", "alpha-1", "paused", "active"),
                                  ("model.control", "beta-2", "active", "retired"),
                                  ("model.control", "alpha-1", "active", "paused")]
        assert_shape(await a.post("/api/admin/models/no-such", headers=BEARER,
                                  json={"state": "paused", "note": "x"}), 404,
                     "model_not_found")
        assert_shape(await a.post("/api/admin/models/alpha-1", headers=BEARER,
                                  json={"state": "paused", "note": ""}), 422)
