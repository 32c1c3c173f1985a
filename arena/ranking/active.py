"""Active pairing's distribution: which pairs a battle is worth most to (issue 14).

Pure numpy, so that the server (``arena.battles.pairing.ActivePairing``) and the
simulation (``benchmarks/active_pairing.py``) run the same code. Given each model's
rating and standard error on the current board (Elo points), a pair's share is

    (1 − floor) · score / Σ score  +  floor / #pairs,
    score(i, j) = w_i · w_j · √(q_ij · (1 − q_ij)) · (T_i + T_j) / 2,

where q_ij is the board's predicted chance that i beats j with the ratings' uncertainty
folded in (the logistic of Δ/√(1 + π·sd_Δ²/8), sd_Δ² = se_i² + se_j², natural units): a
pair whose outcome is still a coin toss — close ratings, or ratings nobody is sure of,
such as a pair never met — scores high, a settled mismatch low. q(1 − q) is what one
vote on the pair tells the fit (its Fisher information), and its square root, not
itself, is the allocation that minimises an inverse-propensity-weighted estimate's
variance (Neyman's allocation), which keeps the policy from starving the pairs the
weighted board still needs. T_i is how likely model i is among the ``top`` (Φ of its
distance to the cut between the top-th and the next rating, in its own se), so votes go
where the board's head is decided; w are the roster's weights. The floor is spread
uniformly over all pairs, so every pair keeps at least ``floor / #pairs``: the
inverse-propensity weights stay bounded by #pairs / floor and no pair is starved for
good. The policy is a heuristic, tuned in the benchmark; what this module promises is
only that the probabilities it returns are the ones the draw uses.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from arena.errors import BadRequest
from arena.ranking.bt import ELO_SCALE

FloatArray = npt.NDArray[np.float64]

# Φ(x) ≈ σ(1.702·x) (within 0.01): the score is a heuristic, and this keeps it numpy.
_PROBIT_TO_LOGIT = 1.702


def _normal_cdf(x: FloatArray) -> FloatArray:
    out: FloatArray = 0.5 * (1.0 + np.tanh(0.5 * _PROBIT_TO_LOGIT * x))
    return out


def pair_distribution(rating: npt.ArrayLike, se: npt.ArrayLike, weight: npt.ArrayLike, *,
                      floor: float, top: int) -> FloatArray:
    """Probabilities of the unordered pairs ``np.triu_indices(m, 1)`` (they sum to one).

    ``rating`` and ``se`` in Elo points, one per model (an unrated model: any rating and
    a wide se); ``weight`` the roster's weights (> 0); ``floor`` in (0, 1]: the share
    spread uniformly over every pair; ``top``: the size of the board's head that matters.
    """
    r = np.asarray(rating, dtype=np.float64)
    s = np.asarray(se, dtype=np.float64)
    w = np.asarray(weight, dtype=np.float64)
    m = r.shape[0]
    if r.ndim != 1 or s.shape != r.shape or w.shape != r.shape or m < 2:
        raise BadRequest("rating, se and weight must be 1-D arrays of one length >= 2")
    if not (np.all(np.isfinite(r)) and np.all(np.isfinite(s)) and np.all(s > 0)):
        raise BadRequest("ratings must be finite and standard errors finite and > 0")
    if not (np.all(np.isfinite(w)) and np.all(w > 0)):
        raise BadRequest("weights must be finite and > 0")
    if not 0.0 < floor <= 1.0:
        raise BadRequest("the exploration floor must be in (0, 1]")
    if top < 1:
        raise BadRequest("top must be at least 1")
    i, j = np.triu_indices(m, 1)
    gap = (r[i] - r[j]) / ELO_SCALE
    spread = (s[i] ** 2 + s[j] ** 2) / ELO_SCALE**2
    q = 1.0 / (1.0 + np.exp(-np.abs(gap) / np.sqrt(1.0 + np.pi * spread / 8.0)))
    head = _in_head(r, s, top)
    score = w[i] * w[j] * np.sqrt(q * (1.0 - q)) * 0.5 * (head[i] + head[j])
    uniform = np.full(i.shape[0], 1.0 / i.shape[0])
    total = score.sum()
    active = score / total if total > 0 and np.isfinite(total) else uniform
    p: FloatArray = (1.0 - floor) * active + floor * uniform
    out: FloatArray = p / p.sum()
    return out


def _in_head(r: FloatArray, s: FloatArray, top: int) -> FloatArray:
    """How likely each model is among the ``top`` best (1 for all when there are no more)."""
    if r.shape[0] <= top:
        return np.ones_like(r)
    ordered = np.sort(r)[::-1]
    cut = 0.5 * (ordered[top - 1] + ordered[top])
    return _normal_cdf((r - cut) / s)
