"""Request and response bodies, split by role.

The pre-vote views (``BattleView``, ``TurnView``, ``AnswerView``) have no model or
provider fields at all, so a forgotten field cannot leak a name: the names exist only in
``RevealedBattle`` and ``VoteResult``, which the API returns after the vote.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from arena import errors
from arena.store import AnswerRecord, BattleRecord
from arena.store import TurnView as StoredTurn
from arena.types import (
    TOLD_AS_COUNTED,
    AnswerStatus,
    BattleStatus,
    ExcludedReason,
    FinishReason,
    LeakSide,
    RankingMethod,
    Review,
    Side,
    SnapshotKind,
    TurnStatus,
    Winner,
)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PromptIn(_In):
    prompt: str = Field(min_length=1, description="what to ask both models")


class VoteIn(_In):
    winner: Winner
    # What the vote pays, when the arena asks for it (GET /api/info, POST /api/battles):
    pow_challenge: str | None = Field(default=None, max_length=200,
                                      description="the battle's pow.challenge, sent back")
    pow_nonce: str | None = Field(default=None, max_length=40,
                                  description="a nonce solving it (decimal digits)")
    captcha_token: str | None = Field(default=None, max_length=4096,
                                      description="the human check widget's token")


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


class PowView(BaseModel):
    """A proof-of-work to solve before voting: find a decimal nonce such that
    sha256(challenge + nonce) starts with ``difficulty`` zero bits. Names no model."""

    challenge: str
    difficulty: int


class BattleView(BaseModel):
    id: str
    status: BattleStatus
    votable: bool
    turns: list[TurnView]


class PoweredBattle(BattleView):
    """A battle view with the proof-of-work its vote must carry (when it is on), returned
    by the calls that start answers."""

    pow: PowView


def as_told(counted: bool, reason: ExcludedReason | None) -> tuple[bool, ExcludedReason | None]:
    """What a voter is told of its own vote. A vote over a daily cap reads as counted:
    saying so would tell a scripted voter the cap and when its window turns, while an
    honest voter past hundreds of votes a day loses nothing by not knowing. Leaks (and
    manipulation) are told as they are. A vote on probation reads as counted too: it will
    be unless it turns out rigged, and the probation is the churn test's secret."""
    return (True, None) if reason in TOLD_AS_COUNTED else (counted, reason)


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
    # model_validate: the stored status is a plain string, checked against the Literal here
    return TurnView.model_validate({"index": t.idx, "attempt": t.attempt, "prompt": t.prompt,
                                    "status": t.status, "a": _answer(t.answers.get("a"), "a"),
                                    "b": _answer(t.answers.get("b"), "b")})


def battle_view(b: BattleRecord, names: Mapping[str, str] | None = None,
                ) -> BattleView | RevealedBattle:
    """What a voter sees of their battle: after the vote, the models' public names
    (``names``: a codename for each veiled model, ``Roster.veiled``)."""
    base: dict[str, Any] = {
        "id": b.id, "status": b.status,
        "votable": b.status == "active" and b.latest is not None
        and b.latest.status == "done",
        "turns": [_turn(t) for t in b.turns]}
    if b.vote is None:
        return BattleView.model_validate(base)
    v = b.vote
    counted, reason = as_told(v.counted, v.excluded_reason)
    failures = [Failure(turn=t.idx, attempt=t.attempt, side=a.side,
                        code=a.error_code or errors.ProviderError.code,
                        message=errors.public_message(a.error_code, a.side))
                for t in b.attempts for a in t.answers.values() if a.status != "done"]
    public = names or {}
    model_a, model_b = public.get(b.model_a, b.model_a), public.get(b.model_b, b.model_b)
    return RevealedBattle(**base, model_a=model_a, model_b=model_b, failures=failures,
                          vote=VoteResult(winner=v.winner, model_a=model_a,
                                          model_b=model_b, counted=counted,
                                          excluded_reason=reason,
                                          leak_side=v.leak_side))


# --- post-vote public data: the leaderboard and what the page needs to know --------------


class _Out(BaseModel):
    """A response body the server builds itself; ``forbid`` makes the schema tests notice a
    field the board gained but the model does not declare yet."""

    model_config = ConfigDict(extra="forbid")


class PromptCheck(_Out):
    """``POST /api/prompts/check``: what the page should tell the voter before sending."""

    identity_question: bool = Field(description="the prompt asks the models who they are")
    warning: str | None = Field(description="a sentence to show the voter, or None")


