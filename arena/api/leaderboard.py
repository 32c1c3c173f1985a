"""Leaderboard and public info routes."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request

router = APIRouter(prefix="/api", tags=["leaderboard"])


@router.get("/leaderboard")
async def leaderboard(request: Request, method: Literal["bt", "elo"] = "bt",
                      style_control: bool = False,
                      category: str | None = Query(default=None, max_length=100),
                      ipw: bool = False) -> dict[str, Any]:
    return await request.app.state.leaderboard.get(
        method=method, style_control=style_control, category=category, ipw=ipw)


@router.get("/info")
async def info(request: Request) -> dict[str, Any]:
    """What the page needs to know about this arena — never which model is where."""
    state = request.app.state
    return {"demo": state.roster.demo, "models": len(state.roster.models),
            "max_prompt_chars": state.settings.max_prompt_chars,
            "max_turns": state.settings.max_turns,
            "add_models": "Copy data/models.example.toml to models.toml, keep the models you "
                          "have keys or a local server for, then run "
                          "`arena serve --models models.toml`."}
