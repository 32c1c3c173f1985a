"""The store: every read and write of the arena's tables (``store``), the records that
cross it (``records``), the one seam where PostgreSQL and SQLite differ (``dialect``), the
consistency check (``check``) and the board's snapshots over time (``history``)."""

from arena.store.records import (
    AnswerRecord,
    BattleActivity,
    BattleRecord,
    BoardSnapshot,
    CountedVote,
    DeadTurn,
    JudgedVote,
    OwnVote,
    Problem,
    ReviewedVote,
    SnapshotEntry,
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

__all__ = ["AnswerRecord", "BattleActivity", "BattleRecord", "BoardSnapshot", "CountedVote",
           "DeadTurn", "JudgedVote", "OwnVote", "Problem", "ReviewedVote", "SnapshotEntry", "Store",
           "StoredBattle", "TurnState", "TurnView", "VerdictChange", "VoteRecord",
           "VoteTotals", "VoteView", "aware", "utcnow"]
