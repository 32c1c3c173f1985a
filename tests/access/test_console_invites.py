"""Invite links from the operator console: made (label, uses, expiry) and withdrawn
through /api/admin/invites, each audited in the same transaction; a link made there
works in a browser session and stops working once revoked; in open mode the routes say
invites need ARENA_ACCESS=invite."""

from __future__ import annotations

import secrets

import pytest

from tests.access.conftest import ROSTER, battle_and_vote, join
from tests.api.test_errors import assert_shape

TOKEN = secrets.token_urlsafe(32)
BEARER = {"authorization": f"Bearer {TOKEN}"}


@pytest.mark.db
async def test_invites_made_and_withdrawn_in_the_console(in_process, invite_settings):
    server = await in_process(settings=invite_settings.model_copy(
        update={"admin_token": TOKEN, "public_url": "https://arena.school.example"}),
        roster=ROSTER)
    c = server.client()
    assert_shape(await c.post("/api/admin/invites", json={"uses": 2}), 401, "admin_required")
    r = await c.post("/api/admin/invites", headers=BEARER,
                     json={"label": " Class 3B ", "uses": 2, "expires_days": 1})
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["url"].startswith("https://arena.school.example/invite/")
    invite = made["invite"]
    assert (invite["label"], invite["state"], invite["uses"], invite["max_uses"]) == (
        "Class 3B", "open", 0, 2)
    token = made["url"].rsplit("/", 1)[1]

    pupil = server.client()
    assert (await join(pupil, token)).status_code in (200, 303)
    assert (await battle_and_vote(pupil))["counted"] is True
    listed = (await c.get("/api/admin/invites", headers=BEARER)).json()
    assert listed["mode"] == "invite"
    row = next(i for i in listed["invites"] if i["id"] == invite["id"])
    assert (row["uses"], row["voters"], row["votes"]) == (1, 1, 1)

    r = await c.post(f"/api/admin/invites/{invite['id']}/revoke", headers=BEARER,
                     json={"note": "the class is over"})
    assert r.status_code == 200 and r.json()["state"] == "revoked"
    again = await c.post(f"/api/admin/invites/{invite['id']}/revoke", headers=BEARER,
                         json={})
    assert again.json()["state"] == "revoked"  # idempotent, and audited once
    refused = await join(server.client(), token)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "invite_revoked"
    assert_shape(await pupil.post("/api/battles", json={"prompt": "hi"}), 401,
                 "sign_in_required")  # its sessions ended with it
    log = (await c.get("/api/admin/audit", headers=BEARER)).json()["entries"]
    assert [(e["action"], e["target"], e["actor"]) for e in log] == [
        ("invite.revoke", invite["id"], "token:api"), ("invite.create", invite["id"],
                                                       "token:api")]
    assert log[0]["note"] == "the class is over" and log[1]["after"]["max_uses"] == 2
    assert_shape(await c.post("/api/admin/invites/nope/revoke", headers=BEARER, json={}),
                 404, "invite_not_found")
    assert_shape(await c.post("/api/admin/invites", headers=BEARER, json={"uses": 0}), 422)


async def test_invites_need_invite_mode(in_process, settings):
    server = await in_process(settings=settings.model_copy(update={"admin_token": TOKEN}),
                              roster=ROSTER)
    c = server.client()
    assert_shape(await c.get("/api/admin/invites", headers=BEARER), 409, "invites_off")
    assert_shape(await c.post("/api/admin/invites", headers=BEARER, json={}), 409,
                 "invites_off")
