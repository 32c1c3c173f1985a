"""Battle routes: create, view, stream (SSE), follow-up turn, regenerate, stop, vote."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import orjson
from fastapi import APIRouter, Response
from fastapi.responses import StreamingResponse

from arena.api.deps import (
    BattlesDep,
    IpHashDep,
    NewVoterDep,
    RemoteIpDep,
    Services,
    ServicesDep,
    VoterDep,
    rate_limit,
    set_voter_cookie,
)
from arena.api.openapi import ERROR_RESPONSES
from arena.battles import Event
from arena.integrity.gate import VoteProof
from arena.ops.metrics import Metrics
from arena.schemas import (
    BattleView,
    PoweredBattle,
    PowView,
    PromptIn,
    RevealedBattle,
    VoteIn,
    VoteResult,
    as_told,
    battle_view,
)

router = APIRouter(prefix="/api/battles", tags=["battles"], responses=ERROR_RESPONSES)


def with_pow(services: Services, view: BattleView, voter_key: str,
             address: str | None) -> BattleView:
    """A fresh challenge with every call that starts answers, so one that expired during a
    long battle is replaced by the next turn. A client the detection job found suspect is
    asked for more work (up to ``ARENA_POW_MAX_EXTRA_BITS`` more bits)."""
    if services.gate.pow is None:
        return view
    suspicion = (services.detection.suspicion(voter_key, address)
                 if services.detection is not None else 0.0)
    challenge = services.gate.challenge(view.id, suspicion)
    if challenge is None or view.status != "active":
        return view
    return PoweredBattle(**dict(view), pow=PowView(challenge=challenge.challenge,
                                                   difficulty=challenge.difficulty))


@router.post("", status_code=201, response_model=BattleView | PoweredBattle)
async def create_battle(body: PromptIn, response: Response, services: ServicesDep,
                        voter: NewVoterDep, address: IpHashDep) -> BattleView:
    await rate_limit(services, address, "battles", voter)
    battle = await services.battles.start(body.prompt, voter_key=voter.key, ip_hash=address)
    set_voter_cookie(services.settings, response, voter)
    return with_pow(services, battle_view(battle), voter.key, address)


@router.get("/{battle_id}", response_model=BattleView | RevealedBattle)
async def get_battle(battle_id: str, voter: VoterDep, svc: BattlesDep) -> BattleView:
    return battle_view(await svc.view(battle_id, voter.key), svc.roster.veiled)


def sse_frame(name: str, data: dict[str, Any]) -> bytes:
    """One server-sent event. orjson writes compact UTF-8 in a tenth of the standard
    library's time; text it refuses (a lone surrogate) goes out escaped instead."""
    try:
        payload = orjson.dumps(data)
    except orjson.JSONEncodeError:
        payload = json.dumps(data, separators=(",", ":")).encode()
    return b"event: " + name.encode() + b"\ndata: " + payload + b"\n\n"


def _sse(events: AsyncIterator[Event], metrics: Metrics) -> AsyncIterator[bytes]:
    async def gen() -> AsyncIterator[bytes]:
        with metrics.stream_open():  # until the stream ends or its reader leaves
            yield b": stream open\n\n"  # flush headers at once: the page knows it is live
            async for name, data in events:
                yield sse_frame(name, data)

    return gen()


@router.get("/{battle_id}/stream", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}}})
async def stream_battle(battle_id: str, voter: VoterDep, svc: BattlesDep) -> StreamingResponse:
    events = await svc.stream(battle_id, voter_key=voter.key)
    return StreamingResponse(_sse(events, svc.metrics), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@router.post("/{battle_id}/turns", response_model=BattleView | PoweredBattle)
async def add_turn(battle_id: str, body: PromptIn, voter: VoterDep, services: ServicesDep,
                   address: IpHashDep) -> BattleView:
    await rate_limit(services, address, "battles", voter)
    return with_pow(services, battle_view(
        await services.battles.add_turn(battle_id, body.prompt, voter_key=voter.key)),
        voter.key, address)


@router.post("/{battle_id}/regenerate", response_model=BattleView | PoweredBattle)
async def regenerate(battle_id: str, voter: VoterDep, services: ServicesDep,
                     address: IpHashDep) -> BattleView:
    await rate_limit(services, address, "battles", voter)
    return with_pow(services, battle_view(
        await services.battles.regenerate(battle_id, voter_key=voter.key)),
        voter.key, address)


@router.post("/{battle_id}/stop", response_model=BattleView)
async def stop_battle(battle_id: str, voter: VoterDep, svc: BattlesDep) -> BattleView:
    return battle_view(await svc.stop(battle_id, voter_key=voter.key))


@router.post("/{battle_id}/vote", response_model=VoteResult)
async def vote(battle_id: str, body: VoteIn, voter: VoterDep, services: ServicesDep,
               address: IpHashDep, ip: RemoteIpDep) -> VoteResult:
    await rate_limit(services, address, "votes", voter)
    proof = VoteProof(pow_challenge=body.pow_challenge, pow_nonce=body.pow_nonce,
                      captcha_token=body.captcha_token)
    out = await services.battles.vote(battle_id, body.winner, voter_key=voter.key,
                                      ip_hash=address, proof=proof, remote_ip=ip,
                                      identity=voter.identity)
    counted, reason = as_told(out.counted, out.excluded_reason)
    public = services.roster.public  # a veiled model is revealed by its codename
    return VoteResult(winner=body.winner, model_a=public(out.model_a),
                      model_b=public(out.model_b),
                      counted=counted, excluded_reason=reason,
                      leak_side=out.leak_side, explanation=out.explanation)
