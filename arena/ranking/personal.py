"""A voter's own board: their own votes, shrunk toward the public board.

Model: the voter's ratings θ = θ_pub + δ with δ ~ N(0, σ²) per model, and their votes
follow Bradley–Terry, P(i beats j) = σ(θ_i − θ_j), ties and both-bad as half a win each
way (the public board's half-win quasi-likelihood). The board is the posterior mode: with
no votes of their own δ = 0 and it *is* the public board, to the last digit; with many
votes between two models their gap approaches the voter's own maximum-likelihood gap;
a larger σ lets fewer votes move it further. The interval is the Laplace approximation
(posterior covariance (H + r·I)⁻¹ at the mode, r the prior's ridge): how sure we are of
*this voter's* preferences given the public board, which it takes as known (the public
board's own interval is narrower than σ once a model has a few hundred votes, and is left
out).

σ = ``PERSONAL_SD_ELO`` = 100 Elo was chosen by the log-loss of each voter's later votes
on real per-voter data, LLMFAO's 124 crowd workers, on a dev half of the workers and
scored on a held-out half (``benchmarks/personal.py``; docs/statistics.md, "Personal
boards"): held-out 0.6031 per vote, against 0.6092 for the public board alone and 0.6931
for a coin.

compar:IA shrinks each of a voter's records toward *that voter's own mean*. For pairwise
votes that centre is a flat board — every model equal until the voter's votes say
otherwise — so a voter with three votes sees nearly every model tied, which predicts their
next vote about as well as a coin, while the public board, shared by most voters, already
predicts better. Centring on the public board makes "nothing known about you" mean "you
are like everyone", and makes the difference shown ("you rate X 40 points above the
public board") a statement about this voter's votes alone. The benchmark measures both
centres (the flat one standing for compar:IA's choice): the public centre predicts the
held-out votes better at every σ of the grid, on both halves (0.6031 against the flat
centre's best, 0.6496).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
import numpy.typing as npt

from arena.ranking import bt

FloatArray = npt.NDArray[np.float64]

PERSONAL_SD_ELO = 100.0  # chosen by benchmarks/personal.py (dev half), see the docstring
MAX_ITER = 200
TOL = 1e-10
Z95 = 1.959963984540054


@dataclass(frozen=True)
class PersonalFit:
    """The voter's ratings on the Elo scale, per model in the order given."""

    ratings: FloatArray  # public rating + ELO_SCALE·δ
    sd: FloatArray  # posterior SD of δ in Elo points
    votes: FloatArray  # the voter's own votes the model took part in


def own_cells(m: int, i: npt.NDArray[np.int64], j: npt.NDArray[np.int64],
              score: FloatArray) -> bt.Cells:
    """Cells of the voter's votes: model index ``i`` against ``j`` with score of ``i``
    (1 won, 0 lost, ½ tie or both bad)."""
    counts = np.zeros((m, m, 4))
    outcome = np.where(score == 1.0, 0, np.where(score == 0.0, 1, 2))
    np.add.at(counts, (i, j, outcome), 1.0)
    return bt.fold_counts(counts)


def fit(public: FloatArray, cells: bt.Cells, *, sd_elo: float = PERSONAL_SD_ELO,
        centre: FloatArray | None = None) -> PersonalFit:
    """The posterior mode of θ = θ_pub + δ, δ ~ N(0, σ²), given the voter's ``cells``.

    ``public`` are the public board's ratings (Elo). ``centre`` (Elo, default ``public``)
    is the prior's centre; the benchmark passes a flat one to compare compar:IA's choice.
    """
    if sd_elo <= 0:
        raise ValueError("sd_elo must be positive")
    at = public if centre is None else centre
    base = at / bt.ELO_SCALE
    m = base.shape[0]
    ridge = (bt.ELO_SCALE / sd_elo) ** 2
    n, s = cells.n, cells.s
    delta = np.zeros(m)
    value = _objective(base, delta, cells, n, s, ridge)
    for _ in range(MAX_ITER):
        step, _ = _newton_step(base + delta, delta, cells, n, s, ridge)
        # Backtracking: against a large public gap (a voter who prefers the model the
        # public rates 800 points lower) the sigmoid is flat at δ = 0, and a full step
        # overshoots far past the mode.
        t = 1.0
        for _ in range(60):
            trial = delta + t * step
            new = _objective(base, trial, cells, n, s, ridge)
            if new >= value - 1e-12 * (1.0 + abs(value)):
                break
            t *= 0.5
        delta, value = trial, new
        if np.abs(t * step).max() < TOL:
            break
    _, cov = _newton_step(base + delta, delta, cells, n, s, ridge)
    votes = (np.bincount(cells.i, weights=n, minlength=m)
             + np.bincount(cells.j, weights=n, minlength=m)).astype(np.float64)
    return PersonalFit(ratings=at + bt.ELO_SCALE * delta,
                       sd=bt.ELO_SCALE * np.sqrt(np.diag(cov)), votes=votes)


def _objective(base: FloatArray, delta: FloatArray, cells: bt.Cells, n: FloatArray,
               s: FloatArray, ridge: float) -> float:
    """The penalised log-likelihood at θ = base + δ."""
    theta = base + delta
    d = theta[cells.i] - theta[cells.j]
    ll = -(s * np.logaddexp(0.0, -d) + (n - s) * np.logaddexp(0.0, d)).sum()
    return float(ll - 0.5 * ridge * (delta**2).sum())


def _newton_step(theta: FloatArray, delta: FloatArray, cells: bt.Cells, n: FloatArray,
                 s: FloatArray, ridge: float) -> tuple[FloatArray, FloatArray]:
    """One Newton step of the penalised log-likelihood (strictly concave: the prior has
    full rank), and the inverse Hessian."""
    m = theta.shape[0]
    p = bt._sigmoid(theta[cells.i] - theta[cells.j])
    resid = s - n * p
    grad = (np.bincount(cells.i, weights=resid, minlength=m)
            - np.bincount(cells.j, weights=resid, minlength=m) - ridge * delta)
    hess = bt._laplacian(cells.i, cells.j, (n * p * (1 - p))[None], m)[0] + np.eye(m) * ridge
    inv = cast("FloatArray", np.linalg.inv(hess))
    return inv @ grad, inv


def spearman(a: FloatArray, b: FloatArray) -> float | None:
    """Spearman's rank correlation (average ranks for ties); None with fewer than two
    models or a constant side."""
    if a.shape[0] < 2:
        return None
    ra, rb = _ranks(a), _ranks(b)
    ra, rb = ra - ra.mean(), rb - rb.mean()
    den = float(np.sqrt((ra**2).sum() * (rb**2).sum()))
    return float((ra * rb).sum() / den) if den > 0 else None


def _ranks(x: FloatArray) -> FloatArray:
    order = np.argsort(x, kind="stable")
    ranks = np.empty(x.shape[0])
    ranks[order] = np.arange(x.shape[0], dtype=np.float64)
    for v in np.unique(x):  # ties share their average rank
        same = x == v
        ranks[same] = ranks[same].mean()
    return ranks


def log_loss(ratings: FloatArray, i: npt.NDArray[np.int64], j: npt.NDArray[np.int64],
             score: FloatArray) -> float:
    """Mean log-loss of votes (score of ``i`` against ``j``) under Elo-scale ``ratings``,
    half wins scored as half of each outcome's loss."""
    p = bt._sigmoid((ratings[i] - ratings[j]) / bt.ELO_SCALE)
    eps = 1e-12
    return float(-(score * np.log(p + eps) + (1 - score) * np.log(1 - p + eps)).mean())
