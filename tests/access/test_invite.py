"""ARENA_ACCESS=invite: only a browser that opened an invite link votes, as the identity
that opening gave it. Expiry, uses and revocation are the database's, checked at each
use; a forged link never reaches it."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from arena.tables import access_voters, battles, vote_caps, votes
from tests.access.conftest import ROSTER, battle_and_vote, join, make_invite


async def test_without_a_session_every_voting_route_asks_for_an_invite(in_process,
                                                                        invite_settings):
    server = await in_process(settings=invite_settings, roster=ROSTER)
    c = server.client()
    calls = [("POST", "/api/battles", {"prompt": "hi"}),
             ("GET", "/api/battles/abcdefghijklmnopqrstuv", None),
             ("GET", "/api/battles/abcdefghijklmnopqrstuv/stream", None),
             ("POST", "/api/battles/abcdefghijklmnopqrstuv/turns", {"prompt": "more"}),
             ("POST", "/api/battles/abcdefghijklmnopqrstuv/regenerate", None),
             ("POST", "/api/battles/abcdefghijklmnopqrstuv/stop", None),
             ("POST", "/api/battles/abcdefghijklmnopqrstuv/vote", {"winner": "a"}),
             ("GET", "/api/me/leaderboard", None)]
    for method, path, body in calls:
        r = await c.request(method, path, json=body)
        assert r.status_code == 401, (path, r.text)
        error = r.json()["error"]
        assert error["code"] == "sign_in_required" and "invite link" in error["message"]
    # A voter cookie minted by the client is no way in.
    c.cookies.set("arena_voter", "x" * 32)
    r = await c.post("/api/battles", json={"prompt": "hi"})
    assert r.status_code == 401 and "set-cookie" not in r.headers
    # The public board stays readable, and the page learns what to show.
    assert (await c.get("/api/leaderboard")).status_code == 200
    assert (await c.get("/api/access")).json() == {
        "mode": "invite", "signed_in": False, "kind": None, "label": None,
        "sign_in_url": None}


async def test_an_invite_opens_a_session_whose_identity_votes(in_process, invite_settings):
    server = await in_process(settings=invite_settings, roster=ROSTER)
    _, token = await make_invite(server, uses=2, label="Class 4B")
    c = server.client()
    # Opening the link spends nothing (a link preview opens it too): it shows a button.
    page = await c.get(f"/invite/{token}", headers={"accept": "text/html"})
    assert page.status_code == 200 and "Join the arena" in page.text and "Class 4B" in page.text
    assert "arena_session" not in page.headers.get("set-cookie", "")
    r = await join(c, token)
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("arena_session=") and "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie  # ARENA_COOKIE_SECURE is off in the tests
    state = (await c.get("/api/access")).json()
    assert state == {"mode": "invite", "signed_in": True, "kind": "invite",
                     "label": "Class 4B", "sign_in_url": None}
    # Opening the link again from this browser: straight in, no second use.
    again = await c.get(f"/invite/{token}", headers={"accept": "text/html"})
    assert again.status_code == 303
    out = await battle_and_vote(c)
    assert out["counted"] is True
    assert "arena_voter" not in c.cookies  # no cookie voter was made
    engine = server.app.state.services.store.engine
    async with engine.connect() as conn:
        identity = (await conn.execute(select(access_voters.c.voter_key))).scalar_one()
        assert (await conn.execute(select(battles.c.voter_key))).scalar_one() == identity
        assert (await conn.execute(select(votes.c.voter_key))).scalar_one() == identity
        caps = set((await conn.execute(select(vote_caps.c.key))).scalars())
    assert caps == {f"id:{identity}"}  # capped as the identity, not as cookie or address
    for _ in range(1000):  # the personal board needs the public board's refresh
        board = (await c.get("/api/me/leaderboard")).json()
        if board["votes"]:
            break
        await asyncio.sleep(0.02)
    assert board["votes"] == 1, (board, (await c.get("/api/leaderboard")).json())
    invite = (await server.app.state.services.access.store.list_invites())[0]
    assert (invite.uses, invite.sessions, invite.votes) == (1, 1, 1)


async def test_expired_used_up_revoked_and_forged_links_are_refused(in_process,
                                                                     invite_settings):
    server = await in_process(settings=invite_settings, roster=ROSTER)
    store = server.app.state.services.access.store
    _, once = await make_invite(server, uses=1)
    _, old = await make_invite(server, expires_in=timedelta(seconds=-1))
    revoked_id, revoked = await make_invite(server)
    first, second = server.client(), server.client()
    assert (await join(first, once)).status_code == 303
    await store.revoke_invite(revoked_id)
    forged = once[:-4] + ("AAAA" if not once.endswith("AAAA") else "BBBB")
    for token, code in ((once, "invite_used_up"), (old, "invite_expired"),
                        (revoked, "invite_revoked"), (forged, "invite_invalid"),
                        ("not-a-token", "invite_invalid")):
        r = await join(second, token)
        assert r.status_code == 403, (token, r.text)
        assert r.json()["error"]["code"] == code
        page = await second.get(f"/invite/{token}", headers={"accept": "text/html"})
        assert page.status_code == 403 and f'data-code="{code}"' in page.text
        assert "ask" in page.text.lower()
    assert (await second.post("/api/battles", json={"prompt": "hi"})).status_code == 401
    assert (await store.invite(once.split(".")[0])).uses == 1  # refused uses spent nothing


async def test_revoking_an_invite_ends_its_sessions(in_process, invite_settings):
    server = await in_process(settings=invite_settings, roster=ROSTER)
    invite_id, token = await make_invite(server, label="leaked")
    c = server.client()
    await join(c, token)
    await battle_and_vote(c)
    await server.app.state.services.access.store.revoke_invite(invite_id)
    r = await c.post("/api/battles", json={"prompt": "still me?"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "sign_in_required"
    engine = server.app.state.services.store.engine
    async with engine.connect() as conn:  # the votes it cast stay as they were
        assert len((await conn.execute(select(votes.c.id))).all()) == 1


async def test_logout_ends_the_session(in_process, invite_settings):
    server = await in_process(settings=invite_settings, roster=ROSTER)
    _, token = await make_invite(server)
    c = server.client()
    await join(c, token)
    assert (await c.get("/api/access")).json()["signed_in"] is True
    stolen = c.cookies["arena_session"]
    r = await c.post("/auth/logout")
    assert r.status_code == 200 and "arena_session" not in c.cookies
    other = server.client()
    other.cookies.set("arena_session", stolen)  # the old token is dead on the server too
    assert (await other.get("/api/access")).json()["signed_in"] is False


async def test_identified_voters_behind_one_address_are_capped_as_themselves(
        in_process, invite_settings):
    """A class behind one NAT: with cookies, the address's allowance (here 2 a day) stops
    the third pupil's vote from counting; with invites each pupil is its own identity."""
    caps = {"votes_per_day_ip": 2, "votes_per_day_voter": 5, "votes_per_day_identity": 5,
            "established_votes": 3}
    open_mode = await in_process(settings=invite_settings.model_copy(
        update={**caps, "access": "open"}), roster=ROSTER)
    told = [(await battle_and_vote(open_mode.client()))["counted"] for _ in range(3)]
    counted = await _counted(open_mode)
    assert counted == [True, True, False], told

    server = await in_process(settings=invite_settings.model_copy(update=caps),
                              roster=ROSTER)
    _, token = await make_invite(server, uses=30, label="class")
    for _ in range(4):
        pupil = server.client()
        assert (await join(pupil, token)).status_code == 303
        await battle_and_vote(pupil)
    assert (await _counted(server))[-4:] == [True] * 4


