"""The Davidson model (arena.ranking.davidson) and its board (method "davidson").

Known answers: the likelihood against a per-battle evaluation of Davidson's formula
P(i) = π_i / (π_i + π_j + ν√(π_i π_j)), its gradient against finite differences of that
evaluation, the fit against scipy on the same objective, the fit recovering known θ and ν
from a large simulated data set, and Bradley–Terry as the limit of no ties.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.optimize import minimize

from arena.errors import BadRequest
from arena.ranking import Battles, bt, compute_leaderboard
from arena.ranking import davidson as dv
from arena.ranking.intervals import bootstrap_davidson
from arena.ranking.io import write_battles
from arena.schemas import Leaderboard
from tests.ranking import cli


def simulate(m: int, n: int, theta: np.ndarray, nu: float, seed: int,
             both_bad: float = 0.5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """n battles from a Davidson truth; a draw is a both-bad vote with prob. ``both_bad``."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, m, n)
    b = (a + rng.integers(1, m, n)) % m
    pa, pb, _ = dv.probabilities(theta[a] - theta[b], np.log(nu))
    u = rng.random(n)
    draw = np.where(rng.random(n) < both_bad, 3, 2)
    outcome = np.where(u < pa, 0, np.where(u < pa + pb, 1, draw))
    return a, b, outcome


def cells_of(m: int, a: np.ndarray, b: np.ndarray, o: np.ndarray) -> bt.Cells:
    counts = np.zeros((m, m, 4))
    np.add.at(counts, (a, b, o), 1.0)
    return bt.fold_counts(counts)


def brute_loglik(params: np.ndarray, a: np.ndarray, b: np.ndarray, o: np.ndarray) -> float:
    """Σ over battles of log P(outcome), straight from Davidson's formula."""
    m = params.shape[0] - 1
    pi, nu = np.exp(params[:m]), np.exp(params[m])
    total = 0.0
    for x, y, k in zip(a.tolist(), b.tolist(), o.tolist(), strict=True):
        tie = nu * np.sqrt(pi[x] * pi[y])
        z = pi[x] + pi[y] + tie
        total += np.log({0: pi[x], 1: pi[y]}.get(k, tie) / z)
    return float(total)


def penalised(params: np.ndarray, a, b, o, ridge: float) -> float:
    m = params.shape[0] - 1
    return (brute_loglik(params, a, b, o) - 0.5 * ridge * (params[:m] ** 2).sum()
            - 0.5 * dv.NU_RIDGE * params[m] ** 2)