class BoardEntry(_Out):
    model: str
    rating: float | None = Field(description="Elo scale; None only if the fit diverged")
    ci_low: float | None = Field(description="low end of the 95% interval")
    ci_high: float | None = Field(description="high end of the 95% interval")
    rank: int = Field(description="1 + the listed models whose interval lies wholly above")
    rank_spread: tuple[int, int] = Field(
        description="best and worst rank the model can plausibly hold; all models' spreads "
                    "hold together with 95% probability (max-|t| step-down over all pairs)")
    tier: int = Field(description="1 = top; every model of a better tier is surely above "
                                  "every model of a worse one, jointly at 95%")
    swap_votes: int | None = Field(
        default=None, description="plain Bradley-Terry: the fewest votes whose removal puts "
                                  "the next model below above this one (checked by a refit); "
                                  "None for the last model or where none was found")
    votes: int = Field(description="battles the model took part in")
    wins: int
    losses: int
    ties: int
    both_bad: int
    win_rate: float | None = Field(description="ties and both-bad count as half a win")
    elo: float | None = Field(description="online Elo over the votes in order")
    rank_change: int | None = Field(
        default=None, description="style control only: plain rank minus styled rank "
                                  "(positive: the model climbs once style is held equal)")
    provisional: bool = Field(
        default=False, description="the server's boards: fewer votes than "
                                   "ARENA_PROVISIONAL_VOTES, so the rating may still move a lot")


class UnlistedModel(_Out):
    model: str
    votes: int
    reason: str


class Anchor(_Out):
    model: str
    rating: float


class Matrices(_Out):
    """Row model against column model, in board order; ``None`` on the diagonal and for
    pairs that never met."""

    models: list[str]
    win_rate: list[list[float | None]]
    battles: list[list[int]]
    predicted: list[list[float | None]] = Field(
        description="the fit's expected score of the row against the column (Davidson: "
                    "P(win) + half P(tie), comparable to win_rate)")


class StyleSection(_Out):
    coefficients: dict[str, float]
    coefficients_elo: dict[str, float]
    ci: dict[str, list[float]]
    features: str
    feature_mean: dict[str, float]
    feature_std: dict[str, float]
    battles: int


class SideSection(_Out):
    """The advantage of the answer shown on the left (side A): P(A beats B) =
    σ(θ_A − θ_B + h)."""

    elo: float | None = Field(description="h in Elo points; positive: the left answer is "
                                          "favoured")
    ci: tuple[float | None, float | None] = Field(description="95% interval of h, Elo points")
    a_win_share: float | None = Field(description="share of decided votes (a win either way) "
                                                  "that side A won; None without any")
    battles: int = Field(description="the battles h was fitted on (the main group's)")


class BoardTotals(_Out):
    models: int
    battles: int
    counted_votes: int = Field(description="counted votes the board was computed from")
    excluded_votes: dict[str, int] = Field(description="votes left out, by reason")
    last_vote_id: int = Field(description="the newest vote the board has seen")


class NeighbourSwap(_Out):
    above: str
    below: str
    position: int = Field(description="the upper model's place in rating order, 1 = top")
    votes: int | None = Field(description="the fewest votes found whose removal swaps the "
                                          "two, confirmed by refitting without them")
    share: float | None = Field(description="those votes as a share of all the board's")


class Fragility(_Out):
    """How many votes the order rests on (plain Bradley-Terry boards)."""

    pairs: list[NeighbourSwap]
    handful: int = Field(description="a pair that this many votes or fewer swap is fragile")
    fragile: bool = Field(description="some neighbouring pair is fragile")


class DavidsonSection(_Out):
    """The Davidson model's tie parameter: P(tie) = ν√(π_i π_j) / (π_i + π_j + ν√(π_i π_j)),
    both-bad votes counted as ties."""

    nu: float = Field(description="the tie parameter ν (maximum a posteriori)")
    nu_ci: tuple[float, float] = Field(description="95% interval of ν")
    tie_rate_at_equal: float = Field(description="P(tie) between two equal models, ν/(2+ν)")
    tie_rate_at_equal_ci: tuple[float, float] = Field(description="95% interval of it")
    draws: int = Field(description="votes fitted as ties: ties plus both-bad")


class InfluentialGroup(_Out):
    id: str = Field(description="a short prefix of the voter's or address's hash")
    votes: int = Field(description="its votes on the board")
    share: float = Field(description="its share of the board's vote weight")
    max_elo_change: float = Field(description="the largest change of any model's rating, "
                                              "in Elo, were its votes left out")


class BoardInfluence(_Out):
    """Leave-one-out influence on the default board's votes, most influential first."""

    voters: list[InfluentialGroup]
    addresses: list[InfluentialGroup]


