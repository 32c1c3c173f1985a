"""Contextual Bradley–Terry: model strengths fitted jointly with per-battle covariates.

P(A beats B) = σ(θ_A − θ_B + βᵀf), where f are the battle's standardised style features
(relative length and markdown use of A versus B). This is Chatbot Arena's style control:
β measures how much voters reward style, and θ is what is left of each model once style
is held equal.

Covariates are per battle, so unlike plain BT there is no pair-level sufficient
statistic and each Newton iteration makes a few linear passes over the battles. To keep
those passes cheap the design is sorted once by ordered pair (a radix sort when the pair
key fits 16 bits): then every per-pair total is a contiguous ``np.add.reduceat`` and
θ_A − θ_B is computed once per pair and repeated. The fit warm-starts from the plain BT
solution, so it converges in a handful of iterations. The same tiny ridge prior as plain
BT applies to θ and to β (on β only so that a style feature that never varies, whose
standardised column is all zeros, cannot make the Hessian singular).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import cast

import numpy as np
import numpy.typing as npt

from arena.ranking.bt import RIDGE, TOL, quasi_dispersion

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

MAX_ITER = 100
CHORD_BELOW = 1e-4  # largest step (nats) after which the Hessian is no longer rebuilt


@dataclass(frozen=True)
class Design:
    """Per-battle data of a contextual fit, sorted by ordered pair (a, b): score of A
    (1, 0 or 0.5), weight and features per battle — stored feature-major, (F, n), so
    each feature is one contiguous row; per pair segment its first battle, length and
    the two models. Build it with ``make_design``."""

    m: int
    y: FloatArray
    w: FloatArray
    ft: FloatArray
    start: IntArray
    length: IntArray
    seg_a: IntArray
    seg_b: IntArray

    @property
    def n(self) -> int:
        return int(self.y.shape[0])


def make_design(
    m: int, a: IntArray, b: IntArray, y: FloatArray, w: FloatArray, f: FloatArray
) -> Design:
    """Sort battles by ordered pair and record the segments."""
    key = a * m + b
    small = np.uint16 if m * m <= np.iinfo(np.uint16).max else np.int64
    order = np.argsort(key.astype(small), kind="stable")
    key = key[order]
    start = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]])) if key.size else key
    length = np.diff(np.append(start, key.shape[0]))
    first = key[start]
    # np.take, not f[order]: for 2-D rows it is several times faster.
    ft = np.ascontiguousarray(np.take(np.asarray(f, dtype=np.float64), order, axis=0).T)
    return Design(
        m=m,
        y=np.take(y, order),
        w=np.take(w, order),
        ft=ft,
        start=start,
        length=length,
        seg_a=first // m,
        seg_b=first % m,
    )


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
    params, _ = _fit(design, weights, ridge, start, tol)
    return params


def _fit(
    design: Design,
    weights: FloatArray | None,
    ridge: float,
    start: FloatArray | None,
    tol: float,
) -> tuple[FloatArray, FloatArray]:
    """(parameters, penalised Hessian near the optimum)."""
    m, nf = design.m, design.ft.shape[0]
    w = design.w if weights is None else design.w * weights
    params = np.zeros(m + nf) if start is None else np.array(start, dtype=np.float64)
    penalty = np.zeros((m + nf, m + nf))
    # The ridge on θ and β, plus the gauge fix on θ. On β it keeps the Hessian invertible
    # when a style feature is constant over the battles (its column standardises to 0).
    penalty += np.eye(m + nf) * ridge
    penalty[:m, :m] += 1.0 / m
    value = math.nan
    hess = penalty
    last = math.inf
    for _ in range(MAX_ITER):
        p = _sigmoid(_logits(design, params))
        grad = _score(design, w * (design.y - p))
        grad -= ridge * params
        # Once steps are small the Hessian barely changes, so it is kept (a chord
        # step): each of those iterations then costs one pass instead of three, and the
        # error still shrinks by orders of magnitude per step.
        if last > CHORD_BELOW:
            hess = _gram(design, w * p * (1.0 - p)) + penalty
        step = cast("FloatArray", np.linalg.solve(hess, grad))
        params, value = _damped(design, w, params, step, value, ridge)
        last = float(np.abs(step).max())
        if last < tol:
            break
    return params, hess


def fit_with_sandwich(
    design: Design, *, ridge: float = RIDGE, start: FloatArray | None = None, tol: float = TOL
) -> tuple[FloatArray, FloatArray]:
    """Parameters and their robust covariance, reusing the fit's last Hessian."""
    params, hess = _fit(design, None, ridge, start, tol)
    return params, contextual_sandwich(design, params, ridge=ridge, hess=hess)


