"""Simultaneous coverage of the board's rank spread and tiers (issue 14), in simulation.

Each simulated arena is drawn like ``benchmarks/coverage.py``'s (6 to 50 models whose
true ratings are a sample of a published board, Gamma(0.5) pair weights, ties likeliest
between equals); every model of the main group is listed (``min_votes=0``). An arena's
*rank statement* holds when every model's true rank (among the listed models) lies in
its spread, all at once; its *tier statement* holds when every pair of models in
different tiers is in its true order, all at once. Both should hold in at least 95% of
arenas. Baseline, on the same arenas: the same construction with 95% per pair (c = 1.96,
no multiple-comparison correction). Also printed: the mean width of the spread (worst −
best rank) and the mean number of tiers, the price of the guarantee.

The truths come from the dev boards of ``benchmarks/coverage.py`` and, separately, its
held-out boards. Run with the shared data beside the repository (``--data``):

    python benchmarks/rank_spread.py            # 1,000 arenas per set, about 5 minutes
    python benchmarks/rank_spread.py --arenas 200
    python benchmarks/rank_spread.py --timing   # the board's time with and without it
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from coverage import DEV, HELD_OUT, arena, load_boards  # noqa: E402

from arena.ranking import bt, ranks  # noqa: E402
from arena.ranking.battles import Battles  # noqa: E402
from arena.ranking.intervals import Z95  # noqa: E402
from arena.ranking.leaderboard import compute_leaderboard  # noqa: E402

SIZES = (50, 200, 1_000, 5_000, 20_000)


def judge(board: dict, true: np.ndarray) -> tuple[bool, bool, float, int]:
    """(rank statement holds, tier statement holds, mean spread width, tiers)."""
    rows = board["models"]
    k = np.array([int(r["model"][1:]) for r in rows])
    truth = true[k]
    true_rank = 1 + (truth[None, :] > truth[:, None]).sum(axis=1)
    best = np.array([r["rank_spread"][0] for r in rows])
    worst = np.array([r["rank_spread"][1] for r in rows])
    tier = np.array([r["tier"] for r in rows])
    ranks_ok = bool(((best <= true_rank) & (true_rank <= worst)).all())
    # Across tiers, a lower tier number must be truly better.
    cross = tier[:, None] < tier[None, :]
    tiers_ok = bool((truth[:, None] > truth[None, :])[cross].all())
    return ranks_ok, tiers_ok, float((worst - best).mean()), int(tier.max())


def run(boards: dict[str, np.ndarray], names: tuple[str, ...], arenas: int,
        seed: int) -> dict[str, dict[int, list[tuple[bool, bool, float, int]]]]:
    out: dict[str, dict[int, list[tuple[bool, bool, float, int]]]] = {
        "simultaneous": {}, "per pair": {}}
    real = ranks._PairDraws.quantile_of_max
    per_size = max(1, arenas // len(SIZES))
    for n in SIZES:
        rng = np.random.default_rng([seed, n])
        for key in out:
            out[key][n] = []
        for k in range(per_size):
            _, true, battles = arena(rng, n, boards[names[k % len(names)]])
            for key in out:
                ranks._PairDraws.quantile_of_max = (  # type: ignore[method-assign]
                    real if key == "simultaneous" else lambda self, open_, level: Z95)
                try:
                    board = compute_leaderboard(battles, min_votes=0, online_elo=False,
                                                seed=k)
                finally:
                    ranks._PairDraws.quantile_of_max = real  # type: ignore[method-assign]
                if len(board["models"]) >= 2:
                    out[key][n].append(judge(board, true))
    return out


def table(label: str, res: dict[str, dict[int, list[tuple[bool, bool, float, int]]]]) -> None:
    print(f"\n{label}\n| | " + " | ".join(f"{n:,} votes" for n in SIZES) + " | all |")
    print("|---|" + "---|" * (len(SIZES) + 1))
    for key, per in res.items():
        every = [r for rows in per.values() for r in rows]
        for what, col in (("ranks hold", 0), ("tiers hold", 1)):
            cells = [f"{100 * np.mean([r[col] for r in rows]):.1f}%" for rows in per.values()]
            cells.append(f"**{100 * np.mean([r[col] for r in every]):.1f}%** (n={len(every)})")
            print(f"| {key}: {what} | " + " | ".join(cells) + " |")
        cells = [f"{np.mean([r[2] for r in rows]):.1f} / {np.mean([r[3] for r in rows]):.1f}"
                 for rows in per.values()]
        print(f"| {key}: spread width / tiers | " + " | ".join(cells) + " | |")


def timing() -> None:
    """Median of 3 board computations (aggregated counts, bootstrap ×200) with the rank
    spread and with it switched off, in the same process."""
    from arena.ranking import leaderboard

    rng = np.random.default_rng(0)
    real = leaderboard._rank_spread
    print("| models | battles | with rank spread | without | ratio |\n|---|---|---|---|---|")
    for m, n in ((20, 10_000), (100, 3_000_000), (282, 1_000_000)):
        true = rng.normal(0.0, 1.0, m)
        a = rng.integers(0, m, n)
        b = (a + rng.integers(1, m, n)) % m
        won = rng.random(n) < 1.0 / (1.0 + np.exp(-(true[a] - true[b])))
        names = [f"m{k}" for k in range(m)]
        full = Battles.from_arrays(names, a, b, np.where(won, 0, 1))
        counts = Battles.from_counts(names, full.counts())
        med = {}
        for on in (True, False):
            leaderboard._rank_spread = real if on else (  # type: ignore[assignment]
                lambda fit, listed, seed: None)
            times = []
            for _ in range(3):
                t0 = time.perf_counter()
                compute_leaderboard(counts, min_votes=0, online_elo=False)
                times.append(time.perf_counter() - t0)
            med[on] = float(np.median(times))
        leaderboard._rank_spread = real
        print(f"| {m} | {n:,} | {med[True]:.3f} s | {med[False]:.3f} s | "
              f"{med[True] / med[False]:.2f}× |", flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path,
                   default=Path(__file__).resolve().parents[2] / "shared" / "data")
    p.add_argument("--arenas", type=int, default=1000, help="arenas per set of boards")
    p.add_argument("--timing", action="store_true", help="time the board instead")
    args = p.parse_args()
    if args.timing:
        timing()
        return
    boards = load_boards(args.data)
    t0 = time.monotonic()
    print(f"prior σ {bt.PRIOR_SD_ELO:.0f} Elo; {args.arenas} arenas per set, "
          f"{len(SIZES)} sizes")
    table("DEV boards", run(boards, DEV, args.arenas, 1))
    table("HELD-OUT boards", run(boards, HELD_OUT, args.arenas, 2))
    print(f"\ntotal {time.monotonic() - t0:.0f} s")


if __name__ == "__main__":
    main()
