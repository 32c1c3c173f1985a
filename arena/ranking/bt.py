"""Bradley–Terry maximum likelihood on aggregated pair counts.

Model: P(i beats j) = σ(θ_i − θ_j); a tie or a both-bad vote counts as half a win each
way (so the "likelihood" is a quasi-likelihood with fractional outcomes, which is why the
sandwich estimator is offered next to the bootstrap). The data are folded into *cells*:
one row per unordered pair i < j with three columns — i won, j won, half-half — so every
fit costs O(pairs), never O(battles).

The fit is a damped Newton method run on a batch of R independent data sets at once (the
bootstrap uses R = rounds; a plain fit uses R = 1) and stops when no parameter moves more
than ``tol`` (default 1e-9 in natural units, i.e. 1.7e-7 Elo points).

Priors. The fit maximises the log-likelihood plus a Gaussian prior ``ridge/2 · Σθ²``
(a posterior mode). Two strengths are used:

* ``RIDGE = 1e-4``, nearly flat: one ten-thousandth of the information of a single 50/50
  vote (which is 1/4). It only keeps a never-lost model finite and pins the gauge (at the
  optimum Σθ = 0); the fits that must agree with an independent maximum-likelihood fit
  (the detection's board, the agreement tests) use it.
* ``PRIOR_SD_ELO``, the leaderboard's default: θ ~ N(0, σ²) with σ = PRIOR_SD_ELO on the
  Elo scale, a weakly-informative prior whose scale was chosen by the measured coverage
  of the board's 95% intervals in simulated arenas whose true ratings are drawn from
  published boards (``benchmarks/coverage.py``; docs/statistics.md): 125 Elo. With two votes
  between two models it gives a modest gap with a wide interval (1060 [918, 1202] vs
  940), instead of 1735 vs 265 at ±0. Its pull toward the middle fades with votes: the
  largest shift against no prior was measured at 11–16 Elo with 200 votes per model,
  2–3 with 1,000, about 0.5 with 5,000 and 0.02 with 100,000 (benchmarks/README.md).

``posterior_cov`` is the Laplace approximation of the posterior's covariance, the
leaderboard's fallback where the bootstrap of separable data (a model that won or lost
everything, a pair seen twice) degenerates to a point.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

RIDGE = 1e-4
PRIOR_SD_ELO = 125.0
TOL = 1e-9
MAX_ITER = 200
ELO_SCALE = 400.0 / np.log(10.0)  # natural-log units -> Elo points
ELO_CENTER = 1000.0
CELL_SCORES = np.array([1.0, 0.0, 0.5])  # score of i in the columns: i won, j won, half


class CellTotals:
    """Per cell (a row of ``weights``: first won, second won, half): the weight of the
    votes ``n`` and the first model's score ``s`` — shared by unordered ``Cells`` and the
    side fit's ordered cells."""

    weights: FloatArray

    @property
    def n(self) -> FloatArray:
        return cast("FloatArray", self.weights.sum(axis=1))

    @property
    def s(self) -> FloatArray:
        return cast("FloatArray", self.weights @ CELL_SCORES)


@dataclass(frozen=True)
class Cells(CellTotals):
    """Aggregated outcomes per unordered pair (i < j), the sufficient statistics of BT.

    ``counts[p]`` are battle counts of pair p in the columns (i won, j won, tie/both bad);
    ``weights`` and ``weights_sq`` are the sums of the per-battle weights and of their
    squares (equal to ``counts`` when battles are unweighted).
    """

    m: int
    i: IntArray
    j: IntArray
    counts: FloatArray
    weights: FloatArray
    weights_sq: FloatArray

    def restrict(self, keep: IntArray) -> Cells:
        """Cells among the models ``keep`` (sorted), re-indexed 0..len(keep)-1."""
        position = np.full(self.m, -1, dtype=np.int64)
        position[keep] = np.arange(keep.shape[0])
        pi, pj = position[self.i], position[self.j]
        ok = (pi >= 0) & (pj >= 0)
        return Cells(
            int(keep.shape[0]),
            pi[ok],
            pj[ok],
            self.counts[ok],
            self.weights[ok],
            self.weights_sq[ok],
        )


