"""Ratings for the arena: Bradley–Terry with confidence intervals, online Elo, style
control, categories and inverse-propensity weighting — pure numpy, no database, no web.

The server and the offline ``arena leaderboard`` command both call::

    battles = Battles.from_records(records)      # or from_arrays / from_counts
    board = compute_leaderboard(battles, method="bt", ...)

and show ``board`` as it is (it is JSON-ready). Importing this package has no side effects.
"""

from arena.ranking.battles import A_WINS, B_WINS, BOTH_BAD, TIE, Battles
from arena.ranking.categories import detect_categories
from arena.ranking.io import read_battles, write_battles
from arena.ranking.leaderboard import DEFAULT_MIN_VOTES, compute_leaderboard
from arena.ranking.style import conv_metadata

__all__ = [
    "A_WINS",
    "B_WINS",
    "BOTH_BAD",
    "DEFAULT_MIN_VOTES",
    "TIE",
    "Battles",
    "compute_leaderboard",
    "conv_metadata",
    "detect_categories",
    "read_battles",
    "write_battles",
]
