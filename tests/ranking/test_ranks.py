"""Rank spread and tiers (arena.ranking.ranks): known answers and joint coverage."""

from __future__ import annotations

import numpy as np
import pytest

from arena.ranking import bt, ranks
from arena.ranking.battles import Battles
from arena.ranking.intervals import Z95
from arena.ranking.leaderboard import compute_leaderboard


def test_two_models_use_the_plain_two_sided_quantile():
    cov = np.array([[100.0, 0.0], [0.0, 100.0]])
    se = ranks.pair_se(cov)
    assert se[0, 1] == pytest.approx(np.sqrt(200.0))
    above, c = ranks.surely_above(np.array([0.0, 1.95 * se[0, 1]]), se, cov)
    assert c == pytest.approx(Z95) and not above.any()
    above, _ = ranks.surely_above(np.array([0.0, 1.97 * se[0, 1]]), se, cov)
    assert above[0, 1] and not above[1, 0]  # model 1 surely above model 0


def test_three_independent_models_match_the_studentized_range():
    # max |Z_i − Z_j| / √2 over 3 independent N(0, 1) is the studentized range / √2;
    # its 95% point is 3.314 / √2 = 2.343 (tables, infinite degrees of freedom).
    cov = np.eye(3)
    _, c = ranks.surely_above(np.zeros(3), ranks.pair_se(cov), cov, draws=40_000)
    assert c == pytest.approx(3.314 / np.sqrt(2), abs=0.03)
    assert Z95 < c < 2.394  # Bonferroni over 3 pairs


def test_step_down_decides_more_than_one_step_and_spreads_follow():
    # Far-apart pairs are decided first; the rest are tested against a smaller c.
    cov = np.eye(4)
    rating = np.array([0.0, 3.3, 10.0, 20.0])  # 0 vs 1: 3.3/√2 = 2.33 > 1.96 only
    above, first = ranks.surely_above(rating, ranks.pair_se(cov), cov, draws=40_000)
    assert first > 2.33  # the first step would not decide 0 vs 1 ...
    assert above[0, 1]  # ... the last one, with only that pair open, does
    spread = ranks.rank_spread(rating, above)
    assert spread.best.tolist() == [4, 3, 2, 1] == spread.worst.tolist()
    assert spread.tier.tolist() == [4, 3, 2, 1]


def test_tiers_end_only_where_everything_above_is_surely_above_everything_below():
    rating = np.array([10.0, 9.0, 5.0, 4.0])
    above = np.zeros((4, 4), dtype=bool)
    # 0 and 1 are surely above 2 and 3, but 1 is not surely above 3 → a single tier
    # boundary would make a claim nobody tested.
    above[2, 0] = above[3, 0] = above[2, 1] = True
    spread = ranks.rank_spread(rating, above)
    assert spread.tier.tolist() == [1, 1, 1, 1]
    above[3, 1] = True
    spread = ranks.rank_spread(rating, above)
    assert spread.tier.tolist() == [1, 1, 2, 2]
    assert spread.best.tolist() == [1, 1, 3, 3] and spread.worst.tolist() == [2, 2, 4, 4]


def _arena(rng: np.random.Generator, m: int, n: int) -> tuple[np.ndarray, Battles]:
    true = rng.normal(0.0, bt.PRIOR_SD_ELO, m) / bt.ELO_SCALE
    a = rng.integers(0, m, n)
    b = (a + rng.integers(1, m, n)) % m
    p = 1.0 / (1.0 + np.exp(-(true[a] - true[b])))
    return true, Battles.from_arrays([f"m{k}" for k in range(m)], a, b,
                                     np.where(rng.random(n) < p, 0, 1))


@pytest.mark.parametrize("method", ["bt", "elo"])
def test_the_whole_board_statement_holds_in_simulation(method):
    rng = np.random.default_rng(11)
    held = tiers_held = 0
    arenas = 80
    narrow = 0
    for k in range(arenas):
        true, battles = _arena(rng, 8, 1500)
        board = compute_leaderboard(battles, method=method, min_votes=0, seed=k,
                                    bootstrap_rounds=100)
        rows = board["models"]
        idx = np.array([int(r["model"][1:]) for r in rows])
        truth = true[idx]
        true_rank = 1 + (truth[None, :] > truth[:, None]).sum(axis=1)
        best = np.array([r["rank_spread"][0] for r in rows])
        worst = np.array([r["rank_spread"][1] for r in rows])
        tier = np.array([r["tier"] for r in rows])
        assert (best >= 1).all() and (best <= worst).all() and (worst <= len(rows)).all()
        held += bool(((best <= true_rank) & (true_rank <= worst)).all())
        cross = tier[:, None] < tier[None, :]
        tiers_held += bool((truth[:, None] > truth[None, :])[cross].all())
        narrow += int((best == worst).sum())
    # A true 95% joint statement fails in more than 9 of 80 arenas with probability < 1%.
    assert held >= arenas - 9 and tiers_held >= arenas - 9, (held, tiers_held)
    assert narrow > 0  # not vacuous: some ranks are certain at 1,500 votes


def test_board_rows_carry_spread_and_tier_in_order():
    rng = np.random.default_rng(5)
    _, battles = _arena(rng, 6, 3000)
    rows = compute_leaderboard(battles, min_votes=0)["models"]
    by_rating = sorted(rows, key=lambda r: -r["rating"])
    tiers = [r["tier"] for r in by_rating]
    assert tiers == sorted(tiers) and tiers[0] == 1
    assert all(r["rank_spread"][0] <= r["rank_spread"][1] for r in rows)


def test_kept_draws_are_the_chunked_draws() -> None:
    # Where every pair's draws fit in memory they are made once for all the steps; they
    # must be the very numbers the chunked path makes again at each step.
    rng = np.random.default_rng(1)
    for n in (5, 20, 60):
        a = rng.normal(size=(n, n))
        cov = a @ a.T / n
        i, j = np.triu_indices(n, 1)
        kept = ranks._PairDraws(cov, i, j, 2000, 3)
        chunked = ranks._PairDraws(cov, i, j, 2000, 3)
        assert kept.table is not None
        chunked.table = None
        for _ in range(4):
            open_ = rng.random(i.size) < 0.5
            open_[:2] = True
            assert kept.quantile_of_max(open_, 0.95) == chunked.quantile_of_max(open_, 0.95)
