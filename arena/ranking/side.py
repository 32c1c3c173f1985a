"""Side bias: Bradley–Terry with a first-mover ("home") advantage for the answer shown
on the left (side A).

Model: P(A beats B) = σ(θ_A − θ_B + h). h > 0 means voters favour the left answer
whatever the model; with sides assigned at random it cancels out of the plain fit on
average, but when some models sit on side A more often than others (a skewed pairing,
an old client that always put the newcomer left) their plain ratings carry h with them.

The sufficient statistics are *ordered* cells: one row per (side-A model, side-B model)
that met, with the columns A won, B won, half-half (tie or both bad, half a win each way
as in ``bt``). Every fit costs O(ordered pairs), never O(battles): a damped Newton on
(θ, h), batched over R data sets like ``bt.fit`` (the bootstrap passes R = rounds).

Priors: h is estimated with only the nearly flat ``bt.RIDGE`` on θ and h — its maximum
likelihood — and the ratings then carry the board's ridge (its N(0, σ²) prior) with that
h as an offset (``two_stage``: a joint fit under the prior would let h take up the
prior's pull on θ where sides are skewed).

The interval of h is the robust (sandwich) normal interval H⁻¹ B H⁻¹ of the half-win
quasi-likelihood of the flat fit, widened to its posterior's normal interval where the sandwich
degenerates (tiny data); its coverage in simulated arenas is in benchmarks/side_bias.py
and docs/statistics.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from arena.ranking import bt
from arena.ranking.intervals import (
    BT_CHUNK_CELLS,
    Z95,
    normal_interval,
    percentile_interval,
)
from arena.ranking.output import Fit

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

H_RIDGE = bt.RIDGE


@dataclass(frozen=True)
class SideCells(bt.CellTotals):
    """Aggregated outcomes per ordered pair (a, b), a ≠ b: columns A won, B won, half;
    ``weights`` / ``weights_sq`` as in ``bt.Cells``."""

    m: int
    a: IntArray
    b: IntArray
    counts: FloatArray
    weights: FloatArray
    weights_sq: FloatArray

    @cached_property
    def pairs(self) -> tuple[IntArray, IntArray, IntArray]:
        """The unordered pairs i < j the cells fall on, and each cell's pair index."""
        low, high = np.minimum(self.a, self.b), np.maximum(self.a, self.b)
        key, pair_of = np.unique(low * self.m + high, return_inverse=True)
        return key // self.m, key % self.m, pair_of.astype(np.int64).ravel()

    def restrict(self, keep: IntArray) -> SideCells:
        """Cells among the models ``keep`` (sorted), re-indexed 0..len(keep)-1."""
        position = np.full(self.m, -1, dtype=np.int64)
        position[keep] = np.arange(keep.shape[0])
        pa, pb = position[self.a], position[self.b]
        ok = (pa >= 0) & (pb >= 0)
        return SideCells(int(keep.shape[0]), pa[ok], pb[ok], self.counts[ok],
                         self.weights[ok], self.weights_sq[ok])


def ordered_cells(counts: FloatArray, weights: FloatArray | None = None,
                  weights_sq: FloatArray | None = None) -> SideCells:
    """SideCells from ``(m, m, 4)`` ordered counts (side A, side B, outcome code)."""
    m = counts.shape[0]
    a, b = np.nonzero(~np.eye(m, dtype=bool))

    def cut(c: FloatArray) -> FloatArray:
        x = c[a, b]
        return np.stack([x[:, 0], x[:, 1], x[:, 2] + x[:, 3]], axis=1)

    cnt = cut(counts)
    w = cnt if weights is None else cut(weights)
    w2 = cnt if weights_sq is None else cut(weights_sq)
    keep = cnt.sum(axis=1) > 0
    return SideCells(m, a[keep].astype(np.int64), b[keep].astype(np.int64), cnt[keep],
                     w[keep], w2[keep])


