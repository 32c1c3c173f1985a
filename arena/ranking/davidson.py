"""The Davidson model: ties as ties, with their own parameter, on aggregated pair counts.

Model (Davidson 1970), for models i and j with strengths π = exp(θ) and tie parameter ν:

    P(i wins) = π_i / (π_i + π_j + ν√(π_i π_j))
    P(tie)    = ν√(π_i π_j) / (π_i + π_j + ν√(π_i π_j))

Divided through by √(π_i π_j), with d = θ_i − θ_j: P(i) = e^{d/2}/Z, P(j) = e^{−d/2}/Z,
P(tie) = ν/Z, Z = 2cosh(d/2) + ν. Given that a vote is decisive, P(i | decisive) = σ(d):
the ratings are on Bradley–Terry's scale (hence on the Elo scale through ``bt.ELO_SCALE``),
and a tie is likeliest between equals, where it has probability ν/(2 + ν). Unlike the
half-win quasi-likelihood of ``bt`` this is a real likelihood, so its information needs no
dispersion correction.

Both-bad votes are *folded into ties*. Both "tie" and "both bad" say that the voter
preferred neither answer, which is all either says about the pair's order. Treating
both-bad as a fourth outcome with its own ν_bb in the same √(π_i π_j) form changes
nothing but the split: the likelihood factorises into the folded model times a constant
Binomial(ties vs both-bad), so θ̂ is identical and ν̂_tie + ν̂_bb = ν̂ (the four-outcome
log-loss of that split is in ``benchmarks/ties.py``). A both-bad outcome that depends on
the pair (weak pairs more often both bad) would need an absolute-quality term this
comparative model does not have; it was not built.

Parameters: θ (m) and λ = log ν, fitted jointly by a damped Newton method on the batch of
R data sets at once (as ``bt``), from the cells' three columns (i won, j won, tie or
both bad), so a fit costs O(pairs), never O(battles). The log-likelihood is concave in
(θ, λ) (an exponential family in them), so Newton converges from any start. Priors: θ
gets the board's ridge (``bt.prior_ridge``; at the optimum Σθ = 0, the gauge of ``bt``);
λ gets the nearly flat ``NU_RIDGE``, only so that a board without a single tie (ν̂ = 0)
still has a finite λ. Per-battle weights (IPW, down-weighted votes) enter as weighted
counts, exactly as in ``bt``.

Parameters are returned as one array: columns 0..m−1 are θ, the last is λ.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import numpy.typing as npt

from arena.ranking import bt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

NU_RIDGE = 1e-4  # prior on log ν: a ten-thousandth of a vote's information
TOL = bt.TOL
MAX_ITER = 200


def fit(
    cells: bt.Cells,
    *,
    weights: FloatArray | None = None,
    ridge: float = bt.RIDGE,
    start: FloatArray | None = None,
    tol: float = TOL,
) -> FloatArray:
    """(θ, log ν) maximising the penalised Davidson log-likelihood, θ in natural units.

    ``weights`` (R, P, 3) fits R data sets at once (bootstrap); by default the cells'
    own weights, R = 1. Returns (R, m + 1), or (m + 1,) when ``weights`` is None.
    """
    single = weights is None
    w = cells.weights[None] if weights is None else weights
    params = _newton(cells.i, cells.j, w, cells.m, ridge, start, tol)
    return params[0] if single else params


def probabilities(d: FloatArray, log_nu: FloatArray | float) -> tuple[FloatArray, ...]:
    """(P(i wins), P(j wins), P(tie)) at d = θ_i − θ_j.

    Divided through by e^{|d|/2}, so only exp(−|d|/2) and ν·exp(−|d|/2) are formed: no
    overflow for any d (two exponentials per cell, a third of the cost of doing it in logs).
    """
    half = 0.5 * np.abs(d)
    e = np.exp(-half)
    nu_e = np.exp(np.minimum(log_nu, 700.0) - half)
    z = 1.0 + e * e + nu_e
    stronger, weaker = 1.0 / z, e * e / z
    ahead = d >= 0
    return np.where(ahead, stronger, weaker), np.where(ahead, weaker, stronger), nu_e / z


def expected_score(theta: FloatArray, log_nu: float) -> FloatArray:
    """(m, m) matrix of P(row wins) + ½ P(tie): comparable to an observed win rate that
    counts ties as halves."""
    win, _, tie = probabilities(theta[:, None] - theta[None, :], log_nu)
    return win + 0.5 * tie


def log_likelihood(cells: bt.Cells, params: FloatArray) -> float:
    """The (unpenalised) Davidson log-likelihood of the cells' weighted counts."""
    return float(_loglik(params[None], cells.i, cells.j, cells.weights[None], cells.m)[0])


