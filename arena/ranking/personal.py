"""A voter's own board: their own votes, shrunk toward the public board.

Model: the voter's ratings θ = θ_pub + δ with δ ~ N(0, σ²) per model, and their votes
follow Bradley–Terry, P(i beats j) = σ(θ_i − θ_j), ties and both-bad as half a win each
way (the public board's half-win quasi-likelihood). The board is the posterior mode: with
no votes of their own δ = 0 and it *is* the public board, to the last digit; with many
votes between two models their gap approaches the voter's own maximum-likelihood gap;
a larger σ lets fewer votes move it further. The interval is the Laplace approximation
(posterior covariance (H + I/σ²)⁻¹ at the mode): how sure we are of *this voter's*
preferences given the public board, which it takes as known (its own interval is much
narrower than σ on any board with real traffic, and is left out).

σ = ``PERSONAL_SD_ELO`` was chosen by held-out log-loss of each voter's later votes in
simulated arenas (``benchmarks/personal.py``; docs/statistics.md, "Personal boards").

compar:IA shrinks each of a voter's records toward *that voter's own mean* (a voter who
prefers every answer of model X pulls X up, and with few votes everything sits near the
voter's average). That makes sense for their per-record scores; for pairwise votes it
means a voter with three votes sees a board that is nearly flat — every model equal —
which predicts their next vote no better than a coin, while the public board already
predicts most of it (the public ordering is shared by most voters). Centring on the
public board makes "no information about you" mean "you are like everyone", the best
guess we have, and makes the difference shown ("you rate X 40 points above the public")
a statement about this voter's votes alone. ``benchmarks/personal.py`` measures both
centres (the flat centre is compar:IA's, up to their per-record detail) and the public
centre predicts the held-out votes better at every σ.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
import numpy.typing as npt

from arena.ranking import bt

FloatArray = npt.NDArray[np.float64]

PERSONAL_SD_ELO = 100.0  # chosen by benchmarks/personal.py (dev half), see the docstring
MAX_ITER = 100
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
    for _ in range(MAX_ITER):
        step, _ = _newton_step(base + delta, delta, cells, n, s, ridge)
        delta = delta + step
        if np.abs(step).max() < TOL:
            break
    _, cov = _newton_step(base + delta, delta, cells, n, s, ridge)
    votes = (np.bincount(cells.i, weights=n, minlength=m)
             + np.bincount(cells.j, weights=n, minlength=m)).astype(np.float64)
    return PersonalFit(ratings=at + bt.ELO_SCALE * delta,
                       sd=bt.ELO_SCALE * np.sqrt(np.diag(cov)), votes=votes)


def _newton_step(theta: FloatArray, delta: FloatArray, cells: bt.Cells, n: FloatArray,
                 s: FloatArray, ridge: float) -> tuple[FloatArray, FloatArray]:
    """One Newton step of the penalised log-likelihood, and the inverse Hessian. The
    objective is strictly concave (full-rank prior), and the prior keeps every step
    small: no damping is needed (checked by the separable cases in the tests)."""
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
