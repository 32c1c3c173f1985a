"""Online Elo, kept for reference next to Bradley–Terry.

Online Elo depends on the order of the battles and its K factor trades noise for lag, so
it is not the arena's headline rating; it is shown because voters know it and because
Chatbot Arena published it (K = 4, base 10, scale 400, start 1000). Ties and both-bad
votes score one half for each side.

The loop is plain Python over floats: per battle it is a handful of float operations,
which beats numpy's per-call overhead for a strictly sequential recurrence.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from arena.ranking.battles import A_WINS, B_WINS, Battles

K_FACTOR = 4.0
BASE = 10.0
SCALE = 400.0
INITIAL = 1000.0


def online_elo(
    model_a: npt.NDArray[np.int64],
    model_b: npt.NDArray[np.int64],
    outcome: npt.NDArray[np.int8],
    m: int,
    *,
    k: float = K_FACTOR,
    base: float = BASE,
    scale: float = SCALE,
    initial: float = INITIAL,
) -> npt.NDArray[np.float64]:
    """Elo ratings after playing the battles in the order given."""
    ratings = [initial] * m
    # Score of side A per outcome code: A wins, B wins, tie, both bad.
    score_of = [1.0, 0.0, 0.5, 0.5]
    assert A_WINS == 0 and B_WINS == 1
    for a, b, o in zip(model_a.tolist(), model_b.tolist(), outcome.tolist(), strict=True):
        ra, rb = ratings[a], ratings[b]
        expected_a = 1.0 / (1.0 + base ** ((rb - ra) / scale))
        delta = k * (score_of[o] - expected_a)
        ratings[a] = ra + delta
        ratings[b] = rb - delta
    return np.array(ratings)


def battles_elo(battles: Battles, **params: float) -> npt.NDArray[np.float64]:
    """Online Elo over ``battles`` in chronological order (file order where no tstamp)."""
    assert battles.model_a is not None and battles.model_b is not None
    assert battles.outcome is not None
    order = battles.chronological_order()
    return online_elo(
        battles.model_a[order],
        battles.model_b[order],
        battles.outcome[order],
        len(battles.models),
        **params,
    )