def fit(cells: SideCells, *, ridge: float, weights: FloatArray | None = None,
        start: FloatArray | None = None, tol: float = bt.TOL,
        fix_h: bool = False) -> FloatArray:
    """(θ_1..θ_m, h) maximising the penalised side-BT log-likelihood, natural units,
    Σθ = 0. ``weights`` (R, P, 3) fits R data sets at once and returns (R, m + 1);
    otherwise (m + 1,). ``start`` is a warm start of the same layout; with ``fix_h`` its
    h is kept and only θ is fitted (an offset)."""
    single = weights is None
    w = cells.weights[None] if weights is None else weights
    n, s = w.sum(axis=2), w @ bt.CELL_SCORES
    r, m = n.shape[0], cells.m
    params = (np.zeros((r, m + 1)) if start is None
              else np.broadcast_to(start, (r, m + 1)).copy())
    penalty = _penalty(m, ridge)
    pen_diag = np.diag(penalty).copy()
    pen_diag[:m] = ridge
    for _ in range(bt.MAX_ITER):
        p = bt._sigmoid(_logits(cells, params))
        resid = s - n * p
        grad = _score(cells, resid) - pen_diag * params
        hess = _information(cells, n * p * (1.0 - p)) + penalty
        if fix_h:
            grad[:, m] = 0.0
            hess[:, m, :] = 0.0
            hess[:, :, m] = 0.0
            hess[:, m, m] = 1.0
        step = cast("FloatArray", np.linalg.solve(hess, grad[..., None])[..., 0])
        params = bt.damped_step(
            params, step, lambda th, rows: _objective(cells, th, n[rows], s[rows], pen_diag))
        if np.abs(step).max() < tol:
            break
    return params[0] if single else params


def two_stage(cells: SideCells, *, ridge: float, weights: FloatArray | None = None,
              start: FloatArray | None = None) -> FloatArray:
    """h from the fit with the nearly flat ``bt.RIDGE`` on θ, then θ under the board's
    ``ridge`` with that h as an offset. Fitted jointly under the board's prior, h would
    take up the prior's pull on θ wherever the sides are skewed (the strong models' wins
    that the shrunk ratings no longer explain go to h when the strong models sit left:
    +6 Elo on an injected 20 with 600 votes, benchmarks/side_bias.py); the flat fit's h
    is the maximum-likelihood one."""
    flat = fit(cells, ridge=bt.RIDGE, weights=weights, start=start)
    return fit(cells, ridge=ridge, weights=weights, start=flat, fix_h=True)


def _penalty(m: int, ridge: float) -> FloatArray:
    """Ridge on θ plus the rank-one gauge fix of its null space; ``H_RIDGE`` on h."""
    out = np.zeros((m + 1, m + 1))
    out[:m, :m] = np.eye(m) * ridge + 1.0 / m
    out[m, m] = H_RIDGE
    return out


def _logits(cells: SideCells, params: FloatArray) -> FloatArray:
    """(R, P) θ_a − θ_b + h per ordered cell."""
    return params[:, cells.a] - params[:, cells.b] + params[:, -1:]


def _score(cells: SideCells, resid: FloatArray) -> FloatArray:
    """(R, m + 1) gradient of the log-likelihood from per-cell residuals (R, P)."""
    r, m = resid.shape[0], cells.m
    rows = np.arange(r)[:, None] * m
    out = np.zeros((r, m + 1))
    out[:, :m] = (np.bincount((rows + cells.a).ravel(), resid.ravel(), r * m)
                  - np.bincount((rows + cells.b).ravel(), resid.ravel(), r * m)).reshape(r, m)
    out[:, m] = resid.sum(axis=1)
    return out


