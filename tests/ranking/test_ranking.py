"""Known answers, invariances and statistical checks for arena.ranking (BT, Elo, CIs)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from arena.errors import BadRequest
from arena.ranking import Battles, compute_leaderboard
from arena.ranking import bt as btm
from arena.ranking.elo import online_elo
from arena.ranking.intervals import bootstrap_bt, normal_interval, uncertainty_ranks


def random_battles(
    m: int = 8, n: int = 3000, seed: int = 1, tie_rate: float = 0.2, spread: float = 1.0
) -> tuple[Battles, np.ndarray]:
    rng = np.random.default_rng(seed)
    true = rng.normal(0.0, spread, m)
    a = rng.integers(0, m, n)
    b = (a + rng.integers(1, m, n)) % m
    p = 1.0 / (1.0 + np.exp(-(true[a] - true[b])))
    tie = rng.random(n) < tie_rate
    both_bad = tie & (rng.random(n) < 0.5)
    outcome = np.where(both_bad, 3, np.where(tie, 2, np.where(rng.random(n) < p, 0, 1)))
    return Battles.from_arrays([f"model-{i}" for i in range(m)], a, b, outcome), true


def fitted_elo(battles: Battles, ridge: float = btm.RIDGE) -> np.ndarray:
    return btm.to_elo(btm.fit(btm.fold_counts(battles.counts()), ridge=ridge))


# --- Bradley–Terry known answers --------------------------------------------------------


def test_wikipedia_worked_example():
    # en.wikipedia.org/wiki/Bradley–Terry_model, "Worked example of iterated procedure":
    # wins[row][col] for teams A, B, C, D; after normalising to geometric mean 1 the
    # article's converged scores are A 0.640, B 1.043, C 0.660, D 2.270.
    wins = np.array([[0, 2, 0, 1], [3, 0, 5, 0], [0, 3, 0, 1], [4, 0, 3, 0]], dtype=float)
    counts = np.zeros((4, 4, 4))
    counts[:, :, 0] = wins
    theta = btm.fit(btm.fold_counts(counts))
    scores = np.exp(theta - theta.mean())
    np.testing.assert_allclose(scores, [0.640, 1.043, 0.660, 2.270], atol=6e-4)


def test_agrees_with_unpenalised_sklearn_fit_on_expanded_battles():
    linear_model = pytest.importorskip("sklearn.linear_model")
    battles, _ = random_battles(m=10, n=4000, seed=7)
    ours = fitted_elo(battles)
    # Independent fit: one logistic-regression row per battle (x = e_a - e_b, no
    # intercept, no penalty); a tie becomes two rows of weight 1/2, one won by each side.
    m = len(battles.models)
    rows = np.arange(len(battles))
    x = np.zeros((len(battles), m))
    x[rows, battles.model_a] = 1.0
    x[rows, battles.model_b] = -1.0
    o = battles.outcome
    decided = o < 2
    xs = np.concatenate([x[decided], x[~decided], x[~decided]])
    ys = np.concatenate(
        [
            (o[decided] == 0).astype(int),
            np.ones((~decided).sum(), int),
            np.zeros((~decided).sum(), int),
        ]
    )
    ws = np.concatenate([np.ones(decided.sum()), np.full(2 * (~decided).sum(), 0.5)])
    # C = inf is "no penalty" in every scikit-learn release we support.
    model = linear_model.LogisticRegression(
        C=np.inf, fit_intercept=False, tol=1e-12, max_iter=10_000
    )
    model.fit(xs, ys, sample_weight=ws)
    theirs = btm.to_elo(model.coef_[0] - model.coef_[0].mean())
    np.testing.assert_allclose(ours, theirs, atol=0.01)


def test_ridge_prior_effect_is_negligible_on_ordinary_data():
    battles, _ = random_battles(m=12, n=2000, seed=3)
    with_prior = fitted_elo(battles)
    without = fitted_elo(battles, ridge=0.0)
    shift = np.abs(with_prior - without).max()
    assert shift < 0.01, f"ridge prior moved a rating by {shift:.4f} Elo"


def test_converges_to_tolerance():
    battles, _ = random_battles(seed=11)
    cells = btm.fold_counts(battles.counts())
    theta = btm.fit(cells)
    p = btm._sigmoid(theta[cells.i] - theta[cells.j])
    resid = cells.s - cells.n * p
    grad = np.bincount(cells.i, resid, cells.m) - np.bincount(cells.j, resid, cells.m)
    grad -= btm.RIDGE * theta
    assert np.abs(grad).max() < 1e-7
    assert abs(theta.sum()) < 1e-9


# --- invariances --------------------------------------------------------------------------


def test_swapping_sides_changes_nothing():
    battles, _ = random_battles(seed=2)
    swap = np.array([1, 0, 2, 3])[battles.outcome]
    swapped = Battles.from_arrays(battles.models, battles.model_b, battles.model_a, swap)
    np.testing.assert_allclose(fitted_elo(battles), fitted_elo(swapped), atol=1e-9)


def test_duplicating_the_data_keeps_the_ratings_and_narrows_the_intervals():
    battles, _ = random_battles(seed=4)
    double = Battles.from_arrays(
        battles.models,
        np.concatenate([battles.model_a] * 2),
        np.concatenate([battles.model_b] * 2),
        np.concatenate([battles.outcome] * 2),
    )
    np.testing.assert_allclose(fitted_elo(battles), fitted_elo(double), atol=0.01)
    one = compute_leaderboard(battles, ci="sandwich", min_votes=0)["models"]
    two = {e["model"]: e for e in compute_leaderboard(double, ci="sandwich", min_votes=0)["models"]}
    for e in one:
        width_one = e["ci_high"] - e["ci_low"]
        width_two = two[e["model"]]["ci_high"] - two[e["model"]]["ci_low"]
        assert width_two == pytest.approx(width_one / math.sqrt(2), rel=0.01)


def test_renaming_and_reordering_models_changes_nothing():
    battles, _ = random_battles(seed=5)
    m = len(battles.models)
    perm = np.random.default_rng(0).permutation(m)  # old index -> new index
    names = [""] * m
    for old, new in enumerate(perm):
        names[new] = f"renamed-{old}"
    moved = Battles.from_arrays(
        names, perm[battles.model_a], perm[battles.model_b], battles.outcome
    )
    np.testing.assert_allclose(fitted_elo(battles), fitted_elo(moved)[perm], atol=1e-9)
    board = compute_leaderboard(battles, seed=3)
    board_moved = compute_leaderboard(moved, seed=3)
    assert [e["rating"] for e in board["models"]] == [e["rating"] for e in board_moved["models"]]
    assert [e["model"].split("-")[1] for e in board["models"]] == [
        e["model"].split("-")[1] for e in board_moved["models"]
    ]


# --- hard data shapes -----------------------------------------------------------------------


def test_never_lost_and_never_won_models_get_finite_ratings():
    battles, _ = random_battles(m=5, n=600, seed=6)
    champion, loser = len(battles.models), len(battles.models) + 1
    extra_a = [champion] * 25 + [loser] * 25
    extra_b = [0, 1, 2, 3, 4] * 10
    extra_o = [0] * 25 + [1] * 25  # champion always wins, loser always loses
    names = [*battles.models, "champion", "loser"]
    data = Battles.from_arrays(
        names,
        np.concatenate([battles.model_a, extra_a]),
        np.concatenate([battles.model_b, extra_b]),
        np.concatenate([battles.outcome, extra_o]),
    )
    for ci in ("bootstrap", "sandwich"):
        board = compute_leaderboard(data, ci=ci)
        json.dumps(board, allow_nan=False)
        top, bottom = board["models"][0], board["models"][-1]
        assert top["model"] == "champion" and bottom["model"] == "loser"
        for e in (top, bottom):
            assert all(math.isfinite(e[k]) for k in ("rating", "ci_low", "ci_high"))
        assert top["ci_low"] <= top["rating"] <= top["ci_high"]
        assert top["rank"] == 1


def test_disconnected_graph_is_detected_and_reported():
    a = [0, 1, 0, 1, 2, 3, 2, 3] * 10
    b = [1, 0, 1, 0, 3, 2, 3, 2] * 10
    o = [0, 0, 1, 2, 0, 1, 0, 0] * 10
    names = ["a1", "a2", "b1", "b2"]
    extra = ([4] * 5, [0] * 5, [1] * 5)  # a small third model attached to group a
    data = Battles.from_arrays([*names, "a3"], a + extra[0], b + extra[1], o + extra[2])
    board = compute_leaderboard(data, min_votes=10)
    assert sorted(board["components"], key=len) == [["b1", "b2"], ["a1", "a2", "a3"]]
    listed = {e["model"] for e in board["models"]}
    assert listed == {"a1", "a2"}
    reasons = {u["model"]: u["reason"] for u in board["unlisted"]}
    assert "not comparable" in reasons["b1"] and "not comparable" in reasons["b2"]
    assert "fewer than 10 votes" in reasons["a3"]
    assert btm.components(3, np.array([0]), np.array([1]))[1].tolist() == [2]


def test_connected_graph_has_no_components_field():
    battles, _ = random_battles(seed=8)
    assert "components" not in compute_leaderboard(battles)


def test_empty_battles_give_an_empty_board():
    board = compute_leaderboard(Battles.from_records([]))
    assert board["models"] == [] and board["totals"] == {"models": 0, "battles": 0}
    json.dumps(board, allow_nan=False)


def test_bad_options_are_bad_requests():
    battles, _ = random_battles(seed=9)
    for kwargs in (
        {"method": "glicko"},
        {"ci": "jackknife"},
        {"bootstrap_rounds": 3},
        {"method": "elo", "ci": "sandwich"},
        {"anchor": "nobody=1200"},
        {"anchor": "model-0"},
        {"min_votes": -1},
        {"ipw": True},
        {"style_control": True},
    ):
        with pytest.raises(BadRequest):
            compute_leaderboard(battles, **kwargs)
    with pytest.raises(BadRequest, match="record 1: unknown winner 'draw'"):
        Battles.from_records(
            [
                {"model_a": "x", "model_b": "y", "winner": "tie"},
                {"model_a": "x", "model_b": "y", "winner": "draw"},
            ]
        )


# --- leaderboard shape ----------------------------------------------------------------------


def test_leaderboard_shape_and_json():
    battles, true = random_battles(m=6, n=2000, seed=12)
    board = compute_leaderboard(battles, bootstrap_rounds=100)
    text = json.dumps(board, allow_nan=False)
    assert json.loads(text) == board
    for key in (
        "method",
        "style_control",
        "category",
        "ipw",
        "ci_method",
        "bootstrap_rounds",
        "models",
        "unlisted",
        "matrices",
        "totals",
    ):
        assert key in board
    models = board["models"]
    assert [e["rating"] for e in models] == sorted((e["rating"] for e in models), reverse=True)
    for e in models:
        assert set(e) >= {
            "model",
            "rating",
            "ci_low",
            "ci_high",
            "rank",
            "votes",
            "wins",
            "losses",
            "ties",
            "both_bad",
            "win_rate",
            "elo",
        }
        assert e["votes"] == e["wins"] + e["losses"] + e["ties"] + e["both_bad"]
        assert e["ci_low"] < e["rating"] < e["ci_high"]
    assert sum(e["votes"] for e in models) == 2 * len(battles)
    mats = board["matrices"]
    k = len(mats["models"])
    assert mats["models"] == [e["model"] for e in models]
    for i in range(k):
        assert mats["win_rate"][i][i] is None and mats["battles"][i][i] == 0
        for j in range(k):
            if i != j:
                assert mats["predicted"][i][j] + mats["predicted"][j][i] == pytest.approx(
                    1, abs=2e-4
                )
                assert mats["battles"][i][j] == mats["battles"][j][i]
    # The recovered order matches the truth up to sampling noise.
    rho = np.corrcoef(
        np.argsort(np.argsort([-true[int(e["model"][6:])] for e in models])), np.arange(k)
    )[0, 1]
    assert rho > 0.9


def test_rank_with_uncertainty():
    low = np.array([10.0, 8.0, 0.0, -5.0])
    high = np.array([20.0, 12.0, 9.0, 1.0])
    # model 2's interval [0, 9] is below model 0's [10, 20] only; model 3 below 0 and 1.
    assert uncertainty_ranks(low, high).tolist() == [1, 1, 2, 3]


def test_anchor_pins_a_model():
    battles, _ = random_battles(seed=13)
    free = {e["model"]: e for e in compute_leaderboard(battles, seed=1)["models"]}
    pinned = compute_leaderboard(battles, seed=1, anchor=("model-3", 1200.0))
    by = {e["model"]: e for e in pinned["models"]}
    assert by["model-3"]["rating"] == 1200.0
    shift = 1200.0 - free["model-3"]["rating"]
    for name, e in by.items():
        assert e["rating"] == pytest.approx(free[name]["rating"] + shift, abs=0.02)
    assert pinned["anchor"] == {"model": "model-3", "rating": 1200.0}


def test_bootstrap_is_seeded():
    battles, _ = random_battles(seed=14)
    assert compute_leaderboard(battles, seed=5) == compute_leaderboard(battles, seed=5)
    assert compute_leaderboard(battles, seed=5) != compute_leaderboard(battles, seed=6)


def test_min_votes_lists_only_models_with_enough_votes():
    battles, _ = random_battles(m=4, n=200, seed=15)
    few = Battles.from_arrays(
        [*battles.models, "rare"],
        np.concatenate([battles.model_a, [4, 4]]),
        np.concatenate([battles.model_b, [0, 1]]),
        np.concatenate([battles.outcome, [0, 1]]),
    )
    board = compute_leaderboard(few)
    assert "rare" not in {e["model"] for e in board["models"]}
    assert board["unlisted"] == [{"model": "rare", "votes": 2, "reason": "fewer than 20 votes"}]
    assert "rare" in {e["model"] for e in compute_leaderboard(few, min_votes=2)["models"]}


def test_aggregated_counts_give_the_same_board():
    battles, _ = random_battles(seed=16)
    from_counts = Battles.from_counts(battles.models, battles.counts())
    one = compute_leaderboard(battles, seed=2)
    two = compute_leaderboard(from_counts, seed=2)
    assert [e["rating"] for e in one["models"]] == [e["rating"] for e in two["models"]]
    assert [e["ci_low"] for e in one["models"]] == [e["ci_low"] for e in two["models"]]
    assert all(e["elo"] is None for e in two["models"])


# --- online Elo -------------------------------------------------------------------------------


def test_three_game_elo_sequence_by_hand():
    # Game 1: A beats B, both 1000: expected 0.5, so A +2 -> 1002, B -> 998.
    # Game 2: A (1002) ties C (1000): E_A = 1/(1+10^(-2/400)) = 0.5028782..., so A moves
    #         by 4·(0.5 − 0.5028782) = −0.0115129 -> 1001.9884871, C -> 1000.0115129.
    # Game 3: C (1000.0115129) beats B (998): E_C = 1/(1+10^(-2.0115129/400))
    #         = 0.5028948..., C gains 4·(1 − 0.5028948) = 1.9884207 -> 1001.9999336,
    #         B -> 996.0115793.
    ratings = online_elo(np.array([0, 0, 2]), np.array([1, 2, 1]), np.array([0, 2, 0], np.int8), 3)
    np.testing.assert_allclose(ratings, [1001.9884871, 996.0115793, 1001.9999336], atol=1e-6)


def test_elo_method_board():
    battles, _ = random_battles(m=5, n=800, seed=17)
    board = compute_leaderboard(battles, method="elo", bootstrap_rounds=50)
    for e in board["models"]:
        assert e["rating"] == e["elo"]
        assert e["ci_low"] <= e["rating"] + 1e-6 and e["rating"] - 1e-6 <= e["ci_high"]


# --- inverse-propensity weighting -------------------------------------------------------------


def test_ipw_equals_replicating_each_battle_by_its_weight():
    battles, _ = random_battles(m=5, n=1500, seed=18)
    rng = np.random.default_rng(0)
    propensity = rng.choice([0.5, 0.25, 0.125], size=len(battles))
    weighted = Battles.from_arrays(
        battles.models, battles.model_a, battles.model_b, battles.outcome, propensity=propensity
    )
    copies = np.rint(1.0 / propensity).astype(int)
    replicated = Battles.from_arrays(
        battles.models,
        np.repeat(battles.model_a, copies),
        np.repeat(battles.model_b, copies),
        np.repeat(battles.outcome, copies),
    )
    # The flat prior: an informative one weighs against the data's total weight, which
    # the IPW board normalises and the replicated one does not.
    ipw = {e["model"]: e["rating"]
           for e in compute_leaderboard(weighted, ipw=True, prior_sd=0)["models"]}
    rep = {e["model"]: e["rating"] for e in compute_leaderboard(replicated, prior_sd=0)["models"]}
    assert ipw == pytest.approx(rep, abs=0.02)


def test_ipw_undoes_a_skewed_pair_sampler_when_preferences_are_not_transitive():
    # Rock-paper-scissors-like preferences among three models plus a fourth: with
    # intransitive truth the BT estimand depends on which pairs are shown, so a sampler
    # that over-shows one pair biases the plain fit; IPW recovers the uniform-sampler fit.
    win = np.array(
        [[0.5, 0.8, 0.3, 0.6], [0.2, 0.5, 0.75, 0.55], [0.7, 0.25, 0.5, 0.5], [0.4, 0.45, 0.5, 0.5]]
    )
    pairs = [(i, j) for i in range(4) for j in range(i + 1, 4)]
    shown = np.array([0.45, 0.05, 0.1, 0.1, 0.2, 0.1])  # P(pair) of the skewed sampler

    def battles(share: np.ndarray, total: int, with_propensity: bool) -> Battles:
        a, b, o, p = [], [], [], []
        for (i, j), s in zip(pairs, share, strict=True):
            n = int(round(s * total))
            wins = int(round(win[i, j] * n))
            a += [i] * n
            b += [j] * n
            o += [0] * wins + [1] * (n - wins)
            p += [s] * n
        return Battles.from_arrays(list("wxyz"), a, b, o, propensity=p if with_propensity else None)

    uniform = compute_leaderboard(battles(np.full(6, 1 / 6), 60_000, False), ci="sandwich")
    skewed = battles(shown, 60_000, True)
    plain = compute_leaderboard(skewed, ci="sandwich")
    ipw = compute_leaderboard(skewed, ipw=True, ci="sandwich")

    def ratings(board: dict) -> dict:
        return {e["model"]: e["rating"] for e in board["models"]}

    target = ratings(uniform)
    plain_error = max(abs(ratings(plain)[k] - v) for k, v in target.items())
    ipw_error = max(abs(ratings(ipw)[k] - v) for k, v in target.items())
    assert ipw_error < 1.0 < plain_error


# --- interval coverage ------------------------------------------------------------------------


def _estimand(m: int, pair_p: np.ndarray, true: np.ndarray, tie_rate: float) -> np.ndarray:
    """The BT-with-half-ties parameter the fit converges to, from expected counts."""
    i, j = np.triu_indices(m, 1)
    p = 1.0 / (1.0 + np.exp(-(true[i] - true[j])))
    counts = np.zeros((m, m, 4))
    scale = 1e6 * pair_p
    counts[i, j, 0] = scale * (1 - tie_rate) * p
    counts[i, j, 1] = scale * (1 - tie_rate) * (1 - p)
    counts[i, j, 2] = scale * tie_rate
    return btm.fit(btm.fold_counts(counts), ridge=0.0)


def test_ci_coverage_is_about_95_percent(capsys):
    m, n, reps, tie_rate = 8, 1500, 150, 0.2
    rng = np.random.default_rng(2024)
    true = rng.normal(0, 0.8, m)
    i, j = np.triu_indices(m, 1)
    pair_p = rng.gamma(1.0, 1.0, i.shape[0])  # skewed pair sampling
    pair_p /= pair_p.sum()
    target = _estimand(m, pair_p, true, tie_rate)
    covered = {"bootstrap": 0, "sandwich": 0}
    for _ in range(reps):
        pair = rng.choice(i.shape[0], size=n, p=pair_p)
        a, b = i[pair], j[pair]
        p = 1.0 / (1.0 + np.exp(-(true[a] - true[b])))
        tie = rng.random(n) < tie_rate
        o = np.where(tie, 2, np.where(rng.random(n) < p, 0, 1))
        cells = btm.fold_counts(Battles.from_arrays(range(m), a, b, o).counts())
        theta = btm.fit(cells)
        boot = bootstrap_bt(cells, theta, 100, rng, btm.RIDGE)
        low, high = np.percentile(boot, [2.5, 97.5], axis=0)
        covered["bootstrap"] += int(((low <= target) & (target <= high)).sum())
        low, high = normal_interval(theta, btm.sandwich(cells, theta), None)
        covered["sandwich"] += int(((low <= target) & (target <= high)).sum())
    rates = {k: v / (reps * m) for k, v in covered.items()}
    with capsys.disabled():
        print(
            f"\n95% CI coverage over {reps * m} intervals: "
            + ", ".join(f"{k} {v:.3f}" for k, v in rates.items())
        )
    for k, v in rates.items():
        assert 0.92 <= v <= 0.975, f"{k} coverage {v:.3f}"


def test_category_filter_uses_only_tagged_battles():
    battles, _ = random_battles(m=4, n=400, seed=19)
    tagged = np.arange(0, 400, 4)
    data = Battles.from_arrays(
        battles.models,
        battles.model_a,
        battles.model_b,
        battles.outcome,
        categories={"coding": tagged},
    )
    board = compute_leaderboard(data, category="coding", min_votes=0)
    assert board["totals"]["battles"] == 100 and board["category"] == "coding"
    only = compute_leaderboard(battles.subset(tagged), min_votes=0)
    assert board["models"] == only["models"]
    empty = compute_leaderboard(data, category="math")
    assert empty["models"] == [] and "no battles in category 'math'" in empty["warnings"][0]


def test_elo_needs_ordered_battles():
    battles, _ = random_battles(seed=20)
    with pytest.raises(BadRequest, match="online Elo needs battles in order"):
        compute_leaderboard(Battles.from_counts(battles.models, battles.counts()), method="elo")


def test_listed_models_average_1000_and_a_rare_outlier_moves_no_one():
    battles, _ = random_battles(m=6, n=1200, seed=21)
    board = compute_leaderboard(battles, ci="sandwich")
    ratings = [e["rating"] for e in board["models"]]
    assert np.mean(ratings) == pytest.approx(1000.0, abs=0.01)
    # A model with five wins and no loss: unlisted, astronomically rated by the MLE, and
    # yet it must not drag the listed models (it would if it shared the average).
    outlier = Battles.from_arrays(
        [*battles.models, "lucky"],
        np.concatenate([battles.model_a, [6] * 5]),
        np.concatenate([battles.model_b, [0, 1, 2, 3, 4]]),
        np.concatenate([battles.outcome, [0] * 5]),
    )
    with_outlier = compute_leaderboard(outlier, ci="sandwich")
    before = {e["model"]: e["rating"] for e in board["models"]}
    after = {e["model"]: e["rating"] for e in with_outlier["models"]}
    assert after.keys() == before.keys()
    assert max(abs(after[k] - before[k]) for k in before) < 5.0


def test_bootstrap_in_chunks_matches_one_batch(monkeypatch):
    from arena.ranking import intervals

    battles, _ = random_battles(m=6, n=600, seed=22)
    whole = compute_leaderboard(battles, bootstrap_rounds=40, seed=1, min_votes=0)
    monkeypatch.setattr(intervals, "BT_CHUNK_CELLS", 6 * 6 * 7)  # 7 rounds per chunk
    chunked = compute_leaderboard(battles, bootstrap_rounds=40, seed=1, min_votes=0)
    for one, two in zip(whole["models"], chunked["models"], strict=True):
        assert one["ci_low"] == pytest.approx(two["ci_low"], abs=0.02)
        assert one["ci_high"] == pytest.approx(two["ci_high"], abs=0.02)


def test_a_perfect_record_is_flagged_as_uncertain():
    from arena.ranking import Battles, compute_leaderboard

    rows = [{"model_a": a, "model_b": b, "winner": w} for a, b, w in
            [("x", "y", "model_a"), ("y", "z", "tie"), ("z", "x", "model_b"),
             ("y", "x", "model_a"), ("z", "y", "model_a")] * 3]
    rows += [{"model_a": "star", "model_b": m, "winner": "model_a"} for m in "xyz" * 2]
    board = compute_leaderboard(Battles.from_records(rows), min_votes=1, bootstrap_rounds=20)
    assert any(w.startswith("star won all 6 of its votes") for w in board["warnings"])
    assert not any(w.startswith(("x ", "y ", "z ")) for w in board["warnings"])
