"""Every text a voter was shown is judged: a model that names itself in an attempt that
failed or was cut voids the vote, even when the regenerated answer is clean.

The models speak the real OpenAI wire protocol from a local upstream, so the failures
are the ones a real provider produces (an in-stream error, a voter hanging up)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from arena.settings import parse_roster
from arena.testing.upstream import FakeUpstream
from tests.conftest import run_turn, texts

LEAK = "I am Claude, made by Anthropic. Let me think about this one carefully before"
CLEAN = "Paris is the capital of France."


def roster_for(up: FakeUpstream) -> Any:
    # "claude-3-haiku" is a family the identity checker knows; its upstream id is not.
    return parse_roster({"models": [
        {"name": "claude-3-haiku", "provider": "openai", "model": "up-claude",
         "base_url": up.openai_base_url},
        {"name": "plain-2", "provider": "openai", "model": "up-plain",
         "base_url": up.openai_base_url}]})


async def start(client: httpx.AsyncClient, prompt: str = "Tell me a fact") -> str:
    r = await client.post("/api/battles", json={"prompt": prompt})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def wait_status(client: httpx.AsyncClient, bid: str, status: str) -> dict[str, Any]:
    view: dict[str, Any] = {}
    for _ in range(200):
        view = (await client.get(f"/api/battles/{bid}")).json()
        if view["turns"][-1]["status"] == status:
            break
        await asyncio.sleep(0.05)
    assert view["turns"][-1]["status"] == status, view
    return view


async def regenerate_and_vote(client: httpx.AsyncClient, bid: str) -> dict[str, Any]:
    r = await client.post(f"/api/battles/{bid}/regenerate")
    assert r.status_code == 200, r.text
    events = await run_turn(client, bid)
    assert events[-1][1]["votable"] is True, events
    assert all("Claude" not in t for t in texts(events).values())  # the new answers are clean
    r = await client.post(f"/api/battles/{bid}/vote", json={"winner": "a"})
    assert r.status_code == 200, r.text
    return dict(r.json())


def leaky_side(view: dict[str, Any]) -> str:
    sides = [s for s in "ab" if view["turns"][-1][s]["text"].startswith("I am Claude")]
    assert len(sides) == 1, view
    return sides[0]


async def test_a_leak_before_a_failure_voids_the_vote(serve, upstream):
    upstream.script(text=CLEAN)
    upstream.script(model="up-claude", times=1, text=LEAK, error_event=500,
                    error_after_chunks=8)
    server = await serve(roster=roster_for(upstream))
    c = server.client()
    bid = await start(c)
    events = await run_turn(c, bid)
    assert events[-1][1]["votable"] is False
    view = await wait_status(c, bid, "failed")
    side = leaky_side(view)
    assert view["turns"][-1][side]["status"] == "error"
    vote = await regenerate_and_vote(c, bid)
    assert vote["counted"] is False and vote["excluded_reason"] == "identity_leak"
    assert vote["leak_side"] == side


async def test_a_failure_without_a_leak_still_counts(serve, upstream):
    """The same flow with a clean failed attempt: the vote counts, so the test above fails
    for the leak and not for the failure."""
    upstream.script(text=CLEAN)
    upstream.script(model="up-claude", times=1, text="The answer starts fine and then "
                    "something upstream breaks halfway", error_event=500, error_after_chunks=4)
    server = await serve(roster=roster_for(upstream))
    c = server.client()
    bid = await start(c)
    await run_turn(c, bid)
    await wait_status(c, bid, "failed")
    vote = await regenerate_and_vote(c, bid)
    assert vote["counted"] is True and vote["excluded_reason"] is None


async def test_a_leak_before_the_voter_hangs_up_voids_the_vote(serve, upstream, settings):
    upstream.script(text=CLEAN)
    upstream.script(model="up-claude", times=1, text=LEAK + " and" * 400, delay_s=0.02)
    # Nobody comes back: the run is cancelled once the grace period is over.
    server = await serve(roster=roster_for(upstream),
                         settings=settings.model_copy(update={"rejoin_grace_s": 0.2}))
    c = server.client()
    bid = await start(c)
    seen = {"a": "", "b": ""}
    async with c.stream("GET", f"/api/battles/{bid}/stream") as s:
        name = None
        async for line in s.aiter_lines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: ") and name == "delta":
                data = json.loads(line[6:])
                seen[data["side"]] += data["text"]
                if any("Anthropic" in t for t in seen.values()):
                    break  # the voter has read the name, and hangs up
    view = await wait_status(c, bid, "incomplete")
    side = leaky_side(view)
    assert view["turns"][-1][side]["status"] == "incomplete"
    vote = await regenerate_and_vote(c, bid)
    assert vote["counted"] is False and vote["excluded_reason"] == "identity_leak"
    assert vote["leak_side"] == side