def _information(cells: SideCells, v: FloatArray) -> FloatArray:
    """(R, m + 1, m + 1) Xᵀ diag(v) X for rows x = (e_a − e_b, 1), per data set: the θ
    block is the Laplacian of v folded onto unordered pairs ((a, b) and (b, a) add up),
    bordered by the side column Σ v (e_a − e_b) and the corner Σ v."""
    r, m = v.shape[0], cells.m
    i, j, pair_of = cells.pairs
    n_pairs = i.shape[0]
    rows = np.arange(r)[:, None]
    folded = cast("FloatArray", np.bincount((rows * n_pairs + pair_of).ravel(), v.ravel(),
                                            r * n_pairs)).reshape(r, n_pairs)
    out = np.zeros((r, m + 1, m + 1))
    out[:, :m, :m] = bt._laplacian(i, j, folded, m)
    flat = rows * m
    col = (np.bincount((flat + cells.a).ravel(), v.ravel(), r * m)
           - np.bincount((flat + cells.b).ravel(), v.ravel(), r * m)).reshape(r, m)
    out[:, :m, m] = col
    out[:, m, :m] = col
    out[:, m, m] = v.sum(axis=1)
    return out


def _objective(cells: SideCells, params: FloatArray, n: FloatArray, s: FloatArray,
               pen_diag: FloatArray) -> FloatArray:
    z = _logits(cells, params)
    ll = -(s * np.logaddexp(0.0, -z) + (n - s) * np.logaddexp(0.0, z)).sum(axis=1)
    return cast("FloatArray", ll - 0.5 * (pen_diag * params**2).sum(axis=1))


def sandwich(cells: SideCells, params: FloatArray, *, ridge: float) -> FloatArray:
    """Robust covariance H⁻¹ B H⁻¹ of (θ, h), θ block in the Σθ = 0 gauge."""
    m = cells.m
    p = bt._sigmoid(_logits(cells, params[None]))[0]
    hess = _information(cells, (cells.n * p * (1 - p))[None])[0] + _penalty(m, ridge)
    meat_w = (cells.weights_sq * (bt.CELL_SCORES[None, :] - p[:, None]) ** 2).sum(axis=1)
    meat = _information(cells, meat_w[None])[0]
    inv = np.linalg.inv(hess)
    proj = np.eye(m + 1)
    proj[:m, :m] -= 1.0 / m
    return cast("FloatArray", proj @ inv @ meat @ inv @ proj.T)


def posterior_cov(cells: SideCells, params: FloatArray, *, ridge: float) -> FloatArray:
    """Laplace approximation of the posterior covariance of (θ, h): the information of
    the half-win likelihood divided by its dispersion, plus the priors."""
    m = cells.m
    p = bt._sigmoid(_logits(cells, params[None]))[0]
    pearson = float((cells.weights * (bt.CELL_SCORES[None, :] - p[:, None]) ** 2).sum())
    info = _information(cells, (cells.n * p * (1 - p))[None])[0]
    phi = bt.quasi_dispersion(pearson, float((cells.n * p * (1 - p)).sum()))
    prior = np.diag(np.append(np.full(m, ridge), H_RIDGE))
    return cast("FloatArray", np.linalg.inv(info / phi + prior))


@dataclass(frozen=True)
class SideEstimate:
    """h and its 95% interval in Elo points, with the fit it came from."""

    params: FloatArray  # (θ_1..θ_m, h), natural units
    elo: float
    low: float
    high: float


def estimate(cells: SideCells, *, ridge: float, start: FloatArray | None = None) -> SideEstimate:
    """The side fit (``two_stage``) and h's interval: the sandwich's of the flat fit,
    widened to that fit's posterior's."""
    flat = fit(cells, ridge=bt.RIDGE, start=start)
    params = fit(cells, ridge=ridge, start=flat, fix_h=True)
    h = float(params[-1])
    robust = float(sandwich(cells, flat, ridge=bt.RIDGE)[-1, -1])
    post = float(posterior_cov(cells, flat, ridge=bt.RIDGE)[-1, -1])
    half = Z95 * float(np.sqrt(max(robust, post, 0.0)))
    low, high = h - half, h + half
    scale = float(bt.ELO_SCALE)
    return SideEstimate(params, scale * h, scale * low, scale * high)


