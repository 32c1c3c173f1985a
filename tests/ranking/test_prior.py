"""The ratings' prior: intervals that never collapse to a point, and that cover the truth
at the stated rate in small arenas (benchmarks/coverage.py measures every size, on truths
drawn from published boards; this is its small-size, fixed-seed check, on no outside data)."""

from __future__ import annotations

import numpy as np
import pytest

from arena.errors import BadRequest
from arena.ranking import bt
from arena.ranking.battles import Battles
from arena.ranking.leaderboard import compute_leaderboard


def _arena(rng: np.random.Generator, m: int, n: int, sd_elo: float) -> tuple[np.ndarray,
                                                                              Battles]:
    """``n`` votes among ``m`` models whose true ratings are N(0, sd²) in Elo; ties
    likeliest between equals, with a vote's expected score exactly the BT win chance."""
    true = rng.normal(0.0, sd_elo, m) / bt.ELO_SCALE
    a = rng.integers(0, m, n)
    b = (a + rng.integers(1, m, n)) % m
    p = 1.0 / (1.0 + np.exp(-(true[a] - true[b])))
    half = 0.3 * 4 * p * (1 - p)
    won = (p - half / 2) / (1 - half)
    o = np.where(rng.random(n) < half, 2, np.where(rng.random(n) < won, 0, 1))
    return true, Battles.from_arrays([f"m{k}" for k in range(m)], a, b, o)


def _coverage(n: int, arenas: int, seed: int) -> tuple[float, float]:
    """(share of intervals covering the centred truth, narrowest interval in Elo)."""
    rng = np.random.default_rng(seed)
    hit = total = 0
    narrowest = np.inf
    for k in range(arenas):
        true, battles = _arena(rng, 6, n, bt.PRIOR_SD_ELO)
        board = compute_leaderboard(battles, min_votes=0, online_elo=False, seed=k,
                                    bootstrap_rounds=100)
        rows = board["models"]
        idx = np.array([int(r["model"][1:]) for r in rows])
        truth = bt.ELO_SCALE * (true[idx] - true[idx].mean()) + 1000.0
        low = np.array([r["ci_low"] for r in rows])
        high = np.array([r["ci_high"] for r in rows])
        hit += int(((low <= truth) & (truth <= high)).sum())
        total += len(rows)
        narrowest = min(narrowest, float((high - low).min()))
    return hit / total, narrowest


@pytest.mark.parametrize("n", [8, 30, 150])
def test_small_arenas_intervals_cover_the_truth_and_never_collapse(n):
    coverage, narrowest = _coverage(n, arenas=60, seed=n)
    # About 350 intervals: a true 95% lands in [0.92, 0.98] with probability > 0.99.
    # (With no prior the 8-vote arenas cover 100%: intervals thousands of Elo wide.)
    assert 0.90 <= coverage <= 0.99, coverage
    assert narrowest > 20.0, narrowest


def test_two_votes_give_a_modest_lead_with_a_wide_interval():
    # The regression the prior fixes: 2 votes a>b were 1735 vs 265 at ±0 in 0.1.
    battles = Battles.from_arrays(["a", "b"], np.array([0, 0]), np.array([1, 1]),
                                  np.array([0, 0]))
    board = compute_leaderboard(battles, min_votes=0)
    a, b = board["models"]
    assert 1000 < a["rating"] < 1150 and 850 < b["rating"] < 1000
    assert a["ci_high"] - a["ci_low"] > 200 and a["ci_low"] < b["ci_high"]
    assert board["prior_sd"] == pytest.approx(bt.PRIOR_SD_ELO)
    flat = compute_leaderboard(battles, min_votes=0, prior_sd=0)
    assert flat["models"][0]["rating"] > 1700  # the maximum-likelihood fit's runaway


def test_the_prior_pull_fades_with_votes():
    # Same data, prior on and off: the difference shrinks as votes grow.
    rng = np.random.default_rng(3)
    pulls = []
    for n in (300, 30_000):
        _, battles = _arena(rng, 6, n, 150.0)
        on = compute_leaderboard(battles, min_votes=0, ci="sandwich")["models"]
        off = {r["model"]: r["rating"]
               for r in compute_leaderboard(battles, min_votes=0, ci="sandwich",
                                            prior_sd=0)["models"]}
        pulls.append(max(abs(r["rating"] - off[r["model"]]) for r in on))
    assert pulls[1] < 1.0 < pulls[0]


def test_prior_sd_is_validated():
    battles = Battles.from_arrays(["a", "b"], np.array([0]), np.array([1]), np.array([0]))
    for bad in (-1.0, float("nan"), float("inf")):
        with pytest.raises(BadRequest, match="prior_sd"):
            compute_leaderboard(battles, prior_sd=bad)


@pytest.mark.parametrize("ci", ["sandwich", "bootstrap"])
def test_a_young_style_controlled_board_stays_modest(ci):
    # 12 votes with style metadata: without the prior the leader was 1456 ± 1100 or more
    # (the demo's style board showed 2107 ± 1279); with it, a modest spread, wide bands.
    from tests.ranking.test_style import planted_style_battles

    battles, _, _ = planted_style_battles(n=12, seed=1)
    board = compute_leaderboard(battles, style_control=True, min_votes=0, ci=ci)
    for row in board["models"]:
        assert 800 < row["rating"] < 1200, row
        assert 150 < row["ci_high"] - row["ci_low"] < 600, row
    assert all(abs(v) < 150 for v in board["style"]["coefficients_elo"].values())
    flat = compute_leaderboard(battles, style_control=True, min_votes=0, ci=ci, prior_sd=0)
    assert max(r["ci_high"] - r["ci_low"] for r in flat["models"]) > 1000
