"""``arena export``: this arena's votes as a Chatbot Arena battle file.

The records carry the fields the public Chatbot Arena notebooks and arena-rank read
(``model_a``, ``model_b``, ``winner`` with its Arena labels, ``tstamp``, ``anony``,
``turn``, ``conv_metadata``, ``dedup_tag``, ``category_tag``) plus both conversations, so
``arena leaderboard --battles`` reads the file back unchanged. Excluded votes are left
out unless asked for, and then marked (``excluded_reason``) and not ``anony``-clean.
The file itself is written by the ranking's one battle-file writer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from arena.ranking.io import write_battles
from arena.store import Store, StoredBattle
from arena.types import ARENA_WINNER


def arena_record(v: StoredBattle) -> dict[str, Any]:
    """One voted battle in the Chatbot Arena battle format."""
    cats = v.categories
    rec: dict[str, Any] = {
        "question_id": v.battle_id, "model_a": v.model_a, "model_b": v.model_b,
        "winner": ARENA_WINNER[v.winner], "judge": "arena_user", "turn": v.turns,
        "anony": True, "tstamp": v.created_at.timestamp(),
        "language": next((c.split(":", 1)[1] for c in cats if c.startswith("lang:")), None),
        "conv_metadata": v.conv_metadata, "is_code": "coding" in cats,
        "dedup_tag": {"high_freq": False, "sampled": True},
        "category_tag": {c: True for c in cats}, "propensity": v.propensity,
    }
    if v.conversation_a is not None and v.conversation_b is not None:
        rec["conversation_a"], rec["conversation_b"] = v.conversation_a, v.conversation_b
    if not v.counted:
        rec["excluded_reason"] = v.excluded_reason
        rec["anony"] = False  # readers that keep anonymous battles only will skip it
    return rec


async def battle_records(store: Store, *, include_excluded: bool,
                         with_conversations: bool = True,
                         up_to_vote_id: int | None = None) -> list[dict[str, Any]]:
    """The records, oldest first (see ``Store.battle_records``)."""
    return [arena_record(v) for v in await store.battle_records(
        include_excluded=include_excluded, with_conversations=with_conversations,
        up_to_vote_id=up_to_vote_id)]


async def export_battles(store: Store, path: str | Path, *, include_excluded: bool = False,
                         as_json_array: bool = False) -> int:
    records = await battle_records(store, include_excluded=include_excluded)
    return write_battles(records, path, fmt="json" if as_json_array else "jsonl")
