"""Leaderboard and public info routes.

The board is served from memory on every request, so it leaves as JSON bytes written by
orjson (about 0.7 ms for a 100-model board, against 2.3 ms through its pydantic model and
9.5 ms through FastAPI's generic ``dict`` path). ``response_model`` still puts its shape
in the OpenAPI schema; the tests check real boards of every variant against that model.
"""

from __future__ import annotations

import json
from typing import Any, Literal

import orjson
from fastapi import APIRouter, Query
from fastapi.responses import Response

from arena.api.deps import BattlesDep, LeaderboardDep, RosterDep, SettingsDep
from arena.api.openapi import ERROR_RESPONSES
from arena.schemas import CaptchaInfo, Info, Leaderboard

router = APIRouter(prefix="/api", tags=["leaderboard"], responses=ERROR_RESPONSES)


def json_response(content: dict[str, Any]) -> Response:
    try:
        body = orjson.dumps(content)
    except TypeError:  # text orjson refuses (a lone surrogate): escaped instead
        body = json.dumps(content, separators=(",", ":")).encode()
    return Response(body, media_type="application/json")


@router.get("/leaderboard", response_model=Leaderboard)
async def leaderboard(board: LeaderboardDep, method: Literal["bt", "elo"] = "bt",
                      style_control: bool = False,
                      category: str | None = Query(default=None, max_length=100),
                      ipw: bool = False, side_control: bool = False) -> Response:
    return json_response(await board.get(method=method, style_control=style_control,
                                          category=category, ipw=ipw,
                                          side_control=side_control))


@router.get("/info", response_model=Info)
async def info(roster: RosterDep, settings: SettingsDep, battles: BattlesDep) -> Info:
    """What the page needs to know about this arena — never which model is where."""
    captcha = (CaptchaInfo(site_key=settings.captcha_site_key,
                           script_url=settings.captcha_script_url)
               if settings.captcha_verify_url else None)
    return Info(demo=roster.demo, models=len(roster.models), captcha=captcha,
                max_prompt_chars=settings.max_prompt_chars, max_turns=settings.max_turns,
                paused_models=sorted(battles.health.paused(probe=False)),
                add_models="Copy data/models.example.toml to models.toml, keep the models you "
                           "have keys or a local server for, then run "
                           "`arena serve --models models.toml`.")
