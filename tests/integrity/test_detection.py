"""Detection maths: the likelihood-ratio and presence tests on constructed data, against
scipy, Benjamini–Hochberg's known answer, and a simulation: honest voters drawn from a
Bradley–Terry truth are flagged at most 1% of the time, riggers are caught."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from arena.integrity.detection import (
    A_WON,
    B_WON,
    DetectionPolicy,
    Votes,
    _chernoff_upper,
    _chi2_sf1,
    benjamini_hochberg,
    detect_iterated,
    score_groups,
)


def votes_of(a: list[int], b: list[int], outcome: list[int], voter: list[int],
             address: list[int] | None = None, fast: list[bool] | None = None) -> Votes:
    n = len(a)
    return Votes(np.array(a), np.array(b), np.array(outcome),
                 np.array(fast or [False] * n), np.array(voter),
                 np.array(address if address is not None else [-1] * n))


def test_lrt_known_answer_for_a_group_that_always_favours_one_model():
    # Board: two equal models. Group 0 picks model 0 ten times; group 1 splits 5/5.
    v = votes_of([0] * 20, [1] * 20, [A_WON] * 10 + [A_WON, B_WON] * 5, [0] * 10 + [1] * 10)
    s = score_groups("voter", np.zeros(2), v, v.voter, 2, DetectionPolicy(min_votes=1),
                     presence=np.array([1.0, 1.0]))
    lr = 2 * (10 * math.log(2) + 10 * math.log(1 / (1 + math.exp(-8.0))))
    assert math.isclose(s.p_lrt[0], 2 * math.erfc(math.sqrt(lr / 2)), rel_tol=1e-6)
    assert s.lrt_delta[0] * (1 if s.lrt_model[0] == 0 else -1) > 0  # favours 0 / against 1
    assert math.isclose(s.p_lrt[1], 1.0)
    assert s.manipulated.tolist() == [True, False]


def test_chi2_and_presence_bounds_agree_with_scipy():
    x = np.array([0.0, 1.0, 3.84, 6.63, 20.0])
    assert np.allclose(_chi2_sf1(x), stats.chi2.sf(x, 1), rtol=1e-9)
    c, n, q = np.array([10.0, 7.0, 3.0, 30.0]), np.array([10.0, 20.0, 20.0, 40.0]), 0.25
    bound = _chernoff_upper(c, n, np.array(q))
    exact = stats.binom.sf(c - 1, n, q)
    assert (bound >= exact - 1e-15).all()  # a valid (conservative) p-value
    assert math.isclose(bound[0], 0.25**10, rel_tol=1e-9)  # KL(1 ‖ q) = −log q
    assert bound[2] == 1.0  # below the expected share: no evidence


def test_presence_is_judged_against_the_battles_the_group_started():
    """Two voters whose 10 votes all hold model 2 (of 5; its share of all battles 0.4).
    Voter 0 started 10 battles and voted on each: its draws fell that way, it chose
    nothing, and with its own started battles known it is not suspect. Voter 1 started 25
    battles, 10 of them with model 2, and voted on exactly those: a selection."""
    m, n = 5, 10
    a = [2] * 2 * n
    b = [k % 2 for k in range(2 * n)]  # model 2 against 0 or 1, splitting its votes
    o = [A_WON, B_WON] * n
    v = votes_of(a, b, o, [0] * n + [1] * n)
    q = np.full(m, 0.4)
    started = np.array([10, 25])
    started_with = np.array([[5.0, 5.0, 10.0, 0.0, 0.0], [8.0, 8.0, 10.0, 12.0, 12.0]])
    policy = DetectionPolicy()
    shares_only = score_groups("voter", np.zeros(m), v, v.voter, 2, policy, presence=q,
                               started=started)
    own = score_groups("voter", np.zeros(m), v, v.voter, 2, policy, presence=q,
                       started=started, started_with=started_with)
    assert (shares_only.p_presence < 1e-2).all()  # by all battles' shares: both look chosen
    assert own.p_presence[0] == 1.0
    assert math.isclose(own.p_presence[1], min(1.0, 3 * (10 / 25) ** 10), rel_tol=1e-9)
    # A group whose started battles are unknown (or fewer than its votes) falls back to
    # all battles' shares.
    partial = score_groups("voter", np.zeros(m), v, v.voter, 2, policy, presence=q,
                           started=np.array([0, 25]), started_with=started_with)
    assert math.isclose(partial.p_presence[0], shares_only.p_presence[0])


def test_benjamini_hochberg_known_answer():
    p = np.array([0.041, 0.001, 0.205, 0.039, 0.008, 0.06, 0.042, 0.074])
    assert np.flatnonzero(benjamini_hochberg(p, 0.05)).tolist() == [1, 4]
    assert not benjamini_hochberg(np.array([0.5, 0.9]), 0.01).any()


def test_swapping_sides_changes_nothing():
    rng = np.random.default_rng(3)
    a = rng.integers(0, 4, 200)
    b = (a + rng.integers(1, 4, 200)) % 4
    o = rng.integers(0, 3, 200)
    voter = rng.integers(0, 10, 200)
    theta = np.array([-0.5, 0.0, 0.2, 0.3])
    one = score_groups("voter", theta, votes_of(a.tolist(), b.tolist(), o.tolist(),
                                                voter.tolist()), voter, 10, DetectionPolicy())
    swapped = np.where(o == 0, 1, np.where(o == 1, 0, o))
    two = score_groups("voter", theta, votes_of(b.tolist(), a.tolist(), swapped.tolist(),
                                                voter.tolist()), voter, 10, DetectionPolicy())
    assert np.allclose(one.p_value, two.p_value)


M = 8
TRUTH = np.linspace(-1.2, 1.2, M)


def honest_votes(rng: np.random.Generator, voters: int, per_voter: int, first: int = 0
                 ) -> tuple[list[int], list[int], list[int], list[int]]:
    n = voters * per_voter
    a = rng.integers(0, M, n)
    b = (a + rng.integers(1, M, n)) % M
    p = 1 / (1 + np.exp(-(TRUTH[a] - TRUTH[b])))
    u = rng.random(n)
    o = np.where(u < 0.85 * p, 0, np.where(u < 0.85, 1, 2))  # 15% ties
    return a.tolist(), b.tolist(), o.tolist(), (first + np.repeat(np.arange(voters),
                                                                   per_voter)).tolist()


def test_honest_voters_false_positive_rate_is_at_most_one_percent():
    rng = np.random.default_rng(12)
    flagged_voters = flagged_addresses = flagged_votes = groups = addr_groups = votes = 0
    for _ in range(30):
        per = int(rng.integers(5, 60))
        a, b, o, voter = honest_votes(rng, 200, per)
        address = [v // 4 for v in voter]  # four voters behind each address
        d = detect_iterated(votes_of(a, b, o, voter, address), M, DetectionPolicy(),
                            n_voters=200, n_addresses=50)
        flagged_voters += int(d.voters.manipulated.sum())
        flagged_addresses += int(d.addresses.manipulated.sum())
        flagged_votes += int(d.manipulated.sum())
        groups, addr_groups, votes = groups + 200, addr_groups + 50, votes + len(a)
    assert flagged_voters / groups <= 0.01
    assert flagged_addresses / addr_groups <= 0.01
    assert flagged_votes / votes <= 0.01


def by_truth(rng: np.random.Generator, x: int, y: int) -> int:
    """An honest verdict on x against y: the truth's Bradley–Terry probability, no ties."""
    p = 1 / (1 + math.exp(-(TRUTH[x] - TRUTH[y])))
    return A_WON if rng.random() < p else B_WON


