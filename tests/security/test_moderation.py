"""Moderation: a refused prompt never reaches the models, through OpenAI's wire format."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.conftest import LiveServer, fake, fake_roster, run_turn

ROSTER = fake_roster(fake("alpha-1"), fake("beta-2"))


@pytest.fixture
async def moderation_server():
    """A stand-in for OpenAI's moderation endpoint, speaking its wire format."""
    calls: list[str] = []
    state: dict = {"down": False, "account_headers": []}

    async def moderations(request: Request) -> JSONResponse:
        body = await request.json()
        calls.append(body["input"])
        state["account_headers"] += [v for k, v in request.headers.items()
                                     if k in ("openai-organization", "openai-project")]
        if state["down"]:
            return JSONResponse({"error": {"message": "down", "type": "server_error"}}, 500)
        flagged = "forbidden" in body["input"]
        cats = {"violence": flagged, "harassment": False}
        return JSONResponse({"id": "modr-1", "model": body["model"], "results": [{
            "flagged": flagged, "categories": cats,
            "category_scores": {k: float(v) for k, v in cats.items()}}]})

    app = Starlette(routes=[Route("/v1/moderations", moderations, methods=["POST"])])
    async with LiveServer(app) as srv:
        yield srv, calls, state


async def test_moderation_refusals_never_reach_the_models(in_process, settings, moderation_server,
                                                          monkeypatch):
    srv, calls, state = moderation_server
    monkeypatch.setenv("MOD_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_ORG_ID", "org-not-for-other-hosts")
    token = "mod-console-" + "x7Qp2vLs9KdW3mZr8TbY4nJc6HfA1gEu"
    s = settings.model_copy(update={"moderation": "openai", "moderation_api_key_env": "MOD_KEY",
                                    "moderation_base_url": srv.base_url + "/v1",
                                    "admin_token": token})
    server = await in_process(roster=ROSTER, settings=s)
    c = server.client()
    r = await c.post("/api/battles", json={"prompt": "something forbidden"})
    assert (r.status_code, r.json()["error"]["code"]) == (400, "prompt_refused")
    assert "violence" in r.json()["error"]["message"]
    ok = await c.post("/api/battles", json={"prompt": "a kind question"})
    assert ok.status_code == 201
    bid = ok.json()["id"]
    await run_turn(c, bid)
    r = await c.post(f"/api/battles/{bid}/turns", json={"prompt": "now forbidden"})
    assert (r.status_code, r.json()["error"]["code"]) == (400, "prompt_refused")
    providers = server.app.state.services.battles.providers.values()
    sent = [m.content for p in providers for req in p.requests for m in req.messages]
    assert sent and not any("forbidden" in t for t in sent)
    assert calls == ["something forbidden", "a kind question", "now forbidden"]
    assert state["account_headers"] == []
    state["down"] = True
    r = await c.post("/api/battles", json={"prompt": "while it is down"})
    assert (r.status_code, r.json()["error"]["code"]) == (503, "moderation_unavailable")
    # The console lists the two refusals (not the outage), newest first, the follow-up's
    # with its battle.
    bearer = {"authorization": f"Bearer {token}"}
    listed = (await c.get("/api/admin/refusals", headers=bearer)).json()["refusals"]
    assert [(x["prompt"], x["battle_id"]) for x in listed] == [
        ("now forbidden", bid), ("something forbidden", None)]
    assert "violence" in listed[0]["reason"] and len(listed[0]["voter"]) == 12
    assert (await c.get("/api/admin/refusals")).status_code == 401


async def test_moderation_without_a_key_refuses_to_start(settings, monkeypatch):
    from arena.errors import ConfigError
    from arena.moderation import build_moderator

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ConfigError, match="needs OPENAI_API_KEY"):
        build_moderator(settings.model_copy(update={"moderation": "openai"}))
