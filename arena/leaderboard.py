"""The server's leaderboard: computed in the background, served from memory.

A request never touches the votes: it reads a board computed for the current vote
*version* (the newest vote id). A background task polls that version every
``leaderboard_refresh_s`` (one indexed ``max(id)``, cheap at any size — and it sees votes
cast on other workers too); when it moved, it reads only the votes newer than the last
ones it has (ids only grow), and recomputes the default board in a thread.
Other variants (style control, a category, Elo) are computed on first request for the
current version, once even when many requests ask at the same moment.

Each new default board is handed to ``on_board`` (the battle service's pairing, which
under ``ARENA_PAIRING=active`` recomputes its pair distribution from it), in the same
thread as the board, so pairing never computes a board of its own.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from arena.errors import ArenaError, BadRequest, Unavailable
from arena.integrity.weighing import board_influence, vote_weights
from arena.periodic import Periodic
from arena.ranking import Battles, bt, compute_leaderboard
from arena.settings import Settings
from arena.store import CountedVote, Store
from arena.types import ARENA_WINNER, RANKING_METHODS

log = logging.getLogger("arena.leaderboard")

Key = tuple[str, bool, str | None, bool, bool]
DEFAULT: Key = ("bt", False, None, False, False)


class LeaderboardCache:
    def __init__(self, store: Store, settings: Settings, *, demo: bool,
                 on_board: Callable[[dict[str, Any]], None] | None = None) -> None:
        self.store = store
        self.on_board = on_board
        self.settings = settings
        self.demo = demo
        self.version = -1
        self.verdicts = -1
        self._influence: dict[str, list[dict[str, Any]]] = {"voters": [], "addresses": []}
        self._boards: dict[Key, dict[str, Any]] = {}
        self._locks: dict[Key, asyncio.Lock] = {}
        # One refresh at a time: the loop's and a caller's (a test, the CLI) could otherwise
        # overlap, and the one that read the older votes, finishing last, would put its
        # older board back.
        self._refreshing = asyncio.Lock()
        # One look a period, however many votes arrive: a refresh per vote would spend,
        # under load, the CPU the votes themselves need.
        self._loop = Periodic(settings.leaderboard_refresh_s, self.refresh,
                              "leaderboard refresh")
        self._records: list[CountedVote] = []
        self._battles = Battles.from_records([])  # the records as arrays, built once a version
        self._totals: dict[str, Any] = {}
        self._categories: list[dict[str, Any]] | None = None
        self._updated_at = datetime.now(UTC)

    async def start(self) -> None:
        await self.refresh()
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    async def refresh(self) -> None:
        async with self._refreshing:
            await self._refresh()

    async def _refresh(self) -> None:
        version = await self.store.newest_vote_id()
        # Verdicts (the detection job, an operator's pin) change old votes' count without
        # a new id: their own version says when everything must be read again.
        verdicts, judged = await self.store.verdict_state()
        if self.settings.detection_interval_s > 0 and self.settings.board_waits_for_detection:
            # No vote is shown before the detection job has judged it: a rigger's burst
            # between two runs would otherwise move the board until the next run.
            version = min(version, judged)
        if version == self.version and verdicts == self.verdicts:
            return
        # A vote id is assigned at insert but may commit after a larger one; re-reading a
        # margin of recent ids keeps a slow commit from being skipped forever.
        cutoff = max(0, self.version - 1000) if verdicts == self.verdicts else 0
        keep = [r for r in self._records if r.id <= cutoff]
        records = keep + await self.store.counted_votes(
            after_id=cutoff, up_to_id=version,
            with_manipulated=self.settings.manipulation_action == "downweight")
        # The totals of the same votes as the board: read apart, a vote committing in
        # between was in the totals but not yet on the board.
        totals = (await self.store.vote_totals(up_to_id=version)).as_dict()
        battles = await asyncio.to_thread(self._battles_of, records)
        board = await asyncio.to_thread(self._compute, battles, DEFAULT)
        if self.on_board is not None:
            await asyncio.to_thread(self.on_board, board)
        influence = await asyncio.to_thread(board_influence, records, battles, battles.weight,
                                            bt.prior_ridge(self.settings.prior_sd))
        self._records, self._battles, self._totals = records, battles, totals
        self._influence = influence
        self._categories = None
        self._boards = {DEFAULT: board}
        self.version, self.verdicts = version, verdicts
        self._updated_at = datetime.now(UTC)

    def _battles_of(self, records: list[CountedVote]) -> Battles:
        return _battles_of(records).weighted(vote_weights(records, self.settings))

    def _compute(self, battles: Battles, key: Key) -> dict[str, Any]:
        method, style_control, category, ipw, side_control = key
        return compute_leaderboard(
            battles, method=method, style_control=style_control, category=category, ipw=ipw,
            side_control=side_control,
            bootstrap_rounds=self.settings.bootstrap_rounds, seed=0,
            min_votes=self.settings.min_votes, prior_sd=self.settings.prior_sd,
            # A style-controlled bootstrap refits over every battle each round (about a
            # minute at 3M votes); the sandwich estimator is one fit (about a second).
            ci="sandwich" if style_control else "bootstrap")

    async def default_with_votes(self) -> tuple[dict[str, Any], list[CountedVote], bool]:
        """The default board, the exact votes it was computed from, and whether they carried
        weights: what a snapshot of the public record keeps. One consistent version: the
        refresh replaces records and boards together, and the default board is always
        cached, so nothing runs between reading the one and the other."""
        board = await self.get()
        return board, self._records, self._battles.weight is not None

    def categories(self) -> list[dict[str, Any]]:
        """Category tags of the counted votes, most used first (from memory, like boards)."""
        if self._categories is None:
            counts = Counter(t for r in self._records for t in r.categories)
            self._categories = [{"name": t, "votes": n} for t, n in
                                sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
        return self._categories

    async def get(self, *, method: str = "bt", style_control: bool = False,
                  category: str | None = None, ipw: bool = False,
                  side_control: bool = False) -> dict[str, Any]:
        if method not in RANKING_METHODS:
            raise BadRequest(f"Method must be one of {', '.join(RANKING_METHODS)}",
                             code="bad_method")
        key: Key = (method, style_control, category or None, ipw, side_control)
        board = self._boards.get(key)
        if board is None:
            lock = self._locks.setdefault(key, asyncio.Lock())
            async with lock:
                board = self._boards.get(key)
                if board is None:
                    boards = self._boards
                    try:
                        board = await asyncio.to_thread(self._compute, self._battles, key)
                    except ArenaError:
                        raise  # the options themselves are wrong: the ranking says how
                    except Exception:
                        log.exception("leaderboard %s failed", key)
                        raise Unavailable("The leaderboard could not be computed with these "
                                          "options; the error was logged",
                                          code="ranking_failed") from None
                    boards[key] = board  # into the dict of the version it was computed for
        return {**board, "totals": {**board.get("totals", {}), **self._totals},
                "influence": self._influence, "demo": self.demo,
                "updated_at": self._updated_at.isoformat(timespec="seconds")}


def _battles_of(records: list[CountedVote]) -> Battles:
    """The stored votes as the ranking's arrays (its winner labels, Arena style)."""
    return Battles.from_records(
        {"model_a": r.model_a, "model_b": r.model_b, "winner": ARENA_WINNER[r.winner],
         "propensity": r.propensity, "conv_metadata": r.conv_metadata,
         "categories": r.categories, "tstamp": r.created_at.timestamp()}
        for r in records)
