"""The fragility search as it was before the whole-board audit's speed-up, kept only so
that ``benchmarks/fragility.py`` and ``tests/ranking/test_fragility.py`` can run it next
to ``arena.ranking.fragility`` and check that every count is the same. Not used by the
board; see ``arena.ranking.fragility`` for what the method does."""


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
CHORD_STEPS = 40  # shared-Hessian steps before the rows left are handed to Newton
# The chord converges linearly, so it is run to far below SWAPPED: two models whose
# counts are exactly level must come out level, not a rounding error apart.
CHORD_TOL = 1e-11
# Counts up to this are then improved by exchanges (give back one or two of the chosen
# votes, take another): where a few votes decide, the first-order order can be off by one.
LOCAL_MAX = 50
EXCHANGE_BACK = 6  # chosen cell columns considered for giving back, per pair
EXCHANGE_TAKE = 3  # other cell columns considered for taking instead
EXCHANGE_TRIES = 8  # candidates refitted per pair and round
CHUNK = 256  # pairs worked on at once
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


def _sigmoid(x: FloatArray) -> FloatArray:
    # bt's sigmoid as it was then (the same numbers as bt's now, at the old cost).
    e = np.exp(-np.abs(x))
    return cast("FloatArray", np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)))


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
    if r > CHUNK:  # every pair carries its own copy of the cells: bound the memory
        parts = [_votes_to_swap(cells, theta, upper[k:k + CHUNK], lower[k:k + CHUNK], ridge)
                 for k in range(0, r, CHUNK)]
        return Swap(upper, lower, np.concatenate([q.votes for q in parts]),
                    np.concatenate([q.checked for q in parts]),
                    np.concatenate([q.first_order for q in parts]))
    return _votes_to_swap(cells, theta, upper, lower, ridge)


