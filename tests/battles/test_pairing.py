"""Pair choice: never a model against itself, and each model as often as its weight says."""

from __future__ import annotations

import math
import random

import pytest

from arena import errors
from arena.battles import ActivePairing, Pairing


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


BOARD = {"models": [  # a board's rows as compute_leaderboard gives them
    {"model": "top", "rating": 1150.0, "ci_low": 1130.0, "ci_high": 1170.0},
    {"model": "second", "rating": 1140.0, "ci_low": 1120.0, "ci_high": 1160.0},
    {"model": "middle", "rating": 1000.0, "ci_low": 960.0, "ci_high": 1040.0},
    {"model": "low", "rating": 850.0, "ci_low": 820.0, "ci_high": 880.0},
    {"model": "retired", "rating": 990.0, "ci_low": 900.0, "ci_high": 1080.0},
]}
ACTIVE_WEIGHTS = {"top": 1.0, "second": 1.0, "middle": 1.0, "low": 1.0, "new": 1.0,
                  "off": 0.0}


def active(seed: int = 11, floor: float = 0.2) -> ActivePairing:
    p = ActivePairing(ACTIVE_WEIGHTS, floor=floor, top=2, rng=random.Random(seed))
    p.update(BOARD)
    return p


def frequencies(p: ActivePairing, n: int, paused: tuple[str, ...] = ()
                ) -> dict[frozenset[str], int]:
    counts: dict[frozenset[str], int] = {}
    for draw in range(n):
        pair = p.pick(paused)
        key = frozenset((pair.model_a, pair.model_b))
        counts[key] = counts.get(key, 0) + 1
        if draw < 1000:  # the propensity is the table's probability of the pair drawn
            assert pair.propensity == pytest.approx(
                p.probability(pair.model_a, pair.model_b, paused), rel=1e-12)
    return counts


def test_active_propensities_are_the_draws_frequencies():
    p = active()
    n = 40_000
    counts = frequencies(p, n)
    names = list(p.table.names)
    assert "off" not in names and "retired" not in names and "new" in names
    chi2 = 0.0
    for x in range(len(names)):
        for y in range(x + 1, len(names)):
            expected = p.probability(names[x], names[y]) * n
            seen = counts.get(frozenset((names[x], names[y])), 0)
            assert abs(seen - expected) < 5 * expected**0.5, (names[x], names[y])
            chi2 += (seen - expected) ** 2 / expected
    assert chi2 < 30  # 9 degrees of freedom: the 99.9th percentile is 27.9
    # not the uniform draw: the close pair at the top is the likeliest
    assert max(counts, key=counts.__getitem__) == frozenset(("top", "second"))


def test_every_active_pair_keeps_the_floor_and_an_unrated_model_is_sought():
    p = active(floor=0.2)
    probs = p.table.probability
    assert math.fsum(probs) == pytest.approx(1.0)
    assert min(probs) >= 0.2 / len(probs) * (1 - 1e-12)
    # "new" has no rating: as unsure as can be, it plays more than "low" does
    plays = {m: sum(x for k, x in enumerate(probs)
                    if m in (p.table.names[p.table.first[k]], p.table.names[p.table.second[k]]))
             for m in p.table.names}
    assert plays["new"] > plays["low"]


def test_paused_models_leave_the_active_draw_renormalised():
    p = active()
    paused = ("top",)
    n = 20_000
    counts = frequencies(p, n, paused)
    assert all("top" not in k for k in counts)
    rest = [m for m in p.table.names if m != "top"]
    total = sum(p.table.probability[k] for k in p.table.allowed(paused))
    for x in range(len(rest)):
        for y in range(x + 1, len(rest)):
            q = p.probability(rest[x], rest[y], paused)
            assert q == pytest.approx(p.probability(rest[x], rest[y]) / total)
            expected = q * n
            assert abs(counts.get(frozenset((rest[x], rest[y])), 0) - expected) \
                < 5 * expected**0.5
    assert sum(p.probability(rest[x], rest[y], paused) for x in range(len(rest))
               for y in range(x + 1, len(rest))) == pytest.approx(1.0)
    with pytest.raises(errors.Unavailable):
        p.pick(("top", "second", "middle", "low"))


def test_a_new_board_swaps_the_whole_table():
    p = ActivePairing(ACTIVE_WEIGHTS, floor=0.2, top=2, rng=random.Random(1))
    before = p.table
    assert len(set(before.probability)) == 1  # no board yet: every model unrated, uniform
    p.update(BOARD)
    assert p.table is not before and len(set(p.table.probability)) > 1
    assert before.probability == pytest.approx([0.1] * 10)  # the old one is left as it was


def test_the_weighted_pairing_ignores_the_board():
    p = Pairing({"x": 1.0, "y": 2.0})
    p.update(BOARD)
    assert p.probability("x", "y") == 1.0
