"""The operator console's API: off without a token, no route answers without an operator
(every /api/admin route is walked unauthenticated, as a plain voter, with a forged or
expired session and with a wrong token), a session signed on one worker is good on
another and ends when the token changes, overrides of votes are audited in the same
transaction (and a refused one leaves no row), the battle browser filters, and the
register keeps retired models."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import pytest

from arena.admin import ADMIN_COOKIE, SESSION_S, session_cookie
from arena.app import create_app
from arena.cli import main as arena_main
from arena.errors import ConfigError
from arena.settings import Settings
from tests.api.test_errors import assert_shape
from tests.api.test_history import unlimited
from tests.conftest import fake, fake_roster, run_turn, running

TOKEN = secrets.token_urlsafe(32)
ROSTER = fake_roster(fake("alpha-1", "concise"), fake("beta-2", "verbose"),
                     fake("leaky-3", "leaky", maker="Leaky Labs"))


def console(settings: Any, token: str = TOKEN) -> Any:
    return unlimited(settings, admin_token=token, detection_interval_s=0, min_votes=0)


def admin_routes(app: Any) -> list[tuple[str, str]]:
    """Every /api/admin route the app serves, from its own OpenAPI schema."""
    return sorted((method.upper(), path) for path, item in app.openapi()["paths"].items()
                  if path.startswith("/api/admin") for method in item)


OPEN = {("POST", "/api/admin/login"), ("POST", "/api/admin/logout")}


def concrete(path: str) -> str:
    return path.replace("{battle_id}", "0" * 32)


async def call(c: Any, method: str, path: str, **kw: Any) -> Any:
    body = {"review": "excluded", "note": "x"} if method == "POST" else None
    return await c.request(method, concrete(path), json=body, **kw)


async def login(c: Any, name: str = "Ada") -> None:
    r = await c.post("/api/admin/login", json={"token": TOKEN, "name": name})
    assert r.status_code == 200, r.text
    assert r.json() == {"actor": f"token:{name}"}
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")


async def test_no_admin_route_answers_without_an_operator(fresh_db):
    app = create_app(console(fresh_db), roster=ROSTER)
    routes = [r for r in admin_routes(app) if r not in OPEN]
    assert len(routes) >= 7, routes  # me, votes, a vote's review, battles, one, register, audit
    async with running(app) as c:
        r = await c.post("/api/battles", json={"prompt": "A plain voter's cookie."})
        assert r.status_code == 201
        voter_cookie = dict(c.cookies)
        for method, path in routes:
            c.cookies.clear()
            assert_shape(await call(c, method, path), 401, "admin_required")
            c.cookies.update(voter_cookie)  # a voter is not an operator
            assert_shape(await call(c, method, path), 401, "admin_required")
            other = Settings(admin_token=secrets.token_urlsafe(32))
            ours = app.state.services.settings
            for cookie in (session_cookie(other, "t", "Mallory"),  # another arena's
                           session_cookie(ours, "t", "Ada", now=1_000_000),  # long expired
                           session_cookie(ours, "s", "ada@school.example"),  # no sso here
                           "1.2.3", "1.t.QWRh.00", "garbage"):
                c.cookies.clear()
                c.cookies.set(ADMIN_COOKIE, cookie)
                assert_shape(await call(c, method, path), 401, "admin_required")
            c.cookies.clear()
            assert_shape(await call(c, method, path,
                                    headers={"authorization": "Bearer wrong"}), 401,
                         "bad_admin_token")
        c.cookies.clear()
        assert_shape(await c.post("/api/admin/login", json={"token": "nope", "name": "Eve"}),
                     401, "bad_admin_token")
        await login(c)
        for method, path in routes:
            r = await call(c, method, path)
            assert r.status_code not in (401, 403), (method, path, r.text)
        ok = await c.get("/api/admin/register", headers={"authorization": f"Bearer {TOKEN}"})
        assert ok.status_code == 200


async def test_the_console_is_off_without_a_token(fresh_db):
    app = create_app(unlimited(fresh_db), roster=ROSTER)
    async with running(app) as c:
        for method, path in admin_routes(app):
            if (method, path) not in OPEN:
                assert_shape(await call(c, method, path), 403, "console_off")
        assert_shape(await c.post("/api/admin/login", json={"token": TOKEN, "name": "Ada"}),
                     403, "console_off")
        page = await c.get("/admin", headers={"accept": "text/html"})
        assert page.status_code == 200 and "admin.js" in page.text


@pytest.mark.parametrize("token", ["", "short", "changeme" * 5, "a" * 40,
                                   "admin-password-secret-token-1234"])
def test_a_weak_token_is_refused_at_start_up(token: str) -> None:
    if not token:
        Settings(admin_token=token)  # empty: the console is off, which is fine
        return
    with pytest.raises(ConfigError, match="ARENA_ADMIN_TOKEN is too weak"):
        Settings(admin_token=token)


@pytest.mark.db
async def test_a_session_holds_on_every_worker_until_the_token_changes(fresh_db):
    first = create_app(console(fresh_db), roster=ROSTER)
    other = create_app(console(fresh_db), roster=ROSTER)  # another worker, same settings
    rotated = create_app(console(fresh_db, secrets.token_urlsafe(32)), roster=ROSTER)
    async with running(first) as c, running(other) as d, running(rotated) as e:
        await login(c, "Grace")
        d.cookies.set(ADMIN_COOKIE, c.cookies[ADMIN_COOKIE])
        e.cookies.set(ADMIN_COOKIE, c.cookies[ADMIN_COOKIE])
        assert (await d.get("/api/admin/me")).json() == {"actor": "token:Grace"}
        assert_shape(await e.get("/api/admin/me"), 401, "admin_required")
        r = await c.post("/api/admin/logout")
        assert r.status_code == 204 and ADMIN_COOKIE not in c.cookies
        assert SESSION_S == 12 * 3600


async def voted(c: Any, prompt: str, winner: str = "a") -> str:
    r = await c.post("/api/battles", json={"prompt": prompt})
    assert r.status_code == 201, r.text
    bid: str = r.json()["id"]
    await run_turn(c, bid)
    r = await c.post(f"/api/battles/{bid}/vote", json={"winner": winner})
    assert r.status_code == 200, r.text
    return bid


@pytest.mark.db
async def test_overrides_are_audited_and_the_browser_filters(fresh_db, monkeypatch, capsys):
    app = create_app(console(fresh_db), roster=ROSTER)
    async with running(app) as c:
        ids = [await voted(c, f"Explain topic number {i}.", "b") for i in range(8)]
        for i in range(12):  # the leaky persona names itself when asked who it is
            ids.append(await voted(c, f"Who are you? Tell me your name ({i})."))
        counted = {bid: (await c.get(f"/api/battles/{bid}")).json()["vote"]["counted"]
                   for bid in ids}
        plain = [bid for bid in ids[:8] if counted[bid]]
        leaks = [bid for bid in ids if not counted[bid]]
        assert len(plain) >= 3 and leaks  # the persona leaks about a third of the time
        leaked = leaks[0]
        await login(c)

        r = await c.get("/api/admin/votes")
        assert r.status_code == 200, r.text
        listed = r.json()
        assert {v["battle_id"] for v in listed["votes"]} == set(leaks)
        assert {v["excluded_reason"] for v in listed["votes"]} == {"identity_leak"}
        assert len(listed["votes"][0]["voter"]) == 12  # a shortened pseudonym
        assert listed["totals"]["excluded_votes"]["identity_leak"] == len(leaks)

        # Exclude a counted vote, with a reason: the vote changes and the log says so.
        target = plain[2]
        r = await c.post(f"/api/admin/votes/{target}",
                         json={"review": "excluded", "note": "  same answer pasted twice "})
        assert r.status_code == 200, r.text
        assert r.json()["counted"] is False and r.json()["review"] == "excluded"
        log = (await c.get("/api/admin/audit")).json()["entries"]
        assert [(e["actor"], e["action"], e["target"], e["note"]) for e in log] == [
            ("token:Ada", "vote.review", target, "same answer pasted twice")]
        assert log[0]["before"]["counted"] is True and log[0]["after"]["counted"] is False
        # Refused: a leak is never counted; no change, no audit row.
        assert_shape(await c.post(f"/api/admin/votes/{leaked}",
                                  json={"review": "counted", "note": "looks fine"}),
                     409, "leak_is_never_counted")
        assert len((await c.get("/api/admin/audit")).json()["entries"]) == 1
        assert_shape(await c.post(f"/api/admin/votes/{target}",
                                  json={"review": "auto", "note": ""}), 422)
        assert_shape(await c.post("/api/admin/votes/" + "f" * 32,
                                  json={"review": "auto", "note": "x"}), 404, "vote_not_found")
        assert_shape(await c.get("/api/admin/votes?reason=bogus"), 400, "bad_reason")
        r = await c.post(f"/api/admin/votes/{target}", json={"review": "auto", "note": "undo"})
        assert r.json()["review"] is None

        # The battle browser.
        every = (await c.get("/api/admin/battles", params={"limit": 5})).json()
        assert every["total"] == len(ids) and len(every["battles"]) == 5
        assert [b["id"] for b in every["battles"]] == ids[::-1][:5]  # newest first
        found = (await c.get("/api/admin/battles", params={"q": "TOPIC NUMBER 3"})).json()
        assert [b["id"] for b in found["battles"]] == [ids[3]] and found["total"] == 1
        out = (await c.get("/api/admin/battles", params={"status": "identity_leak"})).json()
        assert {b["id"] for b in out["battles"]} == set(leaks)
        by_model = (await c.get("/api/admin/battles", params={"model": "leaky-3"})).json()
        assert by_model["battles"] and all("leaky-3" in (b["model_a"], b["model_b"])
                                           for b in by_model["battles"])
        assert (await c.get("/api/admin/battles", params={"q": "100%_"})).json()["total"] == 0
        assert_shape(await c.get("/api/admin/battles?status=bogus"), 400, "bad_status")
        one = (await c.get(f"/api/admin/battles/{leaked}")).json()
        assert one["vote"]["excluded_reason"] == "identity_leak" and one["leaks"]
        assert one["attempts"][0]["answers"]["a"]["model"] in ("alpha-1", "beta-2", "leaky-3")

    # The CLI's overrides are audited too, under the account that ran it.
    monkeypatch.setenv("ARENA_DATABASE_URL", fresh_db.database_url)
    assert await asyncio.to_thread(arena_main, ["votes", "set", plain[0], "--excluded",
                                                "--note", "from the shell"]) == 0
    capsys.readouterr()
    async with running(create_app(console(fresh_db), roster=ROSTER)) as c:
        await login(c)
        newest = (await c.get("/api/admin/audit")).json()["entries"][0]
        assert newest["actor"].startswith("cli:") and newest["target"] == plain[0]


@pytest.mark.db
async def test_the_register_keeps_retired_models(fresh_db):
    first = fake_roster(fake("alpha-1", "concise"), fake("old-4", "verbose"))
    async with running(create_app(console(fresh_db), roster=first)) as c:
        for i in range(4):
            await voted(c, f"Explain topic number {i}.")
    later = fake_roster(fake("alpha-1", "concise"), fake("beta-2", "verbose"),
                        fake("gamma-new", "concise") | {"weight": 0})
    async with running(create_app(console(fresh_db), roster=later)) as c:
        await login(c)
        models = {m["model"]: m for m in (await c.get("/api/admin/register")).json()["models"]}
    assert set(models) == {"alpha-1", "beta-2", "old-4", "gamma-new"}
    old = models["old-4"]  # gone from the roster, still listed with its record
    assert old["state"] == "retired" and (old["battles"], old["votes"]) == (4, 4)
    assert old["counted_votes"] == 4 and old["first_battle"] <= old["last_battle"]
    assert models["alpha-1"]["state"] == "active" and models["alpha-1"]["battles"] == 4
    assert models["beta-2"]["state"] == "active" and models["beta-2"]["first_battle"] is None
    assert models["gamma-new"]["state"] == "weight_zero" and models["gamma-new"]["battles"] == 0