def fold_counts(
    counts: FloatArray, weights: FloatArray | None = None, weights_sq: FloatArray | None = None
) -> Cells:
    """Cells from ``(m, m, 4)`` ordered counts (side A, side B, outcome code).

    Sides are forgotten: BT here has no first-mover advantage, so A-vs-B and B-vs-A
    battles of the same two models add up.
    """
    m = counts.shape[0]
    i, j = np.triu_indices(m, k=1)

    def fold(c: FloatArray) -> FloatArray:
        won_i = c[i, j, 0] + c[j, i, 1]
        won_j = c[i, j, 1] + c[j, i, 0]
        half = c[i, j, 2] + c[i, j, 3] + c[j, i, 2] + c[j, i, 3]
        return np.stack([won_i, won_j, half], axis=1)

    cnt = fold(counts)
    w = cnt if weights is None else fold(weights)
    w2 = cnt if weights_sq is None else fold(weights_sq)
    keep = cnt.sum(axis=1) > 0
    return Cells(
        m, i[keep].astype(np.int64), j[keep].astype(np.int64), cnt[keep], w[keep], w2[keep]
    )


def components(m: int, i: IntArray, j: IntArray) -> list[IntArray]:
    """Connected components of the comparison graph, largest first (ties: lowest index).

    Union–find over the pairs that met at least once; O(pairs · α(m)).
    """
    parent = list(range(m))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in zip(i.tolist(), j.tolist(), strict=True):
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    roots = np.array([root(x) for x in range(m)], dtype=np.int64)
    groups = [np.flatnonzero(roots == r) for r in np.unique(roots)]
    groups.sort(key=lambda g: (-g.shape[0], int(g[0])))
    return groups


def fit(
    cells: Cells,
    *,
    weights: FloatArray | None = None,
    ridge: float = RIDGE,
    theta0: FloatArray | None = None,
    tol: float = TOL,
) -> FloatArray:
    """θ maximising the ridge-penalised BT log-likelihood, in natural units, Σθ = 0.

    ``weights`` (R, P, 3) fits R data sets at once (bootstrap); by default the cells'
    own weights, R = 1. Returns (R, m), or (m,) when ``weights`` is None.
    """
    single = weights is None
    w = cells.weights[None] if weights is None else weights
    n, s = totals(w)
    theta = _newton(cells.i, cells.j, n, s, cells.m, ridge, theta0, tol)
    return theta[0] if single else theta


