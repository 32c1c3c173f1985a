"""Side bias (issue 14, part 5): does the board's estimate of the left side's advantage h
cover an injected one, and are the ratings unbiased with side control?

Each simulated arena has ``--models`` models with true ratings N(0, 100 Elo) (centred),
``--battles`` battles on uniformly drawn pairs, and an injected left-side advantage of
``--h`` Elo: P(A beats B) = σ(θ_A − θ_B + h). A tie or a both-bad vote happens with
probability 0.3·4p(1−p) (p that win probability, taken from A's win), so a vote's
expected score for A is exactly p and the half-win model's h is the injected one (as in
``benchmarks/coverage.py``). Two ways to put models on the sides:

* random: each battle's sides by a fair coin — the plain ratings are then unbiased too;
* skewed: model k is on the left with odds q_k / (1 − q_k) against its opponent's,
  q rising from 0.2 to 0.8 across the models (the weakest sit right, the strongest left
  most of the time): the plain ratings of left-leaning models carry h with them.

For each case it prints the coverage of the board's 95% interval of h (the sandwich,
widened to the posterior's, as served) next to the percentile bootstrap of the same
fit, the mean estimate of h, and the ratings' bias (mean over arenas of rating − truth,
per model, then the largest and the RMS over models) and their intervals' coverage with
and without ``side_control``. Then h on two real vote sets (all votes, and two random
halves), and the board's time with and without the side estimate, medians in the same
process (interleaved).

    python benchmarks/side_bias.py                 # 300 arenas per case, ~3 minutes
    python benchmarks/side_bias.py --arenas 60     # quicker
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from arena.ranking import bt, side  # noqa: E402
from arena.ranking.battles import Battles  # noqa: E402
from arena.ranking.intervals import percentile_interval  # noqa: E402
from arena.ranking.leaderboard import compute_leaderboard  # noqa: E402

FloatArray = npt.NDArray[np.float64]
DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CATALOG = DATA / "arena-catalog-10k-battles" / "recent_english_llm_category.csv"
LLMFAO = DATA / "llmfao" / "crowd-comparisons.csv"


def left_odds(m: int, skewed: bool) -> FloatArray:
    """q_k: how much model k leans to the left (0.5 everywhere: fair sides)."""
    return np.linspace(0.2, 0.8, m) if skewed else np.full(m, 0.5)


def simulate(rng: np.random.Generator, m: int, n: int, h_elo: float,
             skewed: bool) -> tuple[FloatArray, FloatArray]:
    """(counts (m, m, 4) by side A, side B, outcome; true ratings, Elo, centred). The
    models are in order of true rating, so skewed sides put the strong ones left."""
    true = np.sort(rng.normal(0.0, 100.0, m))
    true -= true.mean()
    x = rng.integers(0, m, n)
    y = (x + rng.integers(1, m, n)) % m
    q = left_odds(m, skewed)
    odds_x = q[x] * (1 - q[y])
    x_left = rng.random(n) < odds_x / (odds_x + q[y] * (1 - q[x]))
    a, b = np.where(x_left, x, y), np.where(x_left, y, x)
    p = 1.0 / (1.0 + np.exp(-(true[a] - true[b] + h_elo) / bt.ELO_SCALE))
    tie = 0.3 * 4 * p * (1 - p)
    u = rng.random(n)
    outcome = np.where(u < p - tie / 2, 0, np.where(u < p + tie / 2, 2, 1))
    outcome = np.where((outcome == 2) & (rng.random(n) < 0.5), 3, outcome)
    counts = np.zeros((m, m, 4))
    np.add.at(counts, (a, b, outcome), 1.0)
    return counts, true


def names(m: int) -> list[str]:
    return [f"m{k:02d}" for k in range(m)]


def one_arena(rng: np.random.Generator, m: int, n: int, h_elo: float, skewed: bool,
              rounds: int, prior_sd: float) -> dict[str, Any]:
    counts, true = simulate(rng, m, n, h_elo, skewed)
    data = Battles.from_counts(names(m), counts)
    out: dict[str, Any] = {}
    for control in (False, True):
        board = compute_leaderboard(data, min_votes=0, bootstrap_rounds=rounds, swaps=False,
                                    side_control=control, seed=int(rng.integers(1 << 30)),
                                    prior_sd=prior_sd)
        rows = sorted(board["models"], key=lambda e: e["model"])
        rating = np.array([e["rating"] for e in rows]) - 1000.0
        low = np.array([e["ci_low"] for e in rows]) - 1000.0
        high = np.array([e["ci_high"] for e in rows]) - 1000.0
        out[control] = {"error": rating - true,
                        "covered": (low <= true) & (true <= high)}
        out["side"] = board["side"]
    cells = side.ordered_cells(counts)
    ridge = bt.prior_ridge(prior_sd)
    est = side.estimate(cells, ridge=ridge)
    samples = side.bootstrap(cells, est.params, rounds, rng, ridge)[:, -1] * bt.ELO_SCALE
    lo, hi = percentile_interval(samples)
    out["boot"] = (float(lo), float(hi))
    return out


def coverage(arenas: int, m: int, n: int, h_elo: float, rounds: int, seed: int,
             prior_sd: float) -> None:
    prior = f"prior SD {prior_sd:g} Elo" if prior_sd else "no prior (flat ridge)"
    print(f"\n## Simulated arenas: {m} models, {n:,} battles, h = {h_elo:+g} Elo, "
          f"{arenas} arenas per case, bootstrap ×{rounds}, {prior}\n")
    print("| sides | h: mean estimate (SD) | h: board interval covers | h: bootstrap "
          "covers | h: mean width | ratings: largest bias / RMS bias, plain | "
          "… with side control | rating intervals cover, plain / side control |")
    print("|---|---|---|---|---|---|---|---|")
    for skewed in (False, True):
        rng = np.random.default_rng(seed)
        runs = [one_arena(rng, m, n, h_elo, skewed, rounds, prior_sd) for _ in range(arenas)]
        hs = np.array([r["side"]["elo"] for r in runs])
        ci = np.array([r["side"]["ci"] for r in runs])
        boot = np.array([r["boot"] for r in runs])
        cover = np.mean((ci[:, 0] <= h_elo) & (h_elo <= ci[:, 1]))
        cover_boot = np.mean((boot[:, 0] <= h_elo) & (h_elo <= boot[:, 1]))
        bias = {c: np.mean([r[c]["error"] for r in runs], axis=0) for c in (False, True)}
        cov_r = {c: np.mean([r[c]["covered"] for r in runs]) for c in (False, True)}
        se_cover = np.sqrt(0.95 * 0.05 / arenas)

        se_mean = hs.std() / np.sqrt(arenas)
        print(f"| {'skewed' if skewed else 'random'} | {hs.mean():+.2f} ±{1.96 * se_mean:.2f} "
              f"(SD {hs.std():.2f}) | "
              f"{100 * cover:.1f}% (±{100 * 1.96 * se_cover:.1f}) | {100 * cover_boot:.1f}% | "
              f"{np.mean(ci[:, 1] - ci[:, 0]):.1f} Elo | {worst(bias[False])} | "
              f"{worst(bias[True])} | "
              f"{100 * cov_r[False]:.1f}% / {100 * cov_r[True]:.1f}% |", flush=True)
        if skewed:
            print("\nskewed, per model (weakest … strongest, leaning right … left): mean "
                  "rating − truth, plain: " + " ".join(f"{x:+.1f}" for x in bias[False])
                  + "\n  with side control: " + " ".join(f"{x:+.1f}" for x in bias[True]))


def worst(bias: FloatArray) -> str:
    """The largest and the RMS per-model bias."""
    return f"{np.abs(bias).max():.1f} / {np.sqrt(np.mean(bias**2)):.1f} Elo"


def catalog_battles() -> Battles:
    with CATALOG.open() as f:
        return Battles.from_records(csv.DictReader(f))


def llmfao_battles() -> Battles:
    labels = {"left": "model_a", "right": "model_b", "tie": "tie"}
    with LLMFAO.open() as f:
        return Battles.from_records({"model_a": r["left"], "model_b": r["right"],
                                     "winner": labels[r["winner"]]} for r in csv.DictReader(f))


def real_data() -> None:
    print("\n## Real votes: h of the board (all votes; two random halves, seed 0)\n")
    print("| data | battles | side A won (decided) | h, all votes | half 1 | half 2 |")
    print("|---|---|---|---|---|---|")
    for label, path, load in (("arena-catalog-10k-battles", CATALOG, catalog_battles),
                              ("llmfao crowd-comparisons", LLMFAO, llmfao_battles)):
        if not path.exists():
            print(f"| {label} | not found at {path} | | | | |")
            continue
        data = load()
        half = np.random.default_rng(0).permutation(len(data)) < len(data) // 2

        def h(d: Battles) -> str:
            s = compute_leaderboard(d, min_votes=0, swaps=False, online_elo=False)["side"]
            return f"{s['elo']:+.1f} [{s['ci'][0]:+.1f}, {s['ci'][1]:+.1f}]"

        whole = compute_leaderboard(data, min_votes=0, swaps=False, online_elo=False)["side"]
        print(f"| {label} | {whole['battles']:,} | {100 * whole['a_win_share']:.1f}% | "
              f"{h(data)} | {h(data.subset(half))} | {h(data.subset(~half))} |", flush=True)


def _seconds(data: Battles, **kw: Any) -> float:
    t0 = time.perf_counter()
    compute_leaderboard(data, min_votes=0, **kw)
    return time.perf_counter() - t0


def _skip(cells: side.SideCells, *, ridge: float,
          start: FloatArray | None = None) -> side.SideEstimate:
    return side.SideEstimate(np.zeros(cells.m + 1), 0.0, 0.0, 0.0)


def _without_side(data: Battles, **kw: Any) -> float:
    real = side.estimate
    side.estimate = _skip  # type: ignore[assignment]
    try:
        return _seconds(data, **kw)
    finally:
        side.estimate = real


def _estimate_alone(counts: FloatArray) -> float:
    t0 = time.perf_counter()
    side.estimate(side.ordered_cells(counts), ridge=bt.prior_ridge(bt.PRIOR_SD_ELO))
    return time.perf_counter() - t0


def timing(repeat: int) -> None:
    """Median of ``repeat`` boards from aggregated counts (bootstrap ×200): as served (the
    side estimate included), with the side estimate switched off, and with side control;
    interleaved, so that a burst of load on the shared machine hits all alike. A board
    with side control has no fragility section, so the boards are timed without it too
    (``swaps=False``), where the three do the same work but for the side."""
    print(f"\n## Time of a board from counts (bootstrap ×200), medians of {repeat}, "
          "interleaved, same process\n")
    print("| models | battles | fragility | without the side estimate (baseline) | as served "
          "(with it) | side control | the side estimate alone |")
    print("|---|---|---|---|---|---|---|")
    rng = np.random.default_rng(0)
    for m, n in ((20, 10_000), (100, 3_000_000)):
        counts, _ = simulate(rng, m, n, 20.0, skewed=False)
        data = Battles.from_counts(names(m), counts)
        for swaps in (True, False):
            runs: dict[str, list[float]] = {"base": [], "served": [], "control": [],
                                            "alone": []}
            for _ in range(repeat):
                runs["base"].append(_without_side(data, swaps=swaps))
                runs["served"].append(_seconds(data, swaps=swaps))
                runs["control"].append(_seconds(data, side_control=True))
                runs["alone"].append(_estimate_alone(counts))
            base, served, control, alone = (float(np.median(runs[k])) for k in runs)
            print(f"| {m} | {n:,} | {'on' if swaps else 'off'} | {base:.3f} s | {served:.3f} s "
                  f"({served / base:.2f}×) | {control:.3f} s ({control / base:.2f}×) | "
                  f"{1000 * alone:.1f} ms |", flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--arenas", type=int, default=300, help="simulated arenas per case")
    p.add_argument("--models", type=int, default=12)
    p.add_argument("--battles", type=int, default=4_000)
    p.add_argument("--h", type=float, default=20.0, help="injected side advantage, Elo")
    p.add_argument("--rounds", type=int, default=100, help="bootstrap rounds")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--prior-sd", type=float, nargs="+", default=[bt.PRIOR_SD_ELO, 0.0],
                   metavar="ELO", help="the ratings' prior(s) to simulate with (0: none)")
    p.add_argument("--repeat", type=int, default=5, help="timing repetitions")
    p.add_argument("--skip-timing", action="store_true")
    args = p.parse_args()
    for prior_sd in args.prior_sd:
        coverage(args.arenas, args.models, args.battles, args.h, args.rounds, args.seed,
                 prior_sd)
    real_data()
    if not args.skip_timing:
        timing(args.repeat)


if __name__ == "__main__":
    main()
