"""Known answers for the personal board: a fit of one voter's votes shrunk toward the
public board (``arena.ranking.personal``)."""

from __future__ import annotations

import numpy as np
import pytest

from arena.ranking import bt, personal

PUBLIC = np.array([1100.3, 1000.1, 900.7, 1049.9])


def cells(pairs: list[tuple[int, int, float]], m: int = 4) -> bt.Cells:
    a = np.array(pairs, dtype=np.float64).reshape(-1, 3)
    return personal.own_cells(m, a[:, 0].astype(np.int64), a[:, 1].astype(np.int64), a[:, 2])


def test_no_votes_is_the_public_board_exactly() -> None:
    fit = personal.fit(PUBLIC, cells([]), sd_elo=100.0)
    assert np.array_equal(fit.ratings, PUBLIC)
    assert np.array_equal(fit.votes, np.zeros(4))
    # With nothing seen, the interval is the prior's: σ itself.
    assert fit.sd == pytest.approx(np.full(4, 100.0))


def test_models_without_own_votes_stay_at_public() -> None:
    fit = personal.fit(PUBLIC, cells([(0, 1, 0.0)] * 5), sd_elo=100.0)
    assert fit.ratings[2:] == pytest.approx(PUBLIC[2:], abs=1e-9)
    assert fit.ratings[0] < PUBLIC[0] and fit.ratings[1] > PUBLIC[1]
    # The two moves are equal and opposite: the prior is symmetric in δ.
    assert fit.ratings[0] - PUBLIC[0] == pytest.approx(-(fit.ratings[1] - PUBLIC[1]))
    assert list(fit.votes) == [5, 5, 0, 0]


def test_many_votes_between_two_models_approach_the_own_mle() -> None:
    # The voter prefers model 1 (public 1000) over model 0 (public 1100) 3 to 1: their
    # own maximum-likelihood gap is ELO_SCALE·log(3) = 190.8 Elo for model 1.
    own_gap = bt.ELO_SCALE * np.log(3.0)
    gaps = []
    for n in (4, 40, 400, 40_000):
        votes = [(0, 1, 0.0)] * (3 * n) + [(0, 1, 1.0)] * n
        r = personal.fit(PUBLIC, cells(votes), sd_elo=100.0).ratings
        gaps.append(r[1] - r[0])
    assert gaps[-1] == pytest.approx(own_gap, abs=0.5)
    assert gaps == sorted(gaps)  # more votes, nearer the own gap (from −100)
    assert gaps[0] > -100.0


def test_one_vote_known_answer() -> None:
    # One tie between models of equal public rating: nothing moves.
    flat = np.full(3, 1000.0)
    tie = personal.fit(flat, cells([(0, 1, 0.5)], m=3), sd_elo=100.0)
    assert tie.ratings == pytest.approx(flat, abs=1e-9)
    # One win between equal models: the mode solves ½ − σ(2d) = r·d (r the ridge) in
    # natural units, d = δ_0 = −δ_1 (checked by bisection here, independently).
    r = (bt.ELO_SCALE / 100.0) ** 2
    lo, hi = 0.0, 1.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if 1 - 1 / (1 + np.exp(-2 * mid)) - r * mid > 0:
            lo = mid
        else:
            hi = mid
    win = personal.fit(flat, cells([(0, 1, 1.0)], m=3), sd_elo=100.0)
    assert win.ratings[0] - 1000.0 == pytest.approx(bt.ELO_SCALE * lo, abs=1e-6)
    assert win.ratings[1] - 1000.0 == pytest.approx(-bt.ELO_SCALE * lo, abs=1e-6)


def test_monotone_in_sigma() -> None:
    votes = [(2, 0, 1.0)] * 6 + [(2, 0, 0.5)] * 2
    moves = [personal.fit(PUBLIC, cells(votes), sd_elo=sd).ratings[2] - PUBLIC[2]
             for sd in (10, 25, 50, 100, 200, 400)]
    assert all(b > a for a, b in zip(moves, moves[1:], strict=False))
    assert moves[0] > 0
    sds = [personal.fit(PUBLIC, cells(votes), sd_elo=sd).sd[2] for sd in (10, 100, 400)]
    assert sds == sorted(sds)


