"""What the web pages need beyond the core API: the leaderboard as CSV, the categories a
board can be filtered by, and the counted battles as a Chatbot Arena battle file.

All of it is post-vote data (names appear only in counted, revealed votes). The battle
export leaves the conversations out: prompts are the voters' words, and ranking tools
need only the pairs, the winners, the style metadata and the category tags.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import Response, StreamingResponse

from arena.api.deps import LeaderboardDep, RosterDep, StoreDep
from arena.api.openapi import ERROR_RESPONSES
from arena.errors import NotFound
from arena.export import battle_records
from arena.history import DEFAULT_VARIANT, MAX_ID
from arena.ranking.io import battle_line
from arena.schemas import Categories
from arena.types import RankingMethod

router = APIRouter(prefix="/api", tags=["pages"], responses=ERROR_RESPONSES)

CSV_COLUMNS = ("rank", "model", "rating", "ci_low", "ci_high", "ci_plus", "ci_minus", "votes",
               "wins", "losses", "ties", "both_bad", "win_rate", "provisional")
_PRIVATE_FIELDS = ("conversation_a", "conversation_b")


def download_name(kind: str, ext: str, *, method: str = "bt", category: str | None = None,
                  style_control: bool = False, ipw: bool = False,
                  side_control: bool = False) -> str:
    """One naming rule for every download, so a file says which view it holds:
    ``arena-leaderboard-elo-lang_fr-style.csv``, ``arena-battles-coding.jsonl``. The page
    names its JSON download by the same rule (``leaderboard.js`` ``downloadName``)."""
    parts = ["arena", kind]
    if method != "bt":
        parts.append(method)
    if category:
        parts.append(category)
    if style_control:
        parts.append("style")
    if side_control:
        parts.append("side")
    if ipw:
        parts.append("ipw")
    stem = "-".join(parts)
    safe = "".join(ch if (ch.isascii() and ch.isalnum()) or ch in "-" else "_" for ch in stem)
    return f"{safe}.{ext}"


def attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store"}


def leaderboard_csv_text(board: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for m in board.get("models", []):
        rating, low, high = m.get("rating"), m.get("ci_low"), m.get("ci_high")
        plus = round(high - rating, 2) if None not in (rating, high) else None
        minus = round(rating - low, 2) if None not in (rating, low) else None
        row = {**m, "ci_plus": plus, "ci_minus": minus}
        writer.writerow(["" if row.get(c) is None else row[c] for c in CSV_COLUMNS])
    return out.getvalue()


@router.get("/leaderboard.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}}})
async def leaderboard_csv(cache: LeaderboardDep, method: RankingMethod = "bt",
                          style_control: bool = False,
                          category: str | None = Query(default=None, max_length=100),
                          ipw: bool = False, side_control: bool = False) -> Response:
    """The listed models of ``GET /api/leaderboard`` (same parameters) as CSV."""
    board = await cache.get(method=method, style_control=style_control, category=category,
                            ipw=ipw, side_control=side_control)
    name = download_name("leaderboard", "csv", method=method, category=category,
                         style_control=style_control, ipw=ipw, side_control=side_control)
    return Response(leaderboard_csv_text(board), media_type="text/csv; charset=utf-8",
                    headers=attachment(name))


@router.get("/categories", response_model=Categories)
async def categories(cache: LeaderboardDep) -> dict[str, Any]:
    """Category tags of the counted votes, with how many votes carry each, most first."""
    return {"categories": cache.categories()}


@router.get("/battles.jsonl", response_class=StreamingResponse,
            responses={200: {"content": {"application/x-ndjson": {}}}})
async def battles_export(store: StoreDep, roster: RosterDep,
                         category: str | None = Query(default=None, max_length=100),
                         snapshot: int | None = Query(
                             default=None, ge=1, le=MAX_ID, description="only the votes a board "
                             "snapshot had seen (its id): the file to check it with"),
                         ) -> StreamingResponse:
    """Counted battles in the Chatbot Arena format (JSON lines), without conversations;
    ``arena leaderboard --battles`` reads it back. With ``category``, only the battles
    of that category — the ones its board is computed from. With ``snapshot``, only the
    votes up to that snapshot's newest: ``arena history verify`` checks the snapshot's
    digest and ratings against it."""
    up_to: int | None = None
    names = roster.veiled  # a veiled model under its codename
    if snapshot is not None:
        snap = await store.snapshot(DEFAULT_VARIANT, snapshot_id=snapshot)
        if snap is None:
            raise NotFound(f"No snapshot {snapshot}: see /api/leaderboard/history for the "
                           "ones kept", code="no_snapshot")
        up_to = snap.last_vote_id
        if snap.method is not None:  # the codenames in force when it was taken
            kept = set(snap.method.get("codenames", []))
            names = {m.name: m.codename for m in roster.models
                     if m.codename is not None and m.codename in kept}
    records = await battle_records(store, include_excluded=False, with_conversations=False,
                                   up_to_vote_id=up_to, names=names)
    if category:
        records = [r for r in records if r["category_tag"].get(category)]

    async def lines() -> AsyncIterator[bytes]:
        for k, rec in enumerate(records):
            for key in _PRIVATE_FIELDS:
                rec.pop(key, None)
            yield (battle_line(rec, k + 1) + "\n").encode()

    return StreamingResponse(lines(), media_type="application/x-ndjson",
                             headers=attachment(download_name("battles", "jsonl",
                                                              category=category)))
