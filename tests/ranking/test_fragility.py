"""The fewest votes whose removal swaps two models, against brute force and known answers."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from arena.ranking import Battles, bt, compute_leaderboard, fragility, fragility_reference
from arena.ranking.fragility import REL_TOL, ROW_SUMS_MIN, _Sums, brute_force, votes_to_swap
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


def spread_arena(seed: int, m: int, n: int, *, weighted: bool = False,
                 drop: float = 0.0) -> bt.Cells:
    """Counts of n battles among m models of spread-out strengths (some pairs never met
    when ``drop`` > 0; per-battle weights when ``weighted``)."""
    rng = np.random.default_rng(seed)
    strength = rng.normal(0.0, 1.0, m)
    a = rng.integers(0, m, n)
    b = (a + rng.integers(1, m, n)) % m
    met = rng.random((m, m)) >= drop
    keep = met[np.minimum(a, b), np.maximum(a, b)]
    a, b = a[keep], b[keep]
    p = 1.0 / (1.0 + np.exp(strength[b] - strength[a]))
    u = rng.random(a.size)
    outcome = np.where(u < 0.15, 2, np.where(rng.random(a.size) < p, 0, 1))
    counts = np.zeros((m, m, 4))
    np.add.at(counts, (a, b, outcome), 1.0)
    if not weighted:
        return bt.fold_counts(counts)
    w = rng.uniform(0.5, 2.0, a.size)
    weights, weights_sq = np.zeros((m, m, 4)), np.zeros((m, m, 4))
    np.add.at(weights, (a, b, outcome), w)
    np.add.at(weights_sq, (a, b, outcome), w**2)
    return bt.fold_counts(counts, weights, weights_sq)


def same_swaps(cells: bt.Cells, upper: npt.NDArray[np.int64], lower: npt.NDArray[np.int64],
               ridge: float) -> int:
    theta = bt.fit(cells, ridge=ridge)
    new = votes_to_swap(cells, theta, upper, lower, ridge=ridge)
    old = fragility_reference.votes_to_swap(cells, theta, upper, lower, ridge=ridge)
    assert new.votes.tolist() == old.votes.tolist()
    assert new.checked.tolist() == old.checked.tolist()
    assert new.first_order.tolist() == old.first_order.tolist()
    return int(new.votes.max(initial=0))


@pytest.mark.parametrize("ridge", [RIDGE, bt.RIDGE], ids=["prior", "flat"])
def test_same_counts_as_the_old_search_on_small_arenas(ridge: float) -> None:
    # Every pair, not only neighbours: the whole-board audit's path, on the brute-force
    # test's kind of arena.
    rng = np.random.default_rng(11)
    for _ in range(20):
        cells = random_arena(rng)
        iu, ju = np.triu_indices(cells.m, 1)
        order = np.argsort(-bt.fit(cells, ridge=ridge)).astype(np.int64)
        same_swaps(cells, order[iu], order[ju], ridge)


@pytest.mark.parametrize(("seed", "weighted", "drop", "width"),
                         [(0, False, 0.0, fragility.FIRST_WIDTH), (0, False, 0.0, 8),
                          (1, True, 0.2, 16)])
def test_same_counts_as_the_old_search_on_a_whole_board(
        seed: int, weighted: bool, drop: float, width: int,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # 14 models, every one of the 91 pairs at once: far-apart pairs whose counts run to
    # hundreds of votes (refits that fall back to Newton), batches wide enough for the
    # gradient's row sums, pairs that never met, IPW-like weights. A narrow first head
    # makes most pairs widen theirs: the counts must not depend on it.
    monkeypatch.setattr(fragility, "FIRST_WIDTH", width)
    cells = spread_arena(seed, 14, 6_000, weighted=weighted, drop=drop)
    order = np.argsort(-bt.fit(cells, ridge=RIDGE)).astype(np.int64)
    iu, ju = np.triu_indices(cells.m, 1)
    assert iu.size >= ROW_SUMS_MIN
    assert same_swaps(cells, order[iu], order[ju], RIDGE) > 300


def test_sigmoid_and_totals_are_the_old_formulas() -> None:
    rng = np.random.default_rng(2)
    x = np.concatenate([rng.normal(0.0, 5.0, 5_000), rng.normal(0.0, 800.0, 500),
                        [0.0, -0.0, np.inf, -np.inf, 745.0, -745.0, 1e-300, -1e-300]])
    e = np.exp(-np.abs(x))
    old = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    assert np.array_equal(bt._sigmoid(x), old)
    assert np.array_equal(bt._sigmoid(x.reshape(-1, 6)), old.reshape(-1, 6))
    assert np.isnan(bt._sigmoid(np.array([np.nan])))[0]
    w = rng.gamma(0.5, 300.0, (40, 200, 3))
    n, s = bt.totals(w)
    assert np.array_equal(n, w.sum(axis=2)) and np.array_equal(s, w @ bt.CELL_SCORES)


@pytest.mark.parametrize("width", [5, ROW_SUMS_MIN + 13])
def test_row_sums_are_bincounts(width: int) -> None:
    # The chord's per-model sums against bt._scatter's, to the last bit, on cells some
    # of whose pairs are missing (models with no cells on one side).
    cells = spread_arena(3, 9, 2_000, drop=0.3)
    rng = np.random.default_rng(4)
    v = rng.normal(0.0, 50.0, (cells.i.size, width))
    rows = np.arange(width)[:, None] * cells.m
    flat_i, flat_j = (rows + cells.i).ravel(), (rows + cells.j).ravel()
    want = bt._scatter(flat_i, flat_j, np.ascontiguousarray(v.T).ravel(), width, cells.m)
    sums = _Sums(cells.i, cells.j, cells.m)
    assert np.array_equal(sums(sums.lay(np.ascontiguousarray(v.T))).T, want)