class Leaderboard(_Out):
    """``GET /api/leaderboard``. Fields may be added; none named here go away."""

    method: RankingMethod
    style_control: bool
    side_control: bool = Field(description="ratings fitted jointly with the left side's "
                                           "advantage h")
    category: str | None
    ipw: bool
    ci_method: Literal["bootstrap", "sandwich"]
    bootstrap_rounds: int | None
    min_votes: int
    provisional_votes: int | None = Field(
        default=None, description="the server's boards: votes a model needs before its "
                                  "rating is no longer marked provisional")
    prior_sd: float | None = Field(
        description="Bradley-Terry and Davidson: the ratings' normal prior, its SD in Elo "
                    "points (from a ridge of 1e-4 when no prior was asked for); None for "
                    "online Elo")
    anchor: Anchor | None
    models: list[BoardEntry]
    unlisted: list[UnlistedModel]
    components: list[list[str]] | None = Field(
        default=None, description="only when the battles fall into unconnected groups")
    fragility: Fragility | None = Field(
        default=None, description="plain Bradley-Terry: the votes each neighbouring pair's "
                                  "order rests on")
    matrices: Matrices
    style: StyleSection | None = Field(default=None, description="only with style control")
    davidson: DavidsonSection | None = Field(
        default=None, description="method davidson only: the tie parameter")
    side: SideSection | None = Field(default=None, description="the left side's advantage "
                                                               "(None on an empty board)")
    totals: BoardTotals
    warnings: list[str]
    influence: BoardInfluence | None = Field(
        default=None, description="the server's board: the voters and addresses that move "
                                  "it most (pseudonymous)")
    demo: bool = Field(description="the built-in demo roster is serving")
    updated_at: str = Field(description="when the board was computed (ISO 8601, UTC)")


class PersonalEntry(_Out):
    model: str
    rating: float = Field(description="your rating (Elo scale): the public rating moved by "
                                      "your own votes")
    ci_low: float = Field(description="low end of the 95% interval of your rating")
    ci_high: float = Field(description="high end of the 95% interval of your rating")
    votes: int = Field(description="your votes the model took part in")
    rank: int = Field(description="the model's place on your board, 1 = top")
    public_rating: float
    public_rank: int = Field(description="the model's place on the public board, 1 = top")
    difference: float = Field(description="your rating minus the public rating")


class PersonalBoard(_Out):
    """``GET /api/me/leaderboard``: the requesting voter's own board. Never another
    voter's, never written anywhere, only models the public board lists."""

    votes: int = Field(description="your votes between listed models, as you were told "
                                   "of them: all but those a model leaked its name in (0: "
                                   "the empty state, with ``models`` empty and a "
                                   "``message``)")
    left_out: int = Field(description="such votes with a model the public board does not "
                                      "list")
    prior_sd: float = Field(description="how far (SD, Elo points) your ratings may stray "
                                        "from the public ones before your votes say so")
    spearman: float | None = Field(description="rank correlation of your board with the "
                                               "public one (None with no votes)")
    above: list[str] = Field(description="the models you rate most above the public board")
    below: list[str] = Field(description="the models you rate most below the public board")
    models: list[PersonalEntry] = Field(description="every listed model, by your rating")
    message: str | None = Field(description="what the empty state means; None otherwise")
    board_updated_at: str = Field(description="when the public board it starts from was "
                                              "computed (ISO 8601, UTC)")


class SnapshotInfo(_Out):
    taken_at: str = Field(description="when the snapshot was taken (ISO 8601, UTC)")
    kind: SnapshotKind = Field(description="daily: the once-a-day job; on_demand: an "
                                           "operator's `arena history snapshot`")
    day: str | None = Field(description="the UTC day of a daily snapshot, else None")
    last_vote_id: int = Field(description="the newest vote the board had seen")
    counted_votes: int = Field(description="counted votes the board was computed from")
    models: int = Field(description="listed models in the snapshot")
    id: int = Field(description="the snapshot's id, as in its permalink")
    permalink: str = Field(description="the snapshot itself, for citing: "
                                       "/api/leaderboard/snapshots/{id}")


class HistoryPoint(_Out):
    taken_at: str
    rating: float | None
    ci_low: float | None = Field(description="low end of the 95% interval")
    ci_high: float | None = Field(description="high end of the 95% interval")
    votes: int
    rank: int


class ModelHistory(_Out):
    model: str
    points: list[HistoryPoint] = Field(description="oldest first; only the snapshots in "
                                                   "which the board listed the model")


