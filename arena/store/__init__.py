"""The store: every read and write of the arena's tables (``store``), the records that
cross it (``records``), the one seam where PostgreSQL and SQLite differ (``dialect``) and
the consistency check (``check``)."""

from arena.store.records import (
    AnswerRecord,
    BattleRecord,
    CountedVote,
    DeadTurn,
    Problem,
    StoredBattle,
    TurnState,
    TurnView,
    VoteRecord,
    VoteTotals,
    VoteView,
    aware,
    utcnow,
)
from arena.store.store import Store

__all__ = ["AnswerRecord", "BattleRecord", "CountedVote", "DeadTurn", "Problem", "Store",
           "StoredBattle", "TurnState", "TurnView", "VoteRecord", "VoteTotals", "VoteView",
           "aware", "utcnow"]
