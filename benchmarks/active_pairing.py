"""Active pairing against uniform pairing in simulated arenas (issue 14, part 6).

Each simulated arena has 30 to 50 models whose true ratings are a random sample of a
published board (``coverage.load_boards``, the same four boards and the same dev /
held-out split), and votes drawn as in ``benchmarks/coverage.py`` (sides at random, a tie
or both-bad most likely between equals, a vote's expected score exactly the true p).
Votes arrive in batches of ``--batch``; after each batch the board is fitted on all
votes so far and, for active pairing, the next batch's pairs are drawn from
``ActivePairing.update(board)`` — the server's own class and code, fed the same default
board the server feeds it (plain Bradley–Terry, prior σ 125). The draws use the table's
probabilities with numpy's generator instead of ``random.Random`` (same distribution,
faster). To keep the run short every board here uses the sandwich interval joined with
the posterior's (one fit) instead of the server's 200-round bootstrap.

Measured per arena and policy: the votes needed until the mean 95% half-width over the
TRUE top 10 reaches ``--target`` Elo (uniform: the plain board, which is also the IPW
board, all propensities being equal; active: the IPW board, ``ipw=True`` with the
stored propensities, and for reference the plain board of the same active votes), and
the signed error of the top 10's ratings against the truth (centred over all models like
the board) at that point. ``weighted`` is uniform here: every roster weight is 1.

The exploration floor is chosen on the dev boards with dev seeds; the held-out boards,
with other seeds, are then run once with that floor and never used to choose anything.

    python benchmarks/active_pairing.py            # about 9 minutes, 2 processes, 2 busy cores
    python benchmarks/active_pairing.py --quick    # 5 arenas per set
"""

from __future__ import annotations

import argparse
import importlib.util
import multiprocessing
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from arena.battles.pairing import ActivePairing  # noqa: E402
from arena.ranking import bt  # noqa: E402
from arena.ranking.battles import Battles  # noqa: E402
from arena.ranking.leaderboard import compute_leaderboard  # noqa: E402

_spec = importlib.util.spec_from_file_location("arena_coverage_bench",
                                               ROOT / "benchmarks" / "coverage.py")
assert _spec is not None and _spec.loader is not None
_coverage = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_coverage)
load_boards, DEV, HELD_OUT = _coverage.load_boards, _coverage.DEV, _coverage.HELD_OUT

TOP = 10


@dataclass
class Result:
    votes: int | None  # votes to reach the target half-width (None: not within the cap)
    error: float  # mean signed error of the true top 10 at that point (Elo)
    half_width: float  # the mean half-width reached


def outcomes(rng: np.random.Generator, true: np.ndarray, a: np.ndarray,
             b: np.ndarray) -> np.ndarray:
    p = 1.0 / (1.0 + np.exp(-(true[a] - true[b])))
    half = 0.3 * 4 * p * (1 - p)
    won = (p - half / 2) / (1 - half)
    return np.where(rng.random(a.shape[0]) < half, np.where(rng.random(a.shape[0]) < 0.8, 2, 3),
                    np.where(rng.random(a.shape[0]) < won, 0, 1))


def board_of(names: list[str], a: list[np.ndarray], b: list[np.ndarray], o: list[np.ndarray],
             prop: list[np.ndarray], ipw: bool) -> dict[str, Any]:
    battles = Battles.from_arrays(names, np.concatenate(a), np.concatenate(b),
                                  np.concatenate(o), propensity=np.concatenate(prop))
    return compute_leaderboard(battles, ipw=ipw, ci="sandwich", min_votes=0,
                               online_elo=False, swaps=False)


def head_stats(board: dict[str, Any], true: np.ndarray, top: np.ndarray) -> tuple[float, float]:
    """(mean half-width, mean signed error) over the true top models, in Elo."""
    rows = {r["model"]: r for r in board["models"]}
    truth = bt.ELO_SCALE * (true - true.mean()) + 1000.0
    hw, err = [], []
    for k in top:
        r = rows.get(f"m{k}")
        if r is None:
            return float("inf"), float("nan")
        hw.append((r["ci_high"] - r["ci_low"]) / 2)
        err.append(r["rating"] - truth[k])
    return float(np.mean(hw)), float(np.mean(err))


def run_arena(seed: int, ratings: np.ndarray, policy: str, floor: float, target: float,
              batch: int, cap: int) -> dict[str, Result]:
    rng = np.random.default_rng(seed)
    m = int(rng.integers(30, 51))
    true = rng.choice(ratings, size=m, replace=False) / bt.ELO_SCALE
    top = np.argsort(-true)[:TOP]
    names = [f"m{k}" for k in range(m)]
    pairing = ActivePairing(dict.fromkeys(names, 1.0), floor=floor, top=TOP,
                            rng=random.Random(seed))
    i, j = np.triu_indices(m, 1)
    draw = np.random.default_rng([seed, 1])  # the same votes' randomness for every policy
    a: list[np.ndarray] = []
    b: list[np.ndarray] = []
    o: list[np.ndarray] = []
    prop: list[np.ndarray] = []
    boards = ("ipw", "plain") if policy == "active" else ("plain",)
    out: dict[str, Result] = {}
    votes = 0
    while votes < cap and len(out) < len(boards):
        p = (np.array(pairing.table.probability) if policy == "active"
             else np.full(i.shape[0], 1.0 / i.shape[0]))
        k = draw.choice(i.shape[0], size=batch, p=p)
        flip = draw.random(batch) < 0.5
        ba, bb = np.where(flip, j[k], i[k]), np.where(flip, i[k], j[k])
        a.append(ba)
        b.append(bb)
        o.append(outcomes(draw, true, ba, bb))
        prop.append(p[k])
        votes += batch
        plain = board_of(names, a, b, o, prop, ipw=False)
        if policy == "active":
            pairing.update(plain)  # what the server feeds it: the default board
        for name in boards:
            if name in out:
                continue
            board = plain if name == "plain" else board_of(names, a, b, o, prop, ipw=True)
            hw, err = head_stats(board, true, top)
            if hw <= target:
                out[name] = Result(votes, err, hw)
    for name in boards:
        if name not in out:
            board = (plain if name == "plain" else board_of(names, a, b, o, prop, ipw=True))
            hw, err = head_stats(board, true, top)
            out[name] = Result(None, err, hw)
    return out


