"""Personal boards: which prior SD σ (and which centre) predicts a voter's own later votes.

Data: LLMFAO's 8,931 real crowd votes (``llmfao/crowd-comparisons.csv`` from
``../shared/data`` beside the repository, ``--data``), 124 workers with 7–343 votes each,
59 models, 39% ties. For each worker: the *public* board is the board's own fit (σ = 125
Elo prior, ``bt.PRIOR_SD_ELO``) on every *other* worker's votes; the worker's first 70% of
votes (file order) are "their votes so far", the last 30% their "next votes", scored by
the log-loss of the score (1, 0, ½ for a tie) under the personal board
(``arena.ranking.personal.fit``), per vote. Workers are split once at random (``--seed``)
into a dev half, on which σ is chosen, and a held-out half, scored only.

Rows: the public board itself (σ → 0), then σ over a grid with the prior centred on the
public board (what the arena does) and centred flat, on the voter's own mean (compar:IA's
choice, for pairwise votes: every model starts equal).

    python benchmarks/personal.py [--data ../shared/data] [--seed 0]
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

from arena.ranking import bt, personal

GRID = (10.0, 25.0, 50.0, 75.0, 100.0, 150.0, 200.0, 300.0, 500.0)


def load(data: Path) -> tuple[list[str], np.ndarray]:
    """Rows of (worker, i, j, score of i) with models as indices."""
    rows = list(csv.DictReader((data / "llmfao" / "crowd-comparisons.csv").open()))
    names = sorted({r["left"] for r in rows} | {r["right"] for r in rows})
    index = {n: k for k, n in enumerate(names)}
    score = {"left": 1.0, "right": 0.0, "tie": 0.5}
    out = np.array([(int(r["worker"]), index[r["left"]], index[r["right"]], score[r["winner"]])
                    for r in rows])
    return names, out


def public_board(m: int, votes: np.ndarray) -> np.ndarray:
    cells = personal.own_cells(m, votes[:, 1].astype(np.int64), votes[:, 2].astype(np.int64),
                               votes[:, 3])
    theta = bt.fit(cells, ridge=bt.prior_ridge(bt.PRIOR_SD_ELO))
    return bt.to_elo(theta)


def losses(m: int, votes: np.ndarray, workers: np.ndarray) -> dict[str, tuple[float, int]]:
    """Summed held-out log-loss and vote count per row label, over ``workers``."""
    total: dict[str, list[float]] = {}
    for w in workers:
        mine = votes[votes[:, 0] == w]
        public = public_board(m, votes[votes[:, 0] != w])
        cut = max(1, int(round(0.7 * len(mine))))
        train, test = mine[:cut], mine[cut:]
        ti, tj = test[:, 1].astype(np.int64), test[:, 2].astype(np.int64)
        cells = personal.own_cells(m, train[:, 1].astype(np.int64),
                                   train[:, 2].astype(np.int64), train[:, 3])
        rows = {"public board (σ → 0)": public}
        flat = np.full(m, float(bt.ELO_CENTER))
        for sd in GRID:
            rows[f"public centre, σ = {sd:g}"] = personal.fit(public, cells, sd_elo=sd).ratings
            rows[f"flat centre,   σ = {sd:g}"] = personal.fit(public, cells, sd_elo=sd,
                                                              centre=flat).ratings
        for label, ratings in rows.items():
            loss = personal.log_loss(ratings, ti, tj, test[:, 3]) * len(test)
            acc = total.setdefault(label, [0.0, 0.0])
            acc[0] += loss
            acc[1] += len(test)
    return {k: (v[0], int(v[1])) for k, v in total.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path,
                    default=Path(__file__).resolve().parents[2] / "shared" / "data")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    names, votes = load(args.data)
    m = len(names)
    workers = np.unique(votes[:, 0])
    rng = np.random.default_rng(args.seed)
    rng.shuffle(workers)
    dev, held = workers[: len(workers) // 2], workers[len(workers) // 2:]
    d, h = losses(m, votes, dev), losses(m, votes, held)
    print(f"{len(workers)} workers ({len(dev)} dev, {len(held)} held-out), {m} models; "
          f"next-vote log-loss per vote (ties scored ½; coin = {np.log(2):.4f})")
    print(f"{'':32} {'dev':>8} {'held-out':>9}")
    for label in d:
        print(f"{label:32} {d[label][0] / d[label][1]:8.4f} {h[label][0] / h[label][1]:9.4f}")
    public_rows = [k for k in d if k.startswith("public centre")]
    best = min(public_rows, key=lambda k: d[k][0])
    print(f"chosen on dev: {best} (held-out {h[best][0] / h[best][1]:.4f}; "
          f"dev votes {d[best][1]}, held-out votes {h[best][1]})")


if __name__ == "__main__":
    main()
