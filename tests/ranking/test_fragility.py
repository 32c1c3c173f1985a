"""The fewest votes whose removal swaps two models, against brute force and known answers."""

from __future__ import annotations

import numpy as np
import pytest

from arena.ranking import Battles, bt, compute_leaderboard
from arena.ranking.fragility import REL_TOL, brute_force, votes_to_swap
from arena.schemas import Leaderboard

RIDGE = bt.prior_ridge(bt.PRIOR_SD_ELO)


def cells_of(m: int, rows: list[tuple[int, int, int]]) -> bt.Cells:
    counts = np.zeros((m, m, 4))
    for a, b, outcome in rows:
        counts[a, b, outcome] += 1
    return bt.fold_counts(counts)


def random_arena(rng: np.random.Generator) -> bt.Cells:
    m = int(rng.integers(3, 5))
    strength = rng.normal(0.0, 0.6, m)
    rows = []
    for _ in range(int(rng.integers(8, 18))):
        a, b = (int(x) for x in rng.choice(m, 2, replace=False))
        if rng.random() < 0.15:
            rows.append((a, b, 2))
        else:
            p = 1.0 / (1.0 + np.exp(strength[b] - strength[a]))
            rows.append((a, b, 0 if rng.random() < p else 1))
    return cells_of(m, rows)


@pytest.mark.parametrize("ridge", [RIDGE, bt.RIDGE], ids=["prior", "flat"])
def test_counts_match_brute_force_on_small_arenas(ridge: float) -> None:
    rng = np.random.default_rng(7)
    checked = exact = first_exact = 0
    for _ in range(25):
        cells = random_arena(rng)
        if np.prod(cells.counts[cells.counts > 0] + 1) > 40_000:
            continue
        theta = bt.fit(cells, ridge=ridge)
        order = np.argsort(-theta).astype(np.int64)
        found = votes_to_swap(cells, theta, order[:-1], order[1:], ridge=ridge)
        for k in range(order.size - 1):
            truth = brute_force(cells, int(order[k]), int(order[k + 1]), ridge=ridge)
            if truth is None:
                assert not found.checked[k]
                continue
            checked += 1
            assert found.checked[k]
            # Confirmed by a refit, so never below the minimum; at most one vote above it.
            assert truth <= found.votes[k] <= truth + 1, (truth, found.votes[k])
            exact += int(found.votes[k] == truth)
            first_exact += int(found.first_order[k] == truth)
    assert checked >= 30
    # benchmarks/fragility.py: 611 of 612 exact with the prior over its seeds, all within one.
    assert exact >= checked - 1
    # The refit is what makes it exact: the plain one-step count often is not.
    assert first_exact < checked


def test_two_models_known_answer() -> None:
    # 550 wins to 450: the order turns once 101 of the upper model's wins are gone
    # (449 < 450; at 450 each the two are level, not swapped).
    cells = cells_of(2, [(0, 1, 0)] * 550 + [(0, 1, 1)] * 450)
    for ridge in (bt.RIDGE, RIDGE):
        theta = bt.fit(cells, ridge=ridge)
        found = votes_to_swap(cells, theta, np.array([0]), np.array([1]), ridge=ridge)
        assert found.checked[0]
        assert 101 <= found.votes[0] <= 101 * (1 + REL_TOL) + 1


def test_ties_are_removable_too() -> None:
    # Level on wins, the ties decide nothing: the one win ahead is what must go.
    cells = cells_of(2, [(0, 1, 0)] * 3 + [(0, 1, 1)] * 2 + [(0, 1, 2)] * 4)
    theta = bt.fit(cells, ridge=RIDGE)
    found = votes_to_swap(cells, theta, np.array([0]), np.array([1]), ridge=RIDGE)
    assert found.votes[0] == brute_force(cells, 0, 1, ridge=RIDGE) == 2


def arena_battles(seed: int, n: int, m: int = 6) -> Battles:
    rng = np.random.default_rng(seed)
    strength = np.linspace(1.0, -1.0, m)
    a = rng.integers(0, m, n)
    b = (a + rng.integers(1, m, n)) % m
    p = 1.0 / (1.0 + np.exp(strength[b] - strength[a]))
    u = rng.random(n)
    outcome = np.where(u < 0.1, 2, np.where(rng.random(n) < p, 0, 1))
    return Battles.from_arrays([f"m{k}" for k in range(m)], a, b, outcome)


def test_board_reports_each_neighbour_pair() -> None:
    board = compute_leaderboard(arena_battles(3, 400), min_votes=1)
    totals = {**board["totals"], "counted_votes": 400, "excluded_votes": {}, "last_vote_id": 400}
    Leaderboard.model_validate({**board, "totals": totals, "demo": False,
                                "updated_at": "2026-01-01T00:00:00Z"})
    frag = board["fragility"]
    models = board["models"]
    assert [p["above"] for p in frag["pairs"]] == [r["model"] for r in models[:-1]]
    assert [p["below"] for p in frag["pairs"]] == [r["model"] for r in models[1:]]
    assert [r["swap_votes"] for r in models[:-1]] == [p["votes"] for p in frag["pairs"]]
    assert models[-1]["swap_votes"] is None
    assert all(p["votes"] is not None and p["votes"] >= 1 for p in frag["pairs"])
    # Ordered by rating, neighbours further apart need more votes to swap.
    assert frag["fragile"] == any(p["votes"] <= frag["handful"] for p in frag["pairs"])


def test_a_handful_of_votes_is_flagged() -> None:
    # x and y level but for one vote, both far above z: one vote decides #1.
    rows = [(0, 1, 0)] * 11 + [(1, 0, 0)] * 10 + [(0, 2, 0)] * 20 + [(1, 2, 0)] * 20
    a, b, outcome = (np.array(c) for c in zip(*rows, strict=True))
    board = compute_leaderboard(Battles.from_arrays(["x", "y", "z"], a, b, outcome),
                                min_votes=1)
    frag = board["fragility"]
    assert frag["fragile"]
    top = frag["pairs"][0]
    assert top["votes"] is not None and top["votes"] <= 2
    assert any(w.startswith(f"#1 and #2 ({top['above']}, {top['below']}) swap if ")
               for w in board["warnings"])


def test_large_board_is_not_flagged() -> None:
    # Well separated models with many votes: no handful decides anything.
    board = compute_leaderboard(arena_battles(5, 20_000, m=4), min_votes=1)
    frag = board["fragility"]
    assert not frag["fragile"]
    assert min(p["votes"] for p in frag["pairs"]) > 50
    assert not any("swap if" in w for w in board["warnings"])


def test_fragility_only_on_plain_bradley_terry() -> None:
    data = arena_battles(1, 300)
    assert "fragility" not in compute_leaderboard(data, method="elo", min_votes=1)
    assert "fragility" not in compute_leaderboard(data, swaps=False, min_votes=1)
    assert all(r["swap_votes"] is None
               for r in compute_leaderboard(data, swaps=False, min_votes=1)["models"])


def test_one_listed_model_has_no_pairs() -> None:
    board = compute_leaderboard(arena_battles(2, 60, m=2), min_votes=1)
    assert len(board["fragility"]["pairs"]) == 1
    board = compute_leaderboard(arena_battles(2, 60, m=2), min_votes=10_000)
    assert board["fragility"]["pairs"] == [] and not board["fragility"]["fragile"]
