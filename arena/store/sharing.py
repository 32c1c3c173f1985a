"""The store's half of shared battles: a voter's battle, once shared, has one slug.

Sharing twice (from two tabs, or two workers at once) gives the same slug: the battle id
is unique in ``shared_battles``, so the second insert fails and reads the first one's.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from arena.tables import shared_battles


async def share(engine: AsyncEngine, battle_id: str, slug: str) -> str:
    """Share the battle under ``slug`` unless it is shared already: its slug either way."""
    try:
        async with engine.begin() as conn:
            await conn.execute(insert(shared_battles).values(
                slug=slug, battle_id=battle_id, created_at=datetime.now(UTC)))
        return slug
    except IntegrityError:
        found = await slug_of(engine, battle_id)
        if found is None:  # not a race over the battle: a slug collision, 2^-128
            raise
        return found


async def slug_of(engine: AsyncEngine, battle_id: str) -> str | None:
    async with engine.connect() as conn:
        slug = (await conn.execute(select(shared_battles.c.slug).where(
            shared_battles.c.battle_id == battle_id))).scalar_one_or_none()
    return None if slug is None else str(slug)


async def battle_of(engine: AsyncEngine, slug: str) -> str | None:
    async with engine.connect() as conn:
        battle_id = (await conn.execute(select(shared_battles.c.battle_id).where(
            shared_battles.c.slug == slug))).scalar_one_or_none()
    return None if battle_id is None else str(battle_id)


async def unshare(engine: AsyncEngine, battle_id: str) -> bool:
    """Stop sharing the battle: True when it was shared. Its slug is never used again for
    another battle (a new share draws a new one)."""
    async with engine.begin() as conn:
        gone = await conn.execute(delete(shared_battles).where(
            shared_battles.c.battle_id == battle_id))
    return bool(gone.rowcount)
