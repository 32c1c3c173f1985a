"""A runner holds a lease on its turn: a worker killed mid-stream (SIGKILL, no clean-up
at all) is taken for dead within a few lease periods, by a reader waiting on the turn or
by the sweep of any other worker, and the turn becomes ``incomplete`` with the text that
had been streamed, judged for leaks like any other answer. A runner that keeps renewing
keeps its turn.

The killed worker is a real ``arena serve`` process on the test's database (SQLite file,
or PostgreSQL with ARENA_TEST_DATABASE_URL)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from arena.app import create_app
from arena.settings import Settings, parse_roster
from tests.conftest import TEST_DB_ENV, LiveServer, reset_database, run_turn, texts

LEASE_S = 1.0
LEAK = "I am Claude, made by Anthropic. "
# The killed worker's models: slow, so the kill lands mid-stream.
SLOW_ROSTER = f"""
[[models]]
name = "claude-3-haiku"
provider = "fake"
model = "concise"
options = {{ script = "{LEAK}{'and then ' * 300}", delay_s = 0.05 }}

[[models]]
name = "plain-2"
provider = "fake"
model = "verbose"
options = {{ delay_s = 0.05 }}
"""
# The surviving worker answers with the same model names, quickly and cleanly.
CLEAN_ROSTER = parse_roster({"models": [
    {"name": "claude-3-haiku", "provider": "fake", "model": "concise",
     "options": {"script": "Paris is the capital of France.", "delay_s": 0}},
    {"name": "plain-2", "provider": "fake", "model": "concise", "options": {"delay_s": 0}}]})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def arena_process(db_url: str, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """``arena serve`` in a process of its own, on ``db_url``."""
    models = tmp_path / "slow.toml"
    models.write_text(SLOW_ROSTER)
    port = free_port()
    env = {**os.environ, "ARENA_DATABASE_URL": db_url, "ARENA_DATA_DIR": str(tmp_path),
           "ARENA_TURN_LEASE_S": str(LEASE_S), "ARENA_LOG_LEVEL": "warning"}
    proc = subprocess.Popen([sys.executable, "-m", "arena", "serve", "--host", "127.0.0.1",
                             "--port", str(port), "--models", str(models)], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, "arena serve exited at start-up"
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(base + "/api/leaderboard", timeout=2).status_code == 200:
                    break
            assert time.monotonic() < deadline, "arena serve did not start"
            time.sleep(0.2)
        yield proc, base
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


async def stream_until_killed(client: httpx.AsyncClient, bid: str,
                              proc: subprocess.Popen[bytes]) -> str:
    """Read the turn until the leaking side has sent its name and a few lease renewals
    have passed, then SIGKILL the worker mid-stream; returns what this reader saw."""
    seen = {"a": "", "b": ""}
    with contextlib.suppress(httpx.HTTPError):
        async with client.stream("GET", f"/api/battles/{bid}/stream") as s:
            name = None
            async for line in s.aiter_lines():
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: ") and name == "delta":
                    data = json.loads(line[6:])
                    seen[data["side"]] += data["text"]
                    # 0.05 s a word: 40 words of the leaking side outlast several renewals.
                    if any(len(t.split()) >= 40 and "Anthropic" in t for t in seen.values()):
                        os.kill(proc.pid, signal.SIGKILL)
                        proc.wait(10)
                        break
    assert proc.returncode == -signal.SIGKILL, "the worker finished before it was killed"
    return next(t for t in seen.values() if t.startswith("I am Claude"))


async def wait_view(client: httpx.AsyncClient, bid: str, status: str) -> dict[str, Any]:
    view: dict[str, Any] = {}
    deadline = time.monotonic() + 30  # generous: the lease is 1 s
    while time.monotonic() < deadline:
        view = (await client.get(f"/api/battles/{bid}")).json()
        if view["turns"][-1]["status"] == status:
            break
        await asyncio.sleep(0.1)
    assert view["turns"][-1]["status"] == status, view
    return view


@pytest.fixture
def lease_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"turn_lease_s": LEASE_S})


async def fresh_database(settings: Settings) -> None:
    if os.environ.get(TEST_DB_ENV):  # the session's PostgreSQL database is shared
        await reset_database(settings)


@pytest.mark.parametrize("reader", [True, False], ids=["reader-waiting", "sweep"])
async def test_a_killed_worker_leaves_an_incomplete_turn_with_its_text(
        reader: bool, db_url: str, lease_settings: Settings, tmp_path: Path) -> None:
    await fresh_database(lease_settings)
    with arena_process(db_url, tmp_path) as (proc, base):
        async with httpx.AsyncClient(base_url=base, timeout=20) as c1:
            r = await c1.post("/api/battles", json={"prompt": "Tell me a fact"})
            assert r.status_code == 201, r.text
            bid = r.json()["id"]
            cookie = c1.cookies["arena_voter"]
            if reader:
                # A second worker is up, and a reader waits on it for the turn the
                # first one runs.
                async with LiveServer(create_app(lease_settings, roster=CLEAN_ROSTER)) as two:
                    c2 = two.client()
                    c2.cookies.set("arena_voter", cookie)
                    killed = asyncio.create_task(stream_until_killed(c1, bid, proc))
                    await wait_view(c2, bid, "running")
                    # 40 words at 0.05 s each: this reader waits long before the kill.
                    waiting = asyncio.create_task(run_turn(c2, bid))
                    shown = await killed
                    replay = await asyncio.wait_for(waiting, 30)
                    assert replay[-1][1]["status"] == "incomplete", replay
                    assert any(t.startswith(LEAK) and shown.startswith(t)
                               for t in texts(replay).values()), (texts(replay), shown)
                    await check_after_the_kill(c2, bid, shown)
                return
            shown = await stream_until_killed(c1, bid, proc)
    # The worker is dead; the next one to start (or its periodic sweep) settles the turn.
    async with LiveServer(create_app(lease_settings, roster=CLEAN_ROSTER)) as two:
        c2 = two.client()
        c2.cookies.set("arena_voter", cookie)
        await check_after_the_kill(c2, bid, shown)


async def check_after_the_kill(client: httpx.AsyncClient, bid: str, shown: str) -> None:
    view = await wait_view(client, bid, "incomplete")
    turn = view["turns"][-1]
    assert {turn["a"]["status"], turn["b"]["status"]} == {"incomplete"}
    kept = next(turn[s]["text"] for s in "ab" if turn[s]["text"].startswith("I am Claude"))
    # What was streamed is kept, up to the last renewal before the kill.
    assert kept.startswith(LEAK) and shown.startswith(kept), (kept, shown)
    r = await client.post(f"/api/battles/{bid}/vote", json={"winner": "a"})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "incomplete")
    r = await client.post(f"/api/battles/{bid}/regenerate")
    assert r.status_code == 200, r.text
    events = await run_turn(client, bid)
    assert events[-1][1]["votable"] is True, events
    vote = (await client.post(f"/api/battles/{bid}/vote", json={"winner": "a"})).json()
    # The dead runner's partial answer named its model: the vote is stored, not counted.
    assert vote["counted"] is False and vote["excluded_reason"] == "identity_leak"


async def test_a_runner_that_renews_keeps_its_turn(serve, lease_settings: Settings) -> None:
    """A turn that streams for several lease periods on one worker, while another
    worker's reader waits on it and that worker's sweep runs: it ends done, whole."""
    roster = parse_roster({"models": [
        {"name": "slow-1", "provider": "fake", "model": "concise",
         "options": {"script": "word " * 60, "delay_s": 0.05}},
        {"name": "slow-2", "provider": "fake", "model": "concise",
         "options": {"script": "other " * 60, "delay_s": 0.05}}]})
    one = await serve(roster=roster, settings=lease_settings)
    two = await serve(roster=roster, settings=lease_settings)
    c1, c2 = one.client(), two.client()
    bid = (await c1.post("/api/battles", json={"prompt": "go"})).json()["id"]
    c2.cookies.set("arena_voter", c1.cookies["arena_voter"])
    running = asyncio.create_task(run_turn(c1, bid))
    await wait_view(c2, bid, "running")
    replay = await run_turn(c2, bid)  # waits on the other worker's run, ~3 s = 3 leases
    first = await running
    assert first[-1][1]["status"] == "done" and replay[-1][1]["status"] == "done"
    assert texts(replay) == texts(first)
    assert all(len(t.split()) == 60 for t in texts(first).values())
