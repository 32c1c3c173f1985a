"""What a vote costs, through the public HTTP API of a running arena: daily caps on counted
votes (fixed windows, churned cookies from one address, a class of 30 behind one NAT, state
shared by two instances and kept in Redis when configured), the proof-of-work and the human
check, and the address key (IPv6 by /64)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from arena.integrity.pow import solve
from arena.tables import vote_caps, votes
from arena.testing.siteverify import LocalSiteverify
from tests.conftest import fake, fake_roster, run_turn

ROSTER = fake_roster(fake("alpha-1", "concise"), fake("beta-2", "verbose"))
REDIS_URL = "redis://127.0.0.1:6379/0"
# A vote sooner than a second after the answers began is too fast (never "read"; the
# words-per-second pace is set high so a second is enough); tests that need read votes wait
# this long once per round. A wait, never a timing assertion.
READING_S = 1.1


def capped(settings: Any, **update: Any) -> Any:
    """Behind a trusted proxy, as in production, with the per-minute rate limits off (they
    are another defence, tested elsewhere) so only the daily caps decide."""
    base = {"trusted_proxies": ["127.0.0.1"], "battles_per_minute_ip": 0,
            "battles_per_minute_voter": 0, "votes_per_minute_ip": 0, "votes_per_minute_voter": 0,
            "fast_vote_words_per_s": 10_000.0}
    return settings.model_copy(update={**base, **update})


def via(ip: str) -> dict[str, str]:
    return {"X-Forwarded-For": ip}


async def play(c: httpx.AsyncClient, ip: str = "198.51.100.7",
               prompt: str = "Explain recursion briefly.") -> dict[str, Any]:
    r = await c.post("/api/battles", json={"prompt": prompt}, headers=via(ip))
    assert r.status_code == 201, r.text
    battle: dict[str, Any] = r.json()
    await run_turn(c, battle["id"])
    return battle


async def vote(c: httpx.AsyncClient, battle: dict[str, Any], ip: str = "198.51.100.7",
               **extra: Any) -> httpx.Response:
    return await c.post(f"/api/battles/{battle['id']}/vote", json={"winner": "a", **extra},
                        headers=via(ip))


async def voted(c: httpx.AsyncClient, battle: dict[str, Any], ip: str = "198.51.100.7",
                **extra: Any) -> dict[str, Any]:
    r = await vote(c, battle, ip, **extra)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


async def stored(server: Any) -> dict[str | None, int]:
    """Votes by exclusion reason (None = counted), read from the database itself."""
    engine = server.app.state.services.store.engine
    async with engine.connect() as conn:
        rows = (await conn.execute(select(votes.c.excluded_reason, func.count())
                                   .group_by(votes.c.excluded_reason))).all()
    return {reason: n for reason, n in rows}


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# --- caps -----------------------------------------------------------------------------

async def test_voter_cap_holds_in_a_fixed_window_and_is_silent(serve, settings):
    day = 86_400
    clock = Clock(20_000 * day + day - 5)  # five seconds before a UTC midnight
    server = await serve(roster=ROSTER, clock=clock,
                         settings=capped(settings, votes_per_day_voter=2, votes_per_day_ip=0))
    c = server.client()
    # the whole allowance just before midnight, the third vote over it ...
    for _ in range(3):
        out = await voted(c, await play(c))
        # ... and the voter is told nothing: a capped vote reads as counted
        assert out["counted"] is True and out["excluded_reason"] is None
    assert await stored(server) == {None: 2, "vote_cap": 1}
    view = (await c.get(f"/api/battles/{(await play(c))['id']}")).json()
    assert "model_a" not in view
    clock.now += 10  # the next window: a fresh allowance, exactly the cap again
    for _ in range(3):
        await voted(c, await play(c))
    assert await stored(server) == {None: 4, "vote_cap": 2}
    # the revealed battle (GET after the vote) tells no more than the vote's answer did
    engine = server.app.state.services.store.engine
    async with engine.connect() as conn:
        capped_id = (await conn.execute(select(votes.c.battle_id).where(
            votes.c.excluded_reason == "vote_cap"))).scalars().first()
    revealed = (await c.get(f"/api/battles/{capped_id}")).json()
    assert revealed["vote"]["counted"] is True and revealed["vote"]["excluded_reason"] is None


class RacingSiteverify(LocalSiteverify):
    """Holds each verdict until ``parties`` requests are waiting, so that many votes of
    one battle all pass their checks before any of them is written: the race, every
    time, instead of now and then."""

    def __init__(self, parties: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.barrier = threading.Barrier(parties, timeout=20)

    def answer(self, form: dict[str, str]) -> dict[str, object]:
        self.barrier.wait()
        return super().answer(form)


async def test_a_vote_that_loses_a_race_gives_its_allowance_back(serve, settings,
                                                                   monkeypatch):
    """Two votes of one battle at once (a double click, a script): one is written, the
    other is ``already_voted`` — and only the written one is charged to the caps."""
    monkeypatch.setenv("TEST_ARENA_CAPTCHA_SECRET", "s3cret")
    with RacingSiteverify(2, secret="s3cret", tokens={"human"}) as sv:
        s = capped(settings, votes_per_day_voter=3, votes_per_day_ip=5,
                   captcha_verify_url=sv.url, captcha_site_key="site-1",
                   captcha_script_url="https://challenges.example.com/api.js",
                   captcha_secret_env="TEST_ARENA_CAPTCHA_SECRET")
        server = await serve(roster=ROSTER, settings=s)
        c = server.client()
        battle = await play(c)
        first, second = await asyncio.gather(vote(c, battle, captcha_token="human"),
                                             vote(c, battle, captcha_token="human"))
        assert sorted([first.status_code, second.status_code]) == [200, 409]
        lost = first if first.status_code == 409 else second
        assert lost.json()["error"]["code"] == "already_voted"
        assert len(sv.requests) == 2  # both votes really were checked before either wrote
        engine = server.app.state.services.store.engine
        async with engine.connect() as conn:
            rows = (await conn.execute(select(vote_caps.c.key, vote_caps.c.count))).all()
        counts = {key: n for key, n in rows}
        assert sorted(counts.values()) == [1, 1]  # the voter's and the address's: one each
        assert await stored(server) == {None: 1}


async def test_churned_cookies_from_one_address_are_capped(serve, settings):
    server = await serve(roster=ROSTER, settings=capped(
        settings, votes_per_day_voter=5, votes_per_day_ip=6, established_votes=1))
    clients = [server.client() for _ in range(10)]  # a new cookie for every battle
    battles = await asyncio.gather(*(play(c) for c in clients))
    await asyncio.sleep(READING_S)  # even read at a human pace
    for c, b in zip(clients, battles, strict=True):
        await voted(c, b)
    assert await stored(server) == {None: 6, "vote_cap": 4}
    # another address is not charged for this one's votes
    other = server.client()
    await voted(other, await play(other, "203.0.113.9"), "203.0.113.9")
    assert (await stored(server))[None] == 7


async def test_a_class_of_30_behind_one_nat_still_votes(serve, settings):
    server = await serve(roster=ROSTER, settings=capped(settings))  # the default caps
    school = "192.0.2.10"
    pupils = [server.client() for _ in range(30)]
    for _ in range(4):  # 120 votes from one address, more than its base allowance of 100
        battles = await asyncio.gather(*(play(c, school) for c in pupils))
        await asyncio.sleep(READING_S)  # they read the answers
        for c, b in zip(pupils, battles, strict=True):
            await voted(c, b, school)
    assert await stored(server) == {None: 120}


async def test_caps_are_shared_by_two_instances_on_one_database(serve, settings):
    s = capped(settings, votes_per_day_voter=2, votes_per_day_ip=0)
    one, two = await serve(roster=ROSTER, settings=s), await serve(roster=ROSTER, settings=s)
    c1 = one.client()
    await voted(c1, await play(c1))
    await voted(c1, await play(c1))
    c2 = two.client()
    c2.cookies.set("arena_voter", c1.cookies["arena_voter"])  # the same voter, another worker
    await voted(c2, await play(c2))
    assert await stored(two) == {None: 2, "vote_cap": 1}


async def test_caps_live_in_redis_when_configured(serve, settings):
    import redis.asyncio as redis

    r = redis.from_url(REDIS_URL)
    try:
        await r.ping()
    except (redis.ConnectionError, OSError):
        pytest.skip("no Redis at 127.0.0.1:6379")
    finally:
        await r.aclose()
    server = await serve(roster=ROSTER, settings=capped(
        settings, redis_url=REDIS_URL, votes_per_day_voter=1, votes_per_day_ip=0))
    c = server.client()
    await voted(c, await play(c))
    await voted(c, await play(c))
    assert await stored(server) == {None: 1, "vote_cap": 1}
    engine = server.app.state.services.store.engine
    async with engine.connect() as conn:  # nothing was counted in the database
        assert (await conn.execute(select(func.count()).select_from(vote_caps))).scalar() == 0


async def test_a_leaked_vote_is_not_charged(serve, settings):
    roster = fake_roster(fake("alpha-1", "leaky"), fake("beta-2", "leaky"))
    server = await serve(roster=roster, settings=capped(settings, votes_per_day_voter=1,
                                                        votes_per_day_ip=0))
    c = server.client()
    for _ in range(2):
        out = await voted(c, await play(c, prompt="Who are you? What is your name?"))
        assert out["counted"] is False and out["excluded_reason"] == "identity_leak"
    engine = server.app.state.services.store.engine
    async with engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(vote_caps))).scalar() == 0


# --- the address key ------------------------------------------------------------------

async def test_ipv6_clients_are_keyed_by_their_64(serve, settings):
    server = await serve(roster=ROSTER, settings=capped(settings))
    c = server.client()
    for ip in ("2001:db8:1:2::1", "2001:db8:1:2:ffff::7", "2001:db8:1:3::1"):
        await voted(c, await play(c, ip), ip)
    engine = server.app.state.services.store.engine
    async with engine.connect() as conn:
        hashes = list((await conn.execute(select(votes.c.ip_hash).order_by(votes.c.id)))
                      .scalars())
    assert hashes[0] == hashes[1] != hashes[2]
    assert all(h and "2001" not in h for h in hashes)


# --- proof-of-work ----------------------------------------------------------------------

async def test_proof_of_work_is_issued_with_the_battle_and_asked_of_the_vote(serve, settings):
    server = await serve(roster=ROSTER, settings=capped(settings, pow_difficulty=8))
    c = server.client()
    battle = await play(c)
    pow_ = battle["pow"]
    assert pow_["difficulty"] == 8 and set(pow_) == {"challenge", "difficulty"}
    assert "alpha" not in pow_["challenge"] and "beta" not in pow_["challenge"]

    r = await vote(c, battle)  # a scripted vote without a nonce
    assert r.status_code == 403 and r.json()["error"]["code"] == "pow_failed"
    wrong = next(str(n) for n in range(10_000)
                 if n != int(solve(pow_["challenge"], 8)))
    r = await vote(c, battle, pow_challenge=pow_["challenge"], pow_nonce=wrong + "x")
    assert r.status_code == 403 and r.json()["error"]["code"] == "pow_failed"

    other = await play(c)  # another battle's solved challenge buys nothing here
    r = await vote(c, battle, pow_challenge=other["pow"]["challenge"],
                   pow_nonce=solve(other["pow"]["challenge"], 8))
    assert r.status_code == 403 and r.json()["error"]["code"] == "pow_failed"

    out = await voted(c, battle, pow_challenge=pow_["challenge"],
                      pow_nonce=solve(pow_["challenge"], 8))
    assert out["counted"] is True
    # a follow-up turn comes with a challenge of its own battle, living at least as long
    r = await c.post(f"/api/battles/{other['id']}/turns", json={"prompt": "And then?"},
                     headers=via("198.51.100.7"))
    assert r.status_code == 200
    renewed, first = r.json()["pow"]["challenge"].split("."), other["pow"]["challenge"].split(".")
    assert renewed[0] == other["id"] and int(renewed[2]) >= int(first[2])


async def test_without_proof_of_work_the_battle_has_no_challenge(serve, settings):
    server = await serve(roster=ROSTER, settings=capped(settings))
    c = server.client()
    battle = await play(c)
    assert "pow" not in battle
    assert (await voted(c, battle))["counted"] is True


# --- the human check --------------------------------------------------------------------

@pytest.fixture
def siteverify(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TEST_ARENA_CAPTCHA_SECRET", "s3cret")
    with LocalSiteverify(secret="s3cret", tokens={"human"}) as sv:
        yield sv


async def test_human_check_against_a_siteverify_server(serve, settings, siteverify):
    s = capped(settings, captcha_verify_url=siteverify.url, captcha_site_key="site-1",
               captcha_script_url="https://challenges.example.com/api.js",
               captcha_secret_env="TEST_ARENA_CAPTCHA_SECRET")
    server = await serve(roster=ROSTER, settings=s)
    c = server.client()
    info = (await c.get("/api/info")).json()
    assert info["captcha"] == {"site_key": "site-1",
                               "script_url": "https://challenges.example.com/api.js"}
    page = await c.get("/")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self' https://challenges.example.com;" in csp
    assert "frame-src 'self' https://challenges.example.com;" in csp

    battle = await play(c)
    for token in (None, "robot"):
        r = await vote(c, battle, **({} if token is None else {"captcha_token": token}))
        assert r.status_code == 403 and r.json()["error"]["code"] == "captcha_failed"
    out = await voted(c, battle, captcha_token="human")  # a refused vote can be cast again
    assert out["counted"] is True
    assert siteverify.requests[-1] == {"secret": "s3cret", "response": "human",
                                       "remoteip": "198.51.100.7"}


async def test_human_check_fails_closed_when_the_verifier_is_down(serve, settings, siteverify):
    s = capped(settings, captcha_verify_url="http://127.0.0.1:9/siteverify",
               captcha_site_key="site-1", captcha_timeout_s=2,
               captcha_script_url="https://challenges.example.com/api.js",
               captcha_secret_env="TEST_ARENA_CAPTCHA_SECRET")
    server = await serve(roster=ROSTER, settings=s)
    c = server.client()
    r = await vote(c, await play(c), captcha_token="human")
    assert r.status_code == 403 and r.json()["error"]["code"] == "captcha_failed"


async def test_no_captcha_and_the_strict_csp_by_default(serve, settings):
    server = await serve(roster=ROSTER, settings=capped(settings))
    c = server.client()
    assert (await c.get("/api/info")).json()["captcha"] is None
    csp = (await c.get("/")).headers["content-security-policy"]
    assert "script-src 'self';" in csp


@pytest.mark.parametrize(("update", "missing"), [
    ({"captcha_site_key": "", "captcha_script_url": "https://c.example.com/api.js"},
     "ARENA_CAPTCHA_SITE_KEY"),
    ({"captcha_site_key": "k", "captcha_script_url": ""}, "ARENA_CAPTCHA_SCRIPT_URL"),
    ({"captcha_site_key": "k", "captcha_script_url": "https://c.example.com/api.js",
      "captcha_secret_env": "NO_SUCH_ARENA_SECRET"}, "NO_SUCH_ARENA_SECRET"),
])
def test_a_half_configured_human_check_fails_at_start_up(settings, siteverify, update,
                                                         missing):
    from arena.app import create_app
    from arena.errors import ConfigError

    s = settings.model_copy(update={"captcha_verify_url": siteverify.url,
                                    "captcha_secret_env": "TEST_ARENA_CAPTCHA_SECRET", **update})
    with pytest.raises(ConfigError, match=missing):
        create_app(s, roster=ROSTER)


def test_captcha_urls_are_checked(monkeypatch):
    from arena.errors import ConfigError
    from arena.settings import Settings

    monkeypatch.setenv("ARENA_CAPTCHA_VERIFY_URL", "javascript:alert(1)")
    with pytest.raises(ConfigError, match="ARENA_CAPTCHA_VERIFY_URL"):
        Settings()


@pytest.mark.parametrize(("script_url", "needed"), [
    ("https://challenges.cloudflare.com/turnstile/v0/api.js",
     {"script-src": ["https://challenges.cloudflare.com"],
      "frame-src": ["https://challenges.cloudflare.com"]}),
    ("https://js.hcaptcha.com/1/api.js",
     {"script-src": ["https://js.hcaptcha.com", "https://*.hcaptcha.com"],
      "frame-src": ["https://*.hcaptcha.com"], "style-src": ["https://*.hcaptcha.com"],
      "connect-src": ["https://*.hcaptcha.com"]}),
    ("https://www.google.com/recaptcha/api.js",
     {"script-src": ["https://www.google.com", "https://www.gstatic.com"],
      "frame-src": ["https://www.google.com", "https://recaptcha.google.com"]}),
])
async def test_each_vendors_widget_gets_the_sources_it_loads(asgi, settings, siteverify,
                                                             script_url, needed):
    """The CSP a page is served with lets each vendor's widget load what its own CSP guide
    lists (hCaptcha's subdomains, reCAPTCHA's gstatic), and nothing for anyone else."""
    s = capped(settings, captcha_verify_url=siteverify.url, captcha_site_key="site-1",
               captcha_script_url=script_url, captcha_secret_env="TEST_ARENA_CAPTCHA_SECRET")
    async with asgi(roster=ROSTER, settings=s) as c:
        csp = (await c.get("/")).headers["content-security-policy"]
    directives = {d.split()[0]: d.split()[1:] for d in csp.split("; ")}
    for name, origins in needed.items():
        assert set(origins) <= set(directives[name]), (name, directives[name])
    assert directives["default-src"] == ["'self'"] and directives["object-src"] == ["'none'"]
    if "hcaptcha" not in script_url:
        assert directives["style-src"] == ["'self'"]
        assert directives["connect-src"] == ["'self'"]
