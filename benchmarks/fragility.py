"""How fragile is the board: the vote counts of ``arena.ranking.fragility`` against brute
force, and what they cost (issue 14).

Agreement: small random arenas (3–4 models, 8–17 votes, 15% ties), every neighbouring
pair's count from ``votes_to_swap`` against the exact minimum (``brute_force``: every
way of removing votes, fewest first, each refitted), with the board's prior and with the
nearly flat ridge. The baseline is the plain first-order count (the approximate
maximum-influence perturbation, no refit). The dev seeds (0–39) are the ones the method
was tuned on; the held-out seeds (1000–1199) never were.

Timing (medians, same process): the board from aggregated counts with and without
``fragility``; the neighbour pairs alone with the shared-Hessian refits against the
full Newton refits they replaced; the whole-board audit (every pair of models, not only
neighbours).

Whole-board audit (``--audit``): every pair of 100 models from 3M battles' counts, the
search of ``arena.ranking.fragility`` against the one it replaced
(``arena.ranking.fragility_reference``), run alternately in one process; medians of the
wall-clock and CPU times, and a check that every pair's count (and whether it was
confirmed, and the first-order count) is the same.

    python benchmarks/fragility.py              # about 3 minutes
    python benchmarks/fragility.py --no-timing  # agreement only
    python benchmarks/fragility.py --audit      # the whole-board audit, new against old
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from arena.ranking import bt, fragility, fragility_reference  # noqa: E402
from arena.ranking.battles import Battles  # noqa: E402
from arena.ranking.leaderboard import compute_leaderboard  # noqa: E402

PRIOR = bt.prior_ridge(bt.PRIOR_SD_ELO)
DEV = range(40)
HELD_OUT = range(1000, 1200)


def small_arena(rng: np.random.Generator) -> bt.Cells:
    m = int(rng.integers(3, 5))
    strength = rng.normal(0.0, 0.6, m)
    counts = np.zeros((m, m, 4))
    for _ in range(int(rng.integers(8, 18))):
        a, b = (int(x) for x in rng.choice(m, 2, replace=False))
        p = 1.0 / (1.0 + np.exp(strength[b] - strength[a]))
        outcome = 2 if rng.random() < 0.15 else (0 if rng.random() < p else 1)
        counts[a, b, outcome] += 1
    return bt.fold_counts(counts)


def agreement(seeds: range, ridge: float) -> dict[str, float]:
    found_n = exact = near = within = first = 0
    for seed in seeds:
        cells = small_arena(np.random.default_rng(seed))
        theta = bt.fit(cells, ridge=ridge)
        order = np.argsort(-theta).astype(np.int64)
        got = fragility.votes_to_swap(cells, theta, order[:-1], order[1:], ridge=ridge)
        for k in range(order.size - 1):
            try:
                truth = fragility.brute_force(cells, int(order[k]), int(order[k + 1]),
                                              ridge=ridge)
            except ValueError:
                continue
            if truth is None:
                continue
            found_n += 1
            v = int(got.votes[k])
            exact += v == truth
            near += truth <= v <= truth + 1
            within += abs(v - truth) <= 0.1 * truth
            first += int(got.first_order[k]) == truth
    return {"pairs": found_n, "exact": exact / found_n, "near": near / found_n,
            "within": within / found_n, "first": first / found_n}


def arena_counts(m: int, n: int, seed: int = 0) -> Battles:
    rng = np.random.default_rng(seed)
    true = rng.normal(0.0, 1.0, m)
    a = rng.integers(0, m, n)
    b = (a + rng.integers(1, m, n)) % m
    u = rng.random(n)
    p = 1.0 / (1.0 + np.exp(-(true[a] - true[b])))
    outcome = np.where(u < 0.15, 2, np.where(rng.random(n) < p, 0, 1))
    names = [f"m{k}" for k in range(m)]
    full = Battles.from_arrays(names, a, b, outcome)
    return Battles.from_counts(names, full.counts())


def median_time(f: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def newton_refit(cells: bt.Cells, n: np.ndarray, s: np.ndarray, start: np.ndarray,
                 ridge: float, *_gap: object, **_sign_only: object) -> np.ndarray:
    """The refit before the shared Hessian: a full Newton fit per data set."""
    return bt._newton(cells.i, cells.j, n, s, cells.m, ridge, start, fragility.REFIT_TOL)


def time_size(m: int, n: int) -> str:
    counts = arena_counts(m, n)
    repeat = 5 if n <= 10_000 else 3
    with_ = median_time(lambda: compute_leaderboard(counts, min_votes=0, online_elo=False),
                        repeat)
    without = median_time(lambda: compute_leaderboard(counts, min_votes=0, online_elo=False,
                                                      swaps=False), repeat)
    cells = bt.fold_counts(counts.counts())
    theta = bt.fit(cells, ridge=PRIOR)
    order = np.argsort(-theta).astype(np.int64)

    def neighbours() -> fragility.Swap:
        return fragility.votes_to_swap(cells, theta, order[:-1], order[1:], ridge=PRIOR)

    chord = median_time(neighbours, repeat)
    ours = neighbours()
    real = fragility._refit
    fragility._refit = newton_refit  # type: ignore[assignment]
    try:
        newton = median_time(neighbours, repeat)
        same = neighbours()
    finally:
        fragility._refit = real  # type: ignore[assignment]
    agree = float(np.mean(ours.votes == same.votes))
    close = float(np.mean(np.abs(ours.votes - same.votes)
                          <= fragility.REL_TOL * np.maximum(ours.votes, same.votes) + 1))
    iu, ju = np.triu_indices(m, 1)
    t0 = time.perf_counter()
    audit = fragility.votes_to_swap(cells, theta, order[iu], order[ju], ridge=PRIOR)
    audit_s = time.perf_counter() - t0
    return (f"| {m} | {n:,} | {with_:.3f} s | {without:.3f} s | {with_ / without:.2f}× | "
            f"{chord:.3f} s | {newton:.3f} s ({newton / chord:.1f}×; counts equal "
            f"{100 * agree:.0f}%, within the tolerance {100 * close:.0f}%) | "
            f"{audit_s:.2f} s ({iu.size:,}; checked {100 * audit.checked.mean():.0f}%) |")


def timing() -> None:
    print("| models | battles | board with fragility | without | ratio | neighbours: "
          "shared Hessian | full Newton | whole-board audit (pairs) |")
    print("|---|---|---|---|---|---|---|---|")
    for m, n in ((20, 10_000), (100, 3_000_000)):
        print(time_size(m, n), flush=True)


def audit(repeat: int) -> None:
    """The whole board at 100 models / 3M battles: new search against the old one."""
    m = 100
    cells = bt.fold_counts(arena_counts(m, 3_000_000).counts())
    theta = bt.fit(cells, ridge=PRIOR)
    order = np.argsort(-theta).astype(np.int64)
    iu, ju = np.triu_indices(m, 1)
    upper, lower = order[iu], order[ju]
    wall: dict[str, list[float]] = {"new": [], "old": []}
    cpu: dict[str, list[float]] = {"new": [], "old": []}
    found: dict[str, fragility.Swap | fragility_reference.Swap] = {}
    for _ in range(repeat):
        for name, search in (("new", fragility.votes_to_swap),
                             ("old", fragility_reference.votes_to_swap)):
            w0, c0 = time.perf_counter(), time.process_time()
            got = search(cells, theta, upper, lower, ridge=PRIOR)
            wall[name].append(time.perf_counter() - w0)
            cpu[name].append(time.process_time() - c0)
            if name in found:  # every run of one search gives the same counts
                assert np.array_equal(found[name].votes, got.votes)
            found[name] = got
    new, old = found["new"], found["old"]
    same = (new.votes == old.votes) & (new.checked == old.checked) \
        & (new.first_order == old.first_order)
    med = {k: float(np.median(v)) for k, v in wall.items()}
    med_cpu = {k: float(np.median(v)) for k, v in cpu.items()}
    print("| pairs | new: wall | old: wall | ratio | new: CPU | old: CPU | ratio | "
          "counts equal | checked |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(f"| {iu.size:,} | {med['new']:.2f} s | {med['old']:.2f} s | "
          f"{med['old'] / med['new']:.2f}× | {med_cpu['new']:.2f} s | "
          f"{med_cpu['old']:.2f} s | {med_cpu['old'] / med_cpu['new']:.2f}× | "
          f"{int(same.sum()):,} of {same.size:,} | {100 * new.checked.mean():.0f}% |")
    print("runs (wall, s): new " + ", ".join(f"{t:.2f}" for t in wall["new"])
          + "; old " + ", ".join(f"{t:.2f}" for t in wall["old"]))
    if not same.all():
        bad = np.flatnonzero(~same)[:10]
        print("differ:", [(int(upper[k]), int(lower[k]), int(old.votes[k]), int(new.votes[k]))
                          for k in bad])
        raise SystemExit(1)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--no-timing", action="store_true")
    p.add_argument("--audit", action="store_true",
                   help="only the whole-board audit, new against old")
    p.add_argument("--repeat", type=int, default=3, help="runs of each (--audit)")
    args = p.parse_args()
    if args.audit:
        audit(args.repeat)
        return
    print("| seeds | prior | pairs | exact | at most one over | within ±10% | "
          "first-order only: exact |")
    print("|---|---|---|---|---|---|---|")
    for label, seeds in (("dev 0–39", DEV), ("held-out 1000–1199", HELD_OUT)):
        for name, ridge in (("σ 125 Elo", PRIOR), ("flat", bt.RIDGE)):
            r = agreement(seeds, ridge)
            print(f"| {label} | {name} | {r['pairs']} | {100 * r['exact']:.1f}% | "
                  f"{100 * r['near']:.1f}% | {100 * r['within']:.1f}% | "
                  f"{100 * r['first']:.1f}% |", flush=True)
    if not args.no_timing:
        print()
        timing()


if __name__ == "__main__":
    main()
