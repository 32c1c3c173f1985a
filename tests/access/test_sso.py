"""ARENA_ACCESS=sso against a real OpenID provider (node-oidc-provider, tests/oidc): its
discovery document, the code flow with PKCE (the provider refuses a request without an
S256 challenge), state and nonce, the ID token's checks (each wrong token refused), the
e-mail's verification and domain, the voter as the keyed hash of the subject, logout.

The arena runs in-process at http://arena.test; the test walks the browser's redirects
between it and the provider by hand (the provider is a real server on a loopback port)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
from sqlalchemy import select

from arena.access.keys import AccessKeys
from arena.settings import Settings
from arena.tables import access_voters, battles, metadata, votes
from tests.access.conftest import ROSTER, SECRET, battle_and_vote
from tests.access.oidc_provider import CLIENT_ID, CLIENT_SECRET, OpenIdProvider, running_provider

ARENA = "http://arena.test"


@pytest.fixture
def provider() -> Iterator[OpenIdProvider]:
    with running_provider([f"{ARENA}/auth/callback"]) as p:
        yield p


@pytest.fixture
def sso_settings(settings: Settings, provider: OpenIdProvider) -> Settings:
    return settings.model_copy(update={
        "access": "sso", "secret_key": SECRET, "oidc_issuer": provider.issuer,
        "oidc_client_id": CLIENT_ID, "oidc_client_secret": CLIENT_SECRET,
        "oidc_allowed_domains": ["school.example"]})


async def at_provider(url: str, account: str) -> str:
    """Be the browser at the provider: follow its redirects, choose ``account`` on its
    login page; the URL it finally sends the browser back to the arena with."""
    async with httpx.AsyncClient(timeout=10) as browser:
        for _ in range(10):
            if url.startswith(ARENA):
                return url
            r = await browser.get(url)
            if r.status_code in (302, 303):
                url = urljoin(url, r.headers["location"])
                continue
            assert r.status_code == 200 and 'name="login"' in r.text, (r.status_code, r.text)
            r = await browser.post(url + "/login", data={"login": account})
            assert r.status_code in (302, 303), r.text
            url = urljoin(url, r.headers["location"])
    raise AssertionError("the provider never sent the browser back")


async def sign_in(arena: httpx.AsyncClient, account: str,
                  provider: OpenIdProvider | None = None, tamper: str | None = None,
                  ) -> httpx.Response:
    r = await arena.get("/auth/login")
    assert r.status_code == 302, r.text
    back = await at_provider(r.headers["location"], account)
    if tamper and provider:
        provider.tamper(tamper)
    return await arena.get(back, headers={"accept": "application/json"})


async def test_discovery_code_flow_with_pkce_and_a_pseudonymous_voter(in_process,
                                                                       sso_settings, provider):
    server = await in_process(settings=sso_settings, roster=ROSTER)
    c = server.client()
    r = await c.post("/api/battles", json={"prompt": "hi"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "sign_in_required"
    assert (await c.get("/api/access")).json()["sign_in_url"] == "/auth/login"

    start = await c.get("/auth/login")
    assert start.status_code == 302
    where = urlsplit(start.headers["location"])
    assert f"{where.scheme}://{where.netloc}" == provider.issuer  # from the discovery
    q = {k: v[0] for k, v in parse_qs(where.query).items()}
    assert q["response_type"] == "code" and q["client_id"] == CLIENT_ID
    assert q["code_challenge_method"] == "S256" and len(q["code_challenge"]) == 43
    assert q["state"] and q["nonce"] and set(q["scope"].split()) == {"openid", "email"}
    assert q["redirect_uri"] == f"{ARENA}/auth/callback"
    login_cookie = start.headers["set-cookie"]
    assert "arena_login=" in login_cookie and "path=/auth" in login_cookie.lower()

    back = await at_provider(start.headers["location"], "alice")
    assert parse_qs(urlsplit(back).query)["state"] == [q["state"]]
    done = await c.get(back)
    assert done.status_code == 303 and done.headers["location"] == "/", done.text
    cookie = done.headers["set-cookie"]
    assert "arena_session=" in cookie and "HttpOnly" in cookie and "lax" in cookie.lower()
    assert (await c.get("/api/access")).json() == {
        "mode": "sso", "signed_in": True, "kind": "sso", "label": None,
        "sign_in_url": "/auth/login"}
    assert (await battle_and_vote(c))["counted"] is True

    # The voter is the keyed hash of issuer and subject: no e-mail anywhere in the database.
    expected = AccessKeys(SECRET).subject_key(provider.issuer, "alice")
    assert expected == hmac.new(
        hmac.new(SECRET.encode(), b"arena access: oidc subjects v1", "sha256").digest(),
        f"{provider.issuer}\nalice".encode(), "sha256").hexdigest()
    engine = server.app.state.services.store.engine
    async with engine.connect() as conn:
        assert (await conn.execute(select(access_voters.c.voter_key))).scalar_one() == expected
        assert (await conn.execute(select(votes.c.voter_key))).scalar_one() == expected
        bid = (await conn.execute(select(battles.c.id))).scalar_one()
        rows = [str(tuple(row)) for table in metadata.sorted_tables
                for row in (await conn.execute(select(table))).all()]
    dump = "\n".join(rows)
    assert len(rows) > 5 and "school.example" not in dump and "alice@" not in dump
    assert hashlib.sha256(b"alice").hexdigest() not in dump  # keyed, not a bare hash

    # The same person on a second device is the same voter: it sees its own battle.
    phone = server.client()
    assert (await sign_in(phone, "alice")).status_code == 303
    assert (await phone.get(f"/api/battles/{bid}")).status_code == 200

    # Logout ends the session on the server.
    token = c.cookies["arena_session"]
    assert (await c.post("/auth/logout")).status_code == 200
    stolen = server.client()
    stolen.cookies.set("arena_session", token)
    assert (await stolen.get(f"/api/battles/{bid}")).status_code == 401


@pytest.mark.parametrize(("account", "code"), [("mallory", "email_domain_not_allowed"),
                                               ("unverified", "email_not_verified")])
async def test_a_wrong_domain_or_an_unverified_email_is_refused(in_process, sso_settings,
                                                                account, code):
    server = await in_process(settings=sso_settings, roster=ROSTER)
    c = server.client()
    r = await sign_in(c, account)
    assert r.status_code == 403 and r.json()["error"]["code"] == code, r.text
    assert "arena_session" not in c.cookies
    assert (await c.post("/api/battles", json={"prompt": "hi"})).status_code == 401


async def test_domains_match_without_case(in_process, sso_settings):
    server = await in_process(settings=sso_settings, roster=ROSTER)
    assert (await sign_in(server.client(), "carol")).status_code == 303  # Carol@SCHOOL.example


@pytest.mark.parametrize("how", ["signature", "foreign_key", "aud", "iss", "nonce", "expired"])
async def test_every_wrong_id_token_is_refused(in_process, sso_settings, provider, how):
    server = await in_process(settings=sso_settings, roster=ROSTER)
    c = server.client()
    r = await sign_in(c, "alice", provider, tamper=how)
    assert r.status_code == 403 and r.json()["error"]["code"] == "id_token_invalid", r.text
    assert "arena_session" not in c.cookies
    # The same flow, untouched, works: the refusal was the token's.
    assert (await sign_in(c, "alice")).status_code == 303


async def test_a_callback_with_another_state_is_refused(in_process, sso_settings):
    server = await in_process(settings=sso_settings, roster=ROSTER)
    c = server.client()
    start = await c.get("/auth/login")
    back = await at_provider(start.headers["location"], "alice")
    forged = back.replace("state=", "state=x")
    r = await c.get(forged, headers={"accept": "text/html"})
    assert r.status_code == 403 and 'data-code="sign_in_expired"' in r.text
    # A callback from a browser that never started the sign-in: refused the same way.
    r = await server.client().get(back, headers={"accept": "application/json"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "sign_in_expired"


async def test_an_issuer_the_discovery_does_not_name_is_refused(in_process, sso_settings,
                                                                provider):
    port = urlsplit(provider.issuer).port
    server = await in_process(settings=sso_settings.model_copy(
        update={"oidc_issuer": f"http://localhost:{port}"}), roster=ROSTER)
    r = await server.client().get("/auth/login", headers={"accept": "application/json"})
    assert r.status_code == 502 and r.json()["error"]["code"] == "sign_in_misconfigured"


async def test_an_unreachable_provider_is_a_clean_error(in_process, sso_settings):
    server = await in_process(settings=sso_settings.model_copy(
        update={"oidc_issuer": "http://127.0.0.1:9"}), roster=ROSTER)
    r = await server.client().get("/auth/login", headers={"accept": "application/json"})
    assert r.status_code == 502 and r.json()["error"]["code"] == "sign_in_unavailable"


async def test_the_sign_in_may_end_on_another_worker(in_process, sso_settings):
    """The flow's state is in the browser's signed cookie and the session in the database:
    a sign-in started on one worker ends on another, and the session works on both."""
    one = await in_process(settings=sso_settings, roster=ROSTER)
    two = await in_process(settings=sso_settings, roster=ROSTER)
    c1, c2 = one.client(), two.client()
    start = await c1.get("/auth/login")
    back = await at_provider(start.headers["location"], "alice")
    c2.cookies.update(c1.cookies)  # the load balancer sends the callback to worker two
    assert (await c2.get(back)).status_code == 303
    c1.cookies.set("arena_session", c2.cookies["arena_session"])
    assert (await battle_and_vote(c1))["counted"] is True


async def test_email_claims_from_userinfo_when_the_id_token_has_none(in_process, settings):
    """A provider that keeps the e-mail claims to its UserInfo endpoint: the arena asks it
    (with the access token), and the same checks apply."""
    with running_provider([f"{ARENA}/auth/callback"], conform=True) as conforming:
        server = await in_process(settings=settings.model_copy(update={
            "access": "sso", "secret_key": SECRET, "oidc_issuer": conforming.issuer,
            "oidc_client_id": CLIENT_ID, "oidc_client_secret": CLIENT_SECRET,
            "oidc_allowed_domains": ["school.example"]}), roster=ROSTER)
        assert (await sign_in(server.client(), "alice")).status_code == 303
        for account, code in (("mallory", "email_domain_not_allowed"),
                              ("unverified", "email_not_verified")):
            r = await sign_in(server.client(), account)
            assert r.status_code == 403 and r.json()["error"]["code"] == code, r.text


async def test_an_operator_signs_in_to_the_console_with_the_organisations_account(
        in_process, sso_settings):
    """ARENA_ADMINS: an address it lists (in any case) signs in to the console through the
    real provider, with no token; its changes are audited under sso:<e-mail>. Another
    account of the same domain is a voter and nothing more."""
    settings = sso_settings.model_copy(update={"admins": ["carol@school.example"]})
    server = await in_process(settings=settings, roster=ROSTER)
    voter = server.client()
    assert (await sign_in(voter, "alice")).headers["location"] == "/"
    r = await voter.get("/api/admin/me")
    assert r.status_code == 401 and r.json()["error"]["code"] == "admin_required"
    vote = await battle_and_vote(voter)

    operator = server.client()
    done = await sign_in(operator, "carol")  # Carol@SCHOOL.example at the provider
    assert done.status_code == 303 and done.headers["location"] == "/admin"
    assert "SameSite=strict" in done.headers["set-cookie"].replace("Strict", "strict")
    assert (await operator.get("/api/admin/me")).json() == {"actor": "sso:carol@school.example"}
    r = await operator.post(f"/api/admin/votes/{vote['battle']}",
                            json={"review": "excluded", "note": "checked by hand"})
    assert r.status_code == 200, r.text
    log = (await operator.get("/api/admin/audit")).json()["entries"]
    assert [(e["actor"], e["note"]) for e in log] == [("sso:carol@school.example",
                                                      "checked by hand")]
    r = await operator.post("/api/admin/login", json={"token": "anything", "name": "x"})
    assert r.status_code == 401  # no token console: operators use their accounts

    # Taken off ARENA_ADMINS: the same cookie is refused on a restarted worker.
    cookie = operator.cookies["arena_admin"]
    later = await in_process(settings=settings.model_copy(update={"admins": []}),
                             roster=ROSTER)
    c = later.client()
    c.cookies.set("arena_admin", cookie)
    assert (await c.get("/api/admin/me")).status_code == 403  # no operators: console off
    other = await in_process(settings=settings.model_copy(
        update={"admins": ["dave@school.example"]}), roster=ROSTER)
    d = other.client()
    d.cookies.set("arena_admin", cookie)
    r = await d.get("/api/admin/me")
    assert r.status_code == 401 and r.json()["error"]["code"] == "admin_required"


def test_operators_by_address_need_sso(settings):
    from arena.errors import ConfigError

    with pytest.raises(ConfigError, match="needs ARENA_ACCESS=sso"):
        settings.model_copy(update={"admins": ["ada@school.example"]}).check_integrity()
    with pytest.raises(ConfigError, match="not an e-mail"):
        settings.model_copy(update={"access": "sso", "admins": ["ada"]}).check_integrity()
