"""/metrics through the HTTP API: who may read it, and that what it counts is what the
voters did — battles, turns, votes by winner and by decision, the stored votes' states,
each model's answers and errors, open streams. Each app counts on its own here; the
workers of one ``arena serve`` adding up is tests/ops/test_serve.py."""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import Any

import httpx
import pytest

from arena.errors import ConfigError
from arena.settings import Settings, parse_roster
from tests.conftest import fake, fake_roster, run_turn
from tests.ops.scrape import parse, total, value

TOKEN = secrets.token_hex(32)
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ROSTER = fake_roster(fake("alpha-1"), fake("beta-2"))


def with_token(settings: Settings, **more: Any) -> Settings:
    return settings.model_copy(update={"metrics_token": TOKEN, **more})


async def scrape(client: httpx.AsyncClient) -> dict[Any, float]:
    r = await client.get("/metrics", headers=AUTH)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    return parse(r.text)


async def battle(client: httpx.AsyncClient, winner: str | None = "a") -> tuple[str, Any]:
    bid = (await client.post("/api/battles", json={"prompt": "What is 2 + 2?"})).json()["id"]
    await run_turn(client, bid)
    if winner is None:
        return bid, None
    r = await client.post(f"/api/battles/{bid}/vote", json={"winner": winner})
    assert r.status_code == 200, r.text
    return bid, r.json()


# --- who may read it ---------------------------------------------------------------------


async def test_closed_unless_the_operator_opens_it(in_process):
    server = await in_process(roster=ROSTER)
    r = await server.client().get("/metrics")
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "metrics_closed"
    assert "ARENA_METRICS_TOKEN" in r.json()["error"]["message"]
    assert "alpha-1" not in r.text and "beta-2" not in r.text


async def test_the_token_is_asked_for_and_compared(in_process, settings):
    server = await in_process(roster=ROSTER, settings=with_token(settings))
    c = server.client()
    for headers in ({}, {"Authorization": f"Bearer {TOKEN[:-1]}x"},
                    {"Authorization": f"Basic {TOKEN}"}, {"Authorization": TOKEN}):
        r = await c.get("/metrics", headers=headers)
        assert r.status_code == 401, headers
        assert r.headers["www-authenticate"] == "Bearer"
        assert set(r.json()) == {"error"} and r.json()["error"]["code"] == "unauthorized"
        assert "alpha-1" not in r.text
    r = await c.get("/metrics", headers=AUTH)
    assert r.status_code == 200 and "arena_battles_started_total" in r.text
    assert r.headers["cache-control"] == "no-store"


async def test_open_without_a_token_when_the_operator_says_so(in_process, settings):
    server = await in_process(roster=ROSTER,
                              settings=settings.model_copy(update={"metrics_open": True}))
    r = await server.client().get("/metrics")
    assert r.status_code == 200 and "arena_votes_total" in r.text


@pytest.mark.parametrize("token, said", [
    ("s3cret", "is 6 characters"),
    ("changeme" * 4, "repeats a few characters"),
    ("x" * 40, "repeats a few characters"),
    ("a1b2c3d4e5f6g7h8 i9j0k1l2m3n4o5p6q7", "not printable ASCII"),
])
def test_a_weak_token_is_refused_at_start_up(token, said, monkeypatch):
    monkeypatch.setenv("ARENA_METRICS_TOKEN", token)
    with pytest.raises(ConfigError, match=said):
        Settings()


def test_a_token_and_an_open_door_together_are_refused(settings):
    from arena.app import create_app

    s = with_token(settings, metrics_open=True)
    with pytest.raises(ConfigError, match="both set"):
        create_app(s, roster=ROSTER)


# --- what it counts ------------------------------------------------------------------------


async def test_every_series_is_there_at_zero_before_the_first_battle(in_process, settings):
    server = await in_process(roster=ROSTER, settings=with_token(settings))
    m = await scrape(server.client())
    assert value(m, "arena_battles_started_total") == 0
    for winner in ("a", "b", "tie", "both_bad"):
        for decision in ("counted", "identity_leak", "vote_cap"):
            assert value(m, "arena_votes_total", winner=winner, decision=decision) == 0
    for model in ("alpha-1", "beta-2"):
        assert value(m, "arena_upstream_answer_seconds_count", model=model) == 0
        assert value(m, "arena_upstream_errors_total", model=model,
                     kind="provider_timeout") == 0
        assert value(m, "arena_model_paused", model=model) == 0
    for state in ("counted", "identity_leak", "vote_cap", "manipulation", "probation"):
        assert value(m, "arena_votes_stored", state=state) == 0
    assert value(m, "arena_database_up") == 1
    assert value(m, "arena_streams_open") == 0


