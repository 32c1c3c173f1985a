"""arena.ranking on real votes: reproduce published scores and official Arena orderings.

Data live in ``../shared/data`` beside the repository (see tests/data/ranking/README.md);
each test skips, with the path, when its data set is absent.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest

from arena.ranking import Battles, compute_leaderboard
from arena.ranking import bt as btm
from arena.ranking.cli import add_arguments, run
from arena.ranking.elo import battles_elo
from arena.ranking.io import write_battles

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
LLMFAO = DATA / "llmfao"
CATALOG = DATA / "arena-catalog-10k-battles" / "recent_english_llm_category.csv"
OFFICIAL = DATA / "arena-official-leaderboards"


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"real data not found at {path} (shared data is not beside the repo)")
    return path


def llmfao_records() -> list[dict]:
    # As Evalica's golden run: left -> X wins, right -> Y wins, tie -> draw, in file order.
    labels = {"left": "model_a", "right": "model_b", "tie": "tie"}
    with need(LLMFAO / "crowd-comparisons.csv").open() as f:
        return [
            {"model_a": r["left"], "model_b": r["right"], "winner": labels[r["winner"]]}
            for r in csv.DictReader(f)
        ]


def llmfao_golden(algorithm: str) -> dict[str, float]:
    with need(LLMFAO / "evalica-llmfao-golden.csv").open() as f:
        return {
            r["item"]: float(r["score"]) for r in csv.DictReader(f) if r["algorithm"] == algorithm
        }


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    rank = lambda v: np.argsort(np.argsort(v))  # noqa: E731 - no ties in these ratings
    return float(np.corrcoef(rank(x), rank(y))[0, 1])


def test_llmfao_bradley_terry_matches_evalica_golden(capsys):
    # Golden: Evalica's BT (MM iterations, ties as half a win each way) normalised to sum 1.
    # Ours is exp(θ) normalised the same way; the stated tolerance is 1e-4 relative, the
    # one Evalica's own test uses. The residual is the ridge prior (ours) and MM's stop.
    battles = Battles.from_records(llmfao_records())
    golden = llmfao_golden("bradley_terry")
    theta = btm.fit(btm.fold_counts(battles.counts()))
    scores = np.exp(theta) / np.exp(theta).sum()
    expected = np.array([golden[m] for m in battles.models])
    worst = float(np.abs(scores / expected - 1).max())
    with capsys.disabled():
        print(f"\nLLMFAO BT vs Evalica golden: max relative difference {worst:.2e}")
    assert len(battles.models) == 59 and len(battles) == 8931
    assert worst < 1e-4


def test_llmfao_online_elo_matches_evalica_golden():
    battles = Battles.from_records(llmfao_records())
    golden = llmfao_golden("elo")
    np.testing.assert_allclose(battles_elo(battles), [golden[m] for m in battles.models], atol=1e-6)


def test_llmfao_through_the_cli(tmp_path):
    path = tmp_path / "llmfao.jsonl"
    write_battles(llmfao_records(), path)
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    out = io.StringIO()
    args = parser.parse_args(
        ["--battles", str(path), "--json", "--min-votes", "0", "--ci", "sandwich",
         "--prior-sd", "0"]
    )
    assert run(args, out=out) == 0
    board = json.loads(out.getvalue())
    golden = llmfao_golden("bradley_terry")
    names = [e["model"] for e in board["models"]]
    theta = np.array([(e["rating"] - btm.ELO_CENTER) / btm.ELO_SCALE for e in board["models"]])
    scores = np.exp(theta) / np.exp(theta).sum()
    # Ratings are printed to 0.01 Elo, i.e. 6e-5 in θ: hence 2e-4 here.
    np.testing.assert_allclose(scores, [golden[m] for m in names], rtol=2e-4)
    elo = llmfao_golden("elo")
    assert all(abs(e["elo"] - elo[e["model"]]) <= 0.006 for e in board["models"])


def catalog_board(**kwargs) -> dict:
    with need(CATALOG).open() as f:
        battles = Battles.from_records(csv.DictReader(f))
    return compute_leaderboard(battles, min_votes=0, **kwargs)


def test_arena_sample_ranks_like_the_official_boards(capsys):
    ours = {e["model"]: e["rating"] for e in catalog_board(ci="sandwich")["models"]}
    official_2025 = json.loads(
        need(OFFICIAL / "lmarena_leaderboard_json" / "leaderboard-text_2025-03-07.json").read_text()
    )
    with need(OFFICIAL / "elo_results_20240329_full_leaderboard.csv").open() as f:
        official_2024 = {r["model"]: float(r["rating"]) for r in csv.DictReader(f)}
    results = {}
    for label, board in (
        ("2025-03-07 full", {k: v["rating"] for k, v in official_2025["full"].items()}),
        ("2025-03-07 english", {k: v["rating"] for k, v in official_2025["english"].items()}),
        ("2024-03-29 full", official_2024),
    ):
        common = sorted(set(ours) & set(board))
        results[label] = (
            len(common),
            spearman(np.array([ours[m] for m in common]), np.array([board[m] for m in common])),
        )
    with capsys.disabled():
        print(
            "\n10k Arena battles vs official boards (Spearman): "
            + "; ".join(f"{k} {rho:.3f} on {n} models" for k, (n, rho) in results.items())
        )
    assert results["2025-03-07 full"][0] >= 40 and results["2025-03-07 full"][1] > 0.9
    assert results["2025-03-07 english"][1] > 0.9
    assert results["2024-03-29 full"][1] > 0.8


def test_arena_sample_bootstrap_and_sandwich_agree():
    boot = {e["model"]: e for e in catalog_board(bootstrap_rounds=200)["models"]}
    sand = {e["model"]: e for e in catalog_board(ci="sandwich")["models"]}
    widths = np.array(
        [
            [boot[m]["ci_high"] - boot[m]["ci_low"], sand[m]["ci_high"] - sand[m]["ci_low"]]
            for m in boot
        ]
    )
    ratio = np.median(widths[:, 0] / widths[:, 1])
    assert 0.85 < ratio < 1.15, f"median bootstrap/sandwich width ratio {ratio:.2f}"
