"""Influence: the Newton-step approximation against exact leave-one-group-out refits, and
the per-group weight cap."""

from __future__ import annotations

import numpy as np

from arena.integrity.influence import cap_weights, exact_leave_one_out, influence


def data(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    m, n = 5, 600
    a = rng.integers(0, m, n)
    b = (a + rng.integers(1, m, n)) % m
    truth = np.linspace(-1, 1, m)
    o = np.where(rng.random(n) < 1 / (1 + np.exp(-(truth[a] - truth[b]))), 0, 1)
    g = rng.integers(0, 10, n)
    g[:60] = 10  # one group of 10% of the votes that always backs model 0
    o[:60] = np.where(a[:60] == 0, 0, np.where(b[:60] == 0, 1, o[:60]))
    return a, b, o, g


def test_influence_is_within_ten_percent_of_exact_refits():
    for seed in (0, 1):
        a, b, o, g = data(seed)
        exact = exact_leave_one_out(a, b, o, g, 11, 5)
        for steps in (1, 2):
            approx = influence(a, b, o, g, 11, 5, steps=steps)
            assert np.abs(approx.delta - exact).max() <= 0.1 * np.abs(exact).max()
        top = influence(a, b, o, g, 11, 5).top(1)[0]
        assert top[0] == 10 and abs(top[2] - 0.1) < 1e-12
        assert exact[10, 0] < 0  # without its backers, model 0 falls


def test_cap_weights_holds_every_group_to_its_share():
    a, b, o, g = data(0)
    w = cap_weights(g, 11, 0.095)
    share = np.bincount(g, weights=w) / w.sum()
    assert share.max() <= 0.095 + 1e-9
    assert np.allclose(cap_weights(g, 11, 0.5), 1.0)  # nobody over: unchanged
    w = cap_weights(g, 11, 0.05)  # unattainable with 11 groups: equal weights
    assert np.allclose(np.bincount(g, weights=w), np.bincount(g, weights=w).min())
