"""Active pairing's distribution (arena.ranking.active): a distribution over the pairs,
the floor under every pair, the head and the coin tosses preferred, bad input refused."""

from __future__ import annotations

import numpy as np
import pytest

from arena.errors import BadRequest
from arena.ranking.active import pair_distribution


def test_two_models_make_one_sure_pair():
    assert pair_distribution([1000, 1200], [30, 30], [1, 1], floor=0.2, top=10).tolist() == [1.0]


def test_it_sums_to_one_and_every_pair_keeps_the_floor():
    rng = np.random.default_rng(3)
    m, floor = 30, 0.1
    r = rng.normal(1000, 120, m)
    p = pair_distribution(r, rng.uniform(5, 60, m), rng.uniform(0.5, 3, m), floor=floor, top=10)
    pairs = m * (m - 1) // 2
    assert p.shape == (pairs,)
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    assert p.min() >= floor / pairs * (1 - 1e-12)
    # the floor alone (floor 1) is the uniform distribution
    assert np.allclose(pair_distribution(r, np.full(m, 20.0), np.ones(m), floor=1.0, top=10),
                       1.0 / pairs)


def test_a_close_pair_at_the_top_outweighs_a_settled_one_and_the_bottom():
    # 0 and 1 are close at the top, 2 is far below them, 3 and 4 close at the bottom.
    r = [1300, 1290, 1000, 700, 690]
    p = pair_distribution(r, [10] * 5, [1] * 5, floor=0.1, top=2)
    i, j = np.triu_indices(5, 1)
    at = {(int(a), int(b)): float(x) for a, b, x in zip(i, j, p, strict=True)}
    assert at[(0, 1)] > at[(0, 2)] > at[(3, 4)]
    assert at[(0, 1)] == max(at.values())


def test_an_unsure_pair_outweighs_a_sure_one_with_the_same_gap():
    # pairs (0, 1), (0, 2), (1, 2); every model in the head (top 10 of 3)
    sure = pair_distribution([1300, 1000, 1000], [5, 5, 5], [1] * 3, floor=0.1, top=10)
    unsure = pair_distribution([1300, 1000, 1000], [5, 200, 5], [1] * 3, floor=0.1, top=10)
    assert sure[0] == pytest.approx(sure[1])  # the same gap, the same certainty
    # model 1's rating is unsure, so a vote of 0 against 1 is closer to a coin toss
    assert unsure[0] > unsure[1]


def test_weights_scale_the_active_part_and_relabelling_permutes():
    r, s = np.array([1100.0, 1050, 1000, 950]), np.array([20.0, 25, 30, 35])
    even = pair_distribution(r, s, [1, 1, 1, 1], floor=0.2, top=2)
    heavy = pair_distribution(r, s, [1, 1, 1, 4], floor=0.2, top=2)
    i, j = np.triu_indices(4, 1)
    with3 = (i == 3) | (j == 3)
    assert heavy[with3].sum() > even[with3].sum()
    order = np.array([2, 0, 3, 1])  # model k of the new labels is old model order[k]
    moved = pair_distribution(r[order], s[order], np.ones(4), floor=0.2, top=2)
    old = {frozenset((int(a), int(b))): x for a, b, x in zip(i, j, even, strict=True)}
    for a, b, x in zip(i, j, moved, strict=True):
        assert x == pytest.approx(old[frozenset((int(order[a]), int(order[b])))])


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"rating": [1000], "se": [1], "weight": [1]}, "length >= 2"),
    ({"se": [10, 0]}, "standard errors"),
    ({"rating": [1000, float("nan")]}, "finite"),
    ({"weight": [1, 0]}, "weights"),
    ({"floor": 0.0}, "floor"),
    ({"floor": 1.5}, "floor"),
    ({"top": 0}, "top"),
])
def test_bad_input_is_refused_with_the_reason(kwargs, message):
    args = {"rating": [1000, 1100], "se": [10, 10], "weight": [1, 1], "floor": 0.2, "top": 10}
    args.update(kwargs)
    with pytest.raises(BadRequest, match=message):
        pair_distribution(args.pop("rating"), args.pop("se"), args.pop("weight"), **args)