class BoardHistory(_Out):
    """``GET /api/leaderboard/history``: the default board over time."""

    variant: Literal["default"] = Field(description="the board kept: Bradley-Terry, all "
                                                    "battles, no style control")
    snapshots: list[SnapshotInfo] = Field(description="oldest first")
    models: list[ModelHistory] = Field(description="one series per model, in the newest "
                                                   "snapshot's order, then models that "
                                                   "left the board")
    truncated: bool = Field(description="older snapshots in the range were left out "
                                        "(raise limit, or narrow since/until)")


class SnapshotModel(_Out):
    model: str
    rating: float | None
    ci_low: float | None = Field(description="low end of the 95% interval")
    ci_high: float | None = Field(description="high end of the 95% interval")
    votes: int
    rank: int


class PublishedSnapshot(_Out):
    """``GET /api/leaderboard/snapshots/{id}``: one snapshot of the board, immutable, with
    what a reader needs to check it (the README's "The public record")."""

    id: int
    permalink: str = Field(description="this snapshot's address (by id: never reused)")
    taken_at: str
    kind: SnapshotKind
    day: str | None = Field(description="the UTC day of a daily snapshot, else None")
    variant: Literal["default"]
    last_vote_id: int = Field(description="the newest vote the board had seen")
    counted_votes: int = Field(description="counted votes the board was computed from")
    votes_sha256: str | None = Field(
        description="SHA-256 of the exact counted votes (one line 'question_id TAB model_a "
                    "TAB model_b TAB winner' per vote, sorted); None for a snapshot taken "
                    "before the record kept it")
    method: dict[str, Any] | None = Field(
        description="the ranking method and the settings the board was computed with")
    battles: str = Field(description="the public download of these votes, to check the "
                                     "digest and compute the board again")
    models: list[SnapshotModel] = Field(description="the listed models, in board order")


class ShareLink(_Out):
    """``POST /api/battles/{id}/share``: the battle's permalink (the same on every call)."""

    slug: str
    url: str = Field(description="the shared battle's page, /b/{slug}")


class SharedTurn(_Out):
    index: int
    prompt: str
    a: str | None = Field(description="model A's answer as the voter last saw it")
    b: str | None = Field(description="model B's answer as the voter last saw it")


class SharedBattle(_Out):
    """``GET /api/shared/{slug}``: a battle its voter shared after voting. Never the voter,
    the address, or whether the vote was counted."""

    slug: str
    url: str
    model_a: str
    model_b: str
    winner: Winner
    day: str = Field(description="the UTC day of the vote")
    turns: list[SharedTurn]


# --- the operator console (/api/admin/*) ------------------------------------------------


class AdminLogin(_In):
    token: str = Field(min_length=1, max_length=500)
    name: str = Field(min_length=1, max_length=60, pattern=r"^[\w .@'-]+$",
                      description="your name, for the audit log")


class AdminMe(_Out):
    actor: str


class ReviewIn(_In):
    review: Literal["counted", "excluded", "auto"] = Field(
        description="pin the vote counted or excluded; auto: the detection job decides")
    note: str = Field(min_length=1, max_length=500, description="why (kept with the vote "
                                                                "and in the audit log)")


class AdminVote(_Out):
    battle_id: str
    created_at: str
    model_a: str
    model_b: str
    winner: Winner
    counted: bool
    excluded_reason: ExcludedReason | None
    review: Review | None
    review_note: str | None
    voter: str = Field(description="the voter's key, shortened (a pseudonym)")
    address: str | None = Field(description="the address's keyed hash, shortened")


class AdminVotes(_Out):
    votes: list[AdminVote]
    totals: dict[str, Any] = Field(description="counted votes and excluded ones by reason")


class AdminBattle(_Out):
    id: str
    created_at: str
    model_a: str
    model_b: str
    status: str
    turns: int
    categories: list[str]
    prompt: str
    winner: Winner | None
    counted: bool | None
    excluded_reason: ExcludedReason | None


class AdminBattles(_Out):
    battles: list[AdminBattle]
    total: int = Field(description="battles matching the filters")


class RegisterEntry(_Out):
    model: str
    state: Literal["active", "paused", "weight_zero", "retired"] = Field(
        description="active; paused (by an operator, or by this worker for failing); "
                    "weight_zero: kept out of new battles by its weight; retired: by an "
                    "operator, or no longer in the roster")
    control: Literal["paused", "retired"] | None = Field(
        default=None, description="an operator's live control, if any")
    control_note: str | None = None
    weight: float = Field(default=0.0, description="the weight in force (the roster's, or "
                                                   "an operator's)")
    overrides: dict[str, Any] = Field(
        default_factory=dict, description="what an operator set live: weight, max_tokens, "
                                          "temperature, system_prompt")
    codename: str | None = Field(description="the public name it plays (or played) under")
    unveiled: bool = Field(description="its codename is lifted: boards show its name")
    first_battle: str | None
    last_battle: str | None
    battles: int
    votes: int
    counted_votes: int


