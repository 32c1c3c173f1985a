"""Blind until the vote (invariant 1), end to end through the real SDK adapters.

The arena runs against a fake upstream speaking the real OpenAI and Anthropic wire
protocols. Every byte the server sends before the vote — JSON bodies, SSE events,
headers, error messages — is scanned for the models' names, their upstream ids and the
providers' names, including when an upstream fails with an error that names itself.
"""

from __future__ import annotations

import asyncio
import re

import httpx

from arena.settings import parse_roster
from arena.testing.upstream import FakeUpstream
from tests.conftest import texts

SECRET_NAMES = ["wombat-7b", "quokka-13b", "gpt-4o-mini-2024", "claude-3-haiku-x",
                "openai", "anthropic", "OpenAI", "Anthropic", "claude", "gpt"]


def roster_for(up: FakeUpstream):
    return parse_roster({"models": [
        {"name": "wombat-7b", "provider": "openai", "model": "gpt-4o-mini-2024",
         "base_url": up.openai_base_url, "system_prompt": "Be brief."},
        {"name": "quokka-13b", "provider": "anthropic", "model": "claude-3-haiku-x",
         "base_url": up.base_url, "max_tokens": 300},
    ]})


class Recorder:
    """Keeps every response (status line, headers, body) the client saw."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def add(self, r: httpx.Response, body: str) -> None:
        head = "\n".join(f"{k}: {v}" for k, v in r.headers.items())
        self.seen.append(f"{r.status_code}\n{head}\n{body}")

    def leaks(self, allowed_text: set[str] = frozenset()) -> list[str]:
        found = []
        for blob in self.seen:
            for t in allowed_text:  # the models' own answers are theirs to give away
                blob = blob.replace(t, "")
            found += [n for n in SECRET_NAMES if re.search(re.escape(n), blob, re.I)]
        return found


async def call(c: httpx.AsyncClient, rec: Recorder, method: str, url: str, **kw) -> httpx.Response:
    r = await c.request(method, url, **kw)
    rec.add(r, r.text)
    return r


async def stream(c: httpx.AsyncClient, rec: Recorder, battle_id: str) -> list:
    from tests.conftest import read_sse

    async with c.stream("GET", f"/api/battles/{battle_id}/stream") as r:
        body = (await r.aread()).decode()
    rec.add(r, body)

    class _R:  # re-parse the body we already read
        async def aiter_lines(self):
            for line in body.splitlines():
                yield line

    return await read_sse(_R())


async def test_battle_through_real_sdks_reveals_nothing_before_the_vote(in_process, upstream):
    upstream.script(delay_s=0.005)
    server = await in_process(roster=roster_for(upstream))
    c, rec = server.client(), Recorder()
    r = await call(c, rec, "POST", "/api/battles", json={"prompt": "Name three rivers."})
    assert r.status_code == 201
    bid = r.json()["id"]
    events = await stream(c, rec, bid)
    assert [n for n, _ in events].count("done") == 2, events
    answer_texts = {t for t in texts(events).values() if t}
    assert len(answer_texts) == 2
    await call(c, rec, "GET", f"/api/battles/{bid}")
    await call(c, rec, "POST", f"/api/battles/{bid}/turns", json={"prompt": "And lakes?"})
    events2 = await stream(c, rec, bid)
    answer_texts |= {t for t in texts(events2).values() if t}
    await call(c, rec, "GET", f"/api/battles/{bid}")
    await call(c, rec, "GET", "/api/info")
    await call(c, rec, "GET", "/api/leaderboard")
    assert rec.leaks(answer_texts) == []

    # Both providers were really called, each with its own settings and own history.
    by_api = {r.api: r for r in upstream.requests if r.outcome == "completed"}
    assert by_api["openai"].system == "Be brief." and by_api["anthropic"].max_tokens == 300
    last = [r for r in upstream.requests if r.api == "openai"][-1]
    assert [m["role"] for m in last.messages] == ["system", "user", "assistant", "user"]

    vote = (await c.post(f"/api/battles/{bid}/vote", json={"winner": "a"})).json()
    assert {vote["model_a"], vote["model_b"]} == {"wombat-7b", "quokka-13b"}
    assert vote["counted"] is True


async def test_upstream_errors_are_anonymised(in_process, upstream):
    upstream.script(model="claude-3-haiku-x", status=429,
                    error_message="anthropic: rate limit for claude-3-haiku-x exceeded")
    upstream.script(model="gpt-4o-mini-2024", status=500,
                    error_message="openai internal error for gpt-4o-mini-2024")
    server = await in_process(roster=roster_for(upstream))
    c, rec = server.client(), Recorder()
    bid = (await call(c, rec, "POST", "/api/battles", json={"prompt": "hi"})).json()["id"]
    events = await stream(c, rec, bid)
    errors = [d for n, d in events if n == "error"]
    assert len(errors) == 2
    # A rate limit and a server error look the same before the vote: one public code and
    # the same words, so the stream tells nothing about the provider or its config.
    assert {d["code"] for d in errors} == {"model_unavailable"}
    assert sorted(d["message"] for d in errors) == [
        "model A could not answer; regenerate to try again",
        "model B could not answer; regenerate to try again"]
    await call(c, rec, "GET", f"/api/battles/{bid}")
    await call(c, rec, "POST", f"/api/battles/{bid}/vote", json={"winner": "a"})
    assert rec.leaks() == []
    assert rec.seen[-1].startswith("409")


async def test_the_real_failure_is_shown_after_the_vote(in_process, upstream):
    upstream.script(model="claude-3-haiku-x", status=401, times=1,
                    error_message="anthropic: invalid x-api-key")
    server = await in_process(roster=roster_for(upstream))
    c, rec = server.client(), Recorder()
    bid = (await call(c, rec, "POST", "/api/battles", json={"prompt": "hi"})).json()["id"]
    first = [d for n, d in await stream(c, rec, bid) if n == "error"]
    assert [d["code"] for d in first] == ["model_unavailable"]
    view = (await call(c, rec, "GET", f"/api/battles/{bid}")).json()
    assert "failures" not in view and "provider_auth" not in str(view)
    await call(c, rec, "POST", f"/api/battles/{bid}/regenerate")
    assert not [d for n, d in await stream(c, rec, bid) if n == "error"]
    assert (await call(c, rec, "POST", f"/api/battles/{bid}/vote",
                       json={"winner": "tie"})).status_code == 200
    revealed = (await call(c, rec, "GET", f"/api/battles/{bid}")).json()
    assert [(f["attempt"], f["side"], f["code"]) for f in revealed["failures"]] == [
        (0, first[0]["side"], "provider_auth")]


async def test_a_cut_stream_and_a_stall_fail_one_side_only(in_process, upstream, settings):
    upstream.script(model="gpt-4o-mini-2024", cut_after_chunks=3)
    upstream.script(model="claude-3-haiku-x", delay_s=0.001)
    s = settings.model_copy(update={"request_timeout_s": 1.0})
    server = await in_process(roster=roster_for(upstream), settings=s)
    c = server.client()
    bid = (await c.post("/api/battles", json={"prompt": "hi"})).json()["id"]
    rec = Recorder()
    events = await stream(c, rec, bid)
    kinds = {(n, d["side"]) for n, d in events if n in ("done", "error")}
    assert len(kinds) == 2 and {n for n, _ in kinds} == {"done", "error"}
    assert events[-1][1]["status"] == "failed"
    assert rec.leaks(set(texts(events).values())) == []

    upstream.script(model="gpt-4o-mini-2024", stall_s=5)
    bid = (await c.post("/api/battles", json={"prompt": "again"})).json()["id"]
    events = await stream(c, rec, bid)
    err = [d for n, d in events if n == "error"]
    assert len(err) == 1 and err[0]["code"] == "model_unavailable"
    assert "took too long" not in err[0]["message"]


# On a socket: the client hangs up mid-stream.
async def test_disconnect_closes_the_upstream_calls(serve, upstream, settings):
    upstream.script(delay_s=0.05)
    server = await serve(roster=roster_for(upstream),
                         settings=settings.model_copy(update={"rejoin_grace_s": 0.2}))
    c = server.client()
    bid = (await c.post("/api/battles", json={"prompt": "a long story"})).json()["id"]
    async with c.stream("GET", f"/api/battles/{bid}/stream") as r:
        async for line in r.aiter_lines():
            if line.startswith("event: delta"):
                break
    await upstream.wait_for(
        lambda: len(upstream.requests) == 2
        and all(q.outcome == "client_closed" for q in upstream.requests), timeout_s=5)
    view = (await c.get(f"/api/battles/{bid}")).json()
    for _ in range(50):
        if view["turns"][0]["status"] == "incomplete":
            break
        view = (await c.get(f"/api/battles/{bid}")).json()
    assert view["turns"][0]["status"] == "incomplete"


async def test_api_keys_never_leave_the_server(in_process, upstream, monkeypatch, caplog,
                                               tmp_path, settings):
    """A refused key and a working one: neither appears in any response, the log, or an
    export."""
    import logging

    from arena.cli import main as arena_main

    secret_ok, secret_bad = "sk-test-OK-0123456789abcdef", "sk-test-BAD-fedcba9876543210"
    monkeypatch.setenv("GOOD_KEY", secret_ok)
    monkeypatch.setenv("BAD_KEY", secret_bad)
    upstream.api_key = secret_ok  # the upstream accepts only the good key
    roster = parse_roster({"models": [
        {"name": "wombat-7b", "provider": "openai", "model": "gpt-4o-mini-2024",
         "base_url": upstream.openai_base_url, "api_key_env": "GOOD_KEY"},
        {"name": "quokka-13b", "provider": "anthropic", "model": "claude-3-haiku-x",
         "base_url": upstream.base_url, "api_key_env": "BAD_KEY"},
    ]})
    caplog.set_level(logging.DEBUG)
    server = await in_process(roster=roster)
    c, rec = server.client(), Recorder()
    bid = (await call(c, rec, "POST", "/api/battles", json={"prompt": "hi"})).json()["id"]
    events = await stream(c, rec, bid)
    assert sorted(n for n, _ in events if n in ("done", "error")) == ["done", "error"]
    sent = " ".join(str(q.headers) for q in upstream.requests)
    assert secret_ok in sent and secret_bad in sent  # the keys really were sent upstream
    await call(c, rec, "GET", f"/api/battles/{bid}")
    await call(c, rec, "POST", f"/api/battles/{bid}/vote", json={"winner": "a"})
    ok = (await call(c, rec, "POST", "/api/battles", json={"prompt": "again"})).json()["id"]
    await stream(c, rec, ok)
    monkeypatch.setenv("ARENA_DATABASE_URL", settings.database_url)
    out = tmp_path / "export.jsonl"
    assert await asyncio.to_thread(arena_main, ["export", str(out), "--all"]) == 0
    everything = "\n".join(rec.seen) + caplog.text + out.read_text()
    assert "upstream" in caplog.text or "quokka" in caplog.text  # the failure was logged
    for secret in (secret_ok, secret_bad, secret_ok[-12:], secret_bad[-12:]):
        assert secret not in everything