def gradient(cells: bt.Cells, params: FloatArray, *, ridge: float = bt.RIDGE) -> FloatArray:
    """Gradient of the penalised log-likelihood at ``params`` (the fit's objective)."""
    w = cells.weights[None]
    probs = _probs(params[None], cells.i, cells.j, cells.m)
    return cast("FloatArray", _gradient(params[None], probs, cells.i, cells.j, w,
                                        w.sum(axis=2), cells.m, ridge)[0])


def _probs(params: FloatArray, i: IntArray, j: IntArray, m: int) -> tuple[FloatArray, ...]:
    theta, lam = params[:, :m], params[:, m:]
    return probabilities(theta[:, i] - theta[:, j], lam)


def _loglik(params: FloatArray, i: IntArray, j: IntArray, w: FloatArray, m: int) -> FloatArray:
    theta, lam = params[:, :m], params[:, m:]
    d = theta[:, i] - theta[:, j]
    log_z = np.logaddexp(np.logaddexp(d / 2, -d / 2), lam)
    ll = w[..., 0] * (d / 2 - log_z) + w[..., 1] * (-d / 2 - log_z) + w[..., 2] * (lam - log_z)
    return cast("FloatArray", ll.sum(axis=1))


def _objective(params: FloatArray, i: IntArray, j: IntArray, w: FloatArray, m: int,
               ridge: float) -> FloatArray:
    theta, lam = params[:, :m], params[:, m]
    prior = 0.5 * ridge * (theta**2).sum(axis=1) + 0.5 * NU_RIDGE * lam**2
    return cast("FloatArray", _loglik(params, i, j, w, m) - prior)


def _gradient(params: FloatArray, probs: tuple[FloatArray, ...], i: IntArray, j: IntArray,
              w: FloatArray, n: FloatArray, m: int, ridge: float) -> FloatArray:
    p_i, p_j, p_t = probs
    r = params.shape[0]
    g_d = 0.5 * (w[..., 0] - w[..., 1]) - 0.5 * n * (p_i - p_j)
    out = np.empty((r, m + 1))
    out[:, :m] = _scatter(i, j, g_d, m) - ridge * params[:, :m]
    out[:, m] = (w[..., 2] - n * p_t).sum(axis=1) - NU_RIDGE * params[:, m]
    return out


def _information(probs: tuple[FloatArray, ...], n: FloatArray, i: IntArray, j: IntArray,
                 m: int) -> FloatArray:
    """(R, m+1, m+1) observed information of the unpenalised likelihood: n × the
    covariance of the sufficient statistics (y/2, 1[tie]) per cell, y = +1, −1, 0."""
    p_i, p_j, p_t = probs
    half = 0.5 * (p_i - p_j)
    var_d = n * (0.25 * (p_i + p_j) - half**2)
    cov_dt = -n * half * p_t
    var_t = n * p_t * (1.0 - p_t)
    return _blocks(i, j, var_d, cov_dt, var_t, m)


def _blocks(i: IntArray, j: IntArray, a: FloatArray, b: FloatArray, c: FloatArray,
            m: int) -> FloatArray:
    """Σ_pairs of [a (e_i−e_j)(e_i−e_j)ᵀ, b (e_i−e_j); b (e_i−e_j)ᵀ, c] per data set."""
    r = a.shape[0]
    out = np.zeros((r, m + 1, m + 1))
    out[:, :m, :m] = bt._laplacian(i, j, a, m)
    cross = _scatter(i, j, b, m)
    out[:, :m, m] = cross
    out[:, m, :m] = cross
    out[:, m, m] = c.sum(axis=1)
    return out


