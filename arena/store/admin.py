"""The store's half of the operator console: the audit log, the battle browser and the
register of every model ever tested.

An audited change writes its audit row in the same transaction as the change itself
(``add_audit`` takes the open connection): a change is never made without its row, and
no row tells of a change that did not happen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    Text,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from arena.store.records import aware, utcnow
from arena.tables import admin_audit, battles, moderation_refusals, turns, votes
from arena.tables import model_controls as model_controls_table


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    target: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    note: str | None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class BattleRow:
    """One battle as the console's browser lists it."""

    id: str
    created_at: datetime
    model_a: str
    model_b: str
    status: str
    turns: int
    categories: list[str]
    prompt: str  # the first turn's
    winner: str | None
    counted: bool | None
    excluded_reason: str | None


@dataclass(frozen=True, slots=True)
class ModelUse:
    """A model as the register lists it: when it was first and last in a battle."""

    model: str
    first_battle: datetime
    last_battle: datetime
    battles: int
    votes: int
    counted_votes: int


async def add_audit(conn: AsyncConnection, *, actor: str, action: str, target: str,
                    before: dict[str, Any] | None, after: dict[str, Any] | None,
                    note: str | None) -> None:
    await conn.execute(insert(admin_audit).values(
        at=utcnow(), actor=actor, action=action, target=target, before=before, after=after,
        note=note))


async def audit_log(engine: AsyncEngine, *, limit: int, offset: int) -> list[AuditEntry]:
    """Newest first."""
    c = admin_audit.c
    async with engine.connect() as conn:
        rows = (await conn.execute(select(admin_audit).order_by(c.id.desc())
                                   .limit(limit).offset(offset))).all()
    return [AuditEntry(id=r.id, at=aware(r.at), actor=r.actor, action=r.action,
                       target=r.target, before=r.before, after=r.after, note=r.note)
            for r in rows]


def _like(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, its own % and _ taken literally."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def search_battles(engine: AsyncEngine, *, q: str | None, model: str | None,
                         status: str | None, category: str | None, limit: int,
                         offset: int) -> tuple[list[BattleRow], int]:
    """Battles newest first, filtered: ``q`` in any prompt (case-insensitive), ``model``
    on either side, ``status`` (``active``, ``voted``, or an exclusion reason — its vote
    was not counted for it — or ``counted``), ``category`` among its tags. Also the
    number of battles that match."""
    b, v = battles.c, votes.c
    cond: Any = true()
    conds: list[Any] = []
    if q:
        conds.append(b.id.in_(select(turns.c.battle_id).where(
            func.lower(turns.c.prompt).like(_like(q.lower()), escape="\\"))))
    if model:
        conds.append(or_(b.model_a == model, b.model_b == model))
    if category:
        conds.append(cast(b.categories, Text).like(_like(f'"{category}"'), escape="\\"))
    if status in ("active", "voted"):
        conds.append(b.status == status)
    elif status == "counted":
        conds.append(v.counted.is_(True))
    elif status:
        conds.append(v.excluded_reason == status)
    if conds:
        cond = and_(*conds)
    first_prompt = (select(turns.c.prompt).where(turns.c.battle_id == b.id, turns.c.idx == 0)
                    .order_by(turns.c.attempt).limit(1).scalar_subquery())
    joined = battles.outerjoin(votes, v.battle_id == b.id)
    async with engine.connect() as conn:
        total = (await conn.execute(select(func.count()).select_from(joined).where(cond))
                 ).scalar_one()
        rows = (await conn.execute(
            select(b.id, b.created_at, b.model_a, b.model_b, b.status, b.turn_count,
                   b.categories, first_prompt.label("prompt"), v.winner, v.counted,
                   v.excluded_reason)
            .select_from(joined).where(cond)
            .order_by(b.created_at.desc(), b.id.desc()).limit(limit).offset(offset))).all()
    return [BattleRow(id=r.id, created_at=aware(r.created_at), model_a=r.model_a,
                      model_b=r.model_b, status=r.status, turns=r.turn_count,
                      categories=list(r.categories or []), prompt=r.prompt or "",
                      winner=r.winner, counted=r.counted, excluded_reason=r.excluded_reason)
            for r in rows], int(total)