async def test_battles_turns_votes_and_answers_are_counted(in_process, settings):
    leaky = parse_roster({"models": [
        fake("claude-3-haiku", script="I am Claude, made by Anthropic."), fake("plain-2")]})
    s = with_token(settings, votes_per_day_voter=3)
    server = await in_process(roster=leaky, settings=s)
    c = server.client()
    # Every battle pairs the leaking model with the plain one: each vote is a leak.
    outcomes = [(await battle(c, w))[1] for w in ("a", "b", "tie", "both_bad", "a")]
    assert [o["excluded_reason"] for o in outcomes] == ["identity_leak"] * 5
    m = await scrape(c)
    assert value(m, "arena_battles_started_total") == 5
    assert value(m, "arena_turns_total", status="done") == 5
    assert value(m, "arena_battles_failed_total") == 0
    assert value(m, "arena_votes_total", winner="a", decision="identity_leak") == 2
    assert value(m, "arena_votes_total", winner="both_bad", decision="identity_leak") == 1
    assert total(m, "arena_votes_total", decision="counted") == 0
    assert value(m, "arena_votes_too_fast_total") == 5  # voted at once: sooner than reading
    for model in ("claude-3-haiku", "plain-2"):
        assert value(m, "arena_upstream_answer_seconds_count", model=model) == 5
        assert value(m, "arena_upstream_first_token_seconds_count", model=model) == 5
        assert value(m, "arena_upstream_answer_seconds_sum", model=model) > 0
    assert value(m, "arena_votes_stored", state="identity_leak") == 5
    assert value(m, "arena_streams_total") == 5


async def test_counted_and_capped_votes_and_the_stored_states(in_process, settings):
    # One counted vote a day per voter: the second is stored, not counted (vote_cap).
    server = await in_process(roster=ROSTER, settings=with_token(settings,
                                                                votes_per_day_voter=1))
    c = server.client()
    first, _ = await battle(c, "b")
    second, told = await battle(c, "tie")
    assert told["counted"] is True  # the voter is not told of its cap
    r = await c.post(f"/api/battles/{second}/vote", json={"winner": "a"})
    assert r.status_code == 409
    m = await scrape(c)
    assert value(m, "arena_votes_refused_total", code="already_voted") == 1
    assert value(m, "arena_votes_total", winner="b", decision="counted") == 1
    assert value(m, "arena_votes_total", winner="tie", decision="vote_cap") == 1
    assert value(m, "arena_votes_stored", state="counted") == 1
    assert value(m, "arena_votes_stored", state="vote_cap") == 1
    # An operator's pin moves the first vote out of the board: the stored state follows,
    # the count of votes cast does not change.
    await server.app.state.services.store.set_review(first, "excluded", "test")
    m = await scrape(c)
    assert value(m, "arena_votes_stored", state="counted") == 0
    assert value(m, "arena_votes_stored", state="manipulation") == 1
    assert value(m, "arena_votes_total", winner="b", decision="counted") == 1
    # The scrape's one-scan tally agrees with the board's GROUP BY of the same votes.
    store = server.app.state.services.store
    states, totals = await store.vote_states(), await store.vote_totals()
    assert states.counted_votes == totals.counted_votes == 0
    assert {r: n for r, n in states.excluded_votes.items() if n} == totals.excluded_votes
    assert states.last_vote_id == totals.last_vote_id > 0


