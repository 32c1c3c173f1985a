"""``arena export``: this arena's votes as a Chatbot Arena battle file.

The records carry the fields the public Chatbot Arena notebooks and arena-rank read
(``model_a``, ``model_b``, ``winner`` with its Arena labels, ``tstamp``, ``anony``,
``turn``, ``conv_metadata``, ``dedup_tag``, ``category_tag``) plus both conversations, so
``arena leaderboard --battles`` reads the file back unchanged. Excluded votes are left
out unless asked for, and then marked (``excluded_reason``) and not ``anony``-clean.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select, true
from sqlalchemy.ext.asyncio import AsyncEngine

from arena.tables import answers, turns, votes

ARENA_WINNER = {"a": "model_a", "b": "model_b", "tie": "tie", "both_bad": "tie (bothbad)"}


async def _conversations(conn: Any, voted: Any) -> dict[str, dict[str, list[dict[str, str]]]]:
    """Battle id → both sides' conversations (latest attempt of each turn), for every
    battle ``voted`` (a subquery of battle ids) selects: two queries, whatever the size."""
    rows = (await conn.execute(
        select(turns.c.id, turns.c.battle_id, turns.c.idx, turns.c.prompt)
        .where(turns.c.battle_id.in_(voted))
        .order_by(turns.c.battle_id, turns.c.idx, turns.c.attempt))).all()
    latest: dict[str, dict[int, Any]] = {}
    for r in rows:  # ordered by attempt, so the last one of each turn wins
        latest.setdefault(r.battle_id, {})[r.idx] = r
    texts = {(a.turn_id, a.side): a.text for a in (await conn.execute(
        select(answers.c.turn_id, answers.c.side, answers.c.text)
        .join(turns, turns.c.id == answers.c.turn_id)
        .where(turns.c.battle_id.in_(voted)))).all()}
    out: dict[str, dict[str, list[dict[str, str]]]] = {}
    for battle_id, by_idx in latest.items():
        conv: dict[str, list[dict[str, str]]] = {"a": [], "b": []}
        for idx in sorted(by_idx):
            t = by_idx[idx]
            for side in ("a", "b"):
                conv[side].append({"role": "user", "content": t.prompt})
                conv[side].append({"role": "assistant",
                                   "content": texts.get((t.id, side), "")})
        out[battle_id] = conv
    return out


def _record(v: Any, conv: dict[str, list[dict[str, str]]] | None) -> dict[str, Any]:
    cats = list(v.categories or [])
    rec: dict[str, Any] = {
        "question_id": v.battle_id, "model_a": v.model_a, "model_b": v.model_b,
        "winner": ARENA_WINNER[v.winner], "judge": "arena_user", "turn": v.turns,
        "anony": True, "tstamp": v.created_at.timestamp(),
        "language": next((c.split(":", 1)[1] for c in cats if c.startswith("lang:")), None),
        "conv_metadata": v.conv_metadata, "is_code": "coding" in cats,
        "dedup_tag": {"high_freq": False, "sampled": True},
        "category_tag": {c: True for c in cats}, "propensity": v.propensity,
    }
    if conv is not None:
        rec["conversation_a"], rec["conversation_b"] = conv["a"], conv["b"]
    if not v.counted:
        rec["excluded_reason"] = v.excluded_reason
        rec["anony"] = False  # readers that keep anonymous battles only will skip it
    return rec


async def battle_records(engine: AsyncEngine, *, include_excluded: bool,
                         with_conversations: bool = True) -> list[dict[str, Any]]:
    """The records, oldest first. Without conversations it is one query (the public
    download); with them (the voters' prompts and both answers) three, whatever the size."""
    cond = true() if include_excluded else votes.c.counted.is_(True)
    async with engine.connect() as conn:
        rows = (await conn.execute(select(votes).where(cond).order_by(votes.c.id))).all()
        convs = (await _conversations(conn, select(votes.c.battle_id).where(cond))
                 if with_conversations else {})
    return [_record(v, convs.get(v.battle_id, {"a": [], "b": []}) if with_conversations
                    else None) for v in rows]


async def export_battles(engine: AsyncEngine, path: str | Path, *, include_excluded: bool = False,
                         as_json_array: bool = False) -> int:
    records = await battle_records(engine, include_excluded=include_excluded)
    with open(path, "w", encoding="utf-8") as f:
        if as_json_array:
            json.dump(records, f, ensure_ascii=False)
        else:
            for r in records:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return len(records)