def contextual_sandwich(
    design: Design, params: FloatArray, *, ridge: float = RIDGE, hess: FloatArray | None = None
) -> FloatArray:
    """Robust covariance H⁻¹ B H⁻¹ of (θ, β), θ block in the Σθ = 0 gauge. ``hess``
    (penalised, gauge-fixed) may be passed when the caller has it."""
    m, nf = design.m, design.ft.shape[0]
    p = _sigmoid(_logits(design, params))
    if hess is None:
        hess = _gram(design, design.w * p * (1.0 - p))
        hess += np.eye(hess.shape[0]) * ridge
        hess[:m, :m] += 1.0 / m
    meat = _gram(design, design.w**2 * (design.y - p) ** 2)
    inv = np.linalg.inv(hess)
    proj = np.eye(m + nf)
    proj[:m, :m] -= 1.0 / m
    return proj @ inv @ meat @ inv @ proj.T


def contextual_posterior_cov(design: Design, params: FloatArray, *, ridge: float) -> FloatArray:
    """Laplace approximation of the posterior covariance of (θ, β) at the mode: the
    information of the half-win likelihood, divided by its dispersion (see
    ``bt.dispersion``), plus the prior's ridge."""
    p = _sigmoid(_logits(design, params))
    phi = quasi_dispersion(float((design.w * (design.y - p) ** 2).sum()),
                           float((design.w * p * (1.0 - p)).sum()))
    info = _gram(design, design.w * p * (1.0 - p)) / phi
    return cast("FloatArray", np.linalg.inv(info + np.eye(info.shape[0]) * ridge))


def _sigmoid(z: FloatArray) -> FloatArray:
    # One tanh instead of exp plus a branch: overflow-free and the cheapest form for
    # millions of battles; the absolute error (~1e-16) is all Newton needs.
    return 0.5 + 0.5 * np.tanh(0.5 * z)


def _logits(design: Design, params: FloatArray) -> FloatArray:
    theta, beta = params[: design.m], params[design.m :]
    per_pair = theta[design.seg_a] - theta[design.seg_b]
    return np.repeat(per_pair, design.length) + beta @ design.ft


def _by_model(design: Design, per_segment: FloatArray) -> FloatArray:
    """Σ over segments of +x on model a and −x on model b."""
    m = design.m
    return cast("FloatArray", np.bincount(design.seg_a, per_segment, m)
                - np.bincount(design.seg_b, per_segment, m))


def _segments(design: Design, x: FloatArray) -> FloatArray:
    """Per-pair totals of x (last axis)."""
    if not x.shape[-1]:
        return np.zeros(x.shape[:-1] + (0,))
    return np.add.reduceat(x, design.start, axis=-1)


def _score(design: Design, r: FloatArray) -> FloatArray:
    return np.concatenate([_by_model(design, _segments(design, r)), design.ft @ r])


def _gram(design: Design, v: FloatArray) -> FloatArray:
    """Xᵀ diag(v) X for rows x = (e_a − e_b, f), built block by block without forming X."""
    m, nf = design.m, design.ft.shape[0]
    out = np.zeros((m + nf, m + nf))
    seg_v = _segments(design, v)
    np.add.at(out, (design.seg_a, design.seg_b), -seg_v)
    np.add.at(out, (design.seg_b, design.seg_a), -seg_v)
    diag = np.bincount(design.seg_a, seg_v, m) + np.bincount(design.seg_b, seg_v, m)
    out[np.arange(m), np.arange(m)] += diag
    vf = design.ft * v  # (F, n)
    seg_vf = _segments(design, vf)
    for k in range(nf):
        col = _by_model(design, seg_vf[k])
        out[:m, m + k] = col
        out[m + k, :m] = col
    out[m:, m:] = vf @ design.ft.T
    return out


def _objective(design: Design, w: FloatArray, params: FloatArray, ridge: float) -> float:
    z = _logits(design, params)
    ll = -(w * (design.y * np.logaddexp(0.0, -z) + (1.0 - design.y) * np.logaddexp(0.0, z))).sum()
    return float(ll - 0.5 * ridge * (params**2).sum())


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
