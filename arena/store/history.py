"""The store's half of the board over time: snapshots written and read back.

A daily snapshot carries its UTC day, and ``(variant, scheduled_day)`` is unique: every
worker may try to take the day's snapshot, one insert goes through and the others do
nothing (``INSERT … ON CONFLICT DO NOTHING``, one atomic statement on SQLite and
PostgreSQL alike). An on-demand snapshot has no day (NULL, which never collides), so an
operator may take as many as they like.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import orjson
from sqlalchemy import Text, and_, cast, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncEngine

from arena.store.records import BoardSnapshot, SnapshotEntry, aware
from arena.tables import board_snapshots

_ENTRY_FIELDS = ("model", "rating", "ci_low", "ci_high", "votes", "rank")


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def add_snapshot(engine: AsyncEngine, snap: BoardSnapshot) -> int | None:
    """Store ``snap``; its id, or None when that board's snapshot of that day exists."""
    insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    stmt = (insert(board_snapshots)
            .values(taken_at=_utc(snap.taken_at), variant=snap.variant,
                    scheduled_day=snap.scheduled_day, last_vote_id=snap.last_vote_id,
                    counted_votes=snap.counted_votes,
                    models=[{k: getattr(e, k) for k in _ENTRY_FIELDS} for e in snap.models],
                    votes_sha256=snap.votes_sha256, method=snap.method)
            .on_conflict_do_nothing(index_elements=["variant", "scheduled_day"])
            .returning(board_snapshots.c.id))
    async with engine.begin() as conn:
        new_id = (await conn.execute(stmt)).scalar_one_or_none()
    return None if new_id is None else int(new_id)


async def has_snapshot(engine: AsyncEngine, variant: str, day: date) -> bool:
    async with engine.connect() as conn:
        found = (await conn.execute(select(board_snapshots.c.id).where(and_(
            board_snapshots.c.variant == variant,
            board_snapshots.c.scheduled_day == day)))).first()
    return found is not None


async def snapshots(engine: AsyncEngine, variant: str, *, since: datetime | None,
                    until: datetime | None, limit: int) -> list[BoardSnapshot]:
    """The newest ``limit`` snapshots of ``variant`` taken in ``[since, until]``, oldest
    first. Aware times are compared in UTC (SQLite compares the stored text, which is
    UTC, and would take another offset's wall time for UTC).

    The model lists come out of the database as text and are parsed in a thread: a year
    of a 100-model board is 4 MB of JSON, which SQLAlchemy's JSON type would parse on the
    event loop (about 0.2 s with the standard parser, every worker's requests waiting)."""
    cond: Any = board_snapshots.c.variant == variant
    if since is not None:
        cond = and_(cond, board_snapshots.c.taken_at >= _utc(since))
    if until is not None:
        cond = and_(cond, board_snapshots.c.taken_at <= _utc(until))
    async with engine.connect() as conn:
        rows = (await conn.execute(
            _SELECT.where(cond).order_by(_C.taken_at.desc(), _C.id.desc()).limit(limit))).all()
    return await asyncio.to_thread(_decode, rows[::-1])


async def snapshot(engine: AsyncEngine, variant: str, *, snapshot_id: int | None = None,
                   day: date | None = None) -> BoardSnapshot | None:
    """One snapshot of ``variant``: by its id, or the daily one of a UTC ``day``."""
    cond: Any = _C.variant == variant
    if snapshot_id is not None:
        cond = and_(cond, _C.id == snapshot_id)
    if day is not None:
        cond = and_(cond, _C.scheduled_day == day)
    async with engine.connect() as conn:
        rows = (await conn.execute(_SELECT.where(cond).limit(1))).all()
    return _decode(rows)[0] if rows else None


_C = board_snapshots.c
# The model lists and methods as text, parsed by _decode (in a thread for many rows).
_SELECT = select(_C.id, _C.taken_at, _C.variant, _C.scheduled_day, _C.last_vote_id,
                 _C.counted_votes, cast(_C.models, Text).label("models"), _C.votes_sha256,
                 cast(_C.method, Text).label("method"))


def _decode(rows: Sequence[Row[Any]]) -> list[BoardSnapshot]:
    return [BoardSnapshot(
        id=r.id, taken_at=aware(r.taken_at), variant=r.variant, scheduled_day=r.scheduled_day,
        last_vote_id=r.last_vote_id, counted_votes=r.counted_votes,
        models=[SnapshotEntry(e["model"], e["rating"], e["ci_low"], e["ci_high"], e["votes"],
                              e["rank"]) for e in orjson.loads(r.models)],
        votes_sha256=r.votes_sha256,
        method=orjson.loads(r.method) if r.method not in (None, "null") else None)
        for r in rows]
