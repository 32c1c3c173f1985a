"""How much each vote weighs on the board, and who weighs most: the consequences of
detection as the leaderboard applies them.

``vote_weights``: a vote judged manipulated weighs ``manipulation_weight`` in down-weight
mode (in exclude mode it never reaches the board); with ``influence_max_share`` > 0 no
voter and no address holds more than that share of the board's weight (``cap_weights``,
voters first, then addresses). ``board_influence``: the leave-one-out influence of the
heaviest voters and addresses on the weighted board, most influential first, each named
only by a short prefix of its hash (pseudonymous, like the public download).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from arena.integrity.influence import cap_weights, influence
from arena.ranking import Battles, bt
from arena.settings import Settings
from arena.store import CountedVote

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

TOP = 10  # groups listed per kind
CANDIDATES = 100  # groups tested per kind (the most votes): one m×m solve and a pass each
PREFIX = 10  # hex characters of a hash shown


def _groups(keys: Sequence[str | None]) -> tuple[IntArray, list[str]]:
    index: dict[str, int] = {}
    out = np.full(len(keys), -1, dtype=np.int64)
    for k, key in enumerate(keys):
        if key is not None:
            out[k] = index.setdefault(key, len(index))
    return out, list(index)


def vote_weights(records: Sequence[CountedVote], settings: Settings) -> FloatArray | None:
    """Per-vote weights for the board, or None when every vote weighs one."""
    w = np.array([1.0 if r.counted else settings.manipulation_weight for r in records])
    share = settings.influence_max_share
    if share > 0 and records:
        voter, voters = _groups([r.voter_key for r in records])
        w = cap_weights(voter, len(voters), share, w)
        address, addresses = _groups([r.ip_hash for r in records])
        w = cap_weights(address, len(addresses), share, w)
    if not records or np.all(w == 1.0):
        return None
    return w


def board_influence(records: Sequence[CountedVote], battles: Battles,
                    weights: FloatArray | None, ridge: float = bt.RIDGE,
                    ) -> dict[str, list[dict[str, Any]]]:
    """The most influential voters and addresses of the board of ``battles``, fitted
    with the board's own prior (``ridge``)."""
    out: dict[str, list[dict[str, Any]]] = {"voters": [], "addresses": []}
    if battles.model_a is None or len(records) < 2 or len(battles.models) < 2:
        return out
    assert battles.model_b is not None and battles.outcome is not None
    a, b = battles.model_a, battles.model_b
    outcome = battles.outcome.astype(np.int64)
    w = np.ones(len(records)) if weights is None else weights
    for kind, keys in (("voters", [r.voter_key for r in records]),
                       ("addresses", [r.ip_hash for r in records])):
        group, names = _groups(keys)
        if not names:
            continue
        votes = np.bincount(group[group >= 0], minlength=len(names))
        # Only the heaviest groups are tested: a group's influence grows with its weight.
        keep = np.argsort(-votes, kind="stable")[:CANDIDATES]
        remap = np.full(len(names), -1, dtype=np.int64)
        remap[keep] = np.arange(keep.shape[0])
        sub = np.where(group >= 0, remap[np.maximum(group, 0)], -1)
        inf = influence(a, b, outcome, sub, int(keep.shape[0]), len(battles.models),
                        weights=w, ridge=ridge)
        for g, moved, share in inf.top(TOP):
            name = names[int(keep[g])]
            out[kind].append({"id": name[:PREFIX], "votes": int(votes[keep[g]]),
                              "share": round(share, 4), "max_elo_change": round(moved, 2)})
    return out