def truth_vote(rng: np.random.Generator) -> tuple[int, int, int]:
    """One honest battle: a random pair and its verdict by the truth."""
    x, y = (int(v) for v in rng.choice(M, 2, replace=False))
    return x, y, by_truth(rng, x, y)


def omnipresent_vote(rng: np.random.Generator, target: int | None,
                     above: int) -> tuple[int, int, int]:
    """One omnipresent rigger's battle: for ``target`` when it is there, against
    ``above`` (the target's neighbour) when it is, by the truth otherwise."""
    x, y = (int(v) for v in rng.choice(M, 2, replace=False))
    if target is not None and target in (x, y):
        return x, y, A_WON if x == target else B_WON
    if above in (x, y):
        return x, y, B_WON if x == above else A_WON
    return x, y, by_truth(rng, x, y)


def test_target_only_and_omnipresent_riggers_are_caught():
    rng = np.random.default_rng(5)
    a, b, o, voter = honest_votes(rng, 100, 20)
    address = [v // 2 for v in voter]
    target, above = 3, 4  # the target and its neighbour just above it
    # Target-only: 30 votes, each a battle with the target, always for it (one address).
    for k in range(30):
        other = int((target + 1 + rng.integers(0, M - 1)) % M)
        a.append(target if k % 2 else other)
        b.append(other if k % 2 else target)
        o.append(A_WON if k % 2 else B_WON)
        voter.append(100 + k)  # cookie churn: a new voter every vote
        address.append(50)
    # Omnipresent: votes in every battle, against the neighbour when it is there.
    for k in range(80):
        x, y, winner = omnipresent_vote(rng, None, above)
        a.append(x)
        b.append(y)
        o.append(winner)
        voter.append(200 + k)
        address.append(51)
    d = detect_iterated(votes_of(a, b, o, voter, address), M, DetectionPolicy(),
                        n_voters=280, n_addresses=52)
    assert d.addresses.manipulated[50] and d.addresses.manipulated[51]
    assert not d.addresses.manipulated[:50].any()
    assert d.manipulated[2000:].all() and not d.manipulated[:2000].any()
    assert "votes only when model #3" in " ".join(d.addresses.reasons[50])


def test_too_fast_votes_are_a_reason():
    n = 12
    v = votes_of([0] * n, [1] * n, [A_WON, B_WON] * (n // 2), [0] * n, fast=[True] * n)
    s = score_groups("voter", np.zeros(2), v, v.voter, 1, DetectionPolicy())
    assert s.manipulated[0] and "sooner than reading" in s.reasons[0][0]
    assert s.suspicion[0] == 1.0


def test_churn_over_many_addresses_is_caught_in_the_newcomer_pool():
    rng = np.random.default_rng(8)
    a, b, o, voter = honest_votes(rng, 100, 20)
    address = [v // 2 for v in voter]
    for k in range(40):  # 20 addresses, two votes each, a new cookie every vote
        other = int((3 + 1 + rng.integers(0, M - 1)) % M)
        a.append(3)
        b.append(other)
        o.append(A_WON)
        voter.append(100 + k)
        address.append(50 + k % 20)
    d = detect_iterated(votes_of(a, b, o, voter, address), M, DetectionPolicy(),
                        n_voters=140, n_addresses=70)
    assert not d.addresses.manipulated.any()  # each address alone is too small to test
    assert d.newcomers.manipulated[0]
    assert d.manipulated[2000:].all() and not d.manipulated[:2000].any()


def test_one_visit_voters_are_not_caught_up_in_a_riggers_pattern():
    """Most of a public arena's voters vote once or twice from an address of their own.
    Some of them vote for the rigger's target too; neither a rigger caught by its address
    nor one caught in the newcomers' pool takes their votes with it."""
    rng = np.random.default_rng(9)
    a, b, o, voter = honest_votes(rng, 100, 20)
    address = [v // 2 for v in voter]
    drive_by = []
    for k in range(150):  # one-visit voters, one address each, honest
        for _ in range(1 + k % 2):
            x, y, winner = truth_vote(rng)
            drive_by.append(len(a))
            a.append(x)
            b.append(y)
            o.append(winner)
            voter.append(1000 + k)
            address.append(100 + k)
    honest_n = len(a)
    for k in range(60):  # churn spread over 20 addresses: target-only, for model 3
        other = int((3 + 1 + rng.integers(0, M - 1)) % M)
        a.append(3 if k % 2 else other)
        b.append(other if k % 2 else 3)
        o.append(A_WON if k % 2 else B_WON)
        voter.append(5000 + k)
        address.append(300 + k % 20)
    d = detect_iterated(votes_of(a, b, o, voter, address), M, DetectionPolicy(),
                        n_voters=5060, n_addresses=320)
    assert d.newcomers.manipulated[0]
    assert d.manipulated[honest_n:].all()
    assert not d.manipulated[drive_by].any() and not d.manipulated[:honest_n].any()


def test_churn_is_tested_apart_from_the_one_visit_crowd():
    """An omnipresent rigger with a fresh cookie every battle over 20 addresses, few votes
    each, hidden among many more one-visit honest voters: in the pool of all newcomers its
    pattern is diluted; in the pool of newcomers at churned addresses it is alone."""
    rng = np.random.default_rng(10)
    a, b, o, voter = honest_votes(rng, 60, 10)
    address = list(voter)
    for k in range(600):  # one-visit honest voters, an address each
        x, y, winner = truth_vote(rng)
        a.append(x)
        b.append(y)
        o.append(winner)
        voter.append(1000 + k)
        address.append(1000 + k)
    honest_n = len(a)
    target, above = 3, 4
    for k in range(100):  # 20 addresses, 5 votes each, a new cookie per battle
        x, y, winner = omnipresent_vote(rng, target, above)
        a.append(x)
        b.append(y)
        o.append(winner)
        voter.append(5000 + k)
        address.append(3000 + k % 20)
    d = detect_iterated(votes_of(a, b, o, voter, address), M, DetectionPolicy(),
                        n_voters=5100, n_addresses=3020)
    rigged = d.manipulated[honest_n:]
    # what it cast for the target or against its neighbour is out; none of the crowd is
    assert rigged.sum() >= 0.5 * 100 and not d.manipulated[:honest_n].any()
