"""Pair choice: never a model against itself, and each model as often as its weight says."""

from __future__ import annotations

import random

import pytest

from arena.battles import Pairing


def test_pairing_never_pits_a_model_against_itself_and_follows_weights():
    rng = random.Random(7)
    p = Pairing({"x": 1.0, "y": 1.0, "z": 2.0, "off": 0.0}, rng=rng)
    counts: dict[frozenset[str], int] = {}
    sides = {"x": 0}
    n = 20000
    for _ in range(n):
        pair = p.pick()
        assert pair.model_a != pair.model_b and "off" not in (pair.model_a, pair.model_b)
        key = frozenset((pair.model_a, pair.model_b))
        counts[key] = counts.get(key, 0) + 1
        assert pair.propensity == pytest.approx(p.probability(pair.model_b, pair.model_a))
        if pair.model_a == "x":
            sides["x"] += 1
    total = sum(p.probability(*sorted(k)) for k in counts)
    assert total == pytest.approx(1.0)
    for key, c in counts.items():
        expected = p.probability(*sorted(key)) * n
        assert abs(c - expected) < 5 * expected**0.5, (key, c, expected)
    # x is in 1/2 + ... of pairs; it lands on side A about half the time it plays.
    plays_x = sum(c for k, c in counts.items() if "x" in k)
    assert abs(sides["x"] / plays_x - 0.5) < 0.03
