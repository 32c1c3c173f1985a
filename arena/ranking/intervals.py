"""Confidence intervals for ratings: bootstrap and sandwich, and rank with uncertainty.

Bootstrap for plain BT and the Davidson model resamples the *aggregated* cells: the counts
of (pair, outcome) are drawn from one multinomial with the observed frequencies and the
original total, which has exactly the distribution of the cell counts of a battle-level
resample with replacement — at a cost that grows with pairs, not battles. All rounds are
then fitted at once by the batched Newton of ``arena.ranking.bt`` (or ``davidson``),
warm-started from the full fit. With IPW every cell keeps its mean weight per battle.

Online Elo and style control have no pair-level sufficient statistic: their bootstrap
resamples battles (Elo: kept in chronological order and vectorised over rounds; style
control: one warm-started refit per round), so it costs O(rounds × battles).

Every bootstrap is seeded: the same data and seed give the same intervals.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import numpy.typing as npt

from arena.ranking import bt, davidson
from arena.ranking.contextual import Design, fit_contextual

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

Z95 = 1.959963984540054  # two-sided 95% normal quantile
# Caps on what a bootstrap holds at once (8 bytes each): rounds × battles for Elo,
# rounds × models² for the batched BT fit.
ELO_CHUNK_CELLS = 1 << 24
BT_CHUNK_CELLS = 1 << 23


def resampled_weights(cells: bt.Cells, rounds: int, rng: np.random.Generator) -> FloatArray:
    """(rounds, P, 3) cell weights of multinomially resampled cell counts (each cell keeps
    its mean weight per battle)."""
    counts = np.rint(cells.counts).astype(np.int64).ravel()
    total = int(counts.sum())
    draws = rng.multinomial(total, counts / total, size=rounds).astype(np.float64)
    per_battle = np.divide(
        cells.weights.ravel(), counts, out=np.zeros(counts.shape[0]), where=counts > 0
    )
    return cast("FloatArray", (draws * per_battle).reshape(rounds, -1, 3))


def bootstrap_bt(
    cells: bt.Cells, theta: FloatArray, rounds: int, rng: np.random.Generator, ridge: float
) -> FloatArray:
    """(rounds, m) θ fitted to multinomially resampled cell counts."""
    weights = resampled_weights(cells, rounds, rng)
    # The batched Newton holds one m×m Hessian per round: fit in chunks of rounds so
    # that a board with hundreds of models stays within a bounded amount of memory.
    chunk = max(1, min(rounds, BT_CHUNK_CELLS // (cells.m * cells.m)))
    return np.concatenate(
        [
            bt.fit(cells, weights=weights[k : k + chunk], ridge=ridge, theta0=theta)
            for k in range(0, rounds, chunk)
        ]
    )


def bootstrap_davidson(
    cells: bt.Cells, params: FloatArray, rounds: int, rng: np.random.Generator, ridge: float
) -> FloatArray:
    """(rounds, m + 1) Davidson (θ, log ν) fitted to multinomially resampled cell counts,
    in batches like ``bootstrap_bt``, warm-started from the full fit ``params``."""
    weights = resampled_weights(cells, rounds, rng)
    chunk = max(1, min(rounds, BT_CHUNK_CELLS // ((cells.m + 1) ** 2)))
    return np.concatenate(
        [
            davidson.fit(cells, weights=weights[k : k + chunk], ridge=ridge, start=params)
            for k in range(0, rounds, chunk)
        ]
    )


def bootstrap_elo(
    a: IntArray,
    b: IntArray,
    outcome: npt.NDArray[np.int8],
    m: int,
    rounds: int,
    rng: np.random.Generator,
    *,
    k: float,
    initial: float,
) -> FloatArray:
    """(rounds, m) online Elo of battle-level resamples, each kept in original order."""
    n = a.shape[0]
    score = np.array([1.0, 0.0, 0.5, 0.5])[outcome]
    out = np.empty((rounds, m))
    chunk = max(1, min(rounds, ELO_CHUNK_CELLS // max(n, 1)))
    for start in range(0, rounds, chunk):
        r = min(chunk, rounds - start)
        idx = np.sort(rng.integers(0, n, size=(r, n)), axis=1)
        ai, bi, si = a[idx], b[idx], score[idx]
        ratings = np.full((r, m), initial)
        rows = np.arange(r)
        for t in range(n):
            at, bt_ = ai[:, t], bi[:, t]
            ra, rb = ratings[rows, at], ratings[rows, bt_]
            delta = k * (si[:, t] - 1.0 / (1.0 + 10.0 ** ((rb - ra) / 400.0)))
            ratings[rows, at] = ra + delta
            ratings[rows, bt_] = rb - delta
        out[start : start + r] = ratings
    return out


def bootstrap_contextual(
    design: Design, params: FloatArray, rounds: int, rng: np.random.Generator, ridge: float
) -> FloatArray:
    """(rounds, m + F) contextual-BT parameters of battle-level multinomial resamples."""
    n = design.n
    out = np.empty((rounds, params.shape[0]))
    uniform = np.full(n, 1.0 / n)
    for r in range(rounds):
        counts = rng.multinomial(n, uniform).astype(np.float64)
        out[r] = fit_contextual(design, weights=counts, ridge=ridge, start=params)
    return out


def percentile_interval(samples: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Central 95% interval of bootstrap samples along axis 0."""
    low, high = np.percentile(samples, [2.5, 97.5], axis=0)
    return low, high


def normal_interval(
    theta: FloatArray, cov: FloatArray, reference: FloatArray | None = None
) -> tuple[FloatArray, FloatArray]:
    """θ ± 1.96·se in natural units; with ``reference`` weights w, the se is that of
    θ_i − wᵀθ (the quantity a gauge-fixed rating shows)."""
    var = np.diag(cov).copy()
    if reference is not None:
        cw = cov @ reference
        var = var - 2.0 * cw + reference @ cw
    se = np.sqrt(np.maximum(var, 0.0))
    return theta - Z95 * se, theta + Z95 * se


def uncertainty_ranks(ci_low: FloatArray, ci_high: FloatArray) -> IntArray:
    """Rank = 1 + the number of models whose interval lies entirely above mine."""
    above = ci_low[None, :] > ci_high[:, None]
    return cast("IntArray", 1 + above.sum(axis=1))
