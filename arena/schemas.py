"""Request and response bodies, split by role.

The pre-vote views (``BattleView``, ``TurnView``, ``AnswerView``) have no model or
provider fields at all, so a forgotten field cannot leak a name: the names exist only in
``RevealedBattle`` and ``VoteResult``, which the API returns after the vote.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from arena import errors
from arena.store import AnswerRecord, BattleRecord
from arena.store import TurnView as StoredTurn
from arena.types import (
    AnswerStatus,
    BattleStatus,
    ExcludedReason,
    FinishReason,
    LeakSide,
    Side,
    TurnStatus,
    Winner,
)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PromptIn(_In):
    prompt: str = Field(min_length=1, description="what to ask both models")


class VoteIn(_In):
    winner: Winner


class AnswerView(BaseModel):
    text: str
    status: AnswerStatus
    finish_reason: FinishReason | None = None
    error: str | None = None  # anonymised: "model A is unavailable"


class TurnView(BaseModel):
    index: int
    attempt: int
    prompt: str
    status: TurnStatus
    a: AnswerView | None = None
    b: AnswerView | None = None


class BattleView(BaseModel):
    id: str
    status: BattleStatus
    votable: bool
    turns: list[TurnView]


class VoteResult(BaseModel):
    winner: Winner
    model_a: str
    model_b: str
    counted: bool
    excluded_reason: ExcludedReason | None = None
    leak_side: LeakSide | None = None
    explanation: str | None = None


class Failure(BaseModel):
    """A side that did not answer one attempt, with the real reason: shown only after the
    vote (before it, every failure reads as one public code)."""

    turn: int
    attempt: int
    side: Side
    code: str
    message: str


class RevealedBattle(BattleView):
    model_a: str
    model_b: str
    vote: VoteResult
    failures: list[Failure] = Field(default_factory=list)


def _answer(raw: AnswerRecord | None, side: Side) -> AnswerView | None:
    if raw is None:
        return None
    done = raw.status == "done"
    return AnswerView(text=raw.text, status=raw.status,
                      finish_reason=raw.finish_reason if done else None,
                      error=None if done
                      else errors.public_message(errors.public_code(raw.error_code), side))


def _turn(t: StoredTurn) -> TurnView:
    return TurnView(index=t.idx, attempt=t.attempt, prompt=t.prompt, status=t.status,
                    a=_answer(t.answers.get("a"), "a"), b=_answer(t.answers.get("b"), "b"))


def battle_view(b: BattleRecord) -> BattleView | RevealedBattle:
    base: dict[str, Any] = {
        "id": b.id, "status": b.status,
        "votable": b.status == "active" and b.latest is not None
        and b.latest.status == "done",
        "turns": [_turn(t) for t in b.turns]}
    if b.vote is None:
        return BattleView(**base)
    v = b.vote
    failures = [Failure(turn=t.idx, attempt=t.attempt, side=a.side,
                        code=a.error_code or errors.ProviderError.code,
                        message=errors.public_message(a.error_code, a.side))
                for t in b.attempts for a in t.answers.values() if a.status != "done"]
    return RevealedBattle(**base, model_a=b.model_a, model_b=b.model_b, failures=failures,
                          vote=VoteResult(winner=v.winner, model_a=v.model_a,
                                          model_b=v.model_b, counted=v.counted,
                                          excluded_reason=v.excluded_reason,
                                          leak_side=v.leak_side))