async def _counted(server) -> list[bool]:
    engine = server.app.state.services.store.engine
    async with engine.connect() as conn:
        return list((await conn.execute(select(votes.c.counted).order_by(votes.c.id)))
                    .scalars())


async def test_the_detection_job_holds_cookie_newcomers_not_invited_ones(in_process,
                                                                          invite_settings):
    """Three first-time voters behind one address: as cookies, the job puts their votes on
    probation (churn); as invited identities it does not."""
    held = {}
    for mode in ("open", "invite"):
        server = await in_process(settings=invite_settings.model_copy(update={"access": mode}),
                                  roster=ROSTER)
        clients = [server.client() for _ in range(3)]
        if mode == "invite":
            _, token = await make_invite(server, uses=3)
            for c in clients:
                await join(c, token)
        for c in clients:
            await battle_and_vote(c)
        await server.app.state.services.detection.run_once()
        engine = server.app.state.services.store.engine
        async with engine.connect() as conn:
            held[mode] = list((await conn.execute(
                select(votes.c.excluded_reason).order_by(votes.c.id))).scalars())[-3:]
    assert held == {"open": ["probation"] * 3, "invite": [None] * 3}


async def test_identified_voters_are_rate_limited_as_themselves(in_process, invite_settings):
    """Per-minute limits: cookie voters behind one address share its limit; invited ones
    each have their own."""
    limits = {"battles_per_minute_ip": 1, "battles_per_minute_voter": 5}
    open_mode = await in_process(settings=invite_settings.model_copy(
        update={**limits, "access": "open"}), roster=ROSTER)
    first, second = open_mode.client(), open_mode.client()
    assert (await first.post("/api/battles", json={"prompt": "a"})).status_code == 201
    r = await second.post("/api/battles", json={"prompt": "b"})
    assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limited"

    server = await in_process(settings=invite_settings.model_copy(update=limits),
                              roster=ROSTER)
    _, token = await make_invite(server, uses=3)
    for _ in range(3):
        pupil = server.client()
        await join(pupil, token)
        assert (await pupil.post("/api/battles", json={"prompt": "c"})).status_code == 201


