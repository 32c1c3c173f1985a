"""Invites with several workers (each a real server on its own socket, one database): a
use spent on one is known to the other, a session opened on one votes on the other, and
of two workers racing for an invite's last use exactly one wins."""

from __future__ import annotations

import asyncio

from tests.access.conftest import ROSTER, battle_and_vote, join, make_invite


async def test_two_workers_race_for_the_last_use(serve, invite_settings):
    one = await serve(settings=invite_settings, roster=ROSTER)
    two = await serve(settings=invite_settings, roster=ROSTER)
    for round_ in range(6):
        invite_id, token = await make_invite(one, uses=1, label=f"race {round_}")
        a, b = one.client(), two.client()
        ra, rb = await asyncio.gather(join(a, token), join(b, token))
        assert sorted([ra.status_code, rb.status_code]) == [303, 403], (ra.text, rb.text)
        loser = ra if ra.status_code == 403 else rb
        assert loser.json()["error"]["code"] == "invite_used_up"
        invite = await two.app.state.services.access.store.invite(invite_id)
        assert invite is not None and invite.uses == 1 and invite.sessions == 0


async def test_a_use_on_one_worker_is_known_to_the_other(serve, invite_settings):
    one = await serve(settings=invite_settings, roster=ROSTER)
    two = await serve(settings=invite_settings, roster=ROSTER)
    _, token = await make_invite(one, uses=1)
    on_one = one.client()
    assert (await join(on_one, token)).status_code == 303
    r = await join(two.client(), token)
    assert r.status_code == 403 and r.json()["error"]["code"] == "invite_used_up"
    # The session opened on worker one votes on worker two.
    on_two = two.client()
    on_two.cookies.set("arena_session", on_one.cookies["arena_session"])
    assert (await battle_and_vote(on_two))["counted"] is True