def _votes_to_swap(cells: bt.Cells, theta: FloatArray, upper: IntArray, lower: IntArray,
                   ridge: float) -> Swap:
    r = upper.shape[0]
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
                               ridge, upper[todo], lower[todo])
        gap = current[todo, upper[todo]] - current[todo, lower[todo]]
        done[todo[gap < SWAPPED]] = True
        # A pair with nothing left to remove cannot get further.
        stuck = [k for at, k in enumerate(todo.tolist()) if not add[at]]
        done[stuck] = True
    total = removed.reshape(r, -1).sum(axis=1)
    gap = current[np.arange(r), upper] - current[np.arange(r), lower]
    checked = gap < SWAPPED
    votes = np.where(checked, np.rint(total), -1).astype(np.int64)
    votes = _bisect(cells, theta, base, per_vote, chosen, votes, checked, gap, upper, lower,
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
    p = _sigmoid(theta[:, i] - theta[:, j])  # (r, P)
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
    avail = np.rint(left.reshape(r, -1)).astype(np.int64)
    useful = (delta < 0) & (avail > 0)
    order = np.argsort(np.where(useful, delta, np.inf), axis=1, kind="stable")
    d = np.take_along_axis(delta, order, axis=1)
    n = np.where(np.take_along_axis(useful, order, axis=1),
                 np.take_along_axis(avail, order, axis=1), 0)
    closed = np.cumsum(n * -d, axis=1)  # how far the gap has closed after each column
    before = closed - n * -d
    # Columns taken whole while the gap is still open after them; in the column where it
    # closes, just enough votes to pass level.
    open_before = before < gap[:, None]
    partial = np.floor((gap[:, None] - before) / np.where(n > 0, -d, 1.0)) + 1
    take = np.where(open_before, np.minimum(n, np.where(closed < gap[:, None], n, partial)),
                    0).astype(np.int64)
    out: list[list[tuple[int, int]]] = []
    for k in range(r):
        used = np.flatnonzero(take[k] > 0)
        out.append(list(zip(order[k, used].tolist(), take[k, used].tolist(), strict=True)))
    return out


def _refit(cells: bt.Cells, weights: FloatArray, start: FloatArray, ridge: float,
           upper: IntArray, lower: IntArray, *, sign_only: bool = False) -> FloatArray:
    """The fits of R data sets from ``start``, all near one another, accurate enough
    for the sign of each gap θ_upper − θ_lower (and, unless ``sign_only``, to
    ``REFIT_TOL`` everywhere: the next linearisation starts from it).

    Removing a few votes barely changes the curvature, so the fits share one Hessian:
    the one at the rows' mean start with their mean weights (a chord, or simplified
    Newton, method). Each step is then one (R, m)·(m, m) product instead of R solves of
    m×m systems, about m times cheaper. It converges linearly, at the rate the shared
    Hessian misses each row's own; a row that does not contract by half a step is
    finished by the full Newton fit (``bt.fit``), so the fixed point is the same.
    A step of size e at a rate of at most one half leaves an error of at most e in each
    rating, so a row stops once its gap is more than 4e from level (the sign is then
    sure), or its step is under ``CHORD_TOL`` (exactly level counts come out level)."""
    clipped = np.maximum(weights, 0.0)  # rounding of a removed cell's weight
    r, m = start.shape
    i, j = cells.i, cells.j
    n = clipped.sum(axis=2)
    s = clipped @ bt.CELL_SCORES
    center = start.mean(axis=0)
    p0 = _sigmoid((center[i] - center[j])[None])[0]
    hess = bt._laplacian(i, j, (n.mean(axis=0) * p0 * (1.0 - p0))[None], m)[0] \
        + np.eye(m) * ridge + 1.0 / m
    inverse = np.linalg.inv(hess)
    theta = start.copy()
    active = np.arange(r)
    last = np.full(r, np.inf)
    restart: list[IntArray] = []  # rows whose steps grew: back to their start
    resume: list[IntArray] = []  # rows that contract too slowly: Newton from where they are
    for _ in range(CHORD_STEPS):
        if not active.size:
            break
        th = theta[active]
        p = _sigmoid(th[:, i] - th[:, j])
        rows = np.arange(active.size)[:, None] * m
        grad = bt._scatter((rows + i).ravel(), (rows + j).ravel(),
                           (s[active] - n[active] * p).ravel(), active.size, m) - ridge * th
        step = grad @ inverse
        size = np.abs(step).max(axis=1)
        grew = ~(size < last[active])  # also NaN
        theta[active[~grew]] = th[~grew] + step[~grew]
        now = theta[active]
        gap = np.abs(now[np.arange(active.size), upper[active]]
                     - now[np.arange(active.size), lower[active]])
        # The bound needs the rate: not on the first step, nor on a step that slowed.
        # Far from the optimum (separable data) the rate says little: only small steps.
        sure = (gap > 4.0 * size) & (size <= 0.5 * last[active]) & (size < 1e-3)
        if not sign_only:
            sure &= size < REFIT_TOL
        done = ((size < CHORD_TOL) | sure) & ~grew
        slow = ~done & ~grew & (size > 0.5 * last[active])
        restart.append(active[grew])
        resume.append(active[slow])
        last[active] = size
        active = active[~done & ~grew & ~slow]
    resume.append(active)
    for rows_, begin in ((np.concatenate(restart), start), (np.concatenate(resume), theta)):
        if rows_.size:
            theta[rows_] = bt.fit(cells, weights=clipped[rows_], ridge=ridge,
                                  theta0=begin[rows_], tol=REFIT_TOL)
    return theta


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
            checked: npt.NDArray[np.bool_], gap: FloatArray, upper: IntArray,
            lower: IntArray, ridge: float) -> IntArray:
    """Shorten each checked count to the shortest prefix of its chosen votes that still
    swaps (the search assumes that dropping more of them never undoes the swap).

    The gap is nearly linear in the votes dropped along one order, so each probe sits
    at the count where the line through the bracket's ends crosses level (regula
    falsi), moved by a quarter of the tolerance toward the end that was not just moved —
    two refits usually close the bracket — and halves it after two moves of one end."""
    hi = votes.copy()
    lo = np.zeros_like(hi)  # removing nothing does not swap
    g_hi = np.where(checked, gap, -1.0)
    g_lo = theta[upper] - theta[lower]
    moved_hi = np.ones(upper.shape[0], dtype=bool)
    streak = np.zeros(upper.shape[0], dtype=np.int64)  # probes in a row that moved one end
    shape = cells.weights.shape
    for _ in range(BISECT_STEPS):
        width = hi - lo
        todo = np.flatnonzero(checked & (width > np.maximum(1, REL_TOL * hi)))
        if not todo.size:
            break
        lo_t, hi_t = lo[todo].astype(np.float64), hi[todo].astype(np.float64)
        cross = lo_t + (hi_t - lo_t) * g_lo[todo] / np.maximum(g_lo[todo] - g_hi[todo],
                                                                1e-300)
        nudge = np.maximum(0.5, 0.25 * REL_TOL * hi_t)
        aim = np.where(moved_hi[todo], cross - nudge, cross + nudge)
        # Regula falsi can creep up on the root from one side: then halve.
        aim = np.where(streak[todo] >= 2, (lo_t + hi_t) / 2, aim)
        mid = np.clip(np.rint(aim).astype(np.int64), lo[todo] + 1, hi[todo] - 1)
        drop = np.stack([_prefix(chosen[k], int(v), shape[0] * shape[1]).reshape(shape)
                         for k, v in zip(todo.tolist(), mid.tolist(), strict=True)])
        start = np.broadcast_to(theta, (todo.size, cells.m))
        fits = _refit(cells, base[todo] - drop * per_vote, start, ridge, upper[todo],
                      lower[todo], sign_only=True)
        g = fits[np.arange(todo.size), upper[todo]] - fits[np.arange(todo.size), lower[todo]]
        swapped = g < SWAPPED
        hi[todo[swapped]], g_hi[todo[swapped]] = mid[swapped], g[swapped]
        lo[todo[~swapped]], g_lo[todo[~swapped]] = mid[~swapped], g[~swapped]
        streak[todo] = np.where(swapped == moved_hi[todo], streak[todo] + 1, 1)
        moved_hi[todo] = swapped
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
        u, lo = upper[open_], lower[open_]
        fits = _refit(cells, weights, start, ridge, u, lo)
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
        refits = _refit(cells, weights, np.broadcast_to(theta, (len(tries), cells.m)), ridge,
                        upper[open_][who], lower[open_][who], sign_only=True)
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
