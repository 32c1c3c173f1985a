"""The server's personal boards: one voter's own votes, shrunk toward the public
board (the statistics are ``arena.ranking.personal``).

What it promises:

* only the requesting voter's votes: the voter is the cookie's, never a parameter;
* only its votes as it was told of them (``Store.own_votes``): all but its leaks. A cap,
  a probation, a later verdict are never told to a voter, and a board that lost those
  votes would tell it; only votes between models the public board lists are fitted;
* it reads, never writes: nothing here reaches the public board or the store;
* no pairing the voter has not seen revealed: only voted battles have a vote, and a vote's
  answer already named both models to the voter who cast it.

A fit is a few Newton steps over at most the board's models (measured median 0.6 ms at
59 models and 50 votes, 1.8 ms at 100 models and 300 votes, 3.9 ms with 2,000, one core), so
the cost of a request is its one indexed read of the voter's votes; the fit is still kept
in a small LRU keyed by the voter's newest vote and the public board's version, so
reloading the page refits nothing.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace
from typing import Any

import numpy as np

from arena.leaderboard import LeaderboardCache
from arena.ranking import personal
from arena.store import OwnVote, Store

LRU_SIZE = 512
SHOWN_DIFFERENCES = 3  # models named as "most above / below the public board"
SCORE = {"a": 1.0, "b": 0.0, "tie": 0.5, "both_bad": 0.5}
EMPTY_MESSAGE = ("No counted votes of yours yet: vote in a battle and your board appears "
                 "here. Until then it is the public board.")

CacheKey = tuple[str, int, int, int, int]


class PersonalBoards:
    def __init__(self, store: Store, board: LeaderboardCache,
                 sd_elo: float = personal.PERSONAL_SD_ELO) -> None:
        self.store = store
        self.board = board
        self.sd_elo = sd_elo
        self._lru: OrderedDict[CacheKey, dict[str, Any]] = OrderedDict()

    async def get(self, voter_key: str | None) -> dict[str, Any]:
        public = await self.board.get()
        mine = await self.store.own_votes(voter_key) if voter_key else []
        names = self.board.names  # codenames: the same public names as the public board
        if names:
            mine = [replace(v, model_a=names.get(v.model_a, v.model_a),
                            model_b=names.get(v.model_b, v.model_b)) for v in mine]
        if not mine:
            return empty_board(public, 0, self.sd_elo)
        key: CacheKey = (voter_key or "", mine[-1].id, len(mine), self.board.version,
                         self.board.verdicts)
        found = self._lru.get(key)
        if found is None:
            found = board_of(public, mine, self.sd_elo)
            self._lru[key] = found
            while len(self._lru) > LRU_SIZE:
                self._lru.popitem(last=False)
        else:
            self._lru.move_to_end(key)
        return found


def empty_board(public: dict[str, Any], left_out: int, sd_elo: float) -> dict[str, Any]:
    return {"votes": 0, "left_out": left_out, "prior_sd": sd_elo, "spearman": None,
            "above": [], "below": [], "models": [], "message": EMPTY_MESSAGE,
            "board_updated_at": public["updated_at"]}


def board_of(public: dict[str, Any], mine: list[OwnVote], sd_elo: float) -> dict[str, Any]:
    """The voter's board from the public board's entries and their own votes."""
    listed = [e for e in public["models"] if e.get("rating") is not None]
    names = [str(e["model"]) for e in listed]
    index = {n: k for k, n in enumerate(names)}
    usable = [v for v in mine if v.model_a in index and v.model_b in index]
    if not usable:
        return empty_board(public, len(mine), sd_elo)
    ratings = np.array([float(e["rating"]) for e in listed])
    i = np.array([index[v.model_a] for v in usable], dtype=np.int64)
    j = np.array([index[v.model_b] for v in usable], dtype=np.int64)
    score = np.array([SCORE[v.winner] for v in usable])
    fit = personal.fit(ratings, personal.own_cells(len(names), i, j, score), sd_elo=sd_elo)
    half = personal.Z95 * fit.sd
    public_place = _places(ratings)
    place = _places(fit.ratings)
    diff = fit.ratings - ratings
    entries = [{"model": names[k], "rating": round(float(fit.ratings[k]), 1),
                "ci_low": round(float(fit.ratings[k] - half[k]), 1),
                "ci_high": round(float(fit.ratings[k] + half[k]), 1),
                "votes": int(fit.votes[k]), "rank": int(place[k]),
                "public_rating": round(float(ratings[k]), 1),
                "public_rank": int(public_place[k]),
                "difference": round(float(diff[k]), 1)}
               for k in np.argsort(place, kind="stable")]
    seen = np.flatnonzero(fit.votes > 0)
    by_diff = seen[np.argsort(-diff[seen], kind="stable")]
    return {"votes": len(usable), "left_out": len(mine) - len(usable), "prior_sd": sd_elo,
            "spearman": _rounded(personal.spearman(fit.ratings, ratings)),
            "above": [names[k] for k in by_diff if diff[k] > 0.05][:SHOWN_DIFFERENCES],
            "below": [names[k] for k in by_diff[::-1] if diff[k] < -0.05][:SHOWN_DIFFERENCES],
            "models": entries, "message": None,
            "board_updated_at": public["updated_at"]}


def _places(ratings: np.ndarray) -> np.ndarray:
    """1 + the models rated higher (ties: the order given)."""
    order = np.argsort(-ratings, kind="stable")
    out = np.empty(ratings.shape[0], dtype=np.int64)
    out[order] = np.arange(1, ratings.shape[0] + 1)
    return out


def _rounded(x: float | None) -> float | None:
    return None if x is None else round(x, 4)
