"""Request and response bodies, split by role.

The pre-vote views (``BattleView``, ``TurnView``, ``AnswerView``) have no model or
provider fields at all, so a forgotten field cannot leak a name: the names exist only in
``RevealedBattle`` and ``VoteResult``, which the API returns after the vote.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from arena.battles import public_error
from arena.store import BattleRecord
from arena.store import TurnView as StoredTurn


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PromptIn(_In):
    prompt: str = Field(min_length=1, description="what to ask both models")


class VoteIn(_In):
    winner: Literal["a", "b", "tie", "both_bad"]


class AnswerView(BaseModel):
    text: str
    status: Literal["done", "error", "incomplete"]
    finish_reason: str | None = None
    error: str | None = None  # anonymised: "model A is unavailable"


class TurnView(BaseModel):
    index: int
    attempt: int
    prompt: str
    status: Literal["pending", "running", "done", "failed", "incomplete"]
    a: AnswerView | None = None
    b: AnswerView | None = None


class BattleView(BaseModel):
    id: str
    status: Literal["active", "voted"]
    votable: bool
    turns: list[TurnView]


class VoteResult(BaseModel):
    winner: str
    model_a: str
    model_b: str
    counted: bool
    excluded_reason: str | None = None
    leak_side: str | None = None
    explanation: str | None = None


class RevealedBattle(BattleView):
    model_a: str
    model_b: str
    vote: VoteResult


def _answer(raw: dict | None, side: str) -> AnswerView | None:
    if raw is None:
        return None
    return AnswerView(text=raw["text"], status=raw["status"],
                      finish_reason=raw["finish_reason"] if raw["status"] == "done" else None,
                      error=None if raw["status"] == "done"
                      else public_error(raw["error_code"], side))


def _turn(t: StoredTurn) -> TurnView:
    return TurnView(index=t.idx, attempt=t.attempt, prompt=t.prompt, status=t.status,
                    a=_answer(t.answers.get("a"), "a"), b=_answer(t.answers.get("b"), "b"))


def battle_view(b: BattleRecord) -> BattleView | RevealedBattle:
    base = {"id": b.id, "status": b.status,
            "votable": b.status == "active" and b.latest is not None
            and b.latest.status == "done",
            "turns": [_turn(t) for t in b.turns]}
    if b.vote is None:
        return BattleView(**base)
    v = b.vote
    return RevealedBattle(**base, model_a=b.model_a, model_b=b.model_b, vote=VoteResult(
        winner=v["winner"], model_a=v["model_a"], model_b=v["model_b"], counted=v["counted"],
        excluded_reason=v["excluded_reason"], leak_side=v["leak_side"]))
