"""The board over time at scale: 100 models × 365 daily snapshots.

Prints the stored size of a snapshot (per model and whole), the time to store one, and the
time of ``GET /api/leaderboard/history`` (in-process, through the whole app: the store's
read, the series, orjson) for the whole year, one model, and the newest 30 days — next to
two baselines measured in the same run: the bare SQL read of the same rows (the database's
floor) and ``GET /api/info`` (a request's fixed cost through the app). Medians of 7 runs.

    .venv/bin/python benchmarks/history.py                 # SQLite in a temporary folder
    .venv/bin/python benchmarks/history.py --database-url postgresql://postgres@127.0.0.1/test
      (an empty database of its own: its board_snapshots table is emptied)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Text, cast, delete, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from arena.app import create_app  # noqa: E402
from arena.db import make_engine, upgrade  # noqa: E402
from arena.settings import Settings, normalize_database_url, parse_roster  # noqa: E402
from arena.store import BoardSnapshot, SnapshotEntry, Store  # noqa: E402
from arena.tables import board_snapshots  # noqa: E402

MODELS, DAYS, RUNS = 100, 365, 7


def snapshot(day: int, rng: random.Random) -> BoardSnapshot:
    at = datetime(2026, 1, 1, 0, 5, tzinfo=UTC) + timedelta(days=day)
    entries = []
    for k in range(MODELS):
        rating = round(1300 - 6 * k + rng.gauss(0, 8), 1)
        half = round(60 / (1 + day / 30) + rng.random() * 5, 1)
        entries.append(SnapshotEntry(model=f"vendor-model-{k:03d}-instruct", rating=rating,
                                     ci_low=round(rating - half, 1),
                                     ci_high=round(rating + half, 1),
                                     votes=200 + 150 * day + k, rank=k + 1))
    return BoardSnapshot(taken_at=at, variant="default", scheduled_day=at.date(),
                         last_vote_id=10_000 * (day + 1), counted_votes=9_500 * (day + 1),
                         models=entries)


async def median_ms(fn: Callable[[], Awaitable[Any]]) -> float:
    await fn()  # warm
    times = []
    for _ in range(RUNS):
        t = time.perf_counter()
        await fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


async def loop_stall(request: Callable[[], Awaitable[Any]]) -> float:
    """The longest the event loop went without running a 1 ms ticker during ``request``."""
    worst = []
    for _ in range(RUNS):
        done = asyncio.Event()
        gaps = [0.0]

        async def tick(done: asyncio.Event = done, gaps: list[float] = gaps) -> None:
            last = time.perf_counter()
            while not done.is_set():
                await asyncio.sleep(0.001)
                now = time.perf_counter()
                gaps.append((now - last) * 1000)
                last = now

        ticker = asyncio.create_task(tick())
        await request()
        done.set()
        await ticker
        worst.append(max(gaps))
    return statistics.median(worst)


async def main(url: str, tmp: Path) -> None:
    engine = make_engine(normalize_database_url(url))
    await upgrade(engine)
    async with engine.begin() as conn:
        await conn.execute(delete(board_snapshots))
    store = Store(engine)
    rng = random.Random(0)
    snaps = [snapshot(d, rng) for d in range(DAYS)]
    insert_ms = []
    for s in snaps:
        t = time.perf_counter()
        await store.add_snapshot(s)
        insert_ms.append((time.perf_counter() - t) * 1000)
    models_json = json.dumps([{k: getattr(e, k) for k in
                               ("model", "rating", "ci_low", "ci_high", "votes", "rank")}
                              for e in snaps[0].models])

    async def raw() -> None:  # the rows as text, nothing parsed
        async with engine.connect() as conn:
            (await conn.execute(select(cast(board_snapshots.c.models, Text)))).all()

    raw_ms = await median_ms(raw)
    await engine.dispose()

    settings = Settings(database_url=url, data_dir=tmp, history_interval_s=0,
                        detection_interval_s=0, leaderboard_refresh_s=3600)
    roster = parse_roster({"models": [{"name": n, "provider": "fake", "model": "concise"}
                                      for n in ("a-1", "b-2")]}, source="benchmark")
    app = create_app(settings, roster=roster)
    rows: list[tuple[str, float, int]] = []
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as c:
            async def timed(path: str, params: dict[str, Any] | None = None) -> None:
                size = 0

                async def one() -> None:
                    nonlocal size
                    r = await c.get(path, params=params)
                    r.raise_for_status()
                    size = len(r.content)

                rows.append((f"GET {path} {params or ''}".strip(), await median_ms(one), size))

            await timed("/api/info")
            await timed("/api/leaderboard/history")
            await timed("/api/leaderboard/history", {"model": "vendor-model-007-instruct"})
            await timed("/api/leaderboard/history", {"limit": 30})
            await timed("/api/leaderboard/history", {"top": 8})  # what the page asks for
            stall = await loop_stall(lambda: c.get("/api/leaderboard/history"))
    print(f"{MODELS} models × {DAYS} daily snapshots on {url.split(':')[0]}")
    print(f"snapshot row: {len(models_json):,} bytes of JSON ({len(models_json) / MODELS:.0f} "
          f"bytes per model); stored in {statistics.median(insert_ms):.2f} ms (median)")
    print(f"{'measurement':<62} {'median ms':>10} {'body bytes':>12}")
    print(f"{'baseline: bare SQL read of the 365 rows as text':<62} {raw_ms:>10.1f} {'-':>12}")
    for name, ms, size in rows:
        label = ("baseline: " if "info" in name else "") + name
        print(f"{label:<62} {ms:>10.1f} {size:>12,}")
    print(f"longest event-loop stall during the whole-year request: {stall:.1f} ms "
          "(median of 7; a 1 ms ticker)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as d:
        asyncio.run(main(args.database_url or f"sqlite:///{Path(d) / 'bench.db'}", Path(d)))
