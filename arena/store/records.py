"""The records that cross the store's boundary, in and out: dataclasses with the arena's
value types, never rows or prefixed dicts."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from arena.types import (
    AnswerStatus,
    BattleStatus,
    ExcludedReason,
    FinishReason,
    LeakSide,
    Review,
    Side,
    SnapshotKind,
    TurnStatus,
    Winner,
)

Conversation = list[dict[str, str]]


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(dt: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def maybe_aware(dt: datetime | None) -> datetime | None:
    return None if dt is None else aware(dt)


@dataclass(slots=True)
class AnswerRecord:
    """One side's answer to one attempt of a turn (written once, read back the same)."""

    side: Side
    model: str
    text: str
    status: AnswerStatus
    error_code: str | None = None  # the real code; voters see a public one before the vote
    finish_reason: FinishReason | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    ttft_ms: float | None = None
    total_ms: float | None = None
    leak_term: str | None = None


@dataclass(slots=True)
class TurnView:
    id: int
    idx: int
    attempt: int
    prompt: str
    status: TurnStatus
    finished_at: datetime | None
    claimed_at: datetime | None = None
    answers: dict[Side, AnswerRecord] = field(default_factory=dict)

    def text(self, side: Side) -> str:
        answer = self.answers.get(side)
        return answer.text if answer else ""


@dataclass(frozen=True, slots=True)
class TurnState:
    """Where a turn stands, as a reader waiting on another worker's run polls it."""

    status: TurnStatus
    lease_until: datetime | None
    claimed_at: datetime | None


@dataclass(frozen=True, slots=True)
class DeadTurn:
    """A running turn whose runner stopped renewing its lease, and what it had streamed."""

    id: int
    battle_id: str
    idx: int
    models: dict[Side, str]
    partial: dict[Side, str]


@dataclass(frozen=True, slots=True)
class VoteView:
    """A battle's vote as read back."""

    id: int
    winner: Winner
    model_a: str
    model_b: str
    counted: bool
    excluded_reason: ExcludedReason | None
    leak_side: LeakSide | None
    created_at: datetime


@dataclass(slots=True)
class BattleRecord:
    id: str
    voter_key: str
    model_a: str
    model_b: str
    propensity: float
    status: BattleStatus
    turn_count: int
    categories: list[str]
    created_at: datetime
    turns: list[TurnView]  # latest attempt of each turn, in order
    vote: VoteView | None
    leaks: dict[Side, str] = field(default_factory=dict)  # side → first term it gave away
    attempts: list[TurnView] = field(default_factory=list)  # every attempt, in order

    @property
    def latest(self) -> TurnView | None:
        return self.turns[-1] if self.turns else None


@dataclass(slots=True)
class VoteRecord:
    """A vote to write."""

    battle_id: str
    voter_key: str
    ip_hash: str | None
    model_a: str
    model_b: str
    winner: Winner
    counted: bool
    excluded_reason: ExcludedReason | None
    leak_side: LeakSide | None
    propensity: float
    turns: int
    conv_metadata: dict[str, Any] | None
    categories: list[str]
    seconds_to_vote: float | None
    too_fast: bool | None = None


@dataclass(frozen=True, slots=True)
class CountedVote:
    """What the leaderboard reads of a counted vote."""

    id: int
    model_a: str
    model_b: str
    winner: Winner
    propensity: float
    conv_metadata: dict[str, Any] | None
    categories: list[str]
    created_at: datetime
    turns: int
    voter_key: str = ""
    ip_hash: str | None = None
    counted: bool = True  # False: judged manipulated, read for down-weighting
    battle_id: str = ""  # the public download's question_id (the record's digest)


@dataclass(frozen=True, slots=True)
class OwnVote:
    """One of a voter's own counted votes, for their personal board."""

    id: int
    model_a: str
    model_b: str
    winner: Winner


@dataclass(frozen=True, slots=True)
class JudgedVote:
    """A vote as the rigging detection job reads it: one the board counts or one it left
    out as manipulated (leaks and capped votes are never re-judged)."""

    id: int
    voter_key: str
    ip_hash: str | None
    model_a: str
    model_b: str
    winner: Winner
    too_fast: bool
    counted: bool
    excluded_reason: ExcludedReason | None
    review: Review | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class BattleActivity:
    """Battles *started* (voted or not), per voter, per address and per model, and per
    voter and per address model by model: what no voter can bias, since names are hidden
    before the vote."""

    battles: int
    by_voter: dict[str, int]
    by_address: dict[str, int]
    by_model: dict[str, int]
    by_voter_model: dict[tuple[str, str], int] = field(default_factory=dict)
    by_address_model: dict[tuple[str, str], int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class VerdictChange:
    """What one run of the detection job changed."""

    excluded: int
    restored: int
    held: int = 0  # votes put on probation (or kept there)


@dataclass(frozen=True, slots=True)
class ReviewedVote:
    """A vote as an operator reviews it (``arena votes review`` / ``set``)."""

    id: int
    battle_id: str
    voter_key: str
    ip_hash: str | None
    model_a: str
    model_b: str
    winner: Winner
    counted: bool
    excluded_reason: ExcludedReason | None
    review: Review | None
    review_note: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class VoteTotals:
    counted_votes: int
    excluded_votes: dict[str, int]  # reason → votes
    last_vote_id: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class StoredBattle:
    """A voted battle as the export reads it: the vote and, when asked, both
    conversations (the latest attempt of each turn)."""

    battle_id: str
    model_a: str
    model_b: str
    winner: Winner
    counted: bool
    excluded_reason: ExcludedReason | None
    propensity: float
    turns: int
    conv_metadata: dict[str, Any] | None
    categories: list[str]
    created_at: datetime
    conversation_a: Conversation | None = None
    conversation_b: Conversation | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    """One inconsistency ``Store.check`` found."""

    kind: str
    battle_id: str
    detail: str


@dataclass(frozen=True, slots=True)
class SnapshotEntry:
    """One listed model in a snapshot of the board."""

    model: str
    rating: float | None
    ci_low: float | None
    ci_high: float | None
    votes: int
    rank: int


@dataclass(frozen=True, slots=True)
class BoardSnapshot:
    """The board at one moment: its listed models, and the newest vote it had seen.
    ``scheduled_day`` is the UTC day of a daily snapshot, None for one taken on demand."""

    taken_at: datetime
    variant: str
    scheduled_day: date | None
    last_vote_id: int
    counted_votes: int
    models: list[SnapshotEntry]
    id: int | None = None  # set once stored
    # The public record (arena/record.py); None for snapshots taken before it existed.
    votes_sha256: str | None = None
    method: dict[str, Any] | None = None

    @property
    def kind(self) -> SnapshotKind:
        return "on_demand" if self.scheduled_day is None else "daily"
