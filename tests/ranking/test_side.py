"""Side bias: Bradley–Terry with a left-side advantage h (``arena.ranking.side``) — known
answers, an independent fit, invariances, the board's ``side`` section and
``side_control``, and coverage in simulated arenas with a fixed seed
(``benchmarks/side_bias.py`` measures it at full size)."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from arena.errors import BadRequest
from arena.ranking import Battles, bt, compute_leaderboard, side
from arena.ranking.cli import side_line
from arena.ranking.io import write_battles
from benchmarks.side_bias import simulate
from tests.ranking import cli

FLAT = bt.RIDGE


def counts_of(m: int, rows: list[tuple[int, int, int, float]]) -> np.ndarray:
    c = np.zeros((m, m, 4))
    for a, b, o, k in rows:
        c[a, b, o] += k
    return c


def logit(p: float) -> float:
    return math.log(p / (1 - p))


def test_two_models_have_a_closed_form():
    # x on the left beat y 60 of 100 times; y on the left beat x 45 of 100 times.
    # σ(d + h) = 0.6 and σ(−d + h) = 0.45, so h and d are half the sum and difference.
    c = counts_of(2, [(0, 1, 0, 60), (0, 1, 1, 40), (1, 0, 0, 45), (1, 0, 1, 55)])
    params = side.fit(side.ordered_cells(c), ridge=FLAT)
    h = (logit(0.6) + logit(0.45)) / 2
    d = (logit(0.6) - logit(0.45)) / 2
    assert params[-1] == pytest.approx(h, abs=1e-4)
    assert params[0] - params[1] == pytest.approx(d, abs=1e-4)
    assert params[:2].sum() == pytest.approx(0.0, abs=1e-12)
    est = side.estimate(side.ordered_cells(c), ridge=FLAT)
    assert est.elo == pytest.approx(bt.ELO_SCALE * h, abs=0.02)  # 17.77 Elo


def test_two_models_closed_form_interval():
    # No ties: the sandwich of h is the observed information's, 1/4 · Σ 1/(n p (1 − p)).
    c = counts_of(2, [(0, 1, 0, 60), (0, 1, 1, 40), (1, 0, 0, 45), (1, 0, 1, 55)])
    est = side.estimate(side.ordered_cells(c), ridge=FLAT)
    se = 0.5 * math.sqrt(1 / (100 * 0.6 * 0.4) + 1 / (100 * 0.45 * 0.55))
    half = 1.959963984540054 * se * bt.ELO_SCALE
    assert est.high - est.low == pytest.approx(2 * half, rel=1e-3)


def test_ties_count_half_a_win():
    # Two ties weigh like one win and one loss.
    tied = counts_of(2, [(0, 1, 0, 30), (0, 1, 2, 20), (1, 0, 1, 10), (1, 0, 3, 4)])
    split = counts_of(2, [(0, 1, 0, 40), (0, 1, 1, 10), (1, 0, 1, 12), (1, 0, 0, 2)])
    a = side.fit(side.ordered_cells(tied), ridge=FLAT)
    b = side.fit(side.ordered_cells(split), ridge=FLAT)
    np.testing.assert_allclose(a, b, atol=1e-9)


def random_counts(rng: np.random.Generator, m: int, n: int, h: float) -> np.ndarray:
    theta = rng.normal(0, 0.8, m)
    a = rng.integers(0, m, n)
    b = (a + rng.integers(1, m, n)) % m
    p = 1 / (1 + np.exp(-(theta[a] - theta[b] + h)))
    u = rng.random(n)
    outcome = np.where(u < p - 0.1, 0, np.where(u < p + 0.1, 2, 1))
    c = np.zeros((m, m, 4))
    np.add.at(c, (a, b, outcome), 1.0)
    return c


def test_agrees_with_an_independent_logistic_regression():
    rng = np.random.default_rng(3)
    m = 7
    c = random_counts(rng, m, 3000, 0.3)
    theirs = sklearn_side_fit(c)
    ours = side.fit(side.ordered_cells(c), ridge=1e-10)
    assert ours[-1] == pytest.approx(theirs[-1], abs=1e-5)
    np.testing.assert_allclose(ours[:m] - ours[0], theirs[:m], atol=1e-5)


def sklearn_side_fit(c: np.ndarray) -> np.ndarray:
    """(θ with θ_0 = 0, h) of an unpenalised logistic regression on the design
    (e_a − e_b, 1), a tie as half a win and half a loss by sample weight."""
    m = c.shape[0]
    rows, ys, ws = [], [], []
    for a in range(m):
        for b in range(m):
            x = np.zeros(m + 1)
            x[a], x[b], x[m] = 1.0, -1.0, 1.0
            half = c[a, b, 2] + c[a, b, 3]
            for y, w in ((1, c[a, b, 0] + half / 2), (0, c[a, b, 1] + half / 2)):
                if w:
                    rows.append(x)
                    ys.append(y)
                    ws.append(w)
    lr = LogisticRegression(C=np.inf, fit_intercept=False, tol=1e-10, max_iter=10_000)
    lr.fit(np.array(rows)[:, 1:], np.array(ys), sample_weight=np.array(ws))
    return np.concatenate([[0.0], lr.coef_[0]])


def test_real_votes_llmfao_agree_with_an_independent_fit():
    # LLMFAO's crowd saw one answer on the left (side A) and one on the right.
    path = Path(__file__).resolve().parents[3] / "shared" / "data" / "llmfao" / \
        "crowd-comparisons.csv"
    if not path.exists():
        pytest.skip(f"real data not found at {path}")
    labels = {"left": "model_a", "right": "model_b", "tie": "tie"}
    with path.open() as f:
        data = Battles.from_records({"model_a": r["left"], "model_b": r["right"],
                                     "winner": labels[r["winner"]]} for r in csv.DictReader(f))
    board = compute_leaderboard(data, prior_sd=0, ci="sandwich", swaps=False, min_votes=0)
    theirs = sklearn_side_fit(data.counts())
    assert board["side"]["elo"] == pytest.approx(bt.ELO_SCALE * theirs[-1], abs=0.05)
    assert board["side"]["battles"] == 8931
    assert board["side"]["a_win_share"] == pytest.approx(2911 / (2911 + 2549), abs=1e-4)


def test_swapping_sides_negates_h_and_keeps_ratings():
    rng = np.random.default_rng(5)
    c = random_counts(rng, 6, 2000, 0.25)
    swapped = c.transpose(1, 0, 2)[:, :, [1, 0, 2, 3]]
    p = side.fit(side.ordered_cells(c), ridge=0.5)
    q = side.fit(side.ordered_cells(swapped), ridge=0.5)
    assert q[-1] == pytest.approx(-p[-1], abs=1e-9)
    np.testing.assert_allclose(q[:-1], p[:-1], atol=1e-9)


def test_mirrored_data_has_no_side_effect_and_relabelling_permutes():
    rng = np.random.default_rng(6)
    c = random_counts(rng, 5, 1000, 0.4)
    mirrored = c + c.transpose(1, 0, 2)[:, :, [1, 0, 2, 3]]
    assert side.fit(side.ordered_cells(mirrored), ridge=0.5)[-1] == pytest.approx(0, abs=1e-12)
    perm = np.array([3, 0, 4, 1, 2])
    relabelled = c[np.ix_(perm, perm)]
    p = side.fit(side.ordered_cells(c), ridge=0.5)
    q = side.fit(side.ordered_cells(relabelled), ridge=0.5)
    assert q[-1] == pytest.approx(p[-1], abs=1e-9)
    np.testing.assert_allclose(q[:-1], p[:-1][perm], atol=1e-9)


def test_a_fixed_h_of_zero_is_the_plain_fit_and_two_stage_keeps_the_flat_h():
    rng = np.random.default_rng(9)
    c = random_counts(rng, 6, 2000, 0.3)
    cells = side.ordered_cells(c)
    zero = side.fit(cells, ridge=1.9, start=np.zeros(7), fix_h=True)
    assert zero[-1] == 0.0
    np.testing.assert_allclose(zero[:-1], bt.fit(bt.fold_counts(c), ridge=1.9), atol=1e-8)
    flat = side.fit(cells, ridge=bt.RIDGE)
    staged = side.two_stage(cells, ridge=1.9)
    assert staged[-1] == flat[-1]
    est = side.estimate(cells, ridge=1.9)
    np.testing.assert_allclose(est.params, staged, atol=1e-12)
    # θ given h maximises the prior fit along θ: the gradient in θ vanishes there.
    p = 1 / (1 + np.exp(-(staged[cells.a] - staged[cells.b] + staged[-1])))
    r = cells.s - cells.n * p
    grad = np.bincount(cells.a, r, 6) - np.bincount(cells.b, r, 6) - 1.9 * staged[:-1]
    np.testing.assert_allclose(grad, 0, atol=1e-7)


def test_batched_fit_is_the_fit_of_each_data_set():
    rng = np.random.default_rng(8)
    c = random_counts(rng, 6, 1500, 0.2)
    cells = side.ordered_cells(c)
    scale = rng.uniform(0.5, 1.5, size=(3,) + cells.weights.shape)
    batch = side.fit(cells, ridge=0.5, weights=cells.weights[None] * scale)
    for r in range(3):
        one = side.ordered_cells(c)
        one = side.SideCells(one.m, one.a, one.b, one.counts, one.weights * scale[r],
                             one.weights_sq)
        np.testing.assert_allclose(batch[r], side.fit(one, ridge=0.5), atol=1e-8)


def test_the_board_always_reports_h():
    c = counts_of(2, [(0, 1, 0, 60), (0, 1, 1, 40), (1, 0, 0, 45), (1, 0, 1, 55)])
    board = compute_leaderboard(Battles.from_counts(["x", "y"], c), prior_sd=0,
                                bootstrap_rounds=10)
    s = board["side"]
    assert s["elo"] == pytest.approx(bt.ELO_SCALE * (logit(0.6) + logit(0.45)) / 2, abs=0.02)
    assert s["ci"][0] < s["elo"] < s["ci"][1]
    assert s["a_win_share"] == pytest.approx(105 / 200)
    assert s["battles"] == 200
    assert board["side_control"] is False
    # Online Elo has no side term, but the estimate is about the votes: reported too.
    wins = ["model_a", "model_b"]
    elo_rows = Battles.from_records(
        [{"model_a": "x", "model_b": "y", "winner": w} for w in wins[:1] * 60 + wins[1:] * 40]
        + [{"model_a": "y", "model_b": "x", "winner": w} for w in wins[:1] * 45 + wins[1:] * 55])
    assert compute_leaderboard(elo_rows, method="elo", prior_sd=0,
                               bootstrap_rounds=10)["side"]["elo"] == s["elo"]


def test_side_control_moves_ratings_and_elo_refuses_it():
    records = [{"model_a": "x", "model_b": "y", "winner": "model_a"}] * 30 + \
              [{"model_a": "x", "model_b": "y", "winner": "model_b"}] * 10 + \
              [{"model_a": "y", "model_b": "z", "winner": "model_a"}] * 25 + \
              [{"model_a": "z", "model_b": "y", "winner": "model_a"}] * 25
    data = Battles.from_records(records)
    plain = compute_leaderboard(data, bootstrap_rounds=20, min_votes=0)
    held = compute_leaderboard(data, bootstrap_rounds=20, min_votes=0, side_control=True)
    assert held["side_control"] is True and "fragility" not in held
    assert plain["side"] == held["side"]
    # y and z split evenly with fair sides: h comes from x (always left) against y, so
    # side control takes x down against y.
    gap = {b["model"]: b["rating"] for b in (plain["models"])}
    gap_held = {b["model"]: b["rating"] for b in held["models"]}
    assert gap_held["x"] - gap_held["y"] < gap["x"] - gap["y"]
    with pytest.raises(BadRequest, match="Side control is a Bradley–Terry model"):
        compute_leaderboard(data, method="elo", side_control=True)


def test_side_and_style_control_together():
    rng = np.random.default_rng(2)
    records = []
    for _ in range(600):
        a, b = rng.choice(["p", "q", "r"], 2, replace=False)
        win = rng.random() < 0.58  # the left answer wins 58% of the time
        tokens_a, tokens_b = rng.integers(100, 400, 2)
        meta = {"sum_assistant_a_tokens": int(tokens_a), "sum_assistant_b_tokens": int(tokens_b),
                "header_count_a": {}, "header_count_b": {}, "list_count_a": {},
                "list_count_b": {}, "bold_count_a": {}, "bold_count_b": {}}
        records.append({"model_a": a, "model_b": b,
                        "winner": "model_a" if win else "model_b", "conv_metadata": meta})
    data = Battles.from_records(records)
    both = compute_leaderboard(data, style_control=True, side_control=True, ci="sandwich",
                               min_votes=0)
    alone = compute_leaderboard(data, min_votes=0, ci="sandwich")
    assert both["style"] is not None and both["side_control"]
    # Style is unrelated to the outcome here, so h barely moves when it is held equal.
    assert both["side"]["elo"] == pytest.approx(alone["side"]["elo"], abs=3)
    assert both["side"]["ci"][0] < both["side"]["elo"] < both["side"]["ci"][1]
    assert alone["side"]["elo"] > 20  # 58% → about +56 Elo


def test_sides_in_a_fixed_order_are_flagged():
    # x always left of y: h and x − y only appear as a sum, so only the prior splits them.
    one_way = counts_of(2, [(0, 1, 0, 30), (0, 1, 1, 10)])
    assert not side.identified(side.ordered_cells(one_way))
    # A fixed order x > y > z over all three pairs is still a potential: not identified.
    ordered = counts_of(3, [(0, 1, 0, 5), (1, 2, 1, 5), (0, 2, 0, 5)])
    assert side.identified(side.ordered_cells(ordered))  # x − z = 2 ≠ 1: a cycle tells
    chain = counts_of(3, [(0, 1, 0, 5), (1, 2, 1, 5)])
    assert not side.identified(side.ordered_cells(chain))
    both_ways = counts_of(2, [(0, 1, 0, 30), (1, 0, 1, 10)])
    assert side.identified(side.ordered_cells(both_ways))
    board = compute_leaderboard(Battles.from_counts(["x", "y"], one_way), bootstrap_rounds=10)
    assert any("cannot be told apart" in w for w in board["warnings"])
    # ... and its interval is the prior's, wide, not the sandwich's.
    assert board["side"]["ci"][1] - board["side"]["ci"][0] > 300
    board = compute_leaderboard(Battles.from_counts(["x", "y"], both_ways), bootstrap_rounds=10)
    assert not any("cannot be told apart" in w for w in board["warnings"])


def test_empty_and_one_sided_boards():
    empty = compute_leaderboard(Battles.from_records([]))
    assert "side" not in empty or empty["side"] is None
    # Only ties: h is 0 with a finite interval, and no decided vote to share.
    c = counts_of(2, [(0, 1, 2, 5), (1, 0, 3, 5)])
    s = compute_leaderboard(Battles.from_counts(["x", "y"], c), bootstrap_rounds=10)["side"]
    assert s["elo"] == pytest.approx(0, abs=1e-6) and s["a_win_share"] is None
    assert all(math.isfinite(v) for v in s["ci"])
    # Side A won everything: h is large but finite, its interval wide.
    c = counts_of(2, [(0, 1, 0, 3), (1, 0, 0, 3)])
    s = compute_leaderboard(Battles.from_counts(["x", "y"], c), bootstrap_rounds=10)["side"]
    assert s["elo"] > 300 and s["ci"][1] - s["ci"][0] > 300 and s["a_win_share"] == 1.0


def test_cli_reports_h_and_side_control(tmp_path, capsys):
    # x always on the left: 30 of its 40 votes against y; y and z split evenly.
    records = ([{"model_a": "x", "model_b": "y", "winner": "model_a"}] * 30
               + [{"model_a": "x", "model_b": "y", "winner": "model_b"}] * 10
               + [{"model_a": "y", "model_b": "z", "winner": "model_a"}] * 20
               + [{"model_a": "z", "model_b": "y", "winner": "model_a"}] * 20)
    path = tmp_path / "b.jsonl"
    write_battles(records, path)
    code, text = cli("--battles", str(path), "--min-votes", "0")
    assert code == 0 and "side A (left) advantage: +" in text
    assert "(ratings adjusted for it)" not in text
    code, text = cli("--battles", str(path), "--min-votes", "0", "--side-control", "--json")
    board = json.loads(text)
    assert code == 0 and board["side_control"] is True and board["side"]["battles"] == 80
    code, text = cli("--battles", str(path), "--side-control")
    assert text.splitlines()[0].startswith("Bradley-Terry, side control - 80 battles")
    assert "(ratings adjusted for it)" in text
    assert cli("--battles", str(path), "--side-control", "--method", "elo")[0] == 2
    assert "Side control is a Bradley–Terry model" in capsys.readouterr().err


def test_cli_line():
    s = {"elo": 12.04, "ci": [4.0, 20.1], "a_win_share": 0.5172, "battles": 900}
    assert side_line(s, False) == ("side A (left) advantage: +12.0 Elo [+4.0, +20.1] over "
                                   "900 battles, side A won 51.7% of decided votes")
    assert side_line(s, True).endswith("(ratings adjusted for it)")


# --- simulated arenas (fixed seed; full size in benchmarks/side_bias.py) ---------------


def test_interval_covers_an_injected_20_elo_and_control_removes_the_skew_bias():
    rng = np.random.default_rng(20261204)
    m, n, arenas, h = 10, 3000, 80, 20.0
    ridge = bt.prior_ridge(bt.PRIOR_SD_ELO)
    covered, estimates = 0, []
    plain_err, held_err = [], []
    for _ in range(arenas):
        counts, true = simulate(rng, m, n, h, skewed=True)
        cells = side.ordered_cells(counts)
        est = side.estimate(cells, ridge=ridge)
        covered += est.low <= h <= est.high
        estimates.append(est.elo)
        # The ratings' bias from the sides alone, without the prior's own pull to 0.
        flat = side.estimate(cells, ridge=bt.RIDGE)
        held = bt.ELO_SCALE * flat.params[:m]
        plain = bt.ELO_SCALE * bt.fit(bt.fold_counts(counts), ridge=bt.RIDGE)
        held_err.append(held - held.mean() - true)
        plain_err.append(plain - plain.mean() - true)
    # 80 arenas at 95%: 76 expected, fewer than 70 has probability < 1%.
    assert covered >= 70, covered
    # The SD of one estimate is about 5 Elo, so 0.55 for the mean of 80. (h comes from
    # the flat fit: a joint fit under the prior came out about +1.3 high here.)
    assert np.mean(estimates) == pytest.approx(h, abs=1.7)
    # The strongest models sit left most of the time (q = 0.8 against 0.2 for the
    # weakest): plain ratings spread them apart by h's share; side control does not.
    plain_bias, held_bias = np.mean(plain_err, axis=0), np.mean(held_err, axis=0)
    tilt = np.polyfit(np.arange(m), plain_bias, 1)[0] * (m - 1)
    tilt_held = np.polyfit(np.arange(m), held_bias, 1)[0] * (m - 1)
    assert tilt > 8, tilt  # the plain fit: about 21 Elo from weakest to strongest here
    assert abs(tilt_held) < 3, (tilt_held, tilt)