class PublicModel(_Out):
    model: str = Field(description="its public name (a codename while it plays under one)")
    state: Literal["active", "paused", "retired"] = Field(
        description="retired: no longer in new battles (its record stays here and on the "
                    "board); paused: out of new battles for now")
    first_battle: str | None = Field(description="UTC day of its first battle")
    last_battle: str | None = Field(description="UTC day of its last battle")
    battles: int
    votes: int


class PublicModels(_Out):
    """``GET /api/models``: every model this arena has tested, retired ones included."""

    models: list[PublicModel]


class ModelControlIn(_In):
    """Fields left out stay as they are; a field given as null goes back to the roster's."""

    state: Literal["active", "paused", "retired"] | None = Field(
        default=None, description="paused or retired: out of new battles on every worker "
                                  "within seconds (its board and history stay); active: back")
    weight: float | None = Field(default=None, ge=0, le=1_000_000, allow_inf_nan=False)
    max_tokens: int | None = Field(default=None, ge=1, le=1_000_000)
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    system_prompt: str | None = Field(default=None, max_length=20_000)
    note: str = Field(min_length=1, max_length=500, description="why (the audit log)")


class Register(_Out):
    models: list[RegisterEntry]


class InviteIn(_In):
    label: str | None = Field(default=None, max_length=100, description="e.g. a class name")
    uses: int | None = Field(default=None, ge=1, le=100_000,
                             description="how many browsers may join with it (None: any)")
    expires_days: float = Field(default=7.0, gt=0, le=366, description="days it stays valid")


class RevokeIn(_In):
    note: str | None = Field(default=None, max_length=500, description="why (audit log)")


class AdminInvite(_Out):
    id: str
    label: str | None
    state: Literal["open", "expired", "used_up", "revoked"]
    uses: int
    max_uses: int | None
    voters: int = Field(description="browsers that joined with it")
    votes: int = Field(description="votes those voters cast")
    created_at: str
    expires_at: str


class AdminInvites(_Out):
    mode: str = Field(description="ARENA_ACCESS: the links work only in invite mode")
    invites: list[AdminInvite]


class NewInvite(_Out):
    invite: AdminInvite
    url: str = Field(description="the link to hand out: /invite/{id}.{signature}, signed "
                                 "with ARENA_SECRET_KEY")


class AdminRefusal(_Out):
    id: int
    at: str
    voter: str = Field(description="the voter's key, shortened (a pseudonym)")
    address: str | None = Field(description="the address's keyed hash, shortened")
    battle_id: str | None = Field(description="the battle of a refused follow-up prompt")
    prompt: str = Field(description="the prompt as sent (its first 2,000 characters)")
    reason: str = Field(description="the moderation policy's words")


class AdminRefusals(_Out):
    refusals: list[AdminRefusal]


class AuditRow(_Out):
    id: int
    at: str
    actor: str
    action: str
    target: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    note: str | None


class AuditLog(_Out):
    entries: list[AuditRow]


class Category(_Out):
    name: str
    votes: int


class Categories(_Out):
    categories: list[Category]


class Info(_Out):
    """What the page needs to know about this arena — never which model is where."""

    demo: bool
    models: int
    max_prompt_chars: int
    max_turns: int
    add_models: str
    captcha: CaptchaInfo | None = None  # the human check the page must show before a vote
    # Models this worker has paused for new battles (failing answers; arena.battles.health).
    # Names are public on the board; which model is in a battle is never said.
    paused_models: list[str] = []
    share_battles: bool = False  # a voter may share a battle after its vote (ARENA_SHARE_BATTLES)


class CaptchaInfo(_Out):
    site_key: str
    script_url: str = Field(description="the vendor's widget script (Turnstile, hCaptcha or "
                            "reCAPTCHA: all three render(element, {sitekey, callback}))")


class ErrorDetail(_Out):
    code: str = Field(description="machine-readable, e.g. rate_limited, invalid_request")
    message: str = Field(description="what went wrong and how to fix it")
    details: dict[str, Any] | None = Field(default=None, description="e.g. problems")


class ErrorBody(_Out):
    """The one error shape of every route."""

    error: ErrorDetail