def test_separable_votes_stay_finite() -> None:
    # Model 2 won all of 1,000 votes: without the prior its rating would be infinite.
    r = personal.fit(PUBLIC, cells([(2, 3, 1.0)] * 1000), sd_elo=100.0).ratings
    assert np.isfinite(r).all()
    assert r[2] > r[3]


def test_swapping_sides_changes_nothing() -> None:
    one = personal.fit(PUBLIC, cells([(0, 2, 1.0), (1, 3, 0.5), (3, 0, 0.0)]))
    two = personal.fit(PUBLIC, cells([(2, 0, 0.0), (3, 1, 0.5), (0, 3, 1.0)]))
    assert one.ratings == pytest.approx(two.ratings, abs=1e-9)


def test_bad_sigma_refused() -> None:
    with pytest.raises(ValueError):
        personal.fit(PUBLIC, cells([]), sd_elo=0.0)


def test_spearman_known_answers() -> None:
    assert personal.spearman(np.array([1.0, 2, 3]), np.array([10.0, 20, 30])) == 1.0
    assert personal.spearman(np.array([1.0, 2, 3]), np.array([3.0, 2, 1])) == -1.0
    # One swap of four: 1 − 6·Σd²/(n(n²−1)) = 1 − 6·2/60 = 0.8.
    assert personal.spearman(np.array([1.0, 2, 3, 4]), np.array([2.0, 1, 3, 4])) == (
        pytest.approx(0.8))
    assert personal.spearman(np.array([1.0]), np.array([1.0])) is None
    assert personal.spearman(np.array([1.0, 1.0]), np.array([1.0, 2.0])) is None


@pytest.mark.parametrize("sd", [10.0, 100.0, 500.0, 2000.0])
@pytest.mark.parametrize("n", [1, 10, 1000, 100_000])
def test_votes_against_a_large_public_gap_reach_the_mode(sd: float, n: int) -> None:
    # The voter always prefers the model the public rates 800 points lower: at δ = 0 the
    # sigmoid is flat, and an undamped Newton step overshoots far past the mode (it did,
    # and stayed at the public board). At the answer the gradient must vanish.
    public = np.array([1400.0, 600.0, 1000.0])
    c = cells([(1, 0, 1.0)] * n, m=3)
    fit = personal.fit(public, c, sd_elo=sd)
    theta, delta = fit.ratings / bt.ELO_SCALE, (fit.ratings - public) / bt.ELO_SCALE
    p = 1 / (1 + np.exp(-(theta[c.i] - theta[c.j])))
    resid = c.s - c.n * p
    grad = (np.bincount(c.i, weights=resid, minlength=3)
            - np.bincount(c.j, weights=resid, minlength=3) - (bt.ELO_SCALE / sd) ** 2 * delta)
    assert np.abs(grad).max() < 1e-6 * max(1.0, n / 1000)
    assert fit.ratings[1] - fit.ratings[0] > -800.0  # it moved toward the voter


def test_agrees_with_an_independent_optimiser() -> None:
    minimize = pytest.importorskip("scipy.optimize").minimize
    rng = np.random.default_rng(3)
    m = 6
    public = rng.normal(1000.0, 150.0, m)
    i = rng.integers(0, m, 60)
    j = (i + 1 + rng.integers(0, m - 1, 60)) % m
    score = rng.choice([0.0, 0.5, 1.0], 60)
    c = personal.own_cells(m, i.astype(np.int64), j.astype(np.int64), score)
    sd = 80.0
    ridge = (bt.ELO_SCALE / sd) ** 2

    def loss(delta: np.ndarray) -> float:  # per vote, straight from the definition
        th = public / bt.ELO_SCALE + delta
        d = th[i] - th[j]
        ll = score * -np.logaddexp(0, -d) + (1 - score) * -np.logaddexp(0, d)
        return float(-ll.sum() + 0.5 * ridge * (delta**2).sum())

    ref = minimize(loss, np.zeros(m), method="BFGS", options={"gtol": 1e-10}).x
    got = personal.fit(public, c, sd_elo=sd).ratings
    assert got == pytest.approx(public + bt.ELO_SCALE * ref, abs=1e-3)
