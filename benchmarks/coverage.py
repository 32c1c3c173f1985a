"""Coverage of the leaderboard's 95% intervals in simulated arenas, and the choice of the
ratings' prior (issue 14).

Each simulated arena draws 6 to 50 models whose true ratings are a random sample of a
published board (centred), pair weights from a Gamma(0.5) law (a few pairs get most
battles, some none), sides at random, and ties most likely between equals: a tie or a
both-bad vote with probability 0.3·4p(1−p), p the true win probability, so that a vote's
expected score is exactly p and the half-win Bradley–Terry parameter is the truth. At a
small size many models have one or two votes and won or lost all of them. Every model on
the board's main group counts (``min_votes=0``): the interval covers when the truth,
centred over the same models, lies inside it.

The truths come from real boards in ``../shared/data`` (``--data``):

* dev (used to choose the prior's scale): Chatbot Arena's 2024-03-29 board (76 models,
  SD 95 Elo) and LMArena's text board of 2025-12-17 (282 models, SD 140 Elo);
* held out (never used to choose anything): LLMFAO's crowd Bradley–Terry board (59
  models, SD 81 Elo) and LMArena's text board of 2025-03-07.

For each prior scale of ``--grid`` it prints dev coverage per size, picks the scale
whose size furthest from 95% is the nearest, then prints the held-out coverage of that
scale beside
the baseline of the same draws: the 0.1 board (the nearly flat ``bt.RIDGE`` and the
percentile bootstrap alone), with its zero-width intervals.

    python benchmarks/coverage.py                # about 10 minutes
    python benchmarks/coverage.py --quick        # fewer arenas per size
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from arena.ranking import bt  # noqa: E402
from arena.ranking.battles import Battles  # noqa: E402
from arena.ranking.intervals import bootstrap_bt, percentile_interval  # noqa: E402
from arena.ranking.leaderboard import compute_leaderboard  # noqa: E402

SIZES = (10, 20, 50, 200, 1_000, 10_000, 100_000)
ARENAS = {10: 300, 20: 300, 50: 300, 200: 200, 1_000: 120, 10_000: 80, 100_000: 60}


def load_boards(data: Path) -> dict[str, np.ndarray]:
    """Elo ratings of the four boards."""
    out: dict[str, np.ndarray] = {}
    with open(data / "arena-official-leaderboards/elo_results_20240329_full_elo_rating_final.csv",
              encoding="utf-8") as f:
        out["arena-2024-03"] = np.array([float(r["elo_rating_final"])
                                         for r in csv.DictReader(f)])
    for day in ("2025-12-17", "2025-03-07"):
        path = (data / "arena-official-leaderboards/lmarena_leaderboard_json"
                / f"leaderboard-text_{day}.json")
        board = json.loads(path.read_text(encoding="utf-8"))["full"]
        out[f"lmarena-{day[:7]}"] = np.array([float(r["rating"]) for r in board.values()
                                              if isinstance(r, dict) and r.get("rating")])
    with open(data / "llmfao/evalica-llmfao-golden.csv", encoding="utf-8") as f:
        scores = [float(r["score"]) for r in csv.DictReader(f)
                  if r["algorithm"] == "bradley_terry"]
    out["llmfao-crowd"] = bt.ELO_SCALE * np.log(np.array(scores)) + 1000.0
    return out


DEV = ("arena-2024-03", "lmarena-2025-12")
HELD_OUT = ("llmfao-crowd", "lmarena-2025-03")


def arena(rng: np.random.Generator, n: int, board: np.ndarray) -> tuple[int, np.ndarray,
                                                                          Battles]:
    m = int(rng.integers(6, 51))
    true = rng.choice(board, size=m, replace=False) / bt.ELO_SCALE
    i, j = np.triu_indices(m, 1)
    w = rng.gamma(0.5, 1.0, i.shape[0])
    pair = rng.choice(i.shape[0], size=n, p=w / w.sum())
    flip = rng.random(n) < 0.5
    a, b = np.where(flip, j[pair], i[pair]), np.where(flip, i[pair], j[pair])
    p = 1.0 / (1.0 + np.exp(-(true[a] - true[b])))
    half = 0.3 * 4 * p * (1 - p)
    won = (p - half / 2) / (1 - half)  # E[score] = half/2 + (1 − half)·won = p
    o = np.where(rng.random(n) < half, np.where(rng.random(n) < 0.8, 2, 3),
                 np.where(rng.random(n) < won, 0, 1))
    return m, true, Battles.from_arrays([f"m{k}" for k in range(m)], a, b, o)


def covered(board: dict, true: np.ndarray) -> tuple[int, int, int]:
    """(intervals that cover, intervals, zero-width intervals) of one board."""
    rows = board["models"]
    k = np.array([int(r["model"][1:]) for r in rows])
    truth = bt.ELO_SCALE * (true[k] - true[k].mean()) + 1000.0
    low = np.array([r["ci_low"] for r in rows])
    high = np.array([r["ci_high"] for r in rows])
    return (int(((low <= truth) & (truth <= high)).sum()), len(rows),
            int((high - low < 0.01).sum()))


def baseline(battles: Battles, rng: np.random.Generator) -> dict:
    """The 0.1 board's ratings and intervals (flat prior, percentile bootstrap alone),
    on the main group, centred at 1000 like the board."""
    cells = bt.fold_counts(battles.counts())
    main = bt.components(cells.m, cells.i, cells.j)[0]
    sub = cells.restrict(main)
    theta = bt.fit(sub, ridge=bt.RIDGE)
    gauge = bt.Gauge(np.full(main.shape[0], 1.0 / main.shape[0]), 1000.0)
    low, high = percentile_interval(gauge.ratings(bootstrap_bt(sub, theta, 200, rng,
                                                               bt.RIDGE)))
    return {"models": [{"model": f"m{int(x)}", "ci_low": float(lo), "ci_high": float(hi)}
                       for x, lo, hi in zip(main, low, high, strict=True)]}


def run(boards: dict[str, np.ndarray], names: tuple[str, ...], prior_sd: float | None,
        seed: int, scale: float) -> dict[int, tuple[float, float]]:
    """Per size: (coverage, share of zero-width intervals); ``prior_sd`` None: baseline."""
    out = {}
    for n in SIZES:
        rng = np.random.default_rng([seed, n])
        hit = total = zero = 0
        for k in range(max(4, int(ARENAS[n] * scale))):
            m, true, battles = arena(rng, n, boards[names[k % len(names)]])
            if prior_sd is None:
                board = baseline(battles, rng)
            else:
                board = compute_leaderboard(battles, min_votes=0, prior_sd=prior_sd,
                                            online_elo=False, seed=k)
            if len(board["models"]) < 2:
                continue
            h, t, z = covered(board, true)
            hit, total, zero = hit + h, total + t, zero + z
        out[n] = (hit / total, zero / total)
    return out


def line(label: str, res: dict[int, tuple[float, float]]) -> str:
    cells = " | ".join(f"{100 * c:.1f}%" + (f" ({100 * z:.1f}% ±0)" if z else "")
                       for c, z in res.values())
    return f"| {label} | {cells} |"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path,
                   default=Path(__file__).resolve().parents[2] / "shared" / "data")
    p.add_argument("--grid", default="100,125,150,175,200",
                   help="prior scales (Elo) tried on the dev boards")
    p.add_argument("--quick", action="store_true", help="a quarter of the arenas")
    args = p.parse_args()
    scale = 0.25 if args.quick else 1.0
    boards = load_boards(args.data)
    for name, ratings in boards.items():
        print(f"{name}: {ratings.shape[0]} models, SD {ratings.std():.0f} Elo")
    header = "| | " + " | ".join(f"{n:,} votes" for n in SIZES) + " |"
    rule = "|---|" + "---|" * len(SIZES)
    t0 = time.monotonic()
    print("\nDEV (choosing the prior's scale)\n" + header + "\n" + rule)
    dev = {}
    for sd in (float(x) for x in args.grid.split(",")):
        dev[sd] = run(boards, DEV, sd, 1, scale)
        print(line(f"prior σ {sd:.0f}", dev[sd]), flush=True)
    print(line("0.1 board", run(boards, DEV, None, 1, scale)), flush=True)
    best = min(dev, key=lambda sd: max(abs(c - 0.95) for c, _ in dev[sd].values()))
    print(f"\nchosen: σ = {best:.0f} Elo (its size furthest from 95% is the nearest); "
          f"bt.PRIOR_SD_ELO = {bt.PRIOR_SD_ELO:.0f}")
    print("\nHELD OUT (never tuned on)\n" + header + "\n" + rule)
    for names in ((name,) for name in HELD_OUT):
        print(line(f"{names[0]}, prior σ {best:.0f}", run(boards, names, best, 2, scale)))
        print(line(f"{names[0]}, 0.1 board", run(boards, names, None, 2, scale)), flush=True)
    print(f"\ntotal {time.monotonic() - t0:.0f} s ({math.ceil(scale * 100)}% of the arenas)")


if __name__ == "__main__":
    main()
