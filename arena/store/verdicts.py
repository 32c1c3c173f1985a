"""The store's half of anti-rigging: what the detection job reads, the verdicts it writes,
and the operator's pinned decisions.

Verdicts are state in the database, so every worker and every restart sees the same
ones. The job is idempotent rather than leased: each run judges the whole record and
writes only the difference from what is stored, with the conditions re-checked in the
UPDATE itself (no pin, the reason still the job's own), so two workers running it at
once write the same result and an operator's pin made meanwhile always wins. Leaks and
capped votes are never re-judged. Every change bumps the instance value
``verdicts_version``, which tells the leaderboard of any worker to re-read old votes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Integer, Text, and_, cast, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from arena.errors import Conflict, NotFound
from arena.store.admin import add_audit
from arena.store.records import (
    BattleActivity,
    JudgedVote,
    ReviewedVote,
    VerdictChange,
    aware,
    utcnow,
)
from arena.tables import battles, settings_table, votes
from arena.types import ExcludedReason, Review

VERSION_KEY = "verdicts_version"
# The newest vote id the detection job has judged: with ``ARENA_BOARD_WAITS_FOR_DETECTION``
# the board shows no vote newer than this, so no vote moves it before it was judged.
JUDGED_KEY = "judged_up_to"
_CHUNK = 500  # ids per IN (…): far below every database's limit on bound parameters

# The votes the job may judge: counted ones, and those it (or an operator) left out as
# manipulated or on probation. A leak or a capped vote is out for its own reason, which stays.
_JOBS: tuple[ExcludedReason, ...] = ("manipulation", "probation")
_JUDGED = or_(votes.c.excluded_reason.is_(None), votes.c.excluded_reason.in_(_JOBS))


async def judged_votes(engine: AsyncEngine) -> list[JudgedVote]:
    async with engine.connect() as conn:
        rows = (await conn.execute(
            select(votes.c.id, votes.c.voter_key, votes.c.ip_hash, votes.c.model_a,
                   votes.c.model_b, votes.c.winner, votes.c.too_fast, votes.c.counted,
                   votes.c.excluded_reason, votes.c.review, votes.c.created_at)
            .where(_JUDGED).order_by(votes.c.id))).all()
    return [JudgedVote(id=r.id, voter_key=r.voter_key, ip_hash=r.ip_hash, model_a=r.model_a,
                       model_b=r.model_b, winner=r.winner, too_fast=bool(r.too_fast),
                       counted=r.counted, excluded_reason=r.excluded_reason, review=r.review,
                       created_at=aware(r.created_at))
            for r in rows]


async def battle_activity(engine: AsyncEngine) -> BattleActivity:
    async with engine.connect() as conn:
        by_voter: dict[str, int] = {k: int(n) for k, n in (await conn.execute(
            select(battles.c.voter_key, func.count()).group_by(battles.c.voter_key))).all()}
        by_address: dict[str, int] = {k: int(n) for k, n in (await conn.execute(
            select(battles.c.ip_hash, func.count()).where(battles.c.ip_hash.is_not(None))
            .group_by(battles.c.ip_hash))).all()}
        by_model: dict[str, int] = {}
        by_voter_model: dict[tuple[str, str], int] = {}
        by_address_model: dict[tuple[str, str], int] = {}
        for side in (battles.c.model_a, battles.c.model_b):
            for model, n in (await conn.execute(select(side, func.count())
                                                .group_by(side))).all():
                by_model[model] = by_model.get(model, 0) + int(n)
            for key, into in ((battles.c.voter_key, by_voter_model),
                              (battles.c.ip_hash, by_address_model)):
                for k, model, n in (await conn.execute(
                        select(key, side, func.count()).where(key.is_not(None))
                        .group_by(key, side))).all():
                    into[(k, model)] = into.get((k, model), 0) + int(n)
        total = (await conn.execute(select(func.count()).select_from(battles))).scalar()
    return BattleActivity(battles=int(total or 0), by_voter=by_voter, by_address=by_address,
                          by_model=by_model, by_voter_model=by_voter_model,
                          by_address_model=by_address_model)


async def apply_verdicts(engine: AsyncEngine, judged: Sequence[JudgedVote],
                         manipulated: set[int], judged_up_to: int = 0,
                         held: frozenset[int] | set[int] = frozenset()) -> VerdictChange:
    """Make the stored decisions match the run's for the votes ``judged``, in one
    transaction: ``manipulated`` ids out as ``manipulation``, ``held`` ids out as
    ``probation``, every other one counted; pinned votes are left as the operator set
    them. ``judged_up_to`` (the newest vote id the run saw) raises the instance's
    ``judged_up_to``, never lowers it (two workers' runs may finish in either order)."""
    target: dict[ExcludedReason | None, list[int]] = {"manipulation": [], "probation": [],
                                                       None: []}
    for v in judged:
        if v.review is not None:
            continue
        want: ExcludedReason | None = ("manipulation" if v.id in manipulated else
                                       "probation" if v.id in held else None)
        if want != v.excluded_reason:
            target[want].append(v.id)
    changed = {reason: 0 for reason in target}
    async with engine.begin() as conn:
        for reason, ids in target.items():
            # The conditions again in the UPDATE itself: a pin made meanwhile, or a reason
            # that is no longer the job's own, wins over this run.
            if reason is None:
                cond: Any = votes.c.excluded_reason.in_(_JOBS)
                values: dict[str, Any] = {"counted": True, "excluded_reason": None}
            else:
                cond = or_(and_(votes.c.counted.is_(True), votes.c.excluded_reason.is_(None)),
                           votes.c.excluded_reason.in_([r for r in _JOBS if r != reason]))
                values = {"counted": False, "excluded_reason": reason}
            for chunk in _chunks(ids):
                changed[reason] += (await conn.execute(
                    update(votes).where(and_(votes.c.id.in_(chunk), votes.c.review.is_(None),
                                             cond)).values(**values))).rowcount
        if any(changed.values()):
            await _bump_version(conn)
        if judged_up_to > 0:
            await _raise_judged(conn, judged_up_to)
    return VerdictChange(excluded=changed["manipulation"], restored=changed[None],
                         held=changed["probation"])


async def verdict_state(engine: AsyncEngine) -> tuple[int, int]:
    """(``verdicts_version``, ``judged_up_to``) in one read; 0 for what was never written."""
    async with engine.connect() as conn:
        rows = (await conn.execute(select(settings_table.c.key, settings_table.c.value).where(
            settings_table.c.key.in_([VERSION_KEY, JUDGED_KEY])))).all()
    values = {key: int(value) for key, value in rows}
    return values.get(VERSION_KEY, 0), values.get(JUDGED_KEY, 0)


def _review_state(row: Any) -> dict[str, Any]:
    return {"counted": row.counted, "excluded_reason": row.excluded_reason,
            "review": row.review, "review_note": row.review_note}


async def set_review(engine: AsyncEngine, battle_id: str, review: Review | None,
                     note: str, *, actor: str | None = None) -> ReviewedVote:
    """Pin a vote counted or excluded (``None``: unpin, the job decides again). A leak is
    never counted: the voter saw a model's name. With ``actor``, the change and its audit
    row (before and after) are one transaction."""
    async with engine.begin() as conn:
        row = (await conn.execute(select(votes).where(votes.c.battle_id == battle_id))).first()
        if row is None:
            raise NotFound(f"No vote on battle {battle_id[:40]!r}; list votes with "
                           "`arena votes review` or in the console", code="vote_not_found")
        values: dict[str, Any] = {"review": review, "review_note": note or None,
                                  "reviewed_at": utcnow()}
        if review == "counted":
            if row.excluded_reason == "identity_leak":
                raise Conflict(f"Battle {battle_id}: a model named itself, so its vote is "
                               "never counted", code="leak_is_never_counted")
            values.update(counted=True, excluded_reason=None)
        elif review == "excluded" and row.counted:
            values.update(counted=False, excluded_reason="manipulation")
        await conn.execute(update(votes).where(votes.c.id == row.id).values(**values))
        await _bump_version(conn)
        before, row = row, (await conn.execute(select(votes).where(votes.c.id == row.id))).one()
        if actor is not None:
            await add_audit(conn, actor=actor, action="vote.review", target=battle_id,
                            before=_review_state(before), after=_review_state(row),
                            note=note or None)
    return _reviewed(row)


async def reviews(engine: AsyncEngine, reason: ExcludedReason | None,
                  limit: int) -> list[ReviewedVote]:
    """Excluded votes (of one reason, or all), and every pinned vote, newest first."""
    cond: Any = votes.c.counted.is_(False)
    if reason is not None:
        cond = and_(cond, votes.c.excluded_reason == reason)
    else:
        cond = or_(cond, votes.c.review.is_not(None))
    async with engine.connect() as conn:
        rows = (await conn.execute(select(votes).where(cond).order_by(votes.c.id.desc())
                                   .limit(limit))).all()
    return [_reviewed(r) for r in rows]


def _reviewed(r: Any) -> ReviewedVote:
    return ReviewedVote(id=r.id, battle_id=r.battle_id, voter_key=r.voter_key,
                        ip_hash=r.ip_hash, model_a=r.model_a, model_b=r.model_b,
                        winner=r.winner, counted=r.counted, excluded_reason=r.excluded_reason,
                        review=r.review, review_note=r.review_note,
                        created_at=aware(r.created_at))


async def _bump_version(conn: AsyncConnection) -> None:
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    await conn.execute(insert(settings_table).values(key=VERSION_KEY, value="0")
                       .on_conflict_do_nothing(index_elements=["key"]))
    await conn.execute(update(settings_table).where(settings_table.c.key == VERSION_KEY)
                       .values(value=cast(cast(settings_table.c.value, Integer) + 1, Text)))


async def _raise_judged(conn: AsyncConnection, up_to: int) -> None:
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    await conn.execute(insert(settings_table).values(key=JUDGED_KEY, value="0")
                       .on_conflict_do_nothing(index_elements=["key"]))
    await conn.execute(update(settings_table).where(and_(
        settings_table.c.key == JUDGED_KEY,
        cast(settings_table.c.value, Integer) < up_to)).values(value=str(up_to)))


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for k in range(0, len(ids), _CHUNK):
        yield list(ids[k:k + _CHUNK])
