"""``arena db check``: the invariants the votes must keep, checked against the tables.

Each check is one query that lists the battles breaking a rule: a voted battle has
exactly one vote and a battle with a vote is voted; a vote names its battle's two
models; a counted vote has no reason to be excluded, an excluded one has one; a vote
counted although one of its battle's answers gave its model away breaks the leak rule.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from arena.store.records import Problem
from arena.tables import answers, battles, turns, votes

_leaked = exists().where(and_(turns.c.battle_id == votes.c.battle_id,
                              answers.c.turn_id == turns.c.id,
                              answers.c.leak_term.is_not(None)))

# kind → (a query of battle ids with a detail, what is wrong)
_CHECKS: dict[str, tuple[Any, str]] = {
    "voted_without_vote": (
        select(battles.c.id).where(and_(battles.c.status == "voted", ~exists().where(
            votes.c.battle_id == battles.c.id))),
        "the battle is marked voted but has no vote"),
    "vote_on_open_battle": (
        select(votes.c.battle_id).join(battles, battles.c.id == votes.c.battle_id)
        .where(battles.c.status != "voted"),
        "the battle has a vote but is not marked voted"),
    "vote_models_differ": (
        select(votes.c.battle_id).join(battles, battles.c.id == votes.c.battle_id)
        .where(or_(votes.c.model_a != battles.c.model_a,
                   votes.c.model_b != battles.c.model_b)),
        "the vote names other models than its battle"),
    "counted_with_reason": (
        select(votes.c.battle_id).where(and_(votes.c.counted.is_(True),
                                             votes.c.excluded_reason.is_not(None))),
        "the vote is counted but has an exclusion reason"),
    "excluded_without_reason": (
        select(votes.c.battle_id).where(and_(votes.c.counted.is_(False),
                                             votes.c.excluded_reason.is_(None))),
        "the vote is excluded without a reason"),
    "counted_leak": (
        select(votes.c.battle_id).where(and_(votes.c.counted.is_(True), _leaked)),
        "the vote is counted although an answer of its battle named its model"),
}


async def find_problems(conn: AsyncConnection) -> list[Problem]:
    out: list[Problem] = []
    for kind, (query, detail) in _CHECKS.items():
        for (battle_id,) in (await conn.execute(query)).all():
            out.append(Problem(kind=kind, battle_id=battle_id, detail=detail))
    return out
