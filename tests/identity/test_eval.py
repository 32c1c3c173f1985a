"""The labelled evaluation of the leak rule: held-out targets, and the table in the output.

Run with ``pytest -s`` (or ``-rA``) to see precision and recall per split, family and
language, with the ``main`` branch's checker beside it; ``python -m tests.identity.report``
prints the same table.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.identity import report


def test_eval_set_is_big_varied_and_split_by_hash() -> None:
    rows = report.rows()
    assert len(rows) >= 500
    assert len({r["family"] for r in rows}) >= 12
    assert len({r["lang"] for r in rows}) >= 10
    assert len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        # the split is a function of the id alone, fixed before any tuning
        bit = int(hashlib.sha256(("split:" + r["id"]).encode()).hexdigest(), 16) % 2
        assert r["split"] == ("dev" if bit == 0 else "heldout")
        assert r["source"] and isinstance(r["leak"], bool)
    for split in ("dev", "heldout"):
        half = [r for r in rows if r["split"] == split]
        assert 0.25 < sum(r["leak"] for r in half) / len(half) < 0.6


def heldout_figures(path: Path, name: str) -> tuple[float, float, str]:
    """Print the set's table (new checker beside the 0.1 one) and return the held-out
    precision and recall as plain floats, with a summary that names no row: a failed
    assertion must never print held-out rows (their errors are not to be read)."""
    rows = report.rows(path)
    new = report.score(rows, report.judge(report.IdentityChecker(report.roster(rows))))
    baseline = report.old_checker(rows)
    old = report.score(rows, report.judge(baseline)) if baseline is not None else None
    print(report.table(rows, new, old))
    held = new["heldout"]["all"]
    summary = (f"{name} held-out: precision {held.precision:.3f} recall {held.recall:.3f} "
               f"(TP={held.tp} FP={held.fp} FN={held.fn})")
    print(summary)
    return float(held.precision), float(held.recall), summary


def test_heldout_precision_and_recall_meet_the_target(capsys: object) -> None:
    precision, recall, summary = heldout_figures(report.EVAL, "eval")
    assert precision >= 0.98 and recall >= 0.98, summary


# The blind sets, each committed before the checker first ran on it, each split by hash.
#
# identity_blind.jsonl (round 3). First run (rule as merged from round 1): dev 1.000 / 0.771,
# held-out 1.000 / 0.722. Tuned on dev only: held-out 1.000 / 0.931; after round 4 (dev
# halves of all three sets) 1.000 / 0.944; after round 5 (dev halves of all four sets and
# probe sentences) 1.000 / 0.958.
# identity_blind3.jsonl (round 4). First run (rule at 1377e1b): dev 0.985 / 0.551, held-out
# 0.958 / 0.566. After round 4: held-out 0.981 / 0.852 (TP 104, FP 2, FN 18); after round 5
# 0.981 / 0.869 (TP 106, FP 2, FN 16).
# identity_blind4.jsonl (round 5: the shapes real answers take; commit 8bdc593). First run
# (rule at b82f071): dev 1.000 / 0.699, held-out 0.957 / 0.738 (TP 45, FP 2, FN 16). After
# round 5: held-out 0.981 / 0.869 (TP 53, FP 1, FN 8).
#
# The 0.98 target is not reached on these held-out halves, so the floors asserted are the
# honest figures reached, rounded down, to catch regressions; raise them when the rule
# improves. Each row: (set, name, at least rows, families, languages, leak share range,
# precision floor, recall floor).
BLIND_SETS = [
    (report.BLIND, "blind", 200, 12, 10, (0.35, 0.55), 1.0, 0.95),
    (report.BLIND3, "blind3", 250, 12, 12, (0.4, 0.6), 0.98, 0.86),
    (report.BLIND4, "blind4", 250, 12, 12, (0.4, 0.6), 0.98, 0.86),
]
IDS = [name for _, name, *_ in BLIND_SETS]


@pytest.mark.parametrize(("path", "name", "n", "families", "langs", "share", "p", "r"),
                         BLIND_SETS, ids=IDS)
def test_blind_set_is_varied_and_split_by_hash(path: Path, name: str, n: int, families: int,
                                               langs: int, share: tuple[float, float],
                                               p: float, r: float) -> None:
    rows = report.rows(path)
    assert len(rows) >= n
    assert len({row["family"] for row in rows}) >= families
    assert len({row["lang"] for row in rows}) >= langs
    assert len({row["id"] for row in rows}) == len(rows)
    for row in rows:
        payload = "\n".join([row["model"], row["prompt"], row["answer"]])
        assert row["id"] == hashlib.sha256(payload.encode()).hexdigest()[:16]
        bit = int(hashlib.sha256(("split:" + row["id"]).encode()).hexdigest(), 16) % 2
        assert row["split"] == ("dev" if bit == 0 else "heldout")
    assert share[0] < sum(row["leak"] for row in rows) / len(rows) < share[1]


@pytest.mark.parametrize(("path", "name", "n", "families", "langs", "share", "p", "r"),
                         BLIND_SETS, ids=IDS)
def test_blind_heldout_meets_its_floor(path: Path, name: str, n: int, families: int,
                                       langs: int, share: tuple[float, float], p: float,
                                       r: float) -> None:
    precision, recall, summary = heldout_figures(path, name)
    assert precision >= p and recall >= r, summary