def totals(w: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``(w.sum(axis=-1), w @ CELL_SCORES)`` for cell weights ``w`` (…, 3): the votes and
    the first model's score per cell. The same numbers — (w₀ + w₁) + w₂ is the order of
    that sum, and w₀ + ½w₂ is exact up to its one rounding however the product is taken —
    from column slices, which on large batches is several times cheaper than a reduction
    over an axis of length 3."""
    n = np.add(w[..., 0], w[..., 1])
    n += w[..., 2]
    return n, w[..., 0] + 0.5 * w[..., 2]


def _newton(
    i: IntArray,
    j: IntArray,
    n: FloatArray,
    s: FloatArray,
    m: int,
    ridge: float,
    theta0: FloatArray | None,
    tol: float,
) -> FloatArray:
    r = n.shape[0]
    theta = np.zeros((r, m)) if theta0 is None else np.broadcast_to(theta0, (r, m)).copy()
    rows = np.arange(r)[:, None] * m
    flat_i, flat_j = (rows + i).ravel(), (rows + j).ravel()
    gauge = np.eye(m) * ridge + 1.0 / m  # ridge prior plus a rank-one fix of the null space
    for _ in range(MAX_ITER):
        d = theta[:, i] - theta[:, j]
        p = _sigmoid(d)
        resid = s - n * p
        grad = _scatter(flat_i, flat_j, resid.ravel(), r, m) - ridge * theta
        hess = _laplacian(i, j, n * p * (1.0 - p), m) + gauge
        step = cast("FloatArray", np.linalg.solve(hess, grad[..., None])[..., 0])
        theta = damped_step(theta, step,
                            lambda th, rows: _objective(th, i, j, n[rows], s[rows], ridge))
        if np.abs(step).max() < tol:
            return theta
    return theta


def damped_step(
    params: FloatArray,
    step: FloatArray,
    objective: Callable[[FloatArray, IntArray], FloatArray],
) -> FloatArray:
    """Newton step with backtracking, per data set (row): ``objective(trial, rows)`` is
    the log-posterior of the data sets ``rows`` at ``trial``. Only large steps are
    checked: they happen far from the optimum (separable data such as a never-lost
    model, where a full step overshoots), while small steps near it are safe, and
    checking them would cost two objective evaluations per iteration for nothing. The
    Bradley–Terry, Davidson and side fits share it."""
    new = params + step
    big = np.flatnonzero(np.abs(step).max(axis=1) >= 0.5)
    if not big.size:
        return new
    old = params[big]
    value = objective(old, big)
    # Accept ties within rounding noise, or the last digits could stall.
    slack = 1e-12 * (1.0 + np.abs(value))
    t = np.ones(big.size)
    trial = new[big]
    for _ in range(40):
        bad = objective(trial, big) < value - slack
        if not bad.any():
            break
        t[bad] *= 0.5
        trial[bad] = old[bad] + t[bad, None] * step[big][bad]
    new[big] = trial
    return new


def _objective(
    theta: FloatArray, i: IntArray, j: IntArray, n: FloatArray, s: FloatArray, ridge: float
) -> FloatArray:
    d = theta[:, i] - theta[:, j]
    ll = -(s * np.logaddexp(0.0, -d) + (n - s) * np.logaddexp(0.0, d)).sum(axis=1)
    return cast("FloatArray", ll - 0.5 * ridge * (theta**2).sum(axis=1))


def _sigmoid(x: FloatArray) -> FloatArray:
    """σ(x), written via e = exp(−|x|) so that no huge exponent is ever formed."""
    e = np.array(x, dtype=np.float64)
    return sigmoid_into(e, np.empty_like(e))


def sigmoid_into(x: FloatArray, scratch: FloatArray) -> FloatArray:
    """σ(x) computed in place in ``x`` (returned), with ``scratch`` of its shape as work
    space: 1/(1 + e) where x ≥ 0, e/(1 + e) below, e = exp(−|x|). The numerator is
    max(e, [x ≥ 0]) (e ≤ 1), the same numbers as choosing between the two quotients in a
    few passes that allocate nothing (a choice by ``np.where`` and fresh arrays cost
    several times more on large batches)."""
    np.greater_equal(x, 0.0, out=scratch)  # 1.0 or 0.0 (also for NaN)
    np.abs(x, out=x)
    np.negative(x, out=x)
    np.exp(x, out=x)
    np.maximum(x, scratch, out=scratch)  # the numerator
    x += 1.0
    return cast("FloatArray", np.divide(scratch, x, out=x))


def _scatter(flat_i: IntArray, flat_j: IntArray, v: FloatArray, r: int, m: int) -> FloatArray:
    """Σ over pairs of +v on model i and −v on model j, per data set."""
    out = np.bincount(flat_i, weights=v, minlength=r * m)
    out -= np.bincount(flat_j, weights=v, minlength=r * m)
    return cast("FloatArray", out.reshape(r, m))


def _laplacian(i: IntArray, j: IntArray, w: FloatArray, m: int) -> FloatArray:
    """Σ_pairs w (e_i − e_j)(e_i − e_j)ᵀ for each of the R rows of ``w`` (pairs are unique)."""
    r = w.shape[0]
    out = np.zeros((r, m, m))
    out[:, i, j] = -w
    out[:, j, i] = -w
    rows = np.arange(r)[:, None] * m
    diag = np.bincount((rows + i).ravel(), weights=w.ravel(), minlength=r * m)
    diag += np.bincount((rows + j).ravel(), weights=w.ravel(), minlength=r * m)
    idx = np.arange(m)
    out[:, idx, idx] = diag.reshape(r, m)
    return out


def sandwich(cells: Cells, theta: FloatArray, *, ridge: float = RIDGE) -> FloatArray:
    """Robust (Huber–White) covariance of θ̂ in the Σθ = 0 gauge: H⁻¹ B H⁻¹.

    H is the observed information; B sums each battle's squared score (y − p)², per cell
    (with IPW, the squared weights). Unlike H⁻¹ alone it stays honest when the model is
    misspecified — as it is here, since ties enter as half wins.
    """
    m = cells.m
    d = theta[cells.i] - theta[cells.j]
    p = _sigmoid(d)
    hess = _laplacian(cells.i, cells.j, (cells.n * p * (1 - p))[None], m)[0]
    meat_w = (cells.weights_sq * (CELL_SCORES[None, :] - p[:, None]) ** 2).sum(axis=1)
    meat = _laplacian(cells.i, cells.j, meat_w[None], m)[0]
    inv = np.linalg.inv(hess + np.eye(m) * ridge + 1.0 / m)
    proj = np.eye(m) - 1.0 / m
    return cast("FloatArray", proj @ inv @ meat @ inv @ proj)


def prior_ridge(sd_elo: float) -> float:
    """The ridge of a N(0, σ²) prior with σ = ``sd_elo`` on the Elo scale (0: ``RIDGE``)."""
    return float((ELO_SCALE / sd_elo) ** 2) if sd_elo > 0 else RIDGE


def prior_sd_elo(ridge: float) -> float:
    """The σ in Elo points of the N(0, σ²) prior whose ridge is ``ridge``."""
    return float(ELO_SCALE / np.sqrt(ridge))


DISPERSION_PRIOR = 10.0  # votes' worth of "a vote varies like a win or a loss"


def dispersion(cells: Cells, p: FloatArray) -> float:
    """How much less a vote varies than a win/loss would: the Pearson ratio
    Σ w (y − p)² / Σ w p(1−p) at the fitted ``p`` per cell — below 1 with ties and
    both-bad votes, which score ½ — pulled toward 1 by ``DISPERSION_PRIOR`` votes at
    p = ½ (with few votes the ratio around a shrunk fit is too noisy and too low to
    trust), floored at ¼. The information of the half-win quasi-likelihood is divided by
    it."""
    pearson = float((cells.weights * (CELL_SCORES[None, :] - p[:, None]) ** 2).sum())
    info = float((cells.n * p * (1 - p)).sum())
    return quasi_dispersion(pearson, info)


def quasi_dispersion(pearson: float, info: float) -> float:
    """``dispersion`` from its two sums (shared with the contextual fit)."""
    k = DISPERSION_PRIOR * 0.25
    return min(1.0, max(0.25, (pearson + k) / (info + k)))


def posterior_cov(cells: Cells, theta: FloatArray, *, ridge: float) -> FloatArray:
    """Laplace approximation of the posterior covariance of θ at the mode ``theta``:
    (H/φ + ridge·I)⁻¹, H the information of the half-win likelihood and φ its
    ``dispersion``; never singular, since the prior has full rank."""
    m = cells.m
    d = theta[cells.i] - theta[cells.j]
    p = _sigmoid(d)
    info = _laplacian(cells.i, cells.j, (cells.n * p * (1 - p))[None], m)[0]
    return cast("FloatArray", np.linalg.inv(info / dispersion(cells, p) + np.eye(m) * ridge))


def predicted(theta: FloatArray) -> FloatArray:
    """(m, m) matrix of P(row beats column) under the fitted model (ties as halves)."""
    return _sigmoid(theta[:, None] - theta[None, :])


def to_elo(theta: FloatArray, anchor: tuple[int, float] | None = None) -> FloatArray:
    """Ratings on the Elo scale: ELO_SCALE·θ + 1000, or shifted so that model
    ``anchor[0]`` sits exactly at ``anchor[1]``. Works on (m,) or (R, m)."""
    if anchor is None:
        return cast("FloatArray", ELO_SCALE * theta + ELO_CENTER)
    k, rating = anchor
    return cast("FloatArray", ELO_SCALE * (theta - theta[..., k : k + 1]) + rating)


@dataclass(frozen=True)
class Gauge:
    """How θ, defined only up to a constant, is put on the Elo scale:
    rating = ELO_SCALE·(θ − wᵀθ) + offset. An anchor is w = e_k; the default is w
    uniform over the listed models, so that they average exactly ``offset``."""

    weights: FloatArray
    offset: float

    def ratings(self, theta: FloatArray) -> FloatArray:
        """Elo-scale ratings of θ, shape (m,) or (R, m)."""
        shifted = theta - (theta @ self.weights)[..., None]
        return cast("FloatArray", ELO_SCALE * shifted + self.offset)
