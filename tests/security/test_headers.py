"""Security headers on every response and CORS: closed unless an origin is configured."""

from __future__ import annotations

from tests.conftest import fake, fake_roster

ROSTER = fake_roster(fake("alpha-1"), fake("beta-2"))


async def test_security_headers_everywhere(in_process):
    server = await in_process(roster=ROSTER)
    c = server.client()
    for r in [await c.get("/"), await c.get("/api/info"), await c.get("/api/nope"),
              await c.post("/api/battles", json={})]:
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
    bid = (await c.post("/api/battles", json={"prompt": "hi"})).json()["id"]
    async with c.stream("GET", f"/api/battles/{bid}/stream") as r:
        assert r.headers["x-content-type-options"] == "nosniff"
        await r.aread()


async def test_cors_is_closed_by_default(in_process):
    server = await in_process(roster=ROSTER)
    r = await server.client().options(
        "/api/battles", headers={"Origin": "https://evil.example",
                                 "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in r.headers


async def test_cors_opens_only_to_configured_origins(in_process, settings):
    s = settings.model_copy(update={"cors_origins": ["https://arena.example"]})
    server = await in_process(roster=ROSTER, settings=s)
    c = server.client()
    ok = await c.get("/api/info", headers={"Origin": "https://arena.example"})
    assert ok.headers["access-control-allow-origin"] == "https://arena.example"
    bad = await c.get("/api/info", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in bad.headers
