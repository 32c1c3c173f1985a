"""Live roster controls from the console: a model paused on one worker is out of new
battles there at once and on another worker (same database) within
ARENA_ROSTER_REFRESH_S, without a restart; retired likewise; active gives it back. Each
change is audited with its reason; a model not in the roster is a 404."""

from __future__ import annotations

import asyncio
import json
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
        # The public list: every model tested, the retired one still there, no notes.
        public = {m["model"]: m for m in (await b.get("/api/models")).json()["models"]}
        assert {n: m["state"] for n, m in public.items()} == {
            "alpha-1": "active", "beta-2": "retired", "gamma-3": "active"}
        assert public["beta-2"]["battles"] > 0 and "replaced" not in json.dumps(public)
        assert_shape(await a.post("/api/admin/models/no-such", headers=BEARER,
                                  json={"state": "paused", "note": "x"}), 404,
                     "model_not_found")
        assert_shape(await a.post("/api/admin/models/alpha-1", headers=BEARER,
                                  json={"state": "paused", "note": ""}), 422)


async def test_settings_changed_live_reach_the_wire(fresh_db, upstream):
    """A system prompt, token limit and temperature set in the console are what the next
    battle sends upstream (the real OpenAI wire, a local server); null gives the roster's
    values back. A weight of 0 keeps the model out of new battles, live."""
    from arena.settings import parse_roster

    roster = parse_roster({"models": [
        {"name": "left-1", "provider": "openai", "model": "concise",
         "base_url": upstream.openai_base_url, "max_tokens": 300},
        {"name": "right-2", "provider": "openai", "model": "verbose",
         "base_url": upstream.openai_base_url},
        {"name": "third-3", "provider": "openai", "model": "terse",
         "base_url": upstream.openai_base_url}]})
    app = create_app(unlimited(fresh_db, admin_token=TOKEN, roster_refresh_s=0.05,
                               detection_interval_s=0), roster=roster)

    async def battle_with_left(c: Any) -> Any:
        for _ in range(30):  # until the pairing draws left-1
            upstream.reset()
            r = await c.post("/api/battles", json={"prompt": "Name a river."})
            bid = r.json()["id"]
            async with c.stream("GET", f"/api/battles/{bid}/stream") as s:
                await s.aread()
            sent = upstream.requests_for(model="concise")
            if sent:
                return sent[-1]
        raise AssertionError("left-1 was never drawn")

    async with running(app) as c:
        before = await battle_with_left(c)
        assert (before.system, before.max_tokens) == (None, 300)
        r = await c.post("/api/admin/models/left-1", headers=BEARER, json={
            "system_prompt": "Answer in French.", "max_tokens": 77, "temperature": 0.3,
            "note": "trying a French persona"})
        assert r.status_code == 200, r.text
        assert r.json()["overrides"] == {"system_prompt": "Answer in French.",
                                         "max_tokens": 77, "temperature": 0.3}
        after = await battle_with_left(c)
        assert (after.system, after.max_tokens, after.temperature) == (
            "Answer in French.", 77, 0.3)
        # Reset one field (null), keep the others (left out).
        r = await c.post("/api/admin/models/left-1", headers=BEARER,
                         json={"max_tokens": None, "note": "the roster's limit again"})
        assert r.json()["overrides"] == {"system_prompt": "Answer in French.",
                                         "temperature": 0.3}
        again = await battle_with_left(c)
        assert (again.system, again.max_tokens) == ("Answer in French.", 300)

        r = await c.post("/api/admin/models/third-3", headers=BEARER,
                         json={"weight": 0, "note": "out of the draw for now"})
        assert r.json()["state"] == "weight_zero" and r.json()["weight"] == 0
        assert await models_in_new_battles(app, c, 8) == {"left-1", "right-2"}
        assert_shape(await c.post("/api/admin/models/left-1", headers=BEARER,
                                  json={"note": "nothing"}), 400, "nothing_to_change")
        log = (await c.get("/api/admin/audit", headers=BEARER)).json()["entries"]
        assert log[-1]["before"]["system_prompt"] is None
        assert log[-1]["after"]["system_prompt"] == "Answer in French."


@pytest.mark.db
async def test_models_export_writes_the_live_roster(fresh_db, tmp_path, monkeypatch):
    """``arena models export``: the roster file with the console's live changes applied,
    which the arena reads back as a roster."""
    from arena.cli import main as arena_main
    from arena.settings import load_roster

    source = tmp_path / "models.toml"
    source.write_text('[[models]]\nname = "alpha-1"\nprovider = "fake"\nmodel = "concise"\n'
                      'aliases = ["Alpha Labs"]\n\n[[models]]\nname = "beta-2"\n'
                      'provider = "fake"\nmodel = "verbose"\n\n[[models]]\nname = "gamma-3"\n'
                      'provider = "fake"\nmodel = "concise"\noptions = { delay_s = 0 }\n')
    roster = load_roster(source)
    async with running(create_app(unlimited(fresh_db, admin_token=TOKEN), roster=roster)) as c:
        await c.post("/api/admin/models/alpha-1", headers=BEARER, json={
            "weight": 2.5, "system_prompt": "Be brief.", "note": "favour it"})
        await c.post("/api/admin/models/beta-2", headers=BEARER,
                     json={"state": "retired", "note": "replaced"})
    monkeypatch.setenv("ARENA_DATABASE_URL", fresh_db.database_url)
    out = tmp_path / "live.toml"
    assert await asyncio.to_thread(arena_main, ["models", "export", "--models", str(source),
                                                "--output", str(out)]) == 0
    text = out.read_text()
    assert "# beta-2: retired in the console (replaced); exported with weight 0" in text
    live = {m.name: m for m in load_roster(out).models}
    assert (live["alpha-1"].weight, live["alpha-1"].system_prompt) == (2.5, "Be brief.")
    assert live["alpha-1"].aliases == ("Alpha Labs",)  # the rest of the entry as it was
    assert live["beta-2"].weight == 0 and live["gamma-3"].options == {"delay_s": 0}
