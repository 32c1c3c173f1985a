"""The board's snapshots in the database: at most one daily snapshot per board and UTC
day, whichever worker (or how many at once) takes it; on-demand snapshots as many as
asked; read back whole, oldest first, within a time range."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest

from arena.db import make_engine, upgrade
from arena.store import BoardSnapshot, SnapshotEntry, Store

pytestmark = pytest.mark.db

NOON = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def snap(at: datetime, *, daily: bool = True, variant: str = "default",
         rating: float = 1010.5) -> BoardSnapshot:
    return BoardSnapshot(
        taken_at=at, variant=variant, scheduled_day=at.date() if daily else None,
        last_vote_id=7, counted_votes=6,
        models=[SnapshotEntry(model="alpha", rating=rating, ci_low=960.25, ci_high=1061.0,
                              votes=4, rank=1),
                SnapshotEntry(model="beta", rating=None, ci_low=None, ci_high=None, votes=2,
                              rank=2)])


async def test_one_daily_snapshot_a_day_any_number_on_demand(fresh_db):
    engine = make_engine(fresh_db.resolved_database_url())
    try:
        await upgrade(engine)
        store = Store(engine)
        first = await store.add_snapshot(snap(NOON))
        assert first is not None
        # The same day again (later that day, another board): nothing written.
        assert await store.add_snapshot(snap(NOON + timedelta(hours=5), rating=1.0)) is None
        assert await store.has_snapshot("default", NOON.date())
        assert not await store.has_snapshot("default", NOON.date() + timedelta(days=1))
        # On demand the same day, twice: both kept. Another variant has its own day.
        assert await store.add_snapshot(snap(NOON + timedelta(hours=1), daily=False))
        assert await store.add_snapshot(snap(NOON + timedelta(hours=2), daily=False))
        assert await store.add_snapshot(snap(NOON, variant="style")) is not None
        # The next day: a daily snapshot again.
        assert await store.add_snapshot(snap(NOON + timedelta(days=1))) is not None
        got = await store.snapshots("default")
        assert [(s.kind, s.taken_at) for s in got] == [
            ("daily", NOON), ("on_demand", NOON + timedelta(hours=1)),
            ("on_demand", NOON + timedelta(hours=2)), ("daily", NOON + timedelta(days=1))]
        assert got[0].id == first
        assert got[0].scheduled_day == date(2026, 3, 1)
        assert got[0].models == snap(NOON).models  # the first one kept, read back whole
        assert [s.variant for s in await store.snapshots("style")] == ["style"]
    finally:
        await engine.dispose()


async def test_workers_racing_for_the_day_store_one_row(fresh_db):
    """Three workers (three engines) take the same day's snapshot at the same moment."""
    engines = [make_engine(fresh_db.resolved_database_url()) for _ in range(3)]
    try:
        await upgrade(engines[0])
        stores = [Store(e) for e in engines]
        ids = await asyncio.gather(*(s.add_snapshot(snap(NOON + timedelta(seconds=k)))
                                     for k, s in enumerate(stores)))
        assert sum(i is not None for i in ids) == 1, ids
        assert len(await stores[1].snapshots("default")) == 1
    finally:
        for e in engines:
            await e.dispose()


async def test_range_and_limit_keep_the_newest_oldest_first(fresh_db):
    engine = make_engine(fresh_db.resolved_database_url())
    try:
        await upgrade(engine)
        store = Store(engine)
        days = [NOON + timedelta(days=k) for k in range(6)]
        for at in days:
            await store.add_snapshot(snap(at))
        assert [s.taken_at for s in await store.snapshots("default", limit=2)] == days[-2:]
        within = await store.snapshots("default", since=days[1], until=days[3])
        assert [s.taken_at for s in within] == days[1:4]  # both ends included
        assert await store.snapshots("default", since=days[5] + timedelta(seconds=1)) == []
    finally:
        await engine.dispose()