def summarise(label: str, results: list[Result], cap: int,
              baseline: list[Result] | None = None) -> str:
    reached = [r.votes if r.votes is not None else cap for r in results]
    missed = sum(r.votes is None for r in results)
    errs = np.array([r.error for r in results])
    line = (f"| {label} | {np.mean(reached):,.0f} ± {np.std(reached) / len(reached) ** .5:,.0f}"
            + (f" ({missed} not within {cap:,})" if missed else ""))
    if baseline is not None:
        ratios = np.array(reached) / np.array([r.votes if r.votes is not None else cap
                                               for r in baseline])
        line += f" | {np.mean(ratios):.2f} ± {np.std(ratios) / len(ratios) ** .5:.2f}"
    else:
        line += " | 1 (baseline)"
    line += f" | {np.mean(errs):+.2f} ± {np.std(errs) / len(errs) ** .5:.2f} |"
    return line


def _task(job: tuple[int, str, str, float, argparse.Namespace]) -> dict[str, Result]:
    seed, board, policy, floor, args = job
    return run_arena(seed, BOARDS[board], policy, floor, args.target, args.batch, args.cap)


BOARDS: dict[str, np.ndarray] = {}


def evaluate(pool: Any, names: tuple[str, ...], seeds: range, floor: float,
             args: argparse.Namespace, uniform: list[Result] | None = None,
             ) -> dict[str, list[Result]]:
    """Uniform (unless given, from the same seeds) and active results, arena by arena."""
    jobs = [(seed, names[n % len(names)], "active", floor, args) for n, seed in enumerate(seeds)]
    if uniform is None:
        uniform = [r["plain"] for r in pool.map(
            _task, [(s, b, "uniform", floor, a) for s, b, _, _, a in jobs])]
    act = pool.map(_task, jobs)
    return {"uniform": uniform, "active, IPW": [r["ipw"] for r in act],
            "active, plain": [r["plain"] for r in act]}


def ratio(res: dict[str, list[Result]], name: str, cap: int) -> float:
    return float(np.mean([(r.votes or cap) / (u.votes or cap) for r, u in
                          zip(res[name], res["uniform"], strict=True)]))


def table(res: dict[str, list[Result]], cap: int, target: float) -> str:
    lines = ["| policy (board) | votes to the target | × uniform | top-10 signed error (Elo) |",
             "|---|---|---|---|",
             summarise("uniform = weighted (plain = IPW)", res["uniform"], cap)]
    for name in ("active, IPW", "active, plain"):
        lines.append(summarise(name, res[name], cap, res["uniform"]))
    lines.append(f"(target: mean top-10 95% half-width ≤ {target:g} Elo; bias bound a "
                 f"quarter of it: {target / 4:g} Elo; ± one standard error over arenas)")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    p.add_argument("--target", type=float, default=20.0, help="top-10 half-width (Elo)")
    p.add_argument("--batch", type=int, default=1000, help="votes between two boards")
    p.add_argument("--cap", type=int, default=60_000, help="most votes per arena")
    p.add_argument("--floors", default="0.1,0.3,0.5", help="exploration floors tried on dev")
    p.add_argument("--arenas", type=int, default=20, help="arenas per set (dev, held out)")
    p.add_argument("--workers", type=int, default=2, help="processes")
    p.add_argument("--quick", action="store_true", help="a quarter of the arenas")
    args = p.parse_args()
    arenas = max(4, args.arenas // 4) if args.quick else args.arenas
    BOARDS.update(load_boards(args.data))
    t0 = time.monotonic()
    dev_seeds = range(1000, 1000 + arenas)
    held_seeds = range(2000, 2000 + arenas)
    best: tuple[float, float] | None = None
    uniform: list[Result] | None = None
    with multiprocessing.Pool(args.workers) as pool:
        for floor in (float(x) for x in args.floors.split(",")):
            res = evaluate(pool, DEV, dev_seeds, floor, args, uniform)
            uniform = res["uniform"]
            print(f"\nDEV, floor {floor:g} ({arenas} arenas, boards {', '.join(DEV)})")
            print(table(res, args.cap, args.target), flush=True)
            bias = abs(float(np.mean([r.error for r in res["active, plain"]])))
            r = ratio(res, "active, plain", args.cap)
            if bias < args.target / 4 and (best is None or r < best[1]):
                best = (floor, r)
        if best is None:
            print("\nno floor kept the plain board's bias under a quarter of the target")
            return
        print(f"\nchosen on dev: floor {best[0]:g} (the fewest votes on the board the "
              f"server shows, {best[1]:.2f}× uniform, with its bias under {args.target / 4:g})")
        res = evaluate(pool, HELD_OUT, held_seeds, best[0], args)
    print(f"\nHELD OUT, floor {best[0]:g} ({arenas} arenas, boards {', '.join(HELD_OUT)}, "
          "never tuned on)")
    print(table(res, args.cap, args.target))
    print(f"\ntotal {time.monotonic() - t0:.0f} s")


if __name__ == "__main__":
    main()