def numeric_gradient(f, x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    out = np.empty_like(x)
    for k in range(x.shape[0]):
        e = np.zeros_like(x)
        e[k] = h
        out[k] = (f(x + e) - f(x - e)) / (2 * h)
    return out


SMALL_THETA = np.array([0.8, 0.3, 0.0, -0.4, -0.7])


@pytest.fixture(scope="module")
def small() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return simulate(5, 400, SMALL_THETA, 0.7, seed=3)


def test_likelihood_and_gradient_match_a_direct_evaluation(small) -> None:
    a, b, o = small
    cells = cells_of(5, a, b, o)
    ridge = bt.prior_ridge(bt.PRIOR_SD_ELO)
    rng = np.random.default_rng(0)
    point = np.r_[rng.normal(0, 0.5, 5), -0.3]
    assert dv.log_likelihood(cells, point) == pytest.approx(brute_loglik(point, a, b, o),
                                                            rel=1e-12)
    brute_grad = numeric_gradient(lambda x: penalised(x, a, b, o, ridge), point)
    np.testing.assert_allclose(dv.gradient(cells, point, ridge=ridge), brute_grad, atol=1e-5)
    assert np.abs(brute_grad).max() > 1.0  # a point away from the optimum
    fitted = dv.fit(cells, ridge=ridge)
    assert dv.log_likelihood(cells, fitted) == pytest.approx(brute_loglik(fitted, a, b, o),
                                                             rel=1e-12)
    # At the fitted optimum the direct evaluation is flat in every direction.
    at_opt = numeric_gradient(lambda x: penalised(x, a, b, o, ridge), fitted)
    assert np.abs(at_opt).max() < 1e-5
    assert abs(fitted[:5].sum()) < 1e-9  # the gauge: Σθ = 0
    # The Laplace covariance inverts the direct evaluation's curvature at the optimum.
    h = 1e-4
    hess = np.empty((6, 6))
    objective = lambda x: penalised(x, a, b, o, ridge)  # noqa: E731
    for k in range(6):
        e = np.zeros(6)
        e[k] = h
        hess[k] = (numeric_gradient(objective, fitted + e, h)
                   - numeric_gradient(objective, fitted - e, h)) / (2 * h)
    info = np.linalg.inv(dv.posterior_cov(cells, fitted, ridge=ridge))
    np.testing.assert_allclose(info, -hess, atol=2e-3 * np.abs(hess).max())


def test_fit_agrees_with_scipy_on_the_same_objective(small) -> None:
    a, b, o = small
    cells = cells_of(5, a, b, o)
    ridge = 0.05
    # Per-cell objective written independently of the module (π form, not the cosh form).
    i, j, w = cells.i, cells.j, cells.weights

    def negative(x: np.ndarray) -> float:
        pi, nu = np.exp(x[:5]), np.exp(x[5])
        tie = nu * np.sqrt(pi[i] * pi[j])
        z = pi[i] + pi[j] + tie
        ll = w[:, 0] * np.log(pi[i] / z) + w[:, 1] * np.log(pi[j] / z) + w[:, 2] * np.log(tie / z)
        return float(-(ll.sum() - 0.5 * ridge * (x[:5] ** 2).sum()
                       - 0.5 * dv.NU_RIDGE * x[5] ** 2))

    ref = minimize(negative, np.zeros(6), method="BFGS", options={"gtol": 1e-9}).x
    ours = dv.fit(cells, ridge=ridge)
    # BFGS stops early along Σθ, which only the weak ridge pins: compare centred ratings.
    np.testing.assert_allclose(ours[:5] - ours[:5].mean(), ref[:5] - ref[:5].mean(), atol=1e-6)
    assert ours[5] == pytest.approx(ref[5], abs=1e-6)
    assert negative(ours) <= negative(ref) + 1e-9


def test_recovers_known_theta_and_nu_from_many_battles() -> None:
    theta = np.array([1.1, 0.6, 0.2, 0.0, -0.3, -0.5, -1.1])
    theta -= theta.mean()
    nu = 0.9
    a, b, o = simulate(7, 300_000, theta, nu, seed=11)
    cells = cells_of(7, a, b, o)
    params = dv.fit(cells)
    cov = dv.posterior_cov(cells, params, ridge=bt.RIDGE)
    centred = np.eye(7) - 1.0 / 7  # the Σθ = 0 gauge of both truth and fit
    se_theta = np.sqrt(np.diag(centred @ cov[:7, :7] @ centred))
    se_nu = np.sqrt(cov[7, 7])
    assert se_theta.max() < 0.012 and se_nu < 0.01  # tight enough for the check to bite
    # Every parameter within its 99.9% interval (z 3.29; 8 checks at once).
    assert np.all(np.abs(params[:7] - theta) < 3.29 * se_theta), (params[:7] - theta) / se_theta
    assert abs(params[7] - np.log(nu)) < 3.29 * se_nu
    # The model is true here, so the robust covariance agrees with the Laplace one.
    robust = np.sqrt(np.diag(dv.sandwich(cells, params, ridge=bt.RIDGE)))
    np.testing.assert_allclose(robust, np.r_[se_theta, se_nu], rtol=0.03)
    # The board's ν interval (bootstrap ∪ Laplace) holds the truth.
    counts = np.zeros((7, 7, 4))
    np.add.at(counts, (a, b, o), 1.0)
    board = compute_leaderboard(Battles.from_counts([f"m{k}" for k in range(7)], counts),
                                method="davidson", bootstrap_rounds=50, prior_sd=0)
    low, high = board["davidson"]["nu_ci"]
    assert low < nu < high and high - low < 0.05
    rated = {e["model"]: e for e in board["models"]}
    true_elo = bt.ELO_SCALE * theta + bt.ELO_CENTER
    inside = [rated[f"m{k}"]["ci_low"] <= true_elo[k] <= rated[f"m{k}"]["ci_high"]
              for k in range(7)]
    assert sum(inside) >= 6, inside


def test_without_ties_it_is_bradley_terry() -> None:
    a, b, o = simulate(5, 2_000, SMALL_THETA, 0.5, seed=5)
    decisive = o < 2
    cells = cells_of(5, a[decisive], b[decisive], o[decisive])
    ridge = bt.prior_ridge(bt.PRIOR_SD_ELO)
    params = dv.fit(cells, ridge=ridge)
    # ν̂ is not exactly 0 (its prior holds it finite): agreement to 1e-5, 0.002 Elo.
    np.testing.assert_allclose(params[:5], bt.fit(cells, ridge=ridge), atol=1e-5)
    assert np.exp(params[5]) < 1e-5  # ν̂ = 0, held finite by its weak prior


def test_invariances_and_batches(small) -> None:
    a, b, o = small
    ridge = 0.02
    base = dv.fit(cells_of(5, a, b, o), ridge=ridge)
    # Swap sides: A wins becomes B wins.
    swapped = np.array([1, 0, 2, 3])[o]
    np.testing.assert_allclose(dv.fit(cells_of(5, b, a, swapped), ridge=ridge), base,
                               atol=1e-9)
    # Relabel models.
    perm = np.array([3, 0, 4, 1, 2])
    relabelled = dv.fit(cells_of(5, perm[a], perm[b], o), ridge=ridge)
    np.testing.assert_allclose(relabelled[perm], base[:5], atol=1e-9)
    assert relabelled[5] == pytest.approx(base[5], abs=1e-9)
    # Duplicated data with a doubled θ prior: the same θ (λ's prior is negligible).
    doubled = dv.fit(cells_of(5, np.r_[a, a], np.r_[b, b], np.r_[o, o]), ridge=2 * ridge)
    np.testing.assert_allclose(doubled, base, atol=1e-6)
    # A batch of data sets fits each as alone.
    cells = cells_of(5, a, b, o)
    rng = np.random.default_rng(1)
    batch = rng.uniform(0.5, 2.0, (3, *cells.weights.shape)) * cells.weights
    together = dv.fit(cells, weights=batch, ridge=ridge)
    for k in range(3):
        alone = bt.Cells(5, cells.i, cells.j, cells.counts, batch[k], batch[k] ** 2)
        np.testing.assert_allclose(together[k], dv.fit(alone, ridge=ridge), atol=1e-9)
    samples = bootstrap_davidson(cells, base, 20, np.random.default_rng(0), ridge)
    assert samples.shape == (20, 6) and samples.std(axis=0).min() > 0


def board_of(seed: int = 2, n: int = 3_000, **kwargs):
    a, b, o = simulate(6, n, np.array([0.6, 0.4, 0.0, 0.0, -0.3, -0.7]), 0.6, seed)
    battles = Battles.from_arrays([f"m{k}" for k in range(6)], a, b, o,
                                  propensity=np.full(n, 1 / 15))
    return battles, compute_leaderboard(battles, method="davidson", **kwargs)


@pytest.mark.parametrize("ci", ["bootstrap", "sandwich"])
def test_the_davidson_board(ci: str) -> None:
    battles, board = board_of(ci=ci)
    Leaderboard.model_validate({**board, "demo": False, "updated_at": "x",
                                "totals": {**board["totals"], "counted_votes": 0,
                                           "excluded_votes": {}, "last_vote_id": 0}})
    assert board["method"] == "davidson" and board["prior_sd"] == 125.0
    assert "fragility" not in board  # a Bradley–Terry statement
    section = board["davidson"]
    counts = battles.counts()
    assert section["draws"] == int(counts[..., 2:].sum())
    low, high = section["nu_ci"]
    assert low < section["nu"] < high
    assert section["tie_rate_at_equal"] == pytest.approx(section["nu"] / (2 + section["nu"]),
                                                         abs=1e-5)
    ratings = np.array([e["rating"] for e in board["models"]])
    assert ratings.mean() == pytest.approx(1000.0, abs=0.02)
    assert all(e["ci_low"] < e["rating"] < e["ci_high"] for e in board["models"])
    # Predicted is the expected score P(win) + ½ P(tie) of the fitted model.
    top, second = board["models"][0], board["models"][1]
    d = (top["rating"] - second["rating"]) / bt.ELO_SCALE
    win, _, tie = dv.probabilities(np.array(d), np.log(section["nu"]))
    assert board["matrices"]["predicted"][0][1] == pytest.approx(win + tie / 2, abs=2e-4)
    # Ratings differ from the half-win fit, but the order of clearly separated models holds.
    plain = compute_leaderboard(battles, ci=ci)
    assert [e["model"] for e in plain["models"]][0] == top["model"]


def test_weights_are_votes() -> None:
    battles, _ = board_of(n=600, ci="sandwich")
    twice = battles.subset(np.r_[np.arange(600), np.arange(600)])
    weighted = battles.weighted(np.full(600, 2.0))
    a = compute_leaderboard(twice, method="davidson", ci="sandwich")
    b = compute_leaderboard(weighted, method="davidson", ci="sandwich")
    assert [e["rating"] for e in a["models"]] == [e["rating"] for e in b["models"]]
    assert a["davidson"]["nu"] == b["davidson"]["nu"]
    ipw = compute_leaderboard(battles, method="davidson", ipw=True, ci="sandwich")
    assert ipw["ipw"] and ipw["davidson"]["nu"] > 0


def test_a_perfect_record_and_a_tieless_board_have_intervals() -> None:
    records = ([{"model_a": "x", "model_b": "y", "winner": "model_a"}] * 3
               + [{"model_a": "y", "model_b": "z", "winner": "model_b"}] * 2
               + [{"model_a": "x", "model_b": "z", "winner": "model_a"}])
    board = compute_leaderboard(Battles.from_records(records), method="davidson", min_votes=0)
    assert board["davidson"]["nu"] < 1e-3 and board["davidson"]["draws"] == 0
    assert all(e["ci_high"] - e["ci_low"] > 50 for e in board["models"])
    assert any("won all" in w for w in board["warnings"])
    json.dumps(board, allow_nan=False)


def test_style_control_is_refused() -> None:
    battles, _ = board_of(n=100, ci="sandwich")
    with pytest.raises(BadRequest, match="style control is a Bradley–Terry model"):
        compute_leaderboard(battles, method="davidson", style_control=True)
    with pytest.raises(BadRequest, match="davidson"):
        compute_leaderboard(battles, method="rao-kupper")


def test_the_cli_prints_the_davidson_board(tmp_path) -> None:
    a, b, o = simulate(4, 400, SMALL_THETA[:4], 0.7, seed=9)
    names = ["w", "x", "y", "z"]
    labels = ["model_a", "model_b", "tie", "tie (bothbad)"]
    path = tmp_path / "battles.jsonl"
    write_battles(({"model_a": names[x], "model_b": names[y], "winner": labels[k]}
                   for x, y, k in zip(a.tolist(), b.tolist(), o.tolist(), strict=True)), path)
    code, text = cli("--battles", str(path), "--method", "davidson", "--json")
    assert code == 0
    board = json.loads(text)
    assert board["method"] == "davidson" and board["davidson"]["draws"] == int((o >= 2).sum())
    code, text = cli("--battles", str(path), "--method", "davidson")
    assert code == 0
    assert text.startswith("Davidson") and "ties: nu" in text