def identified(cells: SideCells) -> bool:
    """Whether the votes tell h apart from the ratings. They do not when some potential φ
    has φ_a − φ_b = 1 on every ordered pair that met (two models only ever met one way
    round, or sides that always follow a fixed order of the models): then any h can be
    traded for ratings spread by φ, and only the prior decides. Tested as a vanishing
    Schur complement of h in the information at equal weights."""
    info = _information(cells, cells.n[None])[0]
    m = cells.m
    theta = info[:m, :m] + 1.0 / m  # the gauge fix: Σθ = 0
    col = info[:m, m]
    schur = info[m, m] - col @ np.linalg.solve(theta, col)
    return bool(schur > 1e-9 * max(info[m, m], 1.0))


def a_win_share(counts: FloatArray) -> float | None:
    """Observed share of decided votes (a win either way) won by side A."""
    won_a, won_b = float(counts[:, :, 0].sum()), float(counts[:, :, 1].sum())
    return won_a / (won_a + won_b) if won_a + won_b > 0 else None


def bootstrap(cells: SideCells, params: FloatArray, rounds: int, rng: np.random.Generator,
              ridge: float) -> FloatArray:
    """(rounds, m + 1) (θ, h) fitted to multinomially resampled ordered cells (the
    resampling of ``intervals.bootstrap_bt``, on ordered instead of unordered pairs)."""
    counts = np.rint(cells.counts).astype(np.int64).ravel()
    total = int(counts.sum())
    draws = rng.multinomial(total, counts / total, size=rounds).astype(np.float64)
    per_battle = np.divide(cells.weights.ravel(), counts, out=np.zeros(counts.shape[0]),
                           where=counts > 0)
    weights = (draws * per_battle).reshape(rounds, -1, 3)
    size = (cells.m + 1) ** 2
    chunk = max(1, min(rounds, BT_CHUNK_CELLS // size))
    return np.concatenate([two_stage(cells, ridge=ridge, weights=weights[k : k + chunk],
                                     start=params) for k in range(0, rounds, chunk)])


def section(est: SideEstimate, counts: FloatArray, battles: int) -> dict[str, Any]:
    """The board's ``side`` section."""
    share = a_win_share(counts)
    return {"elo": round(est.elo, 2), "ci": [round(est.low, 2), round(est.high, 2)],
            "a_win_share": None if share is None else round(share, 4), "battles": battles}


def board_fit(cells: SideCells, est: SideEstimate, ci: str, rounds: int,
              rng: np.random.Generator, gauge: bt.Gauge, ridge: float) -> Fit:
    """The board's ratings with side control: θ of the side fit ``est`` with the board's
    intervals (bootstrap of ordered cells, or sandwich), each widened to the posterior's
    normal interval as the plain fit's are."""
    m = cells.m
    theta = est.params[:m]
    rating = gauge.ratings(theta)
    if ci == "bootstrap":
        samples = gauge.ratings(bootstrap(cells, est.params, rounds, rng, ridge)[:, :m])
        low, high = percentile_interval(samples)
        other = np.atleast_2d(np.cov(samples, rowvar=False))
    else:
        robust = sandwich(cells, est.params, ridge=ridge)[:m, :m]
        low, high = _elo_interval(theta, rating, robust, gauge)
        other = bt.ELO_SCALE**2 * robust
    post = posterior_cov(cells, est.params, ridge=ridge)[:m, :m]
    post_low, post_high = _elo_interval(theta, rating, post, gauge)
    return Fit(rating, np.minimum(low, post_low), np.maximum(high, post_high), theta,
               cov=bt.ELO_SCALE**2 * post, wider=(other,))


def _elo_interval(theta: FloatArray, rating: FloatArray, cov: FloatArray,
                  gauge: bt.Gauge) -> tuple[FloatArray, FloatArray]:
    lo, hi = normal_interval(theta, cov, gauge.weights)
    return rating + bt.ELO_SCALE * (lo - theta), rating + bt.ELO_SCALE * (hi - theta)
