"""Which voters and addresses vote against the board: the detection half of anti-rigging.

Pure numpy, no database. Input: the current board (θ per model, natural BT units — divide
Elo-scale ratings by ``ELO_SCALE`` after subtracting the centre) and every vote with the
indices of its voter and its address group. Output, per group: two tests, two descriptive
shares, a suspicion score in [0, 1] and a decision with its reasons; per vote: whether a
manipulated group's decision reaches it.

The tests (each a p-value, valid under "this group votes like the board says honest voters
do"):

- **Likelihood ratio (Huang et al. 2025).** For every model X the group voted on, the
  group's votes in battles with X are refitted with one free offset δ_X on X's side
  (δ > 0 "always favours X", δ < 0 "always votes X down" — the omnipresent rigger's
  treatment of a target's neighbours). 2·(ℓ(δ̂) − ℓ(0)) is χ²(1) under the null; the group's
  p-value is the smallest over X times the number of X tried (Bonferroni). Ties and
  both-bad count as half wins, as in the BT fit; that quasi-likelihood has less variance
  than a Bernoulli one, so the χ² reference is conservative for them.
- **Presence.** Names are hidden before the vote, so an honest voter cannot choose which
  battles to vote on by model: the share of its voted battles that include X follows X's
  share of all battles. A target-only rigger votes only when it recognises X. Where the
  battles the group *started* are known model by model, q_X is X's share of those: the
  test is then of the selection itself (hypergeometric: which of its own battles the group
  voted on), so a voter that voted on every battle it started can never fail it, however
  its draws fell. Otherwise q_X is X's share of all battles (binomial). The p-value is the
  Chernoff bound exp(−n·KL(ĉ/n ‖ q_X)) on the upper tail (it bounds the binomial tail and,
  by Hoeffding's comparison of sampling without and with replacement, the hypergeometric
  one: the test is conservative), smallest over X times the number of X.

A group's p-value is twice the smaller of the two (Bonferroni over the tests), and the
groups of one kind (voters; addresses) are decided together with Benjamini–Hochberg at
``alpha`` — among flagged groups at most a fraction ``alpha`` are honest in expectation, and
an honest group is flagged with probability at most ``alpha``. ``too_fast`` (votes sooner
than reading) and the share of started battles voted are reported and raise the suspicion
score; many too-fast votes are a reason of their own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from arena.ranking import bt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

A_WON, B_WON, TIE, BOTH_BAD = 0, 1, 2, 3
_SCORE_A = np.array([1.0, 0.0, 0.5, 0.5])  # side A's score per outcome code
_DELTA_MAX = 8.0  # |δ| bound: ±1400 Elo, the sup of ℓ when a group is separable


@dataclass(frozen=True)
class Votes:
    """One row per vote. ``voter`` / ``address`` are group indices (``address`` −1: unknown)."""

    model_a: IntArray
    model_b: IntArray
    outcome: IntArray  # A_WON | B_WON | TIE | BOTH_BAD
    too_fast: BoolArray
    voter: IntArray
    address: IntArray

    def subset(self, keep: BoolArray) -> Votes:
        return Votes(self.model_a[keep], self.model_b[keep], self.outcome[keep],
                     self.too_fast[keep], self.voter[keep], self.address[keep])


@dataclass(frozen=True)
class DetectionPolicy:
    """Settings: ``ARENA_DETECTION_ALPHA``, ``ARENA_DETECTION_MIN_VOTES``,
    ``ARENA_DETECTION_FAST_SHARE``, ``ARENA_DETECTION_CLEAR_VOTES``."""

    alpha: float = 0.01
    min_votes: int = 5  # fewer votes than this: not tested (p = 1)
    fast_share: float = 0.5  # this share of too-fast votes (with ≥ fast_min_votes) flags
    fast_min_votes: int = 10
    clear_votes: int = 20  # a voter with this many votes and a clean own test is not
    clear_p: float = 0.1  # excluded because its address was flagged (a crowd's honest member)
    newcomer_votes: int = 3  # voters with fewer votes are also pooled as one "newcomers" group
    probation_s: float = 3600.0  # a churned newcomer's vote stays off the board this long
    pool_patterns: int = 3  # patterns looked for in that pool, one after the other


@dataclass(frozen=True)
class GroupScores:
    """Per group of one kind (index = group index)."""

    kind: str
    votes: IntArray
    p_lrt: FloatArray
    lrt_model: IntArray  # the X of the smallest LRT p (−1: none)
    lrt_delta: FloatArray  # its fitted offset (natural units; > 0 favours X)
    p_presence: FloatArray
    presence_model: IntArray
    bias_z: FloatArray  # standardised excess score of the most favoured model
    fast_share: FloatArray
    voted_share: FloatArray  # votes / battles started (nan when started is unknown)
    p_value: FloatArray
    suspicion: FloatArray
    manipulated: BoolArray
    reasons: list[list[str]] = field(default_factory=list)


def theta_from_ratings(ratings: FloatArray) -> FloatArray:
    """Elo-scale board ratings → natural BT units (any common shift is irrelevant)."""
    centred: FloatArray = ratings - ratings.mean()
    return centred / float(bt.ELO_SCALE)


def presence_shares(votes: Votes, m: int) -> FloatArray:
    """q_X: the share of battles that include X, estimated from all the votes."""
    hits = np.bincount(votes.model_a, minlength=m) + np.bincount(votes.model_b, minlength=m)
    shares: FloatArray = hits.astype(np.float64)
    return shares / float(max(1, votes.model_a.shape[0]))


def score_groups(kind: str, theta: FloatArray, votes: Votes, group: IntArray, n_groups: int,
                 policy: DetectionPolicy, *, started: IntArray | None = None,
                 presence: FloatArray | None = None,
                 started_with: FloatArray | None = None) -> GroupScores:
    """Test every group of one kind (``group`` = the votes' group index, −1 = none).
    ``started_with[g, X]``: how many of the battles group g started hold model X (with
    ``started``, the presence test's own shares per group)."""
    m = theta.shape[0]
    ok = group >= 0
    g, a, b = group[ok], votes.model_a[ok], votes.model_b[ok]
    y = _SCORE_A[votes.outcome[ok]]
    n = np.bincount(g, minlength=n_groups).astype(np.int64)
    keys = np.concatenate([g * m + a, g * m + b])  # (group, model) cells
    d = np.concatenate([theta[a] - theta[b], theta[b] - theta[a]])
    score = np.concatenate([y, 1.0 - y])
    lr, delta, z = _offset_lrt(keys, d, score, n_groups * m)
    p_cell = _chi2_sf1(lr)
    q = presence_shares(votes, m) if presence is None else presence
    hits = np.bincount(keys, minlength=n_groups * m).reshape(n_groups, m).astype(np.float64)
    p_pres_cell = _chernoff_upper(hits, n[:, None].astype(np.float64),
                                  _group_shares(q, started, started_with, n))
    tried = np.maximum(1, (hits > 0).sum(axis=1))
    p_lrt, lrt_model = _min_bonferroni(p_cell.reshape(n_groups, m), hits > 0, tried)
    p_pres, pres_model = _min_bonferroni(p_pres_cell, hits > 0, tried)
    small = n < policy.min_votes
    p_lrt[small], p_pres[small] = 1.0, 1.0
    p_value = np.minimum(1.0, 2.0 * np.minimum(p_lrt, p_pres))
    fast = np.bincount(g, weights=votes.too_fast[ok].astype(np.float64), minlength=n_groups)
    fast_share = np.divide(fast, n, out=np.zeros(n_groups), where=n > 0)
    voted_share = (np.full(n_groups, np.nan) if started is None else
                   np.divide(n, started, out=np.full(n_groups, np.nan), where=started > 0))
    # Only groups that were tested enter the correction: untested ones (too few votes, or
    # index slots with no votes at all) are not hypotheses and must not dilute it.
    rejected = np.zeros(n_groups, dtype=bool)
    rejected[~small] = benjamini_hochberg(p_value[~small], policy.alpha)
    too_fast = (n >= policy.fast_min_votes) & (fast_share >= policy.fast_share)
    manipulated = rejected | too_fast
    evidence = np.clip(-np.log10(np.maximum(p_value, 1e-300)) / -math.log10(policy.alpha / 10),
                       0.0, 1.0)
    suspicion = np.maximum(evidence, np.where(n >= policy.min_votes, fast_share, 0.0))
    zg = z.reshape(n_groups, m)
    bias = np.where(hits > 0, zg, -np.inf).max(axis=1)
    scores = GroupScores(kind, n, p_lrt, lrt_model, delta.reshape(n_groups, m)[
        np.arange(n_groups), np.maximum(lrt_model, 0)], p_pres, pres_model,
        np.where(np.isfinite(bias), bias, 0.0), fast_share, voted_share, p_value, suspicion,
        manipulated)
    scores.reasons.extend(_reasons(scores, rejected, too_fast, policy))
    return scores


def _group_shares(q: FloatArray, started: IntArray | None, started_with: FloatArray | None,
                  n: IntArray) -> FloatArray:
    """Per group and model, the share of battles holding the model that the presence test
    compares with: the group's own started battles where they are known (and cover its
    votes), else the share over all battles."""
    shares = np.broadcast_to(q[None, :], (n.shape[0], q.shape[0]))
    if started is None or started_with is None:
        return np.asarray(shares)
    own = (started >= n) & (started > 0)
    mine = np.divide(started_with, np.maximum(started, 1)[:, None].astype(np.float64))
    return np.asarray(np.where(own[:, None], np.clip(mine, 0.0, 1.0), shares))


def _reasons(s: GroupScores, rejected: BoolArray, too_fast: BoolArray,
             policy: DetectionPolicy) -> list[list[str]]:
    out: list[list[str]] = [[] for _ in range(s.votes.shape[0])]
    for k in np.flatnonzero(rejected | too_fast).tolist():
        why = out[k]
        if rejected[k] and s.p_lrt[k] <= s.p_presence[k]:
            side = "for" if s.lrt_delta[k] > 0 else "against"
            why.append(f"votes {side} model #{s.lrt_model[k]} against the board "
                       f"(likelihood ratio p={s.p_lrt[k]:.2g})")
        elif rejected[k]:
            why.append(f"votes only when model #{s.presence_model[k]} is in the battle "
                       f"(presence p={s.p_presence[k]:.2g})")
        if too_fast[k]:
            why.append(f"{s.fast_share[k]:.0%} of votes sooner than reading")
    return out


def _offset_lrt(keys: IntArray, d: FloatArray, y: FloatArray, cells: int,
                iterations: int = 40) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per cell: the LR statistic of one free offset δ, δ̂, and the score test's z at δ = 0.
    Newton on a concave 1-D log-likelihood, steps bounded so separable cells converge to
    the bound instead of oscillating."""
    p0 = bt._sigmoid(d)
    grad0 = np.bincount(keys, weights=y - p0, minlength=cells)
    info0 = np.bincount(keys, weights=p0 * (1 - p0), minlength=cells)
    z = np.divide(grad0, np.sqrt(info0), out=np.zeros(cells), where=info0 > 0)
    delta = np.zeros(cells)
    for _ in range(iterations):
        p = bt._sigmoid(d + delta[keys])
        grad = np.bincount(keys, weights=y - p, minlength=cells)
        info = np.bincount(keys, weights=p * (1 - p), minlength=cells)
        step = np.divide(grad, info, out=np.zeros(cells), where=info > 1e-12)
        delta = np.clip(delta + np.clip(step, -2.0, 2.0), -_DELTA_MAX, _DELTA_MAX)
    ll1 = np.bincount(keys, weights=_loglik(d + delta[keys], y), minlength=cells)
    ll0 = np.bincount(keys, weights=_loglik(d, y), minlength=cells)
    return np.maximum(0.0, 2.0 * (ll1 - ll0)), delta, z


def _loglik(x: FloatArray, y: FloatArray) -> FloatArray:
    return np.asarray(-(y * np.logaddexp(0.0, -x) + (1 - y) * np.logaddexp(0.0, x)))


def _chi2_sf1(x: FloatArray) -> FloatArray:
    """P(χ²(1) > x) = erfc(√(x/2))."""
    erfc = np.frompyfunc(math.erfc, 1, 1)
    return np.asarray(erfc(np.sqrt(x / 2.0)), dtype=np.float64)


def _chernoff_upper(c: FloatArray, n: FloatArray, q: FloatArray) -> FloatArray:
    """exp(−n·KL(c/n ‖ q)) for c/n > q, else 1: a bound on P(Binomial(n, q) ≥ c)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.divide(c, n, out=np.zeros_like(c), where=n > 0)
        qc = np.clip(q, 1e-12, 1 - 1e-12)
        kl = (np.where(f > 0, f * np.log(f / qc), 0.0)
              + np.where(f < 1, (1 - f) * np.log((1 - f) / (1 - qc)), 0.0))
        p = np.exp(-n * kl)
    return np.asarray(np.where(f > q, p, 1.0), dtype=np.float64)


def _min_bonferroni(p: FloatArray, tried: BoolArray,
                    count: IntArray) -> tuple[FloatArray, IntArray]:
    masked = np.where(tried, p, np.inf)
    best = masked.argmin(axis=1)
    low = masked[np.arange(p.shape[0]), best]
    has = np.isfinite(low)
    return (np.where(has, np.minimum(1.0, low * count), 1.0),
            np.where(has, best, -1).astype(np.int64))


def benjamini_hochberg(p: FloatArray, alpha: float) -> BoolArray:
    """Which hypotheses BH rejects at false-discovery rate ``alpha``."""
    k = p.shape[0]
    if k == 0:
        return np.zeros(0, dtype=bool)
    order = np.argsort(p, kind="stable")
    below = p[order] <= alpha * np.arange(1, k + 1) / k
    out = np.zeros(k, dtype=bool)
    if below.any():
        out[order[: int(np.flatnonzero(below).max()) + 1]] = True
    return out


@dataclass(frozen=True)
class Detection:
    voters: GroupScores
    addresses: GroupScores
    newcomers: GroupScores  # one group: every vote of a voter with < newcomer_votes votes
    manipulated: BoolArray  # per vote: kept out (or down-weighted)
    churned: BoolArray  # per vote: a newcomer's at an address where cookies churn


def detect(theta: FloatArray, votes: Votes, policy: DetectionPolicy, *, n_voters: int,
           n_addresses: int, started_by_voter: IntArray | None = None,
           started_by_address: IntArray | None = None,
           presence: FloatArray | None = None,
           started_with_by_voter: FloatArray | None = None,
           started_with_by_address: FloatArray | None = None,
           identified: BoolArray | None = None) -> Detection:
    """Score voters and addresses and decide, per vote, whether it is manipulated: its
    voter is flagged, or its address is and its voter is not cleared by its own record.

    Cookie churn spread over many addresses leaves every voter and every address with too
    few votes to test, so the votes of all newcomers (voters with fewer than
    ``newcomer_votes`` votes) are also tested as one pool. A flagged pool cannot be
    excluded whole (honest first-time voters are in it), so only its votes that follow the
    detected pattern are: for (or against) model X when X is in the battle, or every
    battle with X when the pool votes only when X is there — and only at addresses where
    cookies were churned (two or more newcomers), so that a one-visit honest voter alone
    on its address is never caught up in it. The pool holds only what the voter and
    address tests left, and is tested again after each pattern, up to
    ``pool_patterns`` times (an omnipresent rigger votes for its target *and* against
    the target's neighbour). ``identified`` (per vote) marks voters whose identity an
    invite or a sign-in gave: never newcomers, so never pooled or held as churn."""
    q = presence_shares(votes, theta.shape[0]) if presence is None else presence
    by_voter = score_groups("voter", theta, votes, votes.voter, n_voters, policy,
                            started=started_by_voter, presence=q,
                            started_with=started_with_by_voter)
    by_address = score_groups("address", theta, votes, votes.address, n_addresses, policy,
                              started=started_by_address, presence=q,
                              started_with=started_with_by_address)
    cleared = (by_voter.votes >= policy.clear_votes) & (by_voter.p_value >= policy.clear_p)
    address_hit = np.zeros(votes.voter.shape[0], dtype=bool)
    known = votes.address >= 0
    address_hit[known] = by_address.manipulated[votes.address[known]]
    manipulated = by_voter.manipulated[votes.voter] | (address_hit & ~cleared[votes.voter])
    newcomer = by_voter.votes[votes.voter] < policy.newcomer_votes
    if identified is not None:
        newcomer &= ~identified
    at_churn = churned(votes, newcomer, n_addresses)
    first: GroupScores | None = None
    # Two pools: every newcomer, and the newcomers at churned addresses alone — where a
    # rigger spreading fresh cookies over many addresses is not diluted by the one-visit
    # honest voters, who are each alone on an address.
    for members in (newcomer, newcomer & at_churn):
        for _ in range(policy.pool_patterns):
            # What the voter and address tests left: a rigger caught there does not make
            # the honest newcomers' pool look rigged.
            in_pool = members & ~manipulated
            pool = np.where(in_pool, 0, -1).astype(np.int64)
            by_pool = score_groups("newcomers", theta, votes, pool, 1, policy, presence=q)
            first = first or by_pool
            if not by_pool.manipulated[0]:
                break
            hit = in_pool & at_churn & _pattern(by_pool, votes)
            if not hit.any():
                break
            manipulated |= hit  # and test what is left for a second pattern (omnipresent)
    assert first is not None
    return Detection(by_voter, by_address, first, manipulated, newcomer & at_churn)


def churned(votes: Votes, newcomer: BoolArray, n_addresses: int) -> BoolArray:
    """Per vote: its address holds two or more newcomer voters (cookies churned there), or
    is unknown. A one-visit honest voter alone on its address is never excluded for
    following the pool's pattern: a rigger must spend an address per voter to look so."""
    known = newcomer & (votes.address >= 0)
    pairs = np.unique(np.stack([votes.address[known], votes.voter[known]]), axis=1)
    voters_at = np.bincount(pairs[0], minlength=max(1, n_addresses))
    out = votes.address < 0
    at = votes.address >= 0
    out[at] = voters_at[votes.address[at]] >= 2
    return np.asarray(out)


def _pattern(s: GroupScores, votes: Votes) -> BoolArray:
    """The votes that follow group 0's detected pattern."""
    score_a = _SCORE_A[votes.outcome]
    if s.p_lrt[0] <= s.p_presence[0] and s.lrt_model[0] >= 0:
        x = int(s.lrt_model[0])
        x_won = ((votes.model_a == x) & (score_a > 0.5)) | ((votes.model_b == x) & (score_a < 0.5))
        x_lost = ((votes.model_a == x) & (score_a < 0.5)) | ((votes.model_b == x) & (score_a > 0.5))
        return np.asarray(x_won if s.lrt_delta[0] > 0 else x_lost)
    x = int(s.presence_model[0])
    return np.asarray((votes.model_a == x) | (votes.model_b == x))


def board_theta(votes: Votes, m: int, weights: FloatArray | None = None) -> FloatArray:
    """The BT board (natural units) of these votes, through ``arena.ranking.bt``."""
    counts = np.zeros((m, m, 4))
    np.add.at(counts, (votes.model_a, votes.model_b, votes.outcome),
              1.0 if weights is None else weights)
    return bt.fit(bt.fold_counts(counts))


def detect_iterated(votes: Votes, m: int, policy: DetectionPolicy, *, n_voters: int,
                    n_addresses: int, rounds: int = 8,
                    **activity: IntArray | FloatArray | BoolArray | None) -> Detection:
    """Detection against a board cleaned step by step. A rigger's own votes move the board
    it is judged against, and a board moved far enough makes honest voters look deviant;
    so each round sets aside only the votes of the *strongest* evidence (groups flagged
    with at least half the largest −log10 p of the round), refits, and tests again, until a
    round flags nothing new. The last round's decision, on the cleanest board, is final.
    ``presence`` is best given from the battles *started* (the sampler's own shares, which
    no voter can bias); by default it is estimated from the cleaned votes."""
    keep = np.ones(votes.model_a.shape[0], dtype=bool)
    result: Detection | None = None
    given = activity.get("presence")
    for _ in range(max(1, rounds)):
        clean = votes.subset(keep)
        theta = board_theta(clean, m)
        if given is None:
            # Shares from the cleaned votes: a rigger's votes all hold its target, and
            # would make every honest group look short of it and long of the rest.
            activity = {**activity, "presence": presence_shares(clean, m)}
        result = detect(theta, votes, policy, n_voters=n_voters, n_addresses=n_addresses,
                        **activity)  # type: ignore[arg-type]
        strong = _strongest(result.voters)[votes.voter]
        known = votes.address >= 0
        strong[known] |= _strongest(result.addresses)[votes.address[known]]
        if result.newcomers.manipulated[0]:
            newcomer = result.voters.votes[votes.voter] < policy.newcomer_votes
            if activity.get("identified") is not None:
                newcomer &= ~np.asarray(activity["identified"], dtype=np.bool_)
            strong |= result.manipulated & newcomer
        if not (strong & keep).any():
            break
        keep &= ~strong
    assert result is not None
    return result


def _strongest(s: GroupScores) -> BoolArray:
    evidence = -np.log10(np.maximum(s.p_value, 1e-300))
    if not s.manipulated.any():
        return s.manipulated
    top = float(evidence[s.manipulated].max())
    return np.asarray(s.manipulated & (evidence >= 0.5 * top))
