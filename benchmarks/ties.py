"""Ties as ties: held-out three-outcome log-loss of the Davidson model against Bradley–Terry
with "tie = half a win", on real votes, and the Davidson board's cost (issue 14).

Data (from ``../shared/data`` beside the repository, ``--data``):

* the 10,000 LMArena battles of ``arena-catalog-10k-battles`` (ties and both-bad votes);
* LLMFAO's 8,931 crowd votes (``llmfao/crowd-comparisons.csv``; left, right or tie).

Each is split once at random (seed ``--seed``, half and half); everything is fitted on the
first half with the board's default prior (σ = 125 Elo, ``bt.PRIOR_SD_ELO``), nothing is
tuned, and the log-loss −mean log P(outcome) is reported on both halves. Outcomes are
three: first side wins, second side wins, draw (a tie or a both-bad vote). The predictions:

* marginal (baseline): the training half's rates of the three outcomes, by side;
* BT, tie = half a win: θ from the half-win fit; BT has no tie model of its own, so the
  draw gets the training half's draw rate τ, and the rest is split by the fit:
  P(i) = (1 − τ)·σ(θ_i − θ_j);
* Davidson (both-bad folded into ties): P(i) = π_i/(π_i + π_j + ν√(π_i π_j)), fitted.

The held-out difference BT − Davidson is given with a 95% interval paired by vote, and
(``--splits``) its mean over more random splits, as a check that one split is not luck.

On the Arena sample, where both-bad votes exist, two more rows ask what both-bad should be:

* four outcomes (tie and both-bad apart): each model's draw probability split by the
  training half's share of ties among draws. For Davidson this *is* the model with its
  own ν_bb (the likelihood factorises, see ``arena.ranking.davidson``);
* the held-out decisive votes' log-loss of σ(θ_i − θ_j) with θ fitted with both-bad folded
  into ties versus with both-bad votes dropped from the training half: does a both-bad
  vote tell the order as much as a tie does?

Timing (``--timing``): ``compute_leaderboard`` from aggregated counts (``Battles.from_counts``,
bootstrap 200 rounds), method davidson against bt (with and without its fragility
section), medians of ``--repeat`` runs in this one process (one BLAS thread), at 100
models / 3,000,000 battles and 20 models / 10,000.

Also printed: the full data's two boards side by side (rank correlation, rating
differences, interval widths). ``--coverage N``: in N simulated arenas per size drawn from a
Davidson truth, how often the board's 95% intervals hold the true rating and ν.

    python benchmarks/ties.py
    python benchmarks/ties.py --timing --repeat 5
    python benchmarks/ties.py --coverage 200
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import time
from pathlib import Path

# One BLAS thread, as benchmarks/ranking.py: on a busy 2-core box OpenBLAS's spinning
# workers made the 100-model board 5x slower, for bt and davidson alike.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from arena.ranking import Battles, bt, compute_leaderboard  # noqa: E402
from arena.ranking import davidson as dv  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
ARENA_CODES = {"model_a": 0, "model_b": 1, "tie": 2, "tie (bothbad)": 3}
LLMFAO_CODES = {"left": 0, "right": 1, "tie": 2}


def load(path: Path, first: str, second: str, codes: dict[str, int]):
    with path.open() as f:
        rows = list(csv.DictReader(f))
    names = sorted({r[first] for r in rows} | {r[second] for r in rows})
    index = {n: k for k, n in enumerate(names)}
    a = np.array([index[r[first]] for r in rows])
    b = np.array([index[r[second]] for r in rows])
    o = np.array([codes[r["winner"]] for r in rows])
    return len(names), a, b, o


def cells_of(m: int, a, b, o) -> bt.Cells:
    counts = np.zeros((m, m, 4))
    np.add.at(counts, (a, b, o), 1.0)
    return bt.fold_counts(counts)


def losses(p: np.ndarray, o: np.ndarray) -> np.ndarray:
    """−log P(outcome) of each vote."""
    return -np.log(np.clip(p[np.arange(o.shape[0]), o], 1e-300, None))


def log_loss(p: np.ndarray, o: np.ndarray) -> float:
    return float(losses(p, o).mean())


def three(o: np.ndarray) -> np.ndarray:
    return np.minimum(o, 2)


def predictions(m: int, a, b, o, ridge: float):
    """Fitted on (a, b, o): functions from (a, b) to (n, 3) outcome probabilities."""
    y = three(o)
    rates = np.bincount(y, minlength=3) / y.shape[0]
    tau = rates[2]
    cells = cells_of(m, a, b, o)
    theta = bt.fit(cells, ridge=ridge)
    params = dv.fit(cells, ridge=ridge)

    def marginal(x, z):
        return np.broadcast_to(rates, (x.shape[0], 3))

    def half_win(x, z):
        p = 1.0 / (1.0 + np.exp(-(theta[x] - theta[z])))
        return np.stack([(1 - tau) * p, (1 - tau) * (1 - p), np.full(x.shape[0], tau)], axis=1)

    def davidson(x, z):
        return np.stack(dv.probabilities(params[x] - params[z], params[m]), axis=1)

    models = {"marginal rates (baseline)": marginal, "BT, tie = half a win": half_win,
              "Davidson, both-bad folded": davidson}
    return models, params


def four(p3: np.ndarray, tie_share: float) -> np.ndarray:
    return np.column_stack([p3[:, 0], p3[:, 1], tie_share * p3[:, 2],
                            (1 - tie_share) * p3[:, 2]])


def split(n: int, seed: int) -> np.ndarray:
    """The training half's mask of a random split of n votes."""
    train = np.zeros(n, dtype=bool)
    train[np.random.default_rng(seed).permutation(n)[: n // 2]] = True
    return train


def held_out_gain(m: int, a, b, o, train: np.ndarray, ridge: float) -> np.ndarray:
    """Per held-out vote: BT (tie = half a win) log-loss minus Davidson's."""
    models, _ = predictions(m, a[train], b[train], o[train], ridge)
    test = ~train
    bt_loss = losses(models["BT, tie = half a win"](a[test], b[test]), three(o[test]))
    dv_loss = losses(models["Davidson, both-bad folded"](a[test], b[test]), three(o[test]))
    return bt_loss - dv_loss


def evaluate(name: str, m: int, a, b, o, seed: int, ridge: float, splits: int) -> None:
    train = split(a.shape[0], seed)
    test = ~train
    models, params = predictions(m, a[train], b[train], o[train], ridge)
    draws = o[train] >= 2
    print(f"\n{name}: {a.shape[0]:,} votes, {m} models; train {train.sum():,} / "
          f"held out {test.sum():,} (seed {seed}); draw rate {draws.mean():.3f}; "
          f"Davidson ν̂ {np.exp(params[m]):.3f} (tie rate between equals "
          f"{np.exp(params[m]) / (2 + np.exp(params[m])):.3f})")
    print(f"  {'three outcomes':<34} {'train':>8} {'held out':>9}")
    for label, predict in models.items():
        tr = log_loss(predict(a[train], b[train]), three(o[train]))
        te = log_loss(predict(a[test], b[test]), three(o[test]))
        print(f"  {label:<34} {tr:>8.4f} {te:>9.4f}")
    gain = held_out_gain(m, a, b, o, train, ridge)
    se = gain.std(ddof=1) / np.sqrt(gain.shape[0])
    boards_compared(name, m, a, b, o)
    print(f"  held-out BT − Davidson: {gain.mean():+.4f} ± {1.96 * se:.4f} (95%, paired by vote)")
    if splits:
        means = [held_out_gain(m, a, b, o, split(a.shape[0], 1000 + k), ridge).mean()
                 for k in range(splits)]
        print(f"  over {splits} other random splits: mean {np.mean(means):+.4f}, range "
              f"[{min(means):+.4f}, {max(means):+.4f}], Davidson better in "
              f"{sum(x > 0 for x in means)} of {splits}")
    if (o == 3).any():
        share = float((o[train] == 2).sum() / draws.sum())
        print(f"  {'four outcomes (ties ' + f'{share:.2f}' + ' of draws)':<34}")
        for label, predict in models.items():
            tr = log_loss(four(predict(a[train], b[train]), share), o[train])
            te = log_loss(four(predict(a[test], b[test]), share), o[test])
            print(f"  {label:<34} {tr:>8.4f} {te:>9.4f}")
        decisive = test & (o < 2)
        keep = train & (o != 3)
        dropped = dv.fit(cells_of(m, a[keep], b[keep], o[keep]), ridge=ridge)
        theta_bt = bt.fit(cells_of(m, a[train], b[train], o[train]), ridge=ridge)
        theta_bt_drop = bt.fit(cells_of(m, a[keep], b[keep], o[keep]), ridge=ridge)
        print(f"  held-out decisive votes ({decisive.sum():,}), log-loss of σ(θ_i − θ_j):")
        for label, th in (("Davidson, both-bad folded", params[:m]),
                          ("Davidson, both-bad dropped", dropped[:m]),
                          ("BT half-win, both-bad folded", theta_bt),
                          ("BT half-win, both-bad dropped", theta_bt_drop)):
            p = 1.0 / (1.0 + np.exp(-(th[a[decisive]] - th[b[decisive]])))
            loss = log_loss(np.column_stack([p, 1 - p]), o[decisive])
            print(f"    {label:<32} {loss:.4f}")


def boards_compared(name: str, m: int, a, b, o) -> None:
    """The full data's Davidson and Bradley–Terry boards side by side (default options)."""
    labels = ["model_a", "model_b", "tie", "tie (bothbad)"]
    names = [f"m{k}" for k in range(m)]
    battles = Battles.from_records(
        {"model_a": names[x], "model_b": names[y], "winner": labels[k]}
        for x, y, k in zip(a.tolist(), b.tolist(), o.tolist(), strict=True))
    boards = {meth: compute_leaderboard(battles, method=meth, min_votes=0)
              for meth in ("bt", "davidson")}
    rating = {meth: {e["model"]: e["rating"] for e in bd["models"]}
              for meth, bd in boards.items()}
    shared = sorted(rating["bt"])
    x = np.array([rating["bt"][k] for k in shared])
    y = np.array([rating["davidson"][k] for k in shared])
    rank = lambda v: np.argsort(np.argsort(v))  # noqa: E731
    spearman = float(np.corrcoef(rank(x), rank(y))[0, 1])
    width = {meth: np.mean([e["ci_high"] - e["ci_low"] for e in bd["models"]])
             for meth, bd in boards.items()}
    spread = {meth: float(np.std(list(r.values()))) for meth, r in rating.items()}
    tiers = {meth: max(e["tier"] for e in bd["models"]) for meth, bd in boards.items()}
    print(f"  full-data boards ({name}): Spearman {spearman:.3f}, mean |Δ rating| "
          f"{np.abs(x - y).mean():.1f} Elo; rating SD bt {spread['bt']:.1f} / davidson "
          f"{spread['davidson']:.1f}; mean CI width bt {width['bt']:.1f} / davidson "
          f"{width['davidson']:.1f}; tiers bt {tiers['bt']} / davidson {tiers['davidson']}")


def coverage(arenas: int, seed: int) -> None:
    """Share of simulated Davidson arenas' true values inside the board's 95% intervals."""
    rng = np.random.default_rng(seed)
    print(f"\ncoverage of the davidson board's 95% intervals, {arenas} simulated arenas per "
          "size (8 models, θ ~ N(0, 125 Elo), ν ~ U(0.3, 1.5), uniform pairs):")
    for n in (50, 200, 1_000, 10_000):
        hits = total = nu_hits = 0
        for _ in range(arenas):
            m = 8
            theta = rng.normal(0, bt.PRIOR_SD_ELO / bt.ELO_SCALE, m)
            nu = rng.uniform(0.3, 1.5)
            a = rng.integers(0, m, n)
            b = (a + rng.integers(1, m, n)) % m
            pa, pb, _ = dv.probabilities(theta[a] - theta[b], np.log(nu))
            u = rng.random(n)
            o = np.where(u < pa, 0, np.where(u < pa + pb, 1, 2))
            board = compute_leaderboard(
                Battles.from_arrays([f"m{k}" for k in range(m)], a, b, o),
                method="davidson", min_votes=0, online_elo=False)
            rows = board["models"]
            k = np.array([int(r["model"][1:]) for r in rows])
            true = bt.ELO_SCALE * (theta[k] - theta[k].mean()) + bt.ELO_CENTER
            low = np.array([r["ci_low"] for r in rows])
            high = np.array([r["ci_high"] for r in rows])
            hits += int(((low <= true) & (true <= high)).sum())
            total += len(rows)
            lo, hi = board["davidson"]["nu_ci"]
            nu_hits += int(lo <= nu <= hi)
        print(f"  {n:>6} votes: ratings {hits / total:.3f} (n={total}), ν {nu_hits / arenas:.3f}")


def synthetic_counts(m: int, n: int, seed: int) -> np.ndarray:
    """(m, m, 4) counts of n battles from a Davidson truth (ν = 0.6, half the draws
    both-bad), Gamma(0.3) pair weights with a chain that keeps the graph connected."""
    rng = np.random.default_rng(seed)
    theta = rng.normal(0.0, 0.8, m)
    i, j = np.triu_indices(m, 1)
    weight = rng.gamma(0.3, 1.0, i.size)
    weight[np.flatnonzero(j == i + 1)] += weight.mean() * 0.05
    per_pair = rng.multinomial(n, weight / weight.sum())
    pi, pj, pt = dv.probabilities(theta[i] - theta[j], np.log(0.6))
    probs = np.stack([pi, pj, pt / 2, pt / 2], axis=1)
    counts = np.zeros((m, m, 4))
    for k in range(i.size):
        counts[i[k], j[k]] = rng.multinomial(per_pair[k], probs[k])
    return counts


def timing(repeat: int) -> None:
    print(f"\ncompute_leaderboard from counts, bootstrap 200 rounds, median of {repeat} runs "
          "(wall seconds, this process):")
    print(f"  {'board':<28} {'100 models / 3M':>16} {'20 models / 10k':>16}")
    sizes = ((100, 3_000_000), (20, 10_000))
    data = [Battles.from_counts([f"m{k}" for k in range(m)], synthetic_counts(m, n, 0))
            for m, n in sizes]
    variants = {"bt (baseline, no fragility)": {"method": "bt", "swaps": False},
                "bt (default, with fragility)": {"method": "bt"},
                "davidson": {"method": "davidson"}}
    times: dict[str, list[list[float]]] = {k: [[], []] for k in variants}
    for _ in range(repeat):  # interleaved, so that a busy spell hits every variant
        for label, kwargs in variants.items():
            for s, battles in enumerate(data):
                start = time.perf_counter()
                compute_leaderboard(battles, **kwargs)
                times[label][s].append(time.perf_counter() - start)
    for label, per_size in times.items():
        cols = "".join(f"{statistics.median(t):>16.3f}" for t in per_size)
        print(f"  {label:<28}{cols}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--splits", type=int, default=20,
                        help="more random splits for the held-out difference (0: none)")
    parser.add_argument("--timing", action="store_true")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--coverage", type=int, default=0, metavar="ARENAS",
                        help="also simulate ARENAS arenas per size for interval coverage")
    args = parser.parse_args()
    ridge = bt.prior_ridge(bt.PRIOR_SD_ELO)
    catalog = args.data / "arena-catalog-10k-battles" / "recent_english_llm_category.csv"
    evaluate("Arena catalog sample", *load(catalog, "model_a", "model_b", ARENA_CODES),
             args.seed, ridge, args.splits)
    llmfao = args.data / "llmfao" / "crowd-comparisons.csv"
    evaluate("LLMFAO crowd", *load(llmfao, "left", "right", LLMFAO_CODES), args.seed, ridge,
             args.splits)
    if args.coverage:
        coverage(args.coverage, args.seed)
    if args.timing:
        timing(args.repeat)


if __name__ == "__main__":
    main()
