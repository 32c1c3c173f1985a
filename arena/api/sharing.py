"""Battle permalinks (``ARENA_SHARE_BATTLES``): after voting, a voter may share a battle;
anyone with the link reads it at ``/b/{slug}`` (``arena/sharing.py`` says what is shown
and what is never shared)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import Response

from arena.api.deps import ServicesDep, StoreDep, VoterDep
from arena.api.openapi import ERROR_RESPONSES
from arena.errors import Conflict, Forbidden, NotFound
from arena.schemas import SharedBattle, SharedTurn, ShareLink
from arena.settings import Settings
from arena.sharing import SLUG, new_slug, private_data
from arena.store import BattleRecord

router = APIRouter(prefix="/api", tags=["sharing"], responses=ERROR_RESPONSES)


def _require_sharing(settings: Settings) -> None:
    if not settings.share_battles:
        raise Forbidden("This arena does not share battles (its operator has not turned "
                        "ARENA_SHARE_BATTLES on)", code="sharing_off")


def _link(slug: str) -> ShareLink:
    return ShareLink(slug=slug, url=f"/b/{slug}")


@router.post("/battles/{battle_id}/share", status_code=201, response_model=ShareLink)
async def share_battle(battle_id: str, voter: VoterDep, services: ServicesDep) -> ShareLink:
    """Share your battle after voting: its permalink (the same one if shared before).
    Refused (409 ``private_data``) when a prompt holds what looks like an e-mail address,
    a key, a token or a password: such a battle is never shared."""
    _require_sharing(services.settings)
    battle = await services.battles.view(battle_id, voter.key)  # 404 / 403 if not yours
    if battle.vote is None:
        raise Conflict("Vote first: a battle can be shared only after its vote",
                       code="not_voted")
    found = private_data(t.prompt for t in battle.attempts)
    if found is not None:
        raise Conflict(f"This battle is not shared: a prompt holds {found}. Battles whose "
                       "prompts hold private data are never shared", code="private_data")
    return _link(await services.store.share_battle(battle.id, new_slug()))


@router.delete("/battles/{battle_id}/share", status_code=204, response_class=Response)
async def unshare_battle(battle_id: str, voter: VoterDep, services: ServicesDep) -> Response:
    """Stop sharing your battle: its link answers 404 from now on (also when it was not
    shared)."""
    battle = await services.battles.view(battle_id, voter.key)
    await services.store.unshare_battle(battle.id)
    return Response(status_code=204)


def shared_view(slug: str, battle: BattleRecord) -> SharedBattle:
    assert battle.vote is not None  # only voted battles are shared
    return SharedBattle(
        slug=slug, url=f"/b/{slug}", model_a=battle.model_a, model_b=battle.model_b,
        winner=battle.vote.winner, day=battle.vote.created_at.date().isoformat(),
        turns=[SharedTurn(index=t.idx, prompt=t.prompt,
                          a=t.answers["a"].text if "a" in t.answers else None,
                          b=t.answers["b"].text if "b" in t.answers else None)
               for t in battle.turns])


@router.get("/shared/{slug}", response_model=SharedBattle)
async def shared_battle(store: StoreDep, services: ServicesDep,
                        slug: Annotated[str, Path(max_length=40)]) -> SharedBattle:
    """A battle its voter shared: both conversations, the two models and the vote."""
    battle = (await store.shared_battle(slug)
              if services.settings.share_battles and SLUG.fullmatch(slug) else None)
    if battle is None or battle.vote is None:
        raise NotFound("No shared battle here: the link is wrong, its voter stopped "
                       "sharing it, or this arena no longer shares battles", code="not_shared")
    return shared_view(slug, battle)