async def test_upstream_errors_by_model_and_kind_and_paused_models(in_process, settings):
    roster = parse_roster({"models": [
        fake("steady-1"), fake("busy-2", fail="rate_limit"), fake("down-3", fail="error")]})
    s = with_token(settings, health_failures=1)
    server = await in_process(roster=roster, settings=s)
    c = server.client()
    failing_sides = 0
    deadline = time.monotonic() + 30
    # Every battle has a failing side (steady-1 is drawn only against the other two);
    # battles go on until down-3 has failed once, which pauses it (ARENA_HEALTH_FAILURES).
    while True:
        assert time.monotonic() < deadline, "down-3 was never drawn"
        bid, _ = await battle(c, None)
        r = await c.post(f"/api/battles/{bid}/vote", json={"winner": "a"})
        assert r.status_code == 409 and r.json()["error"]["code"] == "battle_failed"
        view = (await c.get(f"/api/battles/{bid}")).json()
        failing_sides += sum(view["turns"][0][s]["status"] == "error" for s in ("a", "b"))
        m = await scrape(c)
        if value(m, "arena_upstream_errors_total", model="down-3",
                 kind="provider_unavailable") >= 1:
            break
    assert value(m, "arena_model_paused", model="down-3") == 1
    assert value(m, "arena_model_paused", model="busy-2") == 0  # busy is not down
    started = value(m, "arena_battles_started_total")
    assert value(m, "arena_battles_failed_total") == started
    assert value(m, "arena_turns_total", status="failed") == started
    assert total(m, "arena_upstream_errors_total", model="steady-1") == 0
    busy = total(m, "arena_upstream_errors_total", model="busy-2")
    assert busy == value(m, "arena_upstream_errors_total", model="busy-2",
                         kind="provider_rate_limited")
    assert value(m, "arena_upstream_errors_total", model="down-3",
                 kind="provider_unavailable") == 1
    assert busy + 1 == failing_sides
    # steady-1's answers finished: their time is in its histogram, and only theirs.
    assert value(m, "arena_upstream_answer_seconds_count", model="busy-2") == 0
    assert value(m, "arena_upstream_answer_seconds_count", model="steady-1") == started * 2 \
        - failing_sides


async def test_open_streams_are_counted_while_they_are_read(serve, settings):
    slow = fake_roster(fake("slow-1", delay_s=0.05), fake("slow-2", delay_s=0.05))
    server = await serve(roster=slow, settings=with_token(settings))
    c, watcher = server.client(), server.client()
    bid = (await c.post("/api/battles", json={"prompt": "tell me a long story"})).json()["id"]

    async def streams_open() -> tuple[float, float]:
        m = await scrape(watcher)
        return value(m, "arena_streams_open"), value(m, "arena_turns_running")

    async with c.stream("GET", f"/api/battles/{bid}/stream") as r:
        lines = r.aiter_lines()
        async for line in lines:
            if line.startswith("event: delta"):
                break
        assert await streams_open() == (1, 1)
        async for _ in lines:
            pass
    deadline = time.monotonic() + 10
    while await streams_open() != (0, 0):
        assert time.monotonic() < deadline, await streams_open()
        await asyncio.sleep(0.05)
    m = await scrape(watcher)
    assert value(m, "arena_streams_total") == 1
    assert value(m, "arena_turns_total", status="done") == 1


async def test_refused_votes_are_counted_by_code(in_process, settings):
    server = await in_process(roster=ROSTER, settings=with_token(settings, pow_difficulty=8))
    c, other = server.client(), server.client()

    async def vote(client: httpx.AsyncClient, bid: str, code: str) -> None:
        r = await client.post(f"/api/battles/{bid}/vote", json={"winner": "a"})
        assert r.json()["error"]["code"] == code, r.text

    bid = (await c.post("/api/battles", json={"prompt": "Hello"})).json()["id"]
    await vote(c, bid, "not_answered")
    await run_turn(c, bid)
    await vote(c, bid, "pow_failed")  # the proof-of-work was not paid
    await vote(c, bid, "pow_failed")
    await other.post("/api/battles", json={"prompt": "a cookie of its own"})
    await vote(other, bid, "not_your_battle")
    await vote(c, "0" * 32, "battle_not_found")
    m = await scrape(c)
    assert value(m, "arena_votes_refused_total", code="not_answered") == 1
    assert value(m, "arena_votes_refused_total", code="pow_failed") == 2
    assert value(m, "arena_votes_refused_total", code="not_your_battle") == 1
    assert value(m, "arena_votes_refused_total", code="battle_not_found") == 1
    assert value(m, "arena_votes_refused_total", code="already_voted") == 0
    assert total(m, "arena_votes_total") == 0