def _scatter(i: IntArray, j: IntArray, v: FloatArray, m: int) -> FloatArray:
    r = v.shape[0]
    rows = np.arange(r)[:, None] * m
    return bt._scatter((rows + i).ravel(), (rows + j).ravel(), v.ravel(), r, m)


def _start(w: FloatArray, m: int) -> FloatArray:
    """θ = 0 and the ν whose tie rate between equals, ν/(2+ν), is the data's tie share."""
    n = w.sum(axis=(1, 2))
    share = np.clip(w[..., 2].sum(axis=1) / np.maximum(n, 1e-300), 1e-3, 0.999)
    out = np.zeros((w.shape[0], m + 1))
    out[:, m] = np.log(2.0 * share / (1.0 - share))
    return out


def _newton(i: IntArray, j: IntArray, w: FloatArray, m: int, ridge: float,
            start: FloatArray | None, tol: float) -> FloatArray:
    r = w.shape[0]
    params = _start(w, m) if start is None else np.broadcast_to(start, (r, m + 1)).copy()
    n = w.sum(axis=2)
    # The ridge prior plus a rank-one fix of θ's null space (as in bt), and λ's prior.
    gauge = np.zeros((m + 1, m + 1))
    gauge[:m, :m] = np.eye(m) * ridge + 1.0 / m
    gauge[m, m] = NU_RIDGE
    for _ in range(MAX_ITER):
        probs = _probs(params, i, j, m)
        grad = _gradient(params, probs, i, j, w, n, m, ridge)
        hess = _information(probs, n, i, j, m) + gauge
        step = cast("FloatArray", np.linalg.solve(hess, grad[..., None])[..., 0])
        params = bt.damped_step(
            params, step, lambda th, rows: _objective(th, i, j, w[rows], m, ridge))
        if np.abs(step).max() < tol:
            return params
    return params


def posterior_cov(cells: bt.Cells, params: FloatArray, *, ridge: float) -> FloatArray:
    """Laplace approximation of the posterior covariance of (θ, log ν) at the mode:
    (H + prior)⁻¹, (m+1, m+1); never singular, since the prior has full rank."""
    m = cells.m
    probs = _probs(params[None], cells.i, cells.j, m)
    info = _information(probs, cells.n[None], cells.i, cells.j, m)[0]
    prior = np.diag(np.r_[np.full(m, ridge), NU_RIDGE])
    return cast("FloatArray", np.linalg.inv(info + prior))


def sandwich(cells: bt.Cells, params: FloatArray, *, ridge: float) -> FloatArray:
    """Robust (Huber–White) covariance of (θ̂, log ν̂), θ in the Σθ = 0 gauge: H⁻¹ B H⁻¹,
    B summing each battle's squared score per cell (with weights, the squared weights)."""
    m = cells.m
    p_i, p_j, p_t = (p[0] for p in _probs(params[None], cells.i, cells.j, m))
    half = 0.5 * (p_i - p_j)
    # Score of one vote per outcome column (i won, j won, tie): d part and λ part.
    s_d = np.stack([0.5 - half, -0.5 - half, -half], axis=1)
    s_t = np.stack([-p_t, -p_t, 1.0 - p_t], axis=1)
    w2 = cells.weights_sq
    meat = _blocks(cells.i, cells.j, (w2 * s_d**2).sum(axis=1)[None],
                   (w2 * s_d * s_t).sum(axis=1)[None], (w2 * s_t**2).sum(axis=1)[None], m)[0]
    info = _information((p_i[None], p_j[None], p_t[None]), cells.n[None], cells.i, cells.j,
                        m)[0]
    fix = np.zeros((m + 1, m + 1))
    fix[:m, :m] = np.eye(m) * ridge + 1.0 / m
    fix[m, m] = NU_RIDGE
    inv = np.linalg.inv(info + fix)
    proj = np.eye(m + 1)
    proj[:m, :m] -= 1.0 / m
    return cast("FloatArray", proj @ inv @ meat @ inv @ proj)
