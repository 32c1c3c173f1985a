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
    assert held.precision >= 0.98 and held.recall >= 0.98, summary


# The blind set's first run (rule as merged from round 1, before any tuning on it):
# dev 1.000 / 0.771, held-out 1.000 / 0.722. After tuning on dev only: held-out precision
# 1.000, recall 0.931 (5 of 72 leaks missed). The 0.98 target is not reached on this
# held-out half, so the floor asserted is the honest figure reached, rounded down, to catch
# regressions; raise it when the rule improves.
BLIND_PRECISION_FLOOR, BLIND_RECALL_FLOOR = 0.98, 0.92


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
    assert held.precision >= BLIND_PRECISION_FLOOR and held.recall >= BLIND_RECALL_FLOOR, summary
