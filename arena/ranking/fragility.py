"""How fragile is the board's order: the fewest votes whose removal swaps two models.

For two models u above l (θ_u > θ_l), dropping one vote v of the pair (i, j) with score
y moves the fit by about one Newton step, Δθ_v = −H⁻¹ w (y − p_ij)(e_i − e_j) (H the
negative Hessian of the log-posterior at θ̂, w the vote's weight), so the gap
θ_u − θ_l moves by δ_v = cᵀΔθ_v with c = H⁻¹(e_u − e_l). Removing a set moves it by the
sum of its δ's (to first order), and the fewest votes that close the gap are then the
most negative δ's taken in turn — the approximate maximum-influence perturbation of
Broderick, Giordano and Meager, which Huang et al. (arXiv:2508.11847) used to show that
2 of 57,477 votes decide Chatbot Arena's #1.

The first-order count is then *checked by refitting*, with the votes actually removed:
where the gap has not closed, the step is taken again from the new fit and more votes
are added (at most ``ROUNDS`` times); where it has, a bisection along the order the
votes were chosen in finds the shortest prefix that still swaps. So a reported count is
never a guess: ``checked`` says the refit without those votes puts the lower model
strictly above, and then the count is an upper bound on the true minimum that is tight
along the chosen order to the vote up to 50 votes, to 2% above (``REL_TOL``); on
small cases it matched brute force (tests/ranking).

Votes of one cell (pair and outcome) are interchangeable, so everything runs on cells:
one m×m solve per pair of models and one batched refit of all pairs per round, never
a refit per vote. A weighted vote (IPW, the integrity weights) is removed with its
cell's mean weight.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
import numpy.typing as npt

from arena.ranking import bt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

ROUNDS = 6  # linearise-and-add rounds before a pair's count is reported unchecked
BISECT_STEPS = 16  # enough for a count of 65,536 votes to be shortened to the vote
# The bisection stops once the count is known to within this share (and always to the
# vote below 1/REL_TOL votes): the first-order count is already that close at large
# counts, and each step is a refit of every pair still open.
REL_TOL = 0.02
REFIT_TOL = 1e-6
# Counts up to this are then improved by exchanges (give back one or two of the chosen
# votes, take another): where a few votes decide, the first-order order can be off by one.
LOCAL_MAX = 50
EXCHANGE_BACK = 6  # chosen cell columns considered for giving back, per pair
EXCHANGE_TAKE = 3  # other cell columns considered for taking instead
EXCHANGE_TRIES = 8  # candidates refitted per pair and round
SWAPPED = -1e-9  # the gap (natural units) below which the lower model is above


@dataclass(frozen=True)
class Swap:
    """Per pair (upper, lower): the fewest votes found whose removal swaps them
    (``votes``; −1 when none was found within the rounds), and whether a refit without
    them confirmed it (``checked``)."""

    upper: IntArray
    lower: IntArray
    votes: IntArray
    checked: npt.NDArray[np.bool_]
    first_order: IntArray  # the plain one-step count, before any refit


def votes_to_swap(cells: bt.Cells, theta: FloatArray, upper: IntArray, lower: IntArray,
                  *, ridge: float) -> Swap:
    """The fewest votes whose removal puts ``lower[k]`` above ``upper[k]``, per k.

    ``theta`` is the fit of ``cells`` with this ``ridge`` (natural units); every upper
    model must be above its lower one in it.
    """
    r = upper.shape[0]
    if not r:
        empty = np.zeros(0, dtype=np.int64)
        return Swap(upper, lower, empty, np.zeros(0, dtype=bool), empty)
    base = cells.weights[None].repeat(r, axis=0)
    counts = cells.counts[None].repeat(r, axis=0)
    per_vote = np.divide(cells.weights, cells.counts, out=np.zeros_like(cells.weights),
                         where=cells.counts > 0)
    removed = np.zeros_like(counts)  # votes removed so far, per pair and cell column
    chosen: list[list[tuple[int, int]]] = [[] for _ in range(r)]  # (flat cell column, n)
    current = np.broadcast_to(theta, (r, cells.m)).copy()
    done = np.zeros(r, dtype=bool)
    first = np.full(r, -1, dtype=np.int64)
    for round_ in range(ROUNDS):
        todo = np.flatnonzero(~done)
        if not todo.size:
            break
        left = counts[todo] - removed[todo]
        add = _first_order(cells, current[todo], base[todo] - removed[todo] * per_vote,
                           left, per_vote, upper[todo], lower[todo], ridge)
        for at, k in enumerate(todo.tolist()):
            for flat, n in add[at]:
                chosen[k].append((flat, n))
                removed[k].flat[flat] += n
            if round_ == 0:
                first[k] = sum(n for _, n in add[at])
        current[todo] = _refit(cells, base[todo] - removed[todo] * per_vote, current[todo],
                               ridge)
        gap = current[todo, upper[todo]] - current[todo, lower[todo]]
        done[todo[gap < SWAPPED]] = True
        # A pair with nothing left to remove cannot get further.
        stuck = [k for at, k in enumerate(todo.tolist()) if not add[at]]
        done[stuck] = True
    total = removed.reshape(r, -1).sum(axis=1)
    gap = current[np.arange(r), upper] - current[np.arange(r), lower]
    checked = gap < SWAPPED
    votes = np.where(checked, np.rint(total), -1).astype(np.int64)
    votes = _bisect(cells, theta, base, per_vote, chosen, votes, checked, upper, lower,
                    ridge)
    small = np.flatnonzero(checked & (votes <= LOCAL_MAX))
    if small.size:
        size = cells.weights.size
        drops = np.stack([_prefix(chosen[k], int(votes[k]), size) for k in small.tolist()])
        drops = _exchange(cells, theta, drops, per_vote, upper[small], lower[small], ridge)
        votes[small] = np.rint(drops.sum(axis=1)).astype(np.int64)
    return Swap(upper, lower, votes, checked, first)


def _effects(cells: bt.Cells, theta: FloatArray, weights: FloatArray, per_vote: FloatArray,
             upper: IntArray, lower: IntArray, ridge: float) -> FloatArray:
    """(R, P·3): the first-order change of each pair's gap θ_upper − θ_lower were one
    vote of each cell column removed from the fit ``theta`` of ``weights``."""
    r, m = theta.shape
    i, j = cells.i, cells.j
    p = bt._sigmoid(theta[:, i] - theta[:, j])  # (r, P)
    n = weights.sum(axis=2)
    hess = bt._laplacian(i, j, n * p * (1 - p), m) + np.eye(m) * ridge + 1.0 / m
    e = np.zeros((r, m))
    e[np.arange(r), upper] = 1.0
    e[np.arange(r), lower] = -1.0
    c = np.linalg.solve(hess, e[..., None])[..., 0]  # (r, m)
    # δ per vote, per cell column: −w (y − p)(c_i − c_j).
    resid = bt.CELL_SCORES[None, None, :] - p[..., None]  # (r, P, 3)
    delta = -(per_vote[None] * resid) * (c[:, i] - c[:, j])[..., None]
    return cast("FloatArray", delta.reshape(r, -1))


def _first_order(cells: bt.Cells, theta: FloatArray, weights: FloatArray,
                 left: FloatArray, per_vote: FloatArray, upper: IntArray, lower: IntArray,
                 ridge: float) -> list[list[tuple[int, int]]]:
    """Per pair, the votes (flat cell column, how many) whose first-order effects, most
    negative first, close its gap at ``theta`` (the fit of ``weights``)."""
    r = theta.shape[0]
    delta = _effects(cells, theta, weights, per_vote, upper, lower, ridge)
    # Aim just past level: two models exactly level are not yet swapped.
    gap = theta[np.arange(r), upper] - theta[np.arange(r), lower] - SWAPPED
    out: list[list[tuple[int, int]]] = []
    for k in range(r):
        d = delta[k]
        avail = np.rint(left[k].ravel()).astype(np.int64)
        useful = np.flatnonzero((d < 0) & (avail > 0))
        order = useful[np.argsort(d[useful], kind="stable")]
        need = float(gap[k])
        picks: list[tuple[int, int]] = []
        for flat in order.tolist():
            if need <= 0:
                break
            take = int(min(avail[flat], np.floor(need / -d[flat]) + 1))
            picks.append((flat, take))
            need += take * float(d[flat])
        out.append(picks)
    return out


def _refit(cells: bt.Cells, weights: FloatArray, start: FloatArray, ridge: float) -> FloatArray:
    """The fits of R data sets from ``start``. Newton converges quadratically, so a last
    step under ``REFIT_TOL`` leaves an error of its square: far below any gap whose
    sign is in doubt."""
    clipped = np.maximum(weights, 0.0)  # rounding of a removed cell's weight
    return bt.fit(cells, weights=clipped, ridge=ridge, theta0=start, tol=REFIT_TOL)


def _prefix(chosen: list[tuple[int, int]], votes: int, size: int) -> FloatArray:
    """The removal counts of the first ``votes`` votes in the order they were chosen."""
    out = np.zeros(size)
    for flat, n in chosen:
        if votes <= 0:
            break
        take = min(n, votes)
        out[flat] += take
        votes -= take
    return out


def _bisect(cells: bt.Cells, theta: FloatArray, base: FloatArray, per_vote: FloatArray,
            chosen: list[list[tuple[int, int]]], votes: IntArray,
            checked: npt.NDArray[np.bool_], upper: IntArray, lower: IntArray,
            ridge: float) -> IntArray:
    """Shorten each checked count to the shortest prefix of its chosen votes that still
    swaps (the bisection assumes that dropping more of them never undoes the swap)."""
    hi = votes.copy()
    lo = np.zeros_like(hi)  # removing nothing does not swap
    shape = cells.weights.shape
    for step in range(BISECT_STEPS):
        todo = np.flatnonzero(checked & (hi - lo > np.maximum(1, REL_TOL * hi)))
        if not todo.size:
            break
        # The first try sits just below the count (the one-step count is close at large
        # counts, so this usually settles it at once); then halving.
        mid = (np.floor(0.95 * hi[todo]) if step == 0 else (lo[todo] + hi[todo]) // 2)
        mid = np.clip(mid.astype(np.int64), lo[todo] + 1, hi[todo] - 1)
        drop = np.stack([_prefix(chosen[k], int(v), shape[0] * shape[1]).reshape(shape)
                         for k, v in zip(todo.tolist(), mid.tolist(), strict=True)])
        start = np.broadcast_to(theta, (todo.size, cells.m))
        fits = _refit(cells, base[todo] - drop * per_vote, start, ridge)
        swapped = fits[np.arange(todo.size), upper[todo]] \
            - fits[np.arange(todo.size), lower[todo]] < SWAPPED
        hi[todo[swapped]] = mid[swapped]
        lo[todo[~swapped]] = mid[~swapped]
    return cast("IntArray", np.where(checked, hi, -1))


def _exchange(cells: bt.Cells, theta: FloatArray, drops: FloatArray, per_vote: FloatArray,
              upper: IntArray, lower: IntArray, ridge: float) -> FloatArray:
    """Shorten swapping removals (R, P·3) by one vote at a time while some exchange does:
    give back one chosen vote, or two and take one other; the candidates are ranked by
    their first-order effect at the fit without the current removal, and the best
    ``EXCHANGE_TRIES`` of each pair are refitted to confirm."""
    base = cells.weights.ravel()
    counts = cells.counts.ravel()
    w = per_vote.ravel()
    shape = cells.weights.shape
    drops = drops.copy()
    open_ = np.arange(drops.shape[0])
    for _ in range(LOCAL_MAX):
        if not open_.size:
            break
        weights = (base[None] - drops[open_] * w[None]).reshape(open_.size, *shape)
        start = np.broadcast_to(theta, (open_.size, cells.m))
        fits = _refit(cells, weights, start, ridge)
        u, lo = upper[open_], lower[open_]
        gaps = fits[np.arange(open_.size), u] - fits[np.arange(open_.size), lo]
        delta = _effects(cells, fits, np.maximum(weights, 0.0), per_vote, u, lo, ridge)
        tries: list[FloatArray] = []
        owner: list[int] = []
        for at, k in enumerate(open_.tolist()):
            for cand in _candidates(drops[k], counts, delta[at], float(gaps[at])):
                tries.append(cand)
                owner.append(at)
        if not tries:
            break
        cand = np.stack(tries)
        who = np.array(owner)
        weights = (base[None] - cand * w[None]).reshape(len(tries), *shape)
        refits = _refit(cells, weights, np.broadcast_to(theta, (len(tries), cells.m)), ridge)
        gap = refits[np.arange(len(tries)), upper[open_][who]] \
            - refits[np.arange(len(tries)), lower[open_][who]]
        improved = []
        for at, k in enumerate(open_.tolist()):
            mine = np.flatnonzero((who == at) & (gap < SWAPPED))
            if mine.size:
                drops[k] = cand[mine[np.argmin(gap[mine])]]
                improved.append(k)
        open_ = np.array(improved, dtype=np.int64)
    return drops


def _candidates(drop: FloatArray, counts: FloatArray, delta: FloatArray,
                gap: float) -> list[FloatArray]:
    """Removals one vote shorter than ``drop`` whose first-order gap (from ``gap``, the
    fit without ``drop``, and ``delta``, each vote's effect there) is lowest."""
    held = np.flatnonzero(drop > 0)
    spare = np.flatnonzero(counts - drop > 0)
    # Giving a vote back moves the gap by −δ: the least harmful first.
    back = held[np.argsort(-delta[held], kind="stable")][:EXCHANGE_BACK]
    take = spare[np.argsort(delta[spare], kind="stable")][:EXCHANGE_TAKE]
    scored: list[tuple[float, tuple[int, ...], int | None]] = []
    for g in back.tolist():
        scored.append((gap - float(delta[g]), (g,), None))
    for x, g1 in enumerate(back.tolist()):
        for g2 in back.tolist()[x:]:
            if g1 == g2 and drop[g1] < 2:
                continue
            for h in take.tolist():
                if h not in (g1, g2):
                    scored.append((gap - float(delta[g1] + delta[g2] - delta[h]), (g1, g2), h))
    scored.sort(key=lambda c: c[0])
    out = []
    for _, gone, h in scored[:EXCHANGE_TRIES]:
        cand = drop.copy()
        for g in gone:
            cand[g] -= 1
        if h is not None:
            cand[h] += 1
        out.append(cand)
    return out
