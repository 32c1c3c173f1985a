"""Shared counters in fixed windows: in the database by default, in Redis when configured.

The vote caps and the proof-of-work replay guard both need "add n to this key's count in
this window, atomically, and tell me the new count", visible to every worker and kept
across a restart. In SQL that is one upsert (``INSERT … ON CONFLICT DO UPDATE … RETURNING``,
which SQLite ≥ 3.35 and PostgreSQL both run as one atomic statement); in Redis it is
``INCRBY`` with ``EXPIREAT`` in one MULTI. A *member set* per (key, window) counts distinct
members (the established voters behind an address): ``INSERT … ON CONFLICT DO NOTHING`` then
a count, or ``SADD`` + ``SCARD``.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from arena.tables import vote_cap_members, vote_caps


class Counters(Protocol):
    """What the caps and the replay guard rely on. ``expires_at`` (Unix seconds) is when
    the row may be forgotten; it never changes a count before then."""

    async def add(self, key: str, window_start: int, amount: int, expires_at: int) -> int:
        """Add ``amount`` (may be negative) and return the new count."""

    async def add_member(self, key: str, window_start: int, member: str,
                         expires_at: int) -> int:
        """Put ``member`` in the set (idempotent) and return the set's size."""

    async def members(self, key: str, window_start: int) -> int:
        """The set's size (0 when it does not exist)."""

    async def prune(self, before: int) -> None:
        """Forget every window that started before ``before`` (Unix seconds)."""

    async def aclose(self) -> None: ...


def _insert(dialect: str) -> Any:
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


class SqlCounters:
    """Counters in ``vote_caps`` / ``vote_cap_members`` (SQLite or PostgreSQL). The engine is
    borrowed, not owned: ``aclose`` leaves it open."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._insert = _insert(engine.dialect.name)

    async def add(self, key: str, window_start: int, amount: int, expires_at: int) -> int:
        stmt = self._insert(vote_caps).values(key=key, window_start=window_start, count=amount)
        stmt = stmt.on_conflict_do_update(
            index_elements=["key", "window_start"],
            set_={"count": vote_caps.c.count + amount},
        ).returning(vote_caps.c.count)
        async with self.engine.begin() as conn:
            return int((await conn.execute(stmt)).scalar_one())

    async def add_member(self, key: str, window_start: int, member: str,
                         expires_at: int) -> int:
        stmt = self._insert(vote_cap_members).values(
            key=key, window_start=window_start, member=member).on_conflict_do_nothing()
        async with self.engine.begin() as conn:
            await conn.execute(stmt)
            return int((await conn.execute(self._count(key, window_start))).scalar_one())

    async def members(self, key: str, window_start: int) -> int:
        async with self.engine.connect() as conn:
            return int((await conn.execute(self._count(key, window_start))).scalar_one())

    @staticmethod
    def _count(key: str, window_start: int) -> Any:
        return select(func.count()).select_from(vote_cap_members).where(
            vote_cap_members.c.key == key, vote_cap_members.c.window_start == window_start)

    async def prune(self, before: int) -> None:
        """Forget windows that started before ``before`` (a daily job, or at start-up)."""
        async with self.engine.begin() as conn:
            await conn.execute(delete(vote_caps).where(vote_caps.c.window_start < before))
            await conn.execute(
                delete(vote_cap_members).where(vote_cap_members.c.window_start < before))

    async def aclose(self) -> None:
        return None


class RedisCounters:
    """Counters as Redis keys ``arena:cap:{key}:{window}`` that expire on their own."""

    def __init__(self, url: str, prefix: str = "arena:cap") -> None:
        import redis.asyncio as redis

        self.redis = redis.from_url(url)
        self.prefix = prefix

    async def add(self, key: str, window_start: int, amount: int, expires_at: int) -> int:
        name = f"{self.prefix}:{key}:{window_start}"
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incrby(name, amount)
            pipe.expireat(name, expires_at)
            value, _ = await pipe.execute()
        return int(value)

    async def add_member(self, key: str, window_start: int, member: str,
                         expires_at: int) -> int:
        name = f"{self.prefix}:members:{key}:{window_start}"
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.sadd(name, member)
            pipe.expireat(name, expires_at)
            pipe.scard(name)
            _, _, size = await pipe.execute()
        return int(size)

    async def members(self, key: str, window_start: int) -> int:
        return int(await self.redis.scard(f"{self.prefix}:members:{key}:{window_start}"))

    async def prune(self, before: int) -> None:
        return None  # every key carries its own EXPIREAT

    async def aclose(self) -> None:
        await self.redis.aclose()


class MemoryCounters:
    """Counters in one process (a single worker, tests, the benchmark's offline replay)."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, int], int] = {}
        self._members: dict[tuple[str, int], set[str]] = {}

    async def add(self, key: str, window_start: int, amount: int, expires_at: int) -> int:
        value = self._counts.get((key, window_start), 0) + amount
        self._counts[(key, window_start)] = value
        return value

    async def add_member(self, key: str, window_start: int, member: str,
                         expires_at: int) -> int:
        group = self._members.setdefault((key, window_start), set())
        group.add(member)
        return len(group)

    async def members(self, key: str, window_start: int) -> int:
        return len(self._members.get((key, window_start), ()))

    async def prune(self, before: int) -> None:
        for table in (self._counts, self._members):
            for old in [k for k in table if k[1] < before]:
                del table[old]

    async def aclose(self) -> None:
        return None
