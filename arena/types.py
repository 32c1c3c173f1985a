"""The arena's closed lists of values, each written once.

Who won, why an answer stopped, why a vote is not counted: every layer (the request
schemas, the battle service, the store, the export and the ranking) imports its list
from here, so adding a value is one edit. A vendor's own values (Anthropic's
``end_turn``, OpenAI's ``content_filter``) are mapped to these in that vendor's adapter
and nowhere else.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

Winner = Literal["a", "b", "tie", "both_bad"]
WINNERS: Final[tuple[Winner, ...]] = get_args(Winner)

Side = Literal["a", "b"]
SIDES: Final[tuple[Side, ...]] = get_args(Side)

# A side's answer to one attempt of a turn.
AnswerStatus = Literal["done", "error", "incomplete"]

# pending → running → done | failed | incomplete
TurnStatus = Literal["pending", "running", "done", "failed", "incomplete"]

# active → voted; a battle is never deleted.
BattleStatus = Literal["active", "voted"]

# Why an answer stopped, the same for every provider, so the stream before the vote
# cannot tell providers apart.
FinishReason = Literal["stop", "length", "filtered"]

# Why a vote is stored but left out of the board. A new reason is one more value here.
ExcludedReason = Literal["identity_leak", "vote_cap", "manipulation", "probation"]
EXCLUDED_REASONS: Final[tuple[ExcludedReason, ...]] = get_args(ExcludedReason)
# The reasons a voter is told its vote counted (``schemas.as_told``): saying otherwise
# would give a scripted voter its cap or its probation.
TOLD_AS_COUNTED: Final[tuple[ExcludedReason, ...]] = ("vote_cap", "probation")

# An operator's pinned decision on one vote, which the detection job never overrides.
Review = Literal["counted", "excluded"]

# What the board does with votes judged manipulated: leave them out, or weigh them less.
ManipulationAction = Literal["exclude", "downweight"]
AccessMode = Literal["open", "invite", "sso"]  # who may vote (ARENA_ACCESS)

# How a snapshot of the board was taken: the once-a-day job, or an operator's command.
SnapshotKind = Literal["daily", "on_demand"]

# Which sides gave their model away.
LeakSide = Literal["a", "b", "ab"]

# The Chatbot Arena battle format spells the winner its own way; this is the one
# translation, used by the export and read back by the ranking.
ARENA_WINNER: Final[dict[Winner, str]] = {
    "a": "model_a", "b": "model_b", "tie": "tie", "both_bad": "tie (bothbad)"}

# How the board rates models: Bradley–Terry (ties as half wins), online Elo, or the
# Davidson model (ties as their own outcome).
RankingMethod = Literal["bt", "elo", "davidson"]
RANKING_METHODS: Final[tuple[RankingMethod, ...]] = get_args(RankingMethod)

# How the two models of a battle are chosen (ARENA_PAIRING): by the roster's weights, or
# where a vote decides the board's order (arena.battles.pairing.ActivePairing).
PairingPolicy = Literal["weighted", "active"]
PAIRING_POLICIES: Final[tuple[PairingPolicy, ...]] = get_args(PairingPolicy)
