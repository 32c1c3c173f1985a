"""Leaderboard and public info routes.

The board is served from memory on every request, so it leaves as JSON bytes written by
orjson (about 0.7 ms for a 100-model board, against 2.3 ms through its pydantic model and
9.5 ms through FastAPI's generic ``dict`` path). ``response_model`` still puts its shape
in the OpenAPI schema; the tests check real boards of every variant against that model.
"""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from arena.api.deps import (
    BattlesDep,
    LeaderboardDep,
    MaybeVoterDep,
    PersonalDep,
    RosterDep,
    SettingsDep,
    StoreDep,
)
from arena.api.openapi import ERROR_RESPONSES
from arena.errors import BadRequest, NotFound
from arena.history import (
    DEFAULT_VARIANT,
    history_view,
    parse_moment,
    parse_snapshot_ref,
    published_view,
)
from arena.schemas import (
    BoardHistory,
    CaptchaInfo,
    Info,
    Leaderboard,
    PersonalBoard,
    PublishedSnapshot,
)
from arena.types import RankingMethod

router = APIRouter(prefix="/api", tags=["leaderboard"], responses=ERROR_RESPONSES)


def json_response(content: dict[str, Any]) -> Response:
    try:
        body = orjson.dumps(content)
    except TypeError:  # text orjson refuses (a lone surrogate): escaped instead
        body = json.dumps(content, separators=(",", ":")).encode()
    return Response(body, media_type="application/json")


@router.get("/leaderboard", response_model=Leaderboard)
async def leaderboard(board: LeaderboardDep, method: RankingMethod = "bt",
                      style_control: bool = False,
                      category: str | None = Query(default=None, max_length=100),
                      ipw: bool = False, side_control: bool = False) -> Response:
    return json_response(await board.get(method=method, style_control=style_control,
                                          category=category, ipw=ipw,
                                          side_control=side_control))


@router.get("/me/leaderboard", response_model=PersonalBoard)
async def my_leaderboard(voter: MaybeVoterDep, boards: PersonalDep) -> Response:
    """Your own board: your votes as you were told of them (all but those where a model
    gave its name away), shrunk toward the public board (prior SD ``prior_sd``). The
    voter is the cookie's, never a parameter; without a cookie or such a vote the answer
    is the empty state (``votes`` 0). It writes nothing."""
    out = json_response(await boards.get(voter.key if voter else None))
    out.headers["Cache-Control"] = "private, no-store"  # one voter's, never a shared cache's
    return out


MAX_HISTORY_MODELS = 50
MAX_HISTORY_LIMIT = 5000


@router.get("/leaderboard/history", response_model=BoardHistory)
async def leaderboard_history(
        store: StoreDep, roster: RosterDep,
        model: Annotated[list[str] | None, Query(
            description="only these models (repeat the parameter for several)")] = None,
        since: Annotated[str | None, Query(
            max_length=40, description="snapshots taken at or after this date or time "
                                       "(ISO 8601, UTC unless an offset is given)")] = None,
        until: Annotated[str | None, Query(
            max_length=40, description="snapshots taken at or before this; a bare date "
                                       "includes that whole day")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_HISTORY_LIMIT,
                                    description="the newest this many snapshots")] = 366,
        top: Annotated[int | None, Query(
            ge=1, le=1000, description="only the first this many models: the newest "
                                       "snapshot's best")] = None,
) -> Response:
    """The default board over time: one point per snapshot (daily, and on demand) for
    each model the board listed then."""
    models = model or []
    if len(models) > MAX_HISTORY_MODELS:
        raise BadRequest(f"At most {MAX_HISTORY_MODELS} model= filters; leave them out to "
                         "get every model", code="too_many_models")
    if any(not m or len(m) > 100 for m in models):
        raise BadRequest("Each model= must be a model's name (1-100 characters)",
                         code="bad_model")
    start = parse_moment("since", since)
    end = parse_moment("until", until, end_of_day=True)
    if start is not None and end is not None and start > end:
        raise BadRequest(f"The range is empty: since={since} is after until={until}; swap them",
                         code="bad_range")
    snaps = await store.snapshots(DEFAULT_VARIANT, since=start, until=end, limit=limit + 1)
    truncated = len(snaps) > limit
    # In a thread: a year of a 100-model board is 36,500 points (4 MB of JSON).
    return await asyncio.to_thread(lambda: json_response(history_view(
        snaps[1:] if truncated else snaps, models, top=top, truncated=truncated,
        unveiled=roster.unveiled)))


@router.get("/leaderboard/snapshots/{ref}", response_model=PublishedSnapshot)
async def leaderboard_snapshot(store: StoreDep, ref: Annotated[str, Path(
        max_length=40, description="the snapshot's id, or a UTC day (YYYY-MM-DD) for that "
                                   "day's daily snapshot")]) -> Response:
    """One snapshot of the default board, as it was kept: a permalink to cite, with the
    digest of its exact votes and its method so a reader can check it later
    (``arena history verify``). Snapshots are never changed or removed."""
    snapshot_id, day = parse_snapshot_ref(ref)
    snap = await store.snapshot(DEFAULT_VARIANT, snapshot_id=snapshot_id, day=day)
    if snap is None:
        raise NotFound(f"No snapshot {ref}: see /api/leaderboard/history for the ones kept",
                       code="no_snapshot")
    out = json_response(published_view(snap))
    out.headers["Cache-Control"] = "public, max-age=86400, immutable"
    return out


@router.get("/info", response_model=Info)
async def info(roster: RosterDep, settings: SettingsDep, battles: BattlesDep) -> Info:
    """What the page needs to know about this arena — never which model is where."""
    captcha = (CaptchaInfo(site_key=settings.captcha_site_key,
                           script_url=settings.captcha_script_url)
               if settings.captcha_verify_url else None)
    return Info(demo=roster.demo, models=len(roster.models), captcha=captcha,
                max_prompt_chars=settings.max_prompt_chars, max_turns=settings.max_turns,
                paused_models=sorted({roster.public(m) for m in
                                      [*battles.health.paused(probe=False),
                                       *battles.controls.out()]}),
                share_battles=settings.share_battles,
                add_models="Copy data/models.example.toml to models.toml, keep the models you "
                           "have keys or a local server for, then run "
                           "`arena serve --models models.toml`.")
