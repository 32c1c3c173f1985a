"""Battles: which models meet (``pairing``), one stream fanned out to many readers
(``fanout``), a turn run against both models (``turns``) and the service with the rules
(``service``)."""

from arena.battles.fanout import Event, Fanout, coalesce
from arena.battles.pairing import ActivePairing, Pair, PairChoice, Pairing
from arena.battles.service import BattleService, VoteOutcome
from arena.battles.turns import SideCall, TurnRun, clean_model_text

__all__ = ["ActivePairing", "BattleService", "Event", "Fanout", "Pair", "PairChoice", "Pairing",
           "SideCall", "TurnRun", "VoteOutcome", "clean_model_text", "coalesce"]
