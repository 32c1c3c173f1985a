"""A real ``arena serve --workers 2`` on the test's database (SQLite file, or PostgreSQL
with ARENA_TEST_DATABASE_URL): battles and votes made through both workers add up in
/metrics whichever worker answers the scrape; a worker killed mid-stream keeps its
counts and drops its open stream; the log is one JSON object a line, the access lines
included, and says which worker served each request; the metrics directory is gone once
the server stops."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from arena.settings import Settings
from arena.testing.upstream import FakeUpstream
from tests.ops.scrape import Samples, parse, total, value

TOKEN = secrets.token_hex(32)
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def roster(upstream: FakeUpstream) -> str:
    """Two models on the fake OpenAI-compatible server: quick answers unless scripted."""
    return "".join(f"""
[[models]]
name = "{name}"
provider = "openai"
model = "concise"
base_url = "{upstream.openai_base_url}"
""" for name in ("north-1", "south-2"))


WINNERS = ("a", "b", "tie", "both_bad")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    def __init__(self, proc: subprocess.Popen[bytes], base: str, log: Path, tmp: Path) -> None:
        self.proc, self.base, self.log, self.tmp = proc, base, log, tmp

    def lines(self) -> list[dict[str, Any]]:
        """Every JSON line the server has logged so far (a line being written is left)."""
        text = self.log.read_text(encoding="utf-8")
        out = []
        for line in text.splitlines(keepends=True):
            if line.endswith("\n") and line.startswith("{"):
                out.append(json.loads(line))
        return out

    def pids(self, method: str, path_start: str) -> set[int]:
        return {e["pid"] for e in self.lines() if e["logger"] == "uvicorn.access"
                and e["method"] == method and e["path"].startswith(path_start)}

    def workers(self) -> set[int]:
        return {e["pid"] for e in self.lines()
                if e["message"].startswith("Application startup complete")}


@contextlib.contextmanager
def arena_serve(db_url: str, tmp_path: Path, upstream: FakeUpstream) -> Iterator[Served]:
    models = tmp_path / "models.toml"
    models.write_text(roster(upstream))
    (tmp_path / "tmp").mkdir()
    port = free_port()
    log = tmp_path / "serve.log"
    env = {**os.environ, "ARENA_DATABASE_URL": db_url, "ARENA_DATA_DIR": str(tmp_path),
           "ARENA_LOG_FORMAT": "json", "ARENA_METRICS_TOKEN": TOKEN,
           "ARENA_BATTLES_PER_MINUTE_IP": "0", "ARENA_VOTES_PER_MINUTE_IP": "0",
           "ARENA_VOTES_PER_DAY_IP": "0", "ARENA_DETECTION_INTERVAL_S": "0",
           "TMPDIR": str(tmp_path / "tmp")}  # where serve makes its metrics directory
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    with log.open("wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "arena", "serve", "--host", "127.0.0.1",
                                 "--port", str(port), "--models", str(models),
                                 "--workers", "2"], env=env, stderr=err,
                                stdout=subprocess.DEVNULL)
    served = Served(proc, f"http://127.0.0.1:{port}", log, tmp_path / "tmp")
    try:
        deadline = time.monotonic() + 90
        while len(served.workers()) < 2:
            assert proc.poll() is None, "arena serve exited at start-up:\n" + log.read_text()
            assert time.monotonic() < deadline, "arena serve did not start:\n" + log.read_text()
            time.sleep(0.1)
        yield served
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


async def one_battle(base: str, winner: str) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as c:  # a voter, a connection
        r = await c.post("/api/battles", json={"prompt": f"Tell me about {winner}"})
        assert r.status_code == 201, r.text
        bid = r.json()["id"]
        async with c.stream("GET", f"/api/battles/{bid}/stream") as s:
            assert s.status_code == 200
            async for _ in s.aiter_lines():
                pass
        r = await c.post(f"/api/battles/{bid}/vote", json={"winner": winner})
        assert r.status_code == 200, r.text


async def scrape(base: str) -> Samples:
    async with httpx.AsyncClient(base_url=base, timeout=30) as c:
        r = await c.get("/metrics", headers=AUTH)
    assert r.status_code == 200, r.text
    return parse(r.text)


def assert_adds_up(m: Samples, votes: dict[str, int]) -> None:
    n = sum(votes.values())
    assert value(m, "arena_battles_started_total") == n
    assert value(m, "arena_turns_total", status="done") == n
    for winner, k in votes.items():
        assert value(m, "arena_votes_total", winner=winner, decision="counted") == k, winner
    assert value(m, "arena_votes_stored", state="counted") == n
    assert value(m, "arena_streams_total") == n
    assert value(m, "arena_streams_open") == 0
    assert value(m, "arena_turns_running") == 0
    assert total(m, "arena_upstream_answer_seconds_count") == 2 * n


async def test_two_workers_add_up(db_url: str, fresh_db: Settings, tmp_path: Path,
                                  upstream: FakeUpstream) -> None:
    with arena_serve(db_url, tmp_path, upstream) as served:
        votes = dict.fromkeys(WINNERS, 0)
        deadline = time.monotonic() + 120
        # Rounds of four voters at once, until both workers have started battles and
        # taken votes (the kernel hands each new connection to either).
        while len(served.pids("POST", "/api/battles")) < 2 or \
                len({e["pid"] for e in served.lines() if e.get("path", "").endswith("/vote")}) < 2:
            assert time.monotonic() < deadline, "one worker took every request"
            round_ = [WINNERS[(sum(votes.values()) + i) % 4] for i in range(4)]
            await asyncio.gather(*(one_battle(served.base, w) for w in round_))
            for w in round_:
                votes[w] += 1
        assert served.workers() >= served.pids("POST", "/api/battles")
        # Every scrape gives the whole arena's numbers, whichever worker answers it: scrapes
        # (each on a new connection) until both workers have answered some.
        deadline = time.monotonic() + 60
        while len(served.pids("GET", "/metrics")) < 2:
            assert time.monotonic() < deadline, "one worker answered every scrape"
            for m in await asyncio.gather(*(scrape(served.base) for _ in range(4))):
                assert_adds_up(m, votes)

        # A worker killed while a stream it serves is open (the models go quiet after a
        # few words): its counts stay, its open stream goes.
        upstream.script(stall_s=60, stall_after_chunks=2)
        async with httpx.AsyncClient(base_url=served.base, timeout=30) as c:
            bid = (await c.post("/api/battles", json={"prompt": "one more"})).json()["id"]
            with contextlib.suppress(httpx.HTTPError):
                async with c.stream("GET", f"/api/battles/{bid}/stream") as s:
                    lines = s.aiter_lines()  # kept: a dropped iterator closes the stream
                    async for line in lines:
                        if line.startswith("event: delta"):
                            break
                    m = await scrape(served.base)
                    assert value(m, "arena_streams_open") == 1
                    streaming = served.pids("GET", f"/api/battles/{bid}/stream")
                    assert len(streaming) == 1
                    os.kill(streaming.pop(), signal.SIGKILL)
                    async for _ in lines:
                        pass
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(httpx.HTTPError):
                m = await scrape(served.base)
                if value(m, "arena_streams_open") == 0:
                    break
            assert time.monotonic() < deadline, "the dead worker's stream stayed open"
            await asyncio.sleep(0.1)
        assert value(m, "arena_battles_started_total") == sum(votes.values()) + 1
        assert total(m, "arena_votes_total") == sum(votes.values())

        lines = served.lines()
        raw = served.log.read_text(encoding="utf-8")
        assert TOKEN not in raw
        assert all({"time", "level", "logger", "message", "pid"} <= set(e) for e in lines)
        access = [e for e in lines if e["logger"] == "uvicorn.access"]
        assert access and all(isinstance(e["status"], int) for e in access)
        assert any(e["path"] == "/metrics" and e["status"] == 200 for e in access)
        banner = [ln for ln in raw.splitlines() if ln and not ln.startswith("{")]
        assert all(ln.startswith("arena: ") for ln in banner), banner  # serve's own words
        assert list(served.tmp.glob("arena-metrics-*")), "no metrics directory while serving"
    assert served.proc.returncode == 0, served.log.read_text()
    assert not list(served.tmp.glob("arena-metrics-*")), "the metrics directory was left"


def test_serve_refuses_a_weak_metrics_token_in_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARENA_")}
    env.update({"ARENA_DATA_DIR": str(tmp_path), "ARENA_METRICS_TOKEN": "prometheus"})
    done = subprocess.run([sys.executable, "-m", "arena", "serve", "--port", "0"], env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("arena: error: ARENA_METRICS_TOKEN is 10 characters")
    assert "openssl rand -hex 32" in done.stderr and "Traceback" not in done.stderr
    assert "prometheus" not in done.stderr.replace("ARENA_METRICS_TOKEN", "")


def test_a_killed_serve_leaves_its_metrics_directory_to_the_next_run(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARENA_")}
    env.update({"ARENA_DATA_DIR": str(tmp_path), "ARENA_DEMO_DELAY_S": "0",
                "ARENA_LOG_LEVEL": "warning", "TMPDIR": str(tmp_path)})

    def start() -> tuple[subprocess.Popen[bytes], Path]:
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-m", "arena", "serve", "--host",
                                 "127.0.0.1", "--port", str(port)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, "arena serve exited at start-up"
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            assert time.monotonic() < deadline, "arena serve did not start"
            time.sleep(0.1)
        own = [d for d in tmp_path.glob("arena-metrics-*")
               if (d / "serve.pid").read_text().strip() == str(proc.pid)]
        assert len(own) == 1
        return proc, own[0]

    first, first_dir = start()
    first.kill()  # SIGKILL: nothing of it runs again, its directory stays
    first.wait(10)
    assert first_dir.is_dir()
    second, second_dir = start()
    try:
        assert not first_dir.exists()  # the new run removed the orphan
        assert list(tmp_path.glob("arena-metrics-*")) == [second_dir]
    finally:
        second.terminate()
        second.wait(30)
    # One worker: uvicorn ends on the signal it was stopped with, after serve's clean-up.
    assert second.returncode == -signal.SIGTERM
    assert not second_dir.exists()
