"""Benchmark of arena.ranking against plain scikit-learn / scipy fits of the same model.

Synthetic battles with known truth: 100 models, skewed pair sampling (pair weights drawn
from a Gamma(0.3) law, so a few pairs get most battles and some none), 20% ties (half of
them "both bad"), and style counts with a planted length effect. For each size it times,
in a fresh child process each (so peak memory is per measurement):

* ours: ``compute_leaderboard`` from arrays in memory — BT ratings + 95% bootstrap CIs,
  the same with sandwich CIs, the full board with the online-Elo column, and
  style-controlled ratings + sandwich CIs;
* baselines on the same data: scikit-learn ``LogisticRegression`` (no penalty, no
  intercept) on the expanded battles as a sparse ±1 design — the way FastChat fits BT —
  for ratings alone and with the 4 style columns, and scipy L-BFGS on the per-battle
  likelihood. A bootstrap baseline would refit once per round; its time is given as
  one fit × rounds (marked "extrapolated");
* from a JSONL battle file: merely parsing every line, versus the whole ``arena
  leaderboard --json`` run (plain and with ``--style-control``).

Times are medians of ``--repeat`` runs, wall clock and process CPU. The machine is a
shared 2-core box, so read the ratios, not the absolute numbers. OpenBLAS is limited to
one thread for ours and the baselines alike (``--blas-threads``): on a busy 2-core machine
its spinning worker threads cost more than they save on 100×100 solves.

    python benchmarks/ranking.py                 # 100k, 1M, 3M
    python benchmarks/ranking.py --quick         # 100k only, fewer repeats
    python benchmarks/ranking.py --sizes 300000 --jsonl-sizes 300000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("ARENA_BENCH_CACHE", "/tmp/arena-ranking-bench"))
MODELS = 100
TRUE_BETA_LENGTH = 0.3

# --- synthetic data ------------------------------------------------------------------------


def synthetic(n: int, seed: int = 0) -> dict[str, Any]:
    """Battles drawn from known ratings; returns numpy arrays."""
    import numpy as np

    rng = np.random.default_rng(seed)
    true = rng.normal(0.0, 0.8, MODELS)
    i, j = np.triu_indices(MODELS, 1)
    weight = rng.gamma(0.3, 1.0, i.size)
    # Every model keeps a chain of battles to its neighbour so the graph stays connected.
    weight[np.flatnonzero(j == i + 1)] += weight.mean() * 0.05
    pair = rng.choice(i.size, size=n, p=weight / weight.sum())
    swap = rng.random(n) < 0.5
    a = np.where(swap, j[pair], i[pair])
    b = np.where(swap, i[pair], j[pair])
    verbosity = rng.uniform(200, 800, MODELS)
    raw = rng.poisson(2.0, (n, 8)).astype(np.float32)
    raw[:, 0] = rng.gamma(4.0, verbosity[a] / 4.0)
    raw[:, 4] = rng.gamma(4.0, verbosity[b] / 4.0)
    rel = (raw[:, 0] - raw[:, 4]) / (raw[:, 0] + raw[:, 4] + 1.0)
    f = (rel - rel.mean()) / rel.std()
    p = 1.0 / (1.0 + np.exp(-(true[a] - true[b] + TRUE_BETA_LENGTH * f)))
    u = rng.random(n)
    outcome = np.where(u < 0.1, 2, np.where(u < 0.2, 3, np.where(rng.random(n) < p, 0, 1)))
    return {"a": a, "b": b, "outcome": outcome.astype(np.int8), "style": raw, "true": true}


def jsonl_file(n: int) -> Path:
    """A cached Chatbot-Arena-shaped JSONL file of n battles (with conv_metadata)."""
    path = CACHE / f"battles-{n}.jsonl"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    d = synthetic(n)
    winners = ("model_a", "model_b", "tie", "tie (bothbad)")
    langs = ("English", "Chinese", "Russian", "German")
    tmp = path.with_suffix(".tmp")
    with tmp.open("w") as f:
        for k in range(n):
            s = d["style"][k].astype(int).tolist()
            meta = {
                "sum_assistant_a_tokens": s[0], "sum_assistant_b_tokens": s[4],
                "context_a_tokens": 40, "context_b_tokens": 40,
                "header_count_a": {"h1": 0, "h2": s[1], "h3": 0, "h4": 0, "h5": 0, "h6": 0},
                "header_count_b": {"h1": 0, "h2": s[5], "h3": 0, "h4": 0, "h5": 0, "h6": 0},
                "list_count_a": {"ordered": s[2], "unordered": 0},
                "list_count_b": {"ordered": s[6], "unordered": 0},
                "bold_count_a": {"**": s[3], "__": 0}, "bold_count_b": {"**": s[7], "__": 0},
                "turns": 1,
            }  # fmt: skip
            record = {
                "question_id": f"{k:032x}", "model_a": f"model-{d['a'][k]:03d}",
                "model_b": f"model-{d['b'][k]:03d}", "winner": winners[d["outcome"][k]],
                "judge": f"arena_user_{k % 9973}", "turn": 1, "anony": True,
                "language": langs[k % 4], "tstamp": 1.7e9 + k, "is_code": k % 7 == 0,
                "conv_metadata": meta, "dedup_tag": {"high_freq": False, "sampled": True},
            }  # fmt: skip
            f.write(json.dumps(record) + "\n")
    tmp.rename(path)
    return path


# --- measurements (each runs in a child process) ------------------------------------------


def battles_of(d: dict[str, Any]):
    from arena.ranking import Battles

    names = [f"model-{k:03d}" for k in range(MODELS)]
    return Battles.from_arrays(names, d["a"], d["b"], d["outcome"], style=d["style"])


def ours(kind: str, rounds: int) -> Callable[[dict[str, Any]], Any]:
    from arena.ranking import compute_leaderboard

    options = {
        "ours_bt_boot": {"bootstrap_rounds": rounds, "online_elo": False},
        "ours_bt_sandwich": {"ci": "sandwich", "online_elo": False},
        "ours_full_board": {"bootstrap_rounds": rounds},
        "ours_style_sandwich": {"style_control": True, "ci": "sandwich", "online_elo": False},
        "ours_style_boot": {"style_control": True, "bootstrap_rounds": rounds,
                            "online_elo": False},
    }[kind]  # fmt: skip
    # Building the Battles from arrays is part of the timed work.
    return lambda d: compute_leaderboard(battles_of(d), min_votes=0, **options)


def expanded(d: dict[str, Any], with_style: bool):
    """Sparse ±1 design, labels and weights: a tie becomes two half-weight rows."""
    import numpy as np
    from scipy import sparse

    a, b, o = d["a"], d["b"], d["outcome"]
    tie = o >= 2
    rows = np.concatenate([np.arange(a.size), np.flatnonzero(tie)])
    cols_a, cols_b = a[rows], b[rows]
    k = rows.size
    data = np.concatenate([np.ones(k), -np.ones(k)])
    x = sparse.csr_matrix(
        (data, (np.concatenate([np.arange(k)] * 2), np.concatenate([cols_a, cols_b]))),
        shape=(k, MODELS),
    )
    y = np.concatenate([np.where(tie, 1, o == 0), np.zeros(int(tie.sum()))]).astype(int)
    w = np.where(np.concatenate([tie, np.ones(int(tie.sum()), bool)]), 0.5, 1.0)
    if with_style:
        raw = d["style"].astype(np.float64)[rows]
        rel = (raw[:, :4] - raw[:, 4:]) / (raw[:, :4] + raw[:, 4:] + 1.0)
        rel = (rel - rel.mean(axis=0)) / rel.std(axis=0)
        x = sparse.hstack([x, sparse.csr_matrix(rel)]).tocsr()
    return x, y, w


def sklearn_fit(with_style: bool) -> Callable[[dict[str, Any]], Any]:
    from sklearn.linear_model import LogisticRegression  # imported outside the timing

    def run(d: dict[str, Any]) -> Any:
        x, y, w = expanded(d, with_style)
        model = LogisticRegression(C=float("inf"), fit_intercept=False, tol=1e-6, max_iter=1000)
        return model.fit(x, y, sample_weight=w).coef_

    return run


def scipy_fit(d: dict[str, Any]) -> Any:
    import numpy as np
    from scipy.optimize import minimize  # imported before the timing, in child()

    a, b = d["a"], d["b"]
    y = np.array([1.0, 0.0, 0.5, 0.5])[d["outcome"]]

    def nll(theta: Any) -> tuple[float, Any]:
        z = theta[a] - theta[b]
        p = 1.0 / (1.0 + np.exp(-z))
        value = -(y * -np.logaddexp(0, -z) + (1 - y) * -np.logaddexp(0, z)).sum()
        r = p - y
        grad = np.bincount(a, r, MODELS) - np.bincount(b, r, MODELS)
        return float(value), grad

    return minimize(
        nll, np.zeros(MODELS), jac=True, method="L-BFGS-B", options={"gtol": 1e-6, "maxiter": 1000}
    ).x


def parse_only(path: Path) -> int:
    from arena.ranking.io import json_loader

    loads = json_loader()
    count = 0
    with path.open("rb") as f:
        for line in f:
            loads(line)
            count += 1
    return count


def cli_run(path: Path, style: bool, rounds: int) -> int:
    from arena.ranking.cli import add_arguments, run

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    # The command's defaults (200 bootstrap rounds), as an operator would run it.
    argv = ["--battles", str(path), "--json"]
    if style:
        argv += ["--style-control", "--ci", "sandwich"]
    with open(os.devnull, "w") as out:
        return run(parser.parse_args(argv), out=out)


def child(kind: str, n: int, repeat: int, rounds: int) -> dict[str, Any]:
    """Run one measurement ``repeat`` times in this process; print its figures."""
    if kind == "make_jsonl":
        jsonl_file(n)
        return {"kind": kind, "n": n, "wall": 0.0, "cpu": 0.0, "peak_mb": 0.0}
    if kind.startswith(("parse", "cli")):
        path = jsonl_file(n)
        work: Callable[[], Any] = {
            "parse_only": lambda: parse_only(path),
            "cli_board": lambda: cli_run(path, False, rounds),
            "cli_style": lambda: cli_run(path, True, rounds),
        }[kind]
    else:
        import scipy.optimize  # noqa: F401 - keep import time out of the timed runs
        import scipy.sparse  # noqa: F401

        import arena.ranking  # noqa: F401

        d = synthetic(n)
        fn = {
            "sklearn_bt": sklearn_fit(False),
            "sklearn_style": sklearn_fit(True),
            "scipy_bt": scipy_fit,
        }.get(kind) or ours(kind, rounds)
        work = lambda: fn(d)  # noqa: E731
    walls, cpus = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        work()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"kind": kind, "n": n, "wall": statistics.median(walls),
            "cpu": statistics.median(cpus), "peak_mb": peak_mb}  # fmt: skip


def measure(kind: str, n: int, repeat: int, rounds: int, blas: int) -> dict[str, Any]:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": str(blas), "OMP_NUM_THREADS": str(blas),
           "PYTHONPATH": str(ROOT)}  # fmt: skip
    cmd = [sys.executable, __file__, "--child", kind, "--n", str(n), "--repeat", str(repeat),
           "--rounds", str(rounds)]  # fmt: skip
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if out.returncode:
        raise SystemExit(f"{kind} at {n} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- the report -------------------------------------------------------------------------------

IN_MEMORY = [
    ("ours_bt_boot", "ours: BT ratings + 95% CI (bootstrap)"),
    ("ours_bt_sandwich", "ours: BT ratings + 95% CI (sandwich)"),
    ("ours_full_board", "ours: full board incl. online-Elo column (bootstrap)"),
    ("ours_style_sandwich", "ours: style-controlled ratings + 95% CI (sandwich)"),
    ("sklearn_bt", "baseline: sklearn LogisticRegression, ratings only"),
    ("scipy_bt", "baseline: scipy L-BFGS per-battle, ratings only"),
    ("sklearn_style", "baseline: sklearn with 4 style columns, ratings only"),
]
FROM_FILE = [
    ("parse_only", "parse every JSONL line (baseline)"),
    ("cli_board", "`arena leaderboard --json` (BT, bootstrap 200, Elo column)"),
    ("cli_style", "`arena leaderboard --json --style-control` (sandwich)"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000,1000000,3000000")
    parser.add_argument("--jsonl-sizes", default=None, help="default: the largest size")
    parser.add_argument("--quick", action="store_true", help="100k only, 2 repeats")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=100, help="bootstrap rounds")
    parser.add_argument("--blas-threads", type=int, default=1)
    parser.add_argument(
        "--style-boot-max",
        type=int,
        default=100_000,
        help="largest size at which the style bootstrap is timed",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.n, args.repeat, args.rounds)))
        return
    sizes = [100_000] if args.quick else [int(s) for s in args.sizes.split(",")]
    repeat = 2 if args.quick else args.repeat
    jsonl = [int(s) for s in args.jsonl_sizes.split(",")] if args.jsonl_sizes else sizes[-1:]
    print(
        f"# arena.ranking benchmark: {MODELS} models, bootstrap {args.rounds} rounds, "
        f"median of {repeat}, BLAS threads {args.blas_threads}, {os.cpu_count()} CPUs\n"
    )
    rows = [(k, label) for k, label in IN_MEMORY]
    header = "| measurement | " + " | ".join(f"{n:,} battles" for n in sizes) + " |"
    print(header)
    print("|" + "---|" * (len(sizes) + 1))
    results: dict[tuple[str, int], dict[str, Any]] = {}
    for kind, label in rows:
        cells = []
        for n in sizes:
            r = results[kind, n] = measure(kind, n, repeat, args.rounds, args.blas_threads)
            cells.append(f"{r['wall']:.3f} s (cpu {r['cpu']:.2f}, {r['peak_mb']:.0f} MB)")
        print(f"| {label} | " + " | ".join(cells) + " |", flush=True)
    cells = []
    for n in sizes:
        if n <= args.style_boot_max:
            r = measure("ours_style_boot", n, 1, args.rounds, args.blas_threads)
            cells.append(f"{r['wall']:.3f} s (cpu {r['cpu']:.2f}, {r['peak_mb']:.0f} MB)")
        else:
            cells.append("not run (O(rounds × battles))")
    print(
        "| ours: style-controlled ratings + 95% CI (bootstrap, 1 run) | " + " | ".join(cells) + " |"
    )
    cells = []
    for n in sizes:
        one = results["sklearn_bt", n]["wall"]
        cells.append(f"≈ {one * args.rounds:.1f} s (extrapolated)")
    print(f"| baseline: sklearn bootstrap = {args.rounds} refits | " + " | ".join(cells) + " |")
    print("\nratio baseline / ours (wall):")
    for n in sizes:
        ours_bt = results["ours_bt_boot", n]["wall"]
        ours_style = results["ours_style_sandwich", n]["wall"]
        print(
            f"  {n:>9,}: sklearn fit alone / ours BT+CI = "
            f"{results['sklearn_bt', n]['wall'] / ours_bt:.1f}x; "
            f"sklearn style fit / ours style+CI = "
            f"{results['sklearn_style', n]['wall'] / ours_style:.1f}x"
        )
    print("\n| from a JSONL file | " + " | ".join(f"{n:,} battles" for n in jsonl) + " |")
    print("|" + "---|" * (len(jsonl) + 1))
    for n in jsonl:
        # Written by its own process, so no measurement's peak memory includes it.
        measure("make_jsonl", n, 1, args.rounds, args.blas_threads)
    file_results = {}
    for kind, label in FROM_FILE:
        cells = []
        for n in jsonl:
            r = file_results[kind, n] = measure(kind, n, repeat, args.rounds, args.blas_threads)
            base = file_results["parse_only", n]["wall"]
            ratio = "" if kind == "parse_only" else f", {r['wall'] / base:.2f}× parse"
            cells.append(f"{r['wall']:.2f} s ({r['peak_mb']:.0f} MB{ratio})")
        print(f"| {label} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
