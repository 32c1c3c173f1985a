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

What it costs is the refits' passes over the P cells, so those are lean: a probe's
totals are computed for the cells its removal touches only; the chord and Newton steps
work on the cells transposed (logits by row gathers, each model's gradient sum a row at
a time, in the order ``np.bincount`` adds them); only the head of each pair's effects is
sorted. None of it changes a number: at large counts the count is only pinned to within
``REL_TOL``, and *which* count in that band comes out depends on the refits' last
digits (the probes' gaps stop at "sure of the sign"), so a speed-up that moved them
would move the counts too. ``fragility_reference`` keeps the search as it was, and the
tests and ``benchmarks/fragility.py --audit`` check that every count is the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
import numpy.typing as npt

from arena.ranking import bt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Choice = tuple[IntArray, IntArray]  # flat cell columns and how many votes of each

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
FIRST_WIDTH = 256  # columns sorted per pair at first when choosing votes
COMPACT = 2 / 3  # a refit's work space is compacted once fewer of its rows are active
ROW_SUMS_MIN = 16  # rows from which the gradient's sums are taken a row at a time
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
    per_vote = np.divide(cells.weights, cells.counts, out=np.zeros_like(cells.weights),
                         where=cells.counts > 0)
    # votes removed so far, per pair and cell column
    removed = np.zeros((r, *cells.counts.shape))
    # Per pair, the votes chosen so far in order: (flat cell columns, votes), per round.
    chosen: list[list[Choice]] = [[] for _ in range(r)]
    current = np.broadcast_to(theta, (r, cells.m)).copy()
    done = np.zeros(r, dtype=bool)
    first = np.full(r, -1, dtype=np.int64)
    for round_ in range(ROUNDS):
        todo = np.flatnonzero(~done)
        if not todo.size:
            break
        if round_:
            left = cells.counts[None] - removed[todo]
            weights = cells.weights[None] - removed[todo] * per_vote
        else:  # nothing removed yet: every pair's data are the cells themselves
            left, weights = cells.counts[None], cells.weights[None]
        add = _first_order(cells, current[todo], weights, left, per_vote, upper[todo],
                           lower[todo], ridge)
        for at, k in enumerate(todo.tolist()):
            flat, n = add[at]
            chosen[k].append(add[at])
            removed[k].reshape(-1)[flat] += n  # a column at most once per round
            if round_ == 0:
                first[k] = int(n.sum())
        votes_n, score = _prefix_totals(cells, per_vote, [_joined(chosen[k]) for k in todo],
                                        np.rint(removed[todo].reshape(todo.size, -1)
                                                .sum(axis=1)).astype(np.int64))
        current[todo] = _refit(cells, votes_n, score, current[todo], ridge, upper[todo],
                               lower[todo])
        gap = current[todo, upper[todo]] - current[todo, lower[todo]]
        done[todo[gap < SWAPPED]] = True
        # A pair with nothing left to remove cannot get further.
        stuck = [k for at, k in enumerate(todo.tolist()) if not add[at][0].size]
        done[stuck] = True
    total = removed.reshape(r, -1).sum(axis=1)
    gap = current[np.arange(r), upper] - current[np.arange(r), lower]
    checked = gap < SWAPPED
    votes = np.where(checked, np.rint(total), -1).astype(np.int64)
    order = [_joined(c) for c in chosen]
    votes = _bisect(cells, theta, per_vote, order, votes, checked, gap, upper, lower, ridge)
    small = np.flatnonzero(checked & (votes <= LOCAL_MAX))
    if small.size:
        size = cells.weights.size
        drops = np.stack([_prefix(order[k], int(votes[k]), size) for k in small.tolist()])
        drops = _exchange(cells, theta, drops, per_vote, upper[small], lower[small], ridge)
        votes[small] = np.rint(drops.sum(axis=1)).astype(np.int64)
    return Swap(upper, lower, votes, checked, first)


def _effects(cells: bt.Cells, theta: FloatArray, weights: FloatArray, per_vote: FloatArray,
             upper: IntArray, lower: IntArray, ridge: float) -> FloatArray:
    """(R, P·3): the first-order change of each pair's gap θ_upper − θ_lower were one
    vote of each cell column removed from the fit ``theta`` of ``weights`` (R or 1
    rows)."""
    r, m = theta.shape
    i, j = cells.i, cells.j
    p = bt._sigmoid(theta[:, i] - theta[:, j])  # (r, P)
    n = bt.totals(weights)[0]
    hess = bt._laplacian(i, j, n * p * (1 - p), m) + np.eye(m) * ridge + 1.0 / m
    e = np.zeros((r, m))
    e[np.arange(r), upper] = 1.0
    e[np.arange(r), lower] = -1.0
    c = np.linalg.solve(hess, e[..., None])[..., 0]  # (r, m)
    # δ per vote, per cell column: −w (y − p)(c_i − c_j).
    delta = np.subtract(bt.CELL_SCORES[None, None, :], p[..., None])  # y − p, (r, P, 3)
    delta *= per_vote[None]
    np.negative(delta, out=delta)
    delta *= (c[:, i] - c[:, j])[..., None]
    return cast("FloatArray", delta.reshape(r, -1))


def _first_order(cells: bt.Cells, theta: FloatArray, weights: FloatArray,
                 left: FloatArray, per_vote: FloatArray, upper: IntArray, lower: IntArray,
                 ridge: float) -> list[Choice]:
    """Per pair, the votes (flat cell column, how many) whose first-order effects, most
    negative first, close its gap at ``theta`` (the fit of ``weights``; ``weights`` and
    the votes ``left`` have R rows, or one shared by all)."""
    r = theta.shape[0]
    delta = _effects(cells, theta, weights, per_vote, upper, lower, ridge)
    # Aim just past level: two models exactly level are not yet swapped.
    gap = theta[np.arange(r), upper] - theta[np.arange(r), lower] - SWAPPED
    avail = np.rint(left.reshape(left.shape[0], -1)).astype(np.int64)
    empty = np.zeros(0, dtype=np.int64)
    out: list[Choice] = [(empty, empty)] * r
    # The columns are taken most negative effect first (stably: ties by column), the
    # useful ones — a negative effect, votes left — only. Only the head of each row's
    # order is ever taken: sort the ``width`` most negative columns (all columns tied
    # with the last of them too, so that the head is exactly that of the full sort), and
    # widen for the rows whose gap it does not close. A column that is not useful
    # within the head adds nothing, so the useful ones are not sorted apart first.
    width = FIRST_WIDTH
    pending = np.arange(r)
    cols = delta.shape[1]
    while pending.size:
        if width >= cols:
            kth = np.full(pending.size, np.inf)
        else:
            part = delta if pending.size == r else delta[pending]
            kth = np.partition(part, width - 1, axis=1)[:, width - 1]
        wider = []
        for k, bound in zip(pending.tolist(), kth.tolist(), strict=True):
            head = np.flatnonzero(delta[k] <= bound)  # never NaN: those are not useful
            head = head[np.argsort(delta[k, head], kind="stable")]
            d = delta[k, head]
            votes = avail[k if avail.shape[0] > 1 else 0, head]
            took, closed = _take(d, np.where((d < 0) & (votes > 0), votes, 0),
                                 float(gap[k]))
            if bound < np.inf and closed < gap[k]:
                wider.append(k)
                continue
            used = np.flatnonzero(took > 0)
            out[k] = (head[used].astype(np.int64), took[used])
        pending = np.array(wider, dtype=np.int64)
        width = cols  # the rest: far-apart pairs take thousands of columns
    return out


def _take(d: FloatArray, n: IntArray, gap: float) -> tuple[IntArray, float]:
    """How many votes of each column (in the order given: effects ``d``, ``n`` votes
    each) are taken to close ``gap``: columns whole while the gap is still open after
    them; in the column where it closes, just enough votes to pass level. Also how far
    the gap has closed after all of them."""
    closed = np.cumsum(n * -d)  # how far the gap has closed after each column
    before = closed - n * -d
    open_before = before < gap
    partial = np.floor((gap - before) / np.where(n > 0, -d, 1.0)) + 1
    take = np.where(open_before, np.minimum(n, np.where(closed < gap, n, partial)),
                    0).astype(np.int64)
    return take, float(closed[-1]) if closed.size else 0.0


def _totals(weights: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The votes n and scores s (R, P) of cell weights (R, P, 3) with votes removed (a
    removed cell's weight can round to just below zero: it is clipped)."""
    return bt.totals(np.maximum(weights, 0.0))


def _refit(cells: bt.Cells, n: FloatArray, s: FloatArray, start: FloatArray, ridge: float,
           upper: IntArray, lower: IntArray, *, sign_only: bool = False) -> FloatArray:
    """The fits of R data sets (their cell totals ``n`` and ``s``, from ``_totals``) from
    ``start``, all near one another, accurate enough
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
    r, m = start.shape
    i, j = cells.i, cells.j
    center = start.mean(axis=0)
    p0 = bt._sigmoid((center[i] - center[j])[None])[0]
    hess = bt._laplacian(i, j, (n.mean(axis=0) * p0 * (1.0 - p0))[None], m)[0] \
        + np.eye(m) * ridge + 1.0 / m
    inverse = np.linalg.inv(hess)
    theta = start.copy()
    active = np.arange(r)
    last = np.full(r, np.inf)
    restart: list[IntArray] = []  # rows whose steps grew: back to their start
    resume: list[IntArray] = []  # rows that contract too slowly: Newton from where they are
    # The steps work on the rows' cells transposed, (P, w): the logits θ_i − θ_j are then
    # row gathers, and the gradient's sums over each model's cells are sums of rows
    # (``_Sums``). They keep a set of w ≥ a rows (those active when it was last
    # compacted): a finished row's column is carried along until a third of them are
    # finished, cheaper than compacting (P, w) arrays at every step. Every number is the
    # same as with one (a, P) batch of the active rows.
    pairs = i.shape[0]
    sums = _Sums.of(cells)
    li, lj = i[sums.order], j[sums.order]  # the cells in the sums' layout
    logits, scratch = np.empty(pairs * r), np.empty(pairs * r)
    kept = active
    n_t, s_t = sums.lay(n), sums.lay(s)
    for _ in range(CHORD_STEPS):
        a = active.size
        if not a:
            break
        w = kept.size
        th = theta[active]
        th_t = np.ascontiguousarray(theta[kept].T)  # (m, w)
        x = np.take(th_t, li, axis=0, out=logits[:pairs * w].reshape(pairs, w))
        x -= np.take(th_t, lj, axis=0, out=scratch[:pairs * w].reshape(pairs, w))
        p = bt.sigmoid_into(x, scratch[:pairs * w].reshape(pairs, w))
        resid = np.subtract(s_t, np.multiply(n_t, p, out=p), out=p)
        at = np.searchsorted(kept, active)
        grad = sums(resid).T[at] - ridge * th
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
        if active.size < COMPACT * kept.size:
            at = np.searchsorted(kept, active)
            n_t, s_t = n_t[:, at], s_t[:, at]
            kept = active
    resume.append(active)
    for rows_, begin in ((np.concatenate(restart), start), (np.concatenate(resume), theta)):
        if rows_.size:
            theta[rows_] = _newton(cells, n[rows_], s[rows_], begin[rows_], ridge, sums)
    return theta


def _newton(cells: bt.Cells, n: FloatArray, s: FloatArray, start: FloatArray, ridge: float,
            sums: _Sums) -> FloatArray:
    """``bt.fit`` of these totals from ``start`` to ``REFIT_TOL`` — the same iterations
    and numbers as ``bt._newton`` — with the logits and gradient on the cells transposed
    as in the chord steps."""
    i, j, m = cells.i, cells.j, cells.m
    li, lj = i[sums.order], j[sums.order]
    theta = start.copy()
    n_t, s_t = sums.lay(n), sums.lay(s)
    gauge = np.eye(m) * ridge + 1.0 / m

    def objective(th: FloatArray, rows: IntArray) -> FloatArray:
        return bt._objective(th, i, j, n[rows], s[rows], ridge)

    for _ in range(bt.MAX_ITER):
        th_t = np.ascontiguousarray(theta.T)
        x = np.take(th_t, li, axis=0)
        x -= np.take(th_t, lj, axis=0)
        p = bt.sigmoid_into(x, np.empty_like(x))
        grad = sums(s_t - n_t * p).T - ridge * theta
        hess = bt._laplacian(i, j, (n_t * p * (1.0 - p))[sums.back].T, m) + gauge
        step = cast("FloatArray", np.linalg.solve(hess, grad[..., None])[..., 0])
        theta = bt.damped_step(theta, step, objective)
        if np.abs(step).max() < REFIT_TOL:
            break
    return theta


class _Sums:
    """Σ over the cells of +v on model i and −v on model j, for v (P, w) laid out in
    ``order`` (``lay``): the numbers of ``bt._scatter`` — each model's cells added one
    at a time in cell order, from zero — as sums of whole rows when w is large enough
    for that to beat ``np.bincount``. The layout puts the k-th cell of every model (as
    i) next to one another, k = 0, 1, …, so that each such sum is a block of rows; the
    j side is one gather into its own such order."""

    _last: tuple[IntArray, IntArray, _Sums] | None = None

    @classmethod
    def of(cls, cells: bt.Cells) -> _Sums:
        """The sums of these cells (the last cells' kept: a search refits one set many
        times)."""
        last = cls._last
        if last is None or last[0] is not cells.i or last[1] is not cells.j \
                or last[2].m != cells.m:
            last = cls._last = (cells.i, cells.j, cls(cells.i, cells.j, cells.m))
        return last[2]

    def __init__(self, i: IntArray, j: IntArray, m: int) -> None:
        self.i, self.j, self.m = i, j, m
        self.order, i_blocks = self._ranked(i)
        self.back = np.argsort(self.order)  # the layout back to cell order
        by_j, j_blocks = self._ranked(j)
        self.to_j = self.back[by_j]  # the layout to the j side's order
        self.blocks = [i_blocks, j_blocks]

    @staticmethod
    def _ranked(model: IntArray) -> tuple[IntArray, list[tuple[int, int, slice | IntArray]]]:
        """The cells by their place among their model's (then by model), and per place
        the rows' block and its models (a slice when they are consecutive)."""
        grouped = np.sort(model, kind="stable")
        first = np.searchsorted(grouped, model[np.argsort(model, kind="stable")])
        rank = np.empty_like(model)
        rank[np.argsort(model, kind="stable")] = np.arange(model.shape[0]) - first
        order = np.lexsort((model, rank))
        bounds = np.searchsorted(rank[order], np.arange(int(rank.max(initial=-1)) + 2))
        blocks: list[tuple[int, int, slice | IntArray]] = []
        for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
            models = model[order[a:b]]
            consecutive = bool(np.all(np.diff(models) == 1))
            blocks.append((a, b, slice(int(models[0]), int(models[-1]) + 1)
                           if consecutive else models))
        return order, blocks

    def lay(self, v: FloatArray) -> FloatArray:
        """(R, P) in cell order to (P, R) in the layout."""
        return np.ascontiguousarray(v.T)[self.order]

    def __call__(self, v: FloatArray) -> FloatArray:
        """(m, w)."""
        pairs, w = v.shape
        if w < ROW_SUMS_MIN:
            cols = np.arange(w)
            return bt._scatter((self.i[:, None] * w + cols).ravel(),
                               (self.j[:, None] * w + cols).ravel(), v[self.back].ravel(),
                               self.m, w)
        plus, minus = np.zeros((self.m, w)), np.zeros((self.m, w))
        for out, rows, blocks in ((plus, v, self.blocks[0]),
                                  (minus, v[self.to_j], self.blocks[1])):
            for a, b, models in blocks:
                out[models] += rows[a:b]
        plus -= minus
        return plus


def _prefix_totals(cells: bt.Cells, per_vote: FloatArray,
                   chosen: list[Choice], votes: IntArray
                   ) -> tuple[FloatArray, FloatArray]:
    """``_totals`` of the cells without, per row, the first ``votes[k]`` votes of
    ``chosen[k]`` (its cell columns and votes in the order chosen), computed for the
    cells those touch only: every other cell keeps the full data's totals."""
    r = votes.shape[0]
    rows, flats, takes = [], [], []
    for k, (c, v) in enumerate(zip(chosen, votes.tolist(), strict=True)):
        flat, take = _head(c, v)
        rows.append(np.full(flat.size, k, dtype=np.int64))
        flats.append(flat)
        takes.append(take)
    pairs = cells.i.shape[0]
    base_n, base_s = _totals(cells.weights[None])
    n, s = base_n.repeat(r, axis=0), base_s.repeat(r, axis=0)
    if not rows:
        return n, s
    row, flat = np.concatenate(rows), np.concatenate(flats)
    # One removal count per (row, cell column), then the cells' three columns together.
    column, inverse = np.unique(row * (pairs * 3) + flat, return_inverse=True)
    count = np.bincount(inverse, weights=np.concatenate(takes).astype(np.float64))
    cell, slot = np.unique(column // 3, return_inverse=True)  # row · P + cell
    drop = np.zeros((cell.size, 3))
    drop[slot, column % 3] = count
    at = cell % pairs
    cn, cs = _totals(cells.weights[at] - drop * per_vote[at])
    n.reshape(-1)[cell] = cn
    s.reshape(-1)[cell] = cs
    return n, s


def _joined(rounds: list[Choice]) -> Choice:
    """One pair's chosen votes of all rounds, in the order chosen."""
    if not rounds:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    return np.concatenate([f for f, _ in rounds]), np.concatenate([n for _, n in rounds])


def _head(chosen: Choice, votes: int) -> Choice:
    """The first ``votes`` of the chosen votes: whole columns, then the rest."""
    flat, each = chosen
    take = np.clip(votes - (np.cumsum(each) - each), 0, each)
    used = take > 0
    return flat[used], take[used]


def _prefix(chosen: Choice, votes: int, size: int) -> FloatArray:
    """The removal counts of the first ``votes`` votes in the order they were chosen."""
    flat, take = _head(chosen, votes)
    out = np.zeros(size)
    np.add.at(out, flat, take.astype(np.float64))  # a column can recur across rounds
    return out


def _bisect(cells: bt.Cells, theta: FloatArray, per_vote: FloatArray,
            order: list[Choice], votes: IntArray,
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
        n, s = _prefix_totals(cells, per_vote, [order[k] for k in todo.tolist()], mid)
        start = np.broadcast_to(theta, (todo.size, cells.m))
        fits = _refit(cells, n, s, start, ridge, upper[todo], lower[todo], sign_only=True)
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
        fits = _refit(cells, *_totals(weights), start, ridge, u, lo)
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
        refits = _refit(cells, *_totals(weights), np.broadcast_to(theta, (len(tries), cells.m)),
                        ridge, upper[open_][who], lower[open_][who], sign_only=True)
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


def brute_force(cells: bt.Cells, upper: int, lower: int, *, ridge: float,
                limit: int = 200_000) -> int | None:
    """The exact minimum for small data, the reference ``votes_to_swap`` is measured
    against: every way of removing votes, fewest first, each refitted. None when no
    removal swaps them; ValueError when there are more than ``limit`` ways."""
    flat = np.rint(cells.counts.ravel()).astype(np.int64)
    groups = np.flatnonzero(flat > 0)
    if float(np.prod((flat[groups] + 1).astype(np.float64))) > limit:
        raise ValueError(f"more than {limit} ways to remove votes")
    grids = np.meshgrid(*(np.arange(flat[g] + 1) for g in groups), indexing="ij")
    combos = np.stack([g.ravel() for g in grids], axis=1)
    combos = combos[np.argsort(combos.sum(axis=1), kind="stable")]
    per_vote = np.divide(cells.weights, cells.counts, out=np.zeros_like(cells.weights),
                         where=cells.counts > 0).ravel()
    weights = np.repeat(cells.weights.ravel()[None], len(combos), axis=0)
    weights[:, groups] -= combos * per_vote[groups]
    theta = bt.fit(cells, weights=np.maximum(weights, 0.0).reshape(
        len(combos), *cells.weights.shape), ridge=ridge)
    swapped = theta[:, upper] - theta[:, lower] < SWAPPED
    return int(combos[np.argmax(swapped)].sum()) if swapped.any() else None

