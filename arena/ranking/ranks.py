"""Rank spread and tiers, with simultaneous 95% coverage over the whole board.

A model's *rank spread* is the range of ranks it can plausibly hold; *tiers* group
consecutive models that the votes cannot tell apart. Both rest on one family of claims,
"j is rated above i", made for the pairs whose difference is clear at once:

* a max-|t| step-down test (Romano and Wolf 2005) over all pairs, |r_i − r_j| / se_ij
  against c, the 95% quantile of the largest |Z_i − Z_j| / s_ij over the pairs still
  open, Z ~ N(0, Σ): a multiple-comparison correction that accounts for the correlation
  between pairs (tighter than Bonferroni, which caps it). With probability ≥ 95% every
  claim made is true, all at once;
* i's spread is [1 + #surely above it, n − #surely below it] (the joint confidence set for
  ranks from pairwise comparisons of Klein, Wright and Wieczorek 2020);
* tiers: a tier ends where every model above is surely above every model below, so every
  cross-tier order is one of the claims; models within a tier are not all told apart.

``se_ij`` is the larger of the differences' standard errors under each covariance given
(the posterior's and the bootstrap's or sandwich's, as the marginal intervals take the
union of both); c is computed under the posterior's covariance, each pair scaled by its
own standard error there, from ``draws`` seeded normal draws. Coverage of the joint
statement is measured by simulation in ``benchmarks/rank_spread.py`` and a fixed-seed test.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist
from typing import cast

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

LEVEL = 0.95
DRAWS = 2000
_MAX_DRAW_CELLS = 1 << 23  # draws × pairs held at once (8 bytes each)


@dataclass(frozen=True)
class RankSpread:
    """Per model (in the order given): lowest and highest plausible rank, tier (1 = top)."""

    best: IntArray
    worst: IntArray
    tier: IntArray


def pair_se(*covs: FloatArray) -> FloatArray:
    """(n, n) standard error of r_i − r_j, the largest under the covariances given."""
    out: FloatArray | None = None
    for cov in covs:
        d = np.diag(cov)
        var = np.maximum(d[:, None] + d[None, :] - 2.0 * cov, 0.0)
        out = var if out is None else np.maximum(out, var)
    assert out is not None, "pair_se needs a covariance"
    return cast("FloatArray", np.sqrt(out))


def surely_above(rating: FloatArray, se: FloatArray, cov: FloatArray, *,
                 level: float = LEVEL, draws: int = DRAWS,
                 seed: int = 0) -> tuple[BoolArray, float]:
    """above[i, j]: model j is surely above model i, all such claims together holding with
    probability ≥ ``level``; and the first step's critical value.

    Max-|t| step-down (Romano and Wolf 2005): c is the ``level`` quantile of the largest
    |Z_i − Z_j| / s_ij over the pairs not yet decided, Z ~ N(0, cov) and s_ij its own
    standard error; the pairs whose |r_i − r_j| / se_ij exceed c are decided, and c is
    recomputed over the rest until no pair is added. Each step is capped by Bonferroni's
    bound over the pairs still open. The same seeded draws serve every step: kept where
    they fit in memory, else made again in chunks each step, so memory stays bounded at
    any number of models."""
    n = rating.shape[0]
    above = np.zeros((n, n), dtype=bool)
    i, j = np.triu_indices(n, 1)
    if i.size == 0:
        return above, 0.0
    t = np.abs(rating[i] - rating[j]) / np.where(se[i, j] > 0, se[i, j], np.inf)
    draw = _PairDraws(cov, i, j, draws, seed)
    open_ = np.ones(i.size, dtype=bool)
    first = -1.0
    while open_.any():
        c = draw.quantile_of_max(open_, level)
        first = c if first < 0 else first
        new = open_ & (t > c)
        if not new.any():
            break
        open_ &= ~new
    decided = ~open_
    upper = rating[j] > rating[i]
    above[i[decided & upper], j[decided & upper]] = True  # j above i
    above[j[decided & ~upper], i[decided & ~upper]] = True  # i above j
    return above, float(first)


class _PairDraws:
    """Seeded draws of |Z_i − Z_j| / s_ij for Z ~ N(0, cov), made in bounded chunks."""

    def __init__(self, cov: FloatArray, i: IntArray, j: IntArray, draws: int,
                 seed: int) -> None:
        s = pair_se(cov)[i, j]
        self.scale = np.where(s > 0, s, np.inf)
        # A factor of cov (eigen: cov may be singular, e.g. a gauge-fixed covariance).
        vals, vecs = np.linalg.eigh((cov + cov.T) / 2.0)
        self.factor = vecs * np.sqrt(np.clip(vals, 0.0, None))[None, :]
        self.i, self.j, self.draws, self.seed = i, j, draws, seed
        # Where it fits, every pair's draws are made once and kept for all the steps
        # (the same seeded draws, so the same numbers as the chunked path).
        self.table: FloatArray | None = None
        if draws * max(i.size, cov.shape[0]) <= _MAX_DRAW_CELLS:
            z = np.random.default_rng(seed).standard_normal((draws, cov.shape[0])) \
                @ self.factor.T
            self.table = np.abs(z[:, i] - z[:, j]) / self.scale

    def quantile_of_max(self, open_: BoolArray, level: float) -> float:
        """``level`` quantile of the largest draw over the open pairs (Bonferroni-capped)."""
        k = int(open_.sum())
        bonferroni = NormalDist().inv_cdf(1.0 - (1.0 - level) / (2.0 * k))
        if k == 1:
            return bonferroni
        if self.table is not None:
            worst_kept = self.table[:, open_].max(axis=1)
            return float(min(np.quantile(worst_kept, level), bonferroni))
        i, j, scale = self.i[open_], self.j[open_], self.scale[open_]
        rng = np.random.default_rng(self.seed)
        n = self.factor.shape[0]
        step = max(1, _MAX_DRAW_CELLS // max(k, n))
        worst = np.empty(self.draws)
        for start in range(0, self.draws, step):
            z = rng.standard_normal((min(step, self.draws - start), n)) @ self.factor.T
            worst[start:start + z.shape[0]] = (np.abs(z[:, i] - z[:, j]) / scale).max(axis=1)
        return float(min(np.quantile(worst, level), bonferroni))


def rank_spread(rating: FloatArray, above: BoolArray) -> RankSpread:
    """Rank spread and tiers of ``rating`` from the pairs known to be ordered (``above``,
    see ``surely_above``)."""
    n = rating.shape[0]
    best = 1 + above.sum(axis=1)
    worst = n - above.sum(axis=0)  # column k: the models k is surely above
    order = np.argsort(-rating, kind="stable")
    # A tier ends after position p when every model above it is surely above every model
    # below: cross-tier orders are then claims of the joint statement.
    sorted_above = above[np.ix_(order, order)]  # [a, b]: b surely above a
    tier = np.zeros(n, dtype=np.int64)
    current = 1
    for p in range(n):
        tier[order[p]] = current
        if p + 1 < n and sorted_above[p + 1:, : p + 1].all():
            current += 1
    return RankSpread(best.astype(np.int64), worst.astype(np.int64), tier)
