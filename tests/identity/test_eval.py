"""The labelled evaluation of the leak rule: held-out targets, and the table in the output.

Run with ``pytest -s`` (or ``-rA``) to see precision and recall per split, family and
language, with the ``main`` branch's checker beside it; ``python -m tests.identity.report``
prints the same table.
"""

from __future__ import annotations

import hashlib

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


def test_heldout_precision_and_recall_meet_the_target(capsys: object) -> None:
    rows = report.rows()
    new = report.score(rows, report.judge(report.IdentityChecker(report.roster(rows))))
    baseline = report.old_checker(rows)
    old = report.score(rows, report.judge(baseline)) if baseline is not None else None
    print(report.table(rows, new, old))
    held = new["heldout"]["all"]
    summary = (f"held-out: precision {held.precision:.3f} recall {held.recall:.3f} "
               f"(TP={held.tp} FP={held.fp} FN={held.fn})")
    print(summary)
    precision, recall = held.precision, held.recall
    assert precision >= 0.98 and recall >= 0.98, summary


# The blind set's first run (rule as merged from round 1, before any tuning on it):
# dev 1.000 / 0.771, held-out 1.000 / 0.722. After tuning on dev only: held-out precision
# 1.000, recall 0.931 (5 of 72 leaks missed); after round 4 (tuned on the dev halves of
# all three sets, never on a held-out half) 1.000 / 0.944; after round 5 (dev halves of all
# four sets and probe sentences) 1.000 / 0.958. The 0.98 target is not reached on this
# held-out half, so the floor asserted is the honest figure reached, rounded down, to catch
# regressions; raise it when the rule improves.
BLIND_PRECISION_FLOOR, BLIND_RECALL_FLOOR = 1.0, 0.95


def test_blind_set_is_varied_and_split_by_hash() -> None:
    rows = report.rows(report.BLIND)
    assert len(rows) >= 200
    assert len({r["family"] for r in rows}) >= 12
    assert len({r["lang"] for r in rows}) >= 10
    assert len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        payload = "\n".join([r["model"], r["prompt"], r["answer"]])
        assert r["id"] == hashlib.sha256(payload.encode()).hexdigest()[:16]
        bit = int(hashlib.sha256(("split:" + r["id"]).encode()).hexdigest(), 16) % 2
        assert r["split"] == ("dev" if bit == 0 else "heldout")
    assert 0.35 < sum(r["leak"] for r in rows) / len(rows) < 0.55


def test_blind_heldout_meets_its_floor() -> None:
    rows = report.rows(report.BLIND)
    new = report.score(rows, report.judge(report.IdentityChecker(report.roster(rows))))
    baseline = report.old_checker(rows)
    old = report.score(rows, report.judge(baseline)) if baseline is not None else None
    print(report.table(rows, new, old))
    held = new["heldout"]["all"]
    summary = (f"blind held-out: precision {held.precision:.3f} recall {held.recall:.3f} "
               f"(TP={held.tp} FP={held.fp} FN={held.fn})")
    print(summary)
    precision, recall = held.precision, held.recall
    assert precision >= BLIND_PRECISION_FLOOR and recall >= BLIND_RECALL_FLOOR, summary


# The third blind set (identity_blind3.jsonl), committed before its first run. First run
# (rule at 1377e1b): dev 0.985 / 0.551, held-out 0.958 / 0.566. After round 4, tuned on
# dev halves and fresh probe sentences only: held-out precision 0.981 (104/106), recall
# 0.852 (TP 104, FP 2, FN 18); after round 5 0.981 / 0.869 (TP 106, FP 2, FN 16). Neither
# target is met on this held-out half; the floors are the figures reached, rounded down.
# The assertions compare plain floats so that a failure never prints the held-out rows
# (their errors are not to be read).
BLIND3_PRECISION_FLOOR, BLIND3_RECALL_FLOOR = 0.98, 0.86


def test_blind3_set_is_varied_and_split_by_hash() -> None:
    rows = report.rows(report.BLIND3)
    assert len(rows) >= 250
    assert len({r["family"] for r in rows}) >= 12
    assert len({r["lang"] for r in rows}) >= 12
    assert len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        payload = "\n".join([r["model"], r["prompt"], r["answer"]])
        assert r["id"] == hashlib.sha256(payload.encode()).hexdigest()[:16]
        bit = int(hashlib.sha256(("split:" + r["id"]).encode()).hexdigest(), 16) % 2
        assert r["split"] == ("dev" if bit == 0 else "heldout")
    assert 0.4 < sum(r["leak"] for r in rows) / len(rows) < 0.6


def test_blind3_heldout_meets_its_floor() -> None:
    rows = report.rows(report.BLIND3)
    new = report.score(rows, report.judge(report.IdentityChecker(report.roster(rows))))
    baseline = report.old_checker(rows)
    old = report.score(rows, report.judge(baseline)) if baseline is not None else None
    print(report.table(rows, new, old))
    held = new["heldout"]["all"]
    summary = (f"blind3 held-out: precision {held.precision:.3f} recall {held.recall:.3f} "
               f"(TP={held.tp} FP={held.fp} FN={held.fn})")
    print(summary)
    precision, recall = held.precision, held.recall
    assert precision >= BLIND3_PRECISION_FLOOR and recall >= BLIND3_RECALL_FLOOR, summary



# The fourth blind set (identity_blind4.jsonl: the shapes real answers take), committed
# (8bdc593) before its first run. First run (rule at b82f071): dev 1.000 / 0.699, held-out
# 0.957 / 0.738 (TP 45, FP 2, FN 16). After round 5, tuned on dev halves and probe sentences
# only: held-out 0.981 / 0.869 (TP 53, FP 1, FN 8). Floors: the figures reached, rounded down.
BLIND4_PRECISION_FLOOR, BLIND4_RECALL_FLOOR = 0.98, 0.86


def test_blind4_set_is_varied_and_split_by_hash() -> None:
    rows = report.rows(report.BLIND4)
    assert len(rows) >= 250
    assert len({r["family"] for r in rows}) >= 12
    assert len({r["lang"] for r in rows}) >= 12
    assert len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        payload = "\n".join([r["model"], r["prompt"], r["answer"]])
        assert r["id"] == hashlib.sha256(payload.encode()).hexdigest()[:16]
        bit = int(hashlib.sha256(("split:" + r["id"]).encode()).hexdigest(), 16) % 2
        assert r["split"] == ("dev" if bit == 0 else "heldout")
    assert 0.4 < sum(r["leak"] for r in rows) / len(rows) < 0.6


def test_blind4_heldout_meets_its_floor() -> None:
    rows = report.rows(report.BLIND4)
    new = report.score(rows, report.judge(report.IdentityChecker(report.roster(rows))))
    baseline = report.old_checker(rows)
    old = report.score(rows, report.judge(baseline)) if baseline is not None else None
    print(report.table(rows, new, old))
    held = new["heldout"]["all"]
    summary = (f"blind4 held-out: precision {held.precision:.3f} recall {held.recall:.3f} "
               f"(TP={held.tp} FP={held.fp} FN={held.fn})")
    print(summary)
    precision, recall = held.precision, held.recall
    assert precision >= BLIND4_PRECISION_FLOOR and recall >= BLIND4_RECALL_FLOOR, summary