async def model_uses(engine: AsyncEngine) -> list[ModelUse]:
    """Every model that was ever in a battle, with its dates and vote counts."""
    b, v = battles.c, votes.c
    sides = union_all(
        select(b.model_a.label("model"), b.created_at.label("at"), b.id.label("battle_id")),
        select(b.model_b.label("model"), b.created_at.label("at"), b.id.label("battle_id")),
    ).subquery()
    voted = union_all(
        select(v.model_a.label("model"), v.counted.label("counted")),
        select(v.model_b.label("model"), v.counted.label("counted")),
    ).subquery()
    async with engine.connect() as conn:
        used = (await conn.execute(
            select(sides.c.model, func.min(sides.c.at), func.max(sides.c.at),
                   func.count(sides.c.battle_id)).group_by(sides.c.model))).all()
        counts = {r[0]: (int(r[1]), int(r[2] or 0)) for r in (await conn.execute(
            select(voted.c.model, func.count(),
                   func.sum(case((voted.c.counted.is_(True), 1), else_=0)))
            .group_by(voted.c.model))).all()}
    return sorted((ModelUse(model=r[0], first_battle=aware(r[1]), last_battle=aware(r[2]),
                            battles=int(r[3]), votes=counts.get(r[0], (0, 0))[0],
                            counted_votes=counts.get(r[0], (0, 0))[1]) for r in used),
                  key=lambda m: m.model)


ControlState = Literal["active", "paused", "retired"]
CONTROL_FIELDS = ("state", "weight", "max_tokens", "temperature", "system_prompt")


@dataclass(frozen=True, slots=True)
class ModelControl:
    """What an operator set for one model; None: as the roster says."""

    state: ControlState = "active"
    weight: float | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    system_prompt: str | None = None
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in CONTROL_FIELDS}


async def model_controls(engine: AsyncEngine) -> dict[str, ModelControl]:
    async with engine.connect() as conn:
        rows = (await conn.execute(select(model_controls_table))).all()
    return {r.model: ModelControl(state=r.state, weight=r.weight, max_tokens=r.max_tokens,
                                  temperature=r.temperature, system_prompt=r.system_prompt,
                                  note=r.note) for r in rows}


async def set_model_control(engine: AsyncEngine, model: str, changes: dict[str, Any], *,
                            note: str, actor: str) -> ModelControl:
    """Apply ``changes`` (a subset of CONTROL_FIELDS; None resets a field to the roster's)
    to the model's control, audited in the same transaction; the control as it is now."""
    c = model_controls_table.c
    async with engine.begin() as conn:
        row = (await conn.execute(select(model_controls_table).where(c.model == model))).first()
        before = (ModelControl() if row is None else ModelControl(
            state=row.state, weight=row.weight, max_tokens=row.max_tokens,
            temperature=row.temperature, system_prompt=row.system_prompt, note=row.note))
        values = {**before.as_dict(), **changes}
        values["state"] = values["state"] or "active"
        after = ModelControl(**values, note=note)
        await conn.execute(delete(model_controls_table).where(c.model == model))
        if after.as_dict() != ModelControl().as_dict():  # nothing left to override: no row
            await conn.execute(insert(model_controls_table).values(
                model=model, **after.as_dict(), note=note, updated_at=utcnow(),
                updated_by=actor))
        await add_audit(conn, actor=actor, action="model.control", target=model,
                        before=before.as_dict(), after=after.as_dict(), note=note)
    return after


MAX_REFUSED_CHARS = 2000


@dataclass(frozen=True, slots=True)
class Refusal:
    id: int
    at: datetime
    voter_key: str
    ip_hash: str | None
    battle_id: str | None
    prompt: str
    reason: str


async def add_refusal(engine: AsyncEngine, *, voter_key: str, ip_hash: str | None,
                      battle_id: str | None, prompt: str, reason: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(moderation_refusals).values(
            at=utcnow(), voter_key=voter_key, ip_hash=ip_hash, battle_id=battle_id,
            prompt=prompt[:MAX_REFUSED_CHARS], reason=reason[:300]))


async def refusals(engine: AsyncEngine, *, limit: int, offset: int) -> list[Refusal]:
    """Newest first."""
    c = moderation_refusals.c
    async with engine.connect() as conn:
        rows = (await conn.execute(select(moderation_refusals).order_by(c.id.desc())
                                   .limit(limit).offset(offset))).all()
    return [Refusal(id=r.id, at=aware(r.at), voter_key=r.voter_key, ip_hash=r.ip_hash,
                    battle_id=r.battle_id, prompt=r.prompt, reason=r.reason) for r in rows]