async def test_a_private_board_needs_a_session(in_process, invite_settings):
    server = await in_process(settings=invite_settings.model_copy(
        update={"public_leaderboard": False}), roster=ROSTER)
    c = server.client()
    for path in ("/api/leaderboard", "/api/leaderboard.csv", "/api/leaderboard/history",
                 "/api/categories", "/api/battles.jsonl"):
        r = await c.get(path)
        assert r.status_code == 401 and r.json()["error"]["code"] == "sign_in_required", path
    assert (await c.get("/api/info")).status_code == 200  # the page needs it
    _, token = await make_invite(server)
    await join(c, token)
    for path in ("/api/leaderboard", "/api/categories"):
        assert (await c.get(path)).status_code == 200, path


async def test_sessions_expire_and_are_forgotten(in_process, invite_settings):
    from sqlalchemy import update

    from arena.store.records import utcnow
    from arena.tables import access_sessions

    server = await in_process(settings=invite_settings.model_copy(
        update={"cookie_secure": True}), roster=ROSTER)
    _, token = await make_invite(server)
    c = server.client()
    r = await join(c, token)
    assert "Secure" in r.headers["set-cookie"]  # ARENA_COOKIE_SECURE
    session = r.headers["set-cookie"].split(";")[0].split("=", 1)[1]
    c.cookies.set("arena_session", session)  # httpx keeps Secure cookies off plain http
    assert (await c.get("/api/access")).json()["signed_in"] is True
    store = server.app.state.services.access.store
    engine = server.app.state.services.store.engine
    async with engine.begin() as conn:  # its time is up
        await conn.execute(update(access_sessions).values(expires_at=utcnow()))
    assert (await c.get("/api/access")).json()["signed_in"] is False
    assert (await c.post("/api/battles", json={"prompt": "x"})).status_code == 401
    assert await store.forget_expired_sessions() == 1
