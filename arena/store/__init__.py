"""The store: every read and write of the arena's tables (``store``), the records that
cross it (``records``), the one seam where PostgreSQL and SQLite differ (``dialect``) and
the consistency check (``check``)."""

from arena.store.records import (
    AnswerRecord,
    BattleActivity,
    BattleRecord,
    CountedVote,
    DeadTurn,
    JudgedVote,
    Problem,
    ReviewedVote,
    StoredBattle,
    TurnState,
    TurnView,
    VerdictChange,
    VoteRecord,
    VoteTotals,
    VoteView,
    aware,
    utcnow,
)
from arena.store.store import Store

__all__ = ["AnswerRecord", "BattleActivity", "BattleRecord", "CountedVote", "DeadTurn",
           "JudgedVote", "Problem", "ReviewedVote", "Store", "StoredBattle", "TurnState",
           "TurnView", "VerdictChange", "VoteRecord", "VoteTotals", "VoteView", "aware",
           "utcnow"]
