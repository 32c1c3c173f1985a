"""Contextual Bradley–Terry: model strengths fitted jointly with per-battle covariates.

P(A beats B) = σ(θ_A − θ_B + βᵀf), where f are the battle's standardised style features
(relative length and markdown use of A versus B). This is Chatbot Arena's style control:
β measures how much voters reward style, and θ is what is left of each model once style
is held equal.

Covariates are per battle, so unlike plain BT there is no pair-level sufficient
statistic; the cost per Newton iteration is a few linear passes (bincounts and one
n×F product) over the battles. The model–model block of the Hessian is still built from
pair totals, and the fit warm-starts from the plain BT solution, so it converges in a
handful of iterations. The same ridge prior as plain BT applies to θ (not to β).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from arena.ranking.bt import RIDGE, TOL, _sigmoid

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

MAX_ITER = 100


@dataclass(frozen=True)
class Design:
    """Per-battle data of a contextual fit: sides, score of A (1, 0 or 0.5), weight,
    features. ``pair`` is the ordered-pair key a·m + b, precomputed once."""

    m: int
    a: IntArray
    b: IntArray
    y: FloatArray
    w: FloatArray
    f: FloatArray

    @property
    def pair(self) -> IntArray:
        return self.a * self.m + self.b


def fit_contextual(
    design: Design,
    *,
    weights: FloatArray | None = None,
    ridge: float = RIDGE,
    start: FloatArray | None = None,
    tol: float = TOL,
) -> FloatArray:
    """Parameters (θ_1..θ_m, β_1..β_F) maximising the ridge-penalised log-likelihood.

    ``weights`` multiplies the design's own weights (the bootstrap passes resampling
    counts). ``start`` is a warm start of the same layout.
    """
    m, nf = design.m, design.f.shape[1]
    w = design.w if weights is None else design.w * weights
    params = np.zeros(m + nf) if start is None else np.array(start, dtype=np.float64)
    pair = design.pair
    penalty = np.zeros((m + nf, m + nf))
    penalty[:m, :m] = np.eye(m) * ridge + 1.0 / m  # ridge on θ plus the gauge fix
    value = _objective(design, w, params, ridge)
    for _ in range(MAX_ITER):
        z = _logits(design, params)
        p = _sigmoid(z)
        grad = _score(design, w * (design.y - p))
        grad[:m] -= ridge * params[:m]
        hess = _gram(design, pair, w * p * (1.0 - p)) + penalty
        step = np.linalg.solve(hess, grad)
        params, value = _damped(design, w, params, step, value, ridge)
        if np.abs(step).max() < tol:
            break
    return params


def contextual_sandwich(design: Design, params: FloatArray, *, ridge: float = RIDGE) -> FloatArray:
    """Robust covariance H⁻¹ B H⁻¹ of (θ, β), θ block in the Σθ = 0 gauge."""
    m, nf = design.m, design.f.shape[1]
    p = _sigmoid(_logits(design, params))
    pair = design.pair
    hess = _gram(design, pair, design.w * p * (1.0 - p))
    hess[:m, :m] += np.eye(m) * ridge + 1.0 / m
    meat = _gram(design, pair, design.w**2 * (design.y - p) ** 2)
    inv = np.linalg.inv(hess)
    proj = np.eye(m + nf)
    proj[:m, :m] -= 1.0 / m
    return proj @ inv @ meat @ inv @ proj.T


def _logits(design: Design, params: FloatArray) -> FloatArray:
    theta, beta = params[: design.m], params[design.m :]
    return theta[design.a] - theta[design.b] + design.f @ beta


def _score(design: Design, r: FloatArray) -> FloatArray:
    m = design.m
    g_theta = np.bincount(design.a, weights=r, minlength=m)
    g_theta -= np.bincount(design.b, weights=r, minlength=m)
    return np.concatenate([g_theta, design.f.T @ r])


def _gram(design: Design, pair: IntArray, v: FloatArray) -> FloatArray:
    """Xᵀ diag(v) X for rows x = (e_a − e_b, f), built block by block without forming X."""
    m, nf = design.m, design.f.shape[1]
    out = np.empty((m + nf, m + nf))
    per_pair = np.bincount(pair, weights=v, minlength=m * m).reshape(m, m)
    sym = per_pair + per_pair.T
    tt = -sym
    tt[np.diag_indices(m)] = sym.sum(axis=1) - np.diag(sym)
    out[:m, :m] = tt
    vf = design.f * v[:, None]
    cross = np.empty((m, nf))
    for k in range(nf):
        col = vf[:, k]
        cross[:, k] = np.bincount(design.a, weights=col, minlength=m) - np.bincount(
            design.b, weights=col, minlength=m
        )
    out[:m, m:] = cross
    out[m:, :m] = cross.T
    out[m:, m:] = design.f.T @ vf
    return out


def _objective(design: Design, w: FloatArray, params: FloatArray, ridge: float) -> float:
    z = _logits(design, params)
    ll = -(w * (design.y * np.logaddexp(0.0, -z) + (1.0 - design.y) * np.logaddexp(0.0, z))).sum()
    return float(ll - 0.5 * ridge * (params[: design.m] ** 2).sum())


def _damped(
    design: Design,
    w: FloatArray,
    params: FloatArray,
    step: FloatArray,
    value: float,
    ridge: float,
) -> tuple[FloatArray, float]:
    # Checking the objective costs a full pass over the battles, so only large steps
    # (where Newton on a logistic loss can overshoot) are checked; small steps near the
    # optimum are safe and taken as they are.
    if np.abs(step).max() < 0.5:
        return params + step, math.nan
    if math.isnan(value):
        value = _objective(design, w, params, ridge)
    t = 1.0
    for _ in range(40):
        new = params + t * step
        new_value = _objective(design, w, new, ridge)
        if new_value >= value - 1e-12 * (1.0 + abs(value)):
            return new, new_value
        t *= 0.5
    return params + t * step, value
