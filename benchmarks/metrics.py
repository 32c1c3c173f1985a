"""What /metrics costs: a scrape at 10k, 100k and 1M stored votes, and the counting a
battle adds to the worker that runs it.

A scrape is timed through the whole app, in-process (``GET /metrics`` with the token: the
stored votes' GROUP BY, the families of 10 models, the text format), next to two
baselines measured in the same run: ``GET /api/info`` (a request's fixed cost through
the app) and the bare ``SELECT count(*) FROM votes`` (the floor of any read of every
vote). The counting is timed in a child process per mode: one battle's calls (started,
two answers with their times, the turn's end, a stream opened and closed, a vote) in
prometheus-client's multiprocess mode (``arena serve``: each call writes a memory-mapped
file) and with an in-process registry (the tests), next to an empty function call as the
floor. Medians of 7 runs.

    .venv/bin/python benchmarks/metrics.py                  # SQLite in a temporary folder
    .venv/bin/python benchmarks/metrics.py --quick          # up to 100k votes
    .venv/bin/python benchmarks/metrics.py --database-url postgresql://postgres@127.0.0.1/test
      (its votes and battles are emptied first)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import delete, func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from arena.db import make_engine, upgrade  # noqa: E402
from arena.settings import Settings, normalize_database_url, parse_roster  # noqa: E402
from arena.tables import answers, battles, turns, votes  # noqa: E402

RUNS = 7
MODELS = [f"vendor-model-{k:02d}" for k in range(10)]
REASONS = [None] * 8 + ["identity_leak", "vote_cap", "manipulation", "probation"]
WINNERS = ("a", "b", "tie", "both_bad")


async def median_ms(fn: Callable[[], Awaitable[Any]]) -> float:
    await fn()  # warm
    times = []
    for _ in range(RUNS):
        t = time.perf_counter()
        await fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


async def fill(engine: Any, start: int, stop: int) -> None:
    """Votes ``start`` .. ``stop - 1``, each with its battle, in chunks."""
    now = datetime.now(UTC)
    for lo in range(start, stop, 20_000):
        hi = min(stop, lo + 20_000)
        rows_b, rows_v = [], []
        for i in range(lo, hi):
            bid = f"{i:032x}"
            a, b = MODELS[i % 10], MODELS[(i * 7 + 3) % 10]
            rows_b.append({"id": bid, "voter_key": f"{i % 5000:064x}", "model_a": a,
                           "model_b": b, "propensity": 0.02, "status": "voted",
                           "turn_count": 1, "categories": [], "created_at": now,
                           "updated_at": now})
            reason = REASONS[i % len(REASONS)]
            rows_v.append({"battle_id": bid, "voter_key": f"{i % 5000:064x}", "model_a": a,
                           "model_b": b, "winner": WINNERS[i % 4], "counted": reason is None,
                           "excluded_reason": reason, "propensity": 0.02, "turns": 1,
                           "categories": [], "too_fast": i % 3 == 0, "created_at": now})
        async with engine.begin() as conn:
            await conn.execute(insert(battles), rows_b)
            await conn.execute(insert(votes), rows_v)


def events_child(mode: str) -> None:
    """Runs in its own process: prometheus-client picks its store on first import."""
    if mode == "multiprocess":
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="arena-bench-")
    from arena.ops.metrics import Metrics

    m = Metrics(MODELS)

    def battle(i: int) -> None:
        m.battle_started()
        with m.stream_open():
            m.answer(MODELS[i % 10], error_code=None, total_s=1.5, first_token_s=0.3)
            m.answer(MODELS[(i + 3) % 10], error_code=None, total_s=2.5, first_token_s=0.4)
            m.turn_ended("done")
        m.vote("a", None, False)

    def nothing(i: int) -> None:
        return None

    fn = nothing if mode == "floor" else battle
    n = 20_000
    times = []
    for _ in range(RUNS):
        t = time.perf_counter()
        for i in range(n):
            fn(i)
        times.append((time.perf_counter() - t) / n * 1e6)
    print(f"{statistics.median(times):.2f}")


def events(mode: str) -> float:
    out = subprocess.run([sys.executable, __file__, "--events-child", mode], check=True,
                         capture_output=True, text=True, env={**os.environ,
                                                              "PYTHONPATH": str(Path(__file__)
                                                                                .parent.parent)})
    return float(out.stdout.strip().splitlines()[-1])


async def main(args: argparse.Namespace) -> None:
    from arena.app import create_app

    tmp = Path(tempfile.mkdtemp(prefix="arena-metrics-bench-"))
    url = args.database_url or f"sqlite:///{tmp / 'arena.db'}"
    engine = make_engine(normalize_database_url(url))
    await upgrade(engine)
    async with engine.begin() as conn:
        for table in (votes, answers, turns, battles):
            await conn.execute(delete(table))
    token = secrets.token_hex(32)
    settings = Settings(database_url=url, data_dir=tmp, metrics_token=token,
                        detection_interval_s=0, leaderboard_refresh_s=3600,
                        history_interval_s=0, bootstrap_rounds=10, min_votes=0)
    roster = parse_roster({"models": [{"name": n, "provider": "fake", "model": "concise"}
                                       for n in MODELS]})
    sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
    print(f"database: {'PostgreSQL' if args.database_url else 'SQLite'}; medians of {RUNS}")
    print("| stored votes | GET /metrics | baseline GET /api/info | baseline "
          "SELECT count(*) |")
    print("|---|---|---|---|")
    have = 0
    for size in sizes:
        await fill(engine, have, size)
        have = size
        app = create_app(settings, roster=roster)
        async with app.router.lifespan_context(app), httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://bench") as c:
            auth = {"Authorization": f"Bearer {token}"}
            r = await c.get("/metrics", headers=auth)
            assert r.status_code == 200 and "arena_votes_stored" in r.text, r.text

            async def scrape(c: httpx.AsyncClient = c, auth: dict[str, str] = auth) -> None:
                await c.get("/metrics", headers=auth)

            async def info(c: httpx.AsyncClient = c) -> None:
                await c.get("/api/info")

            async def count() -> None:
                async with engine.connect() as conn:
                    await conn.execute(select(func.count()).select_from(votes))

            print(f"| {size:,} | {await median_ms(scrape):.1f} ms | "
                  f"{await median_ms(info):.1f} ms | {await median_ms(count):.1f} ms |")
    await engine.dispose()
    print()
    print("| one battle's counting | µs per battle |")
    print("|---|---|")
    for mode, label in (("multiprocess", "multiprocess mode (arena serve)"),
                        ("registry", "in-process registry"),
                        ("floor", "baseline: an empty call")):
        print(f"| {label} | {events(mode):.2f} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--events-child", default=None, help=argparse.SUPPRESS)
    parsed = parser.parse_args()
    if parsed.events_child:
        events_child(parsed.events_child)
    else:
        asyncio.run(main(parsed))
