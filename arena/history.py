"""The board over time: a snapshot of the server's board once a UTC day (and on demand),
and the history read back as one series per model.

A snapshot copies what the cached board already holds (``LeaderboardCache.get()``, the
default board, computed in a thread by the leaderboard's own refresh), so taking one
never refits anything and never blocks the event loop beyond one small insert. Only the
*listed* models are kept, with their rating, 95% interval, votes and rank: the history
shows what the board showed, never a model the board hid (too few votes, another
component of the comparison graph).

Only the default board (Bradley–Terry, all battles, no style control, no IPW) is kept.
Its variants are computed on first request and a style-controlled refit costs seconds at
scale: a daily snapshot of each would have the server compute boards nobody asked for,
and every category tag ever seen would add a series. ``variant`` is stored with each row
so that another board can be kept later without a migration.

Every worker runs the daily job (every ``history_interval_s``); the store's unique key on
(variant, UTC day) lets exactly one insert of the day through. The first check after
00:00 UTC takes the day's snapshot, so a day's point is the board as it stood at the
start of that day; a worker that starts mid-day takes it at once if it is missing. No
snapshot is taken of a board with no listed model: history starts with the first one.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from arena.errors import ArenaError, BadRequest, NotFound
from arena.leaderboard import LeaderboardCache
from arena.periodic import Periodic
from arena.record import board_method, digest_of_votes
from arena.settings import Settings
from arena.store import BoardSnapshot, SnapshotEntry, Store

log = logging.getLogger("arena.history")

DEFAULT_VARIANT = "default"
MAX_ID = 2**31 - 1  # the ids are SQL INTEGERs


def snapshot_of(board: dict[str, Any], *, taken_at: datetime, scheduled_day: date | None,
                votes_sha256: str | None = None,
                method: dict[str, Any] | None = None) -> BoardSnapshot:
    """The listed models of a computed board (``compute_leaderboard``'s shape), with the
    public record's digest of its votes and its method when given."""
    totals = board.get("totals", {})
    return BoardSnapshot(
        taken_at=taken_at, variant=DEFAULT_VARIANT, scheduled_day=scheduled_day,
        votes_sha256=votes_sha256, method=method,
        last_vote_id=int(totals.get("last_vote_id", 0)),
        counted_votes=int(totals.get("counted_votes", totals.get("battles", 0))),
        models=[SnapshotEntry(model=m["model"], rating=m["rating"], ci_low=m["ci_low"],
                              ci_high=m["ci_high"], votes=m["votes"], rank=m["rank"])
                for m in board.get("models", [])])


class BoardHistory:
    """Takes the board's snapshots; ``run_once`` is the daily job, ``take_now`` the
    operator's."""

    def __init__(self, board: LeaderboardCache, store: Store, settings: Settings,
                 clock: Callable[[], float] = time.time) -> None:
        self.board = board
        self.store = store
        self.settings = settings
        self.clock = clock
        self.interval_s = settings.history_interval_s
        self._done: date | None = None  # the last UTC day this worker knows is stored
        self._loop = Periodic(settings.history_interval_s, self.run_once,
                              "daily board snapshot", first_at_once=True)

    def start(self) -> None:
        if self.interval_s > 0:
            self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    async def run_once(self) -> int | None:
        """Take today's (UTC) snapshot unless some worker already has: the new row's id,
        or None when there was nothing to do."""
        now = self._now()
        today = now.date()
        if self._done == today:
            return None
        if await self.store.has_snapshot(DEFAULT_VARIANT, today):
            self._done = today
            return None
        snap = await self._snapshot(taken_at=now, scheduled_day=today)
        if not snap.models:
            return None  # no listed model yet: the next check tries again
        new_id = await self.store.add_snapshot(snap)
        self._done = today
        if new_id is not None:
            log.info("board snapshot of %s: %d models up to vote %d", today,
                     len(snap.models), snap.last_vote_id)
        return new_id

    async def _snapshot(self, *, taken_at: datetime, scheduled_day: date | None) -> BoardSnapshot:
        """The board as it is, with the digest of its votes (hashed in a thread: a second
        or two at 3M votes, once a day) and its method: the public record's entry."""
        board, votes, weighted = await self.board.default_with_votes()
        if not board.get("models"):
            return snapshot_of(board, taken_at=taken_at, scheduled_day=scheduled_day)
        votes_sha256 = await asyncio.to_thread(digest_of_votes, votes)
        return snapshot_of(board, taken_at=taken_at, scheduled_day=scheduled_day,
                           votes_sha256=votes_sha256,
                           method=board_method(self.settings, weighted=weighted,
                                               codenames=list(self.board.names.values())))

    async def take_now(self) -> BoardSnapshot:
        """An on-demand snapshot of the board as it is (any number a day), stored."""
        snap = await self._snapshot(taken_at=self._now(), scheduled_day=None)
        if not snap.models:
            raise ArenaError(f"The board lists no model yet ({snap.counted_votes} counted "
                             "votes): there is nothing to keep; vote first",
                             code="empty_board", status=409)
        return replace(snap, id=await self.store.add_snapshot(snap))


def parse_moment(name: str, value: str | None, *, end_of_day: bool = False) -> datetime | None:
    """An ISO 8601 date or date-time, in UTC (a time without an offset is taken as UTC).
    A bare date with ``end_of_day`` (an ``until``) means the whole of that day."""
    if value is None or value == "":
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return moment + timedelta(days=1, microseconds=-1) if end_of_day else moment
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"Not a date or a time: {name}={value[:40]!r}; write e.g. "
                         "2026-12-01 or 2026-12-01T12:00:00Z", code="bad_time") from None
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def history_view(snaps: Sequence[BoardSnapshot], models: Iterable[str] = (), *,
                 top: int | None = None, truncated: bool = False,
                 unveiled: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``GET /api/leaderboard/history``'s body: the snapshots, and one series of points
    per model (only ``models`` when given), models in the newest snapshot's order first,
    then those that left the board, newest leaver first; ``top`` keeps the first few.
    ``unveiled`` (a lifted codename → the model's name, ``Roster.unveiled``) relabels the
    points a model scored under its codename: one series, under its name. The snapshots
    themselves are never changed (their permalinks show what was published)."""
    relabel = unveiled or {}
    snaps = [replace(s, models=[replace(e, model=relabel.get(e.model, e.model))
                                for e in s.models]) if relabel else s for s in snaps]
    wanted = set(models)
    series: dict[str, list[dict[str, Any]]] = {}
    order: dict[str, tuple[int, int]] = {}  # model → (-its last snapshot, its place there)
    for i, s in enumerate(snaps):
        at = s.taken_at.isoformat(timespec="seconds")
        for place, e in enumerate(s.models):
            if wanted and e.model not in wanted:
                continue
            series.setdefault(e.model, []).append(
                {"taken_at": at, "rating": e.rating, "ci_low": e.ci_low,
                 "ci_high": e.ci_high, "votes": e.votes, "rank": e.rank})
            order[e.model] = (-i, place)
    return {
        "variant": DEFAULT_VARIANT,
        "snapshots": [{"taken_at": s.taken_at.isoformat(timespec="seconds"), "kind": s.kind,
                       "day": s.scheduled_day.isoformat() if s.scheduled_day else None,
                       "last_vote_id": s.last_vote_id, "counted_votes": s.counted_votes,
                       "models": len(s.models), "id": s.id, "permalink": permalink(s)}
                      for s in snaps],
        "models": [{"model": m, "points": series[m]}
                   for m in sorted(series, key=lambda m: (*order[m], m))[:top]],
        "truncated": truncated,
    }


def permalink(snap: BoardSnapshot) -> str:
    return f"/api/leaderboard/snapshots/{snap.id}"


def parse_snapshot_ref(ref: str) -> tuple[int | None, date | None]:
    """A snapshot's permalink part: its id, or a UTC day (the daily snapshot of it)."""
    if ref.isascii() and ref.isdigit() and len(ref) <= 12:
        if int(ref) > MAX_ID:  # no such row; PostgreSQL would refuse the number itself
            raise NotFound(f"No snapshot {ref}: see /api/leaderboard/history for the ones "
                           "kept", code="no_snapshot")
        return int(ref), None
    if len(ref) == 10:
        try:
            return None, date.fromisoformat(ref)
        except ValueError:
            pass
    raise BadRequest(f"Not a snapshot: {ref[:40]!r}; give its id (e.g. 12) or a day "
                     "(e.g. 2026-12-01) for that day's snapshot", code="bad_snapshot")


def published_view(snap: BoardSnapshot) -> dict[str, Any]:
    """``GET /api/leaderboard/snapshots/{id}``'s body: the snapshot whole, as kept."""
    return {
        "id": snap.id, "permalink": permalink(snap),
        "taken_at": snap.taken_at.isoformat(timespec="seconds"), "kind": snap.kind,
        "day": snap.scheduled_day.isoformat() if snap.scheduled_day else None,
        "variant": snap.variant, "last_vote_id": snap.last_vote_id,
        "counted_votes": snap.counted_votes, "votes_sha256": snap.votes_sha256,
        "method": snap.method, "battles": f"/api/battles.jsonl?snapshot={snap.id}",
        "models": [{"model": e.model, "rating": e.rating, "ci_low": e.ci_low,
                    "ci_high": e.ci_high, "votes": e.votes, "rank": e.rank}
                   for e in snap.models],
    }
