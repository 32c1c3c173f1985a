"""Which two models meet: a weighted draw whose exact probability the ranking can use."""

from __future__ import annotations

import random
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from arena import errors


@dataclass(frozen=True, slots=True)
class Pair:
    model_a: str
    model_b: str
    propensity: float  # probability of drawing this unordered pair


class Pairing:
    """Weighted pair choice: first model ∝ weight, second ∝ weight among the rest, sides
    shuffled. ``propensity`` is the exact probability of the unordered pair, which the
    ranking uses for inverse-propensity weighting."""

    def __init__(self, weights: Mapping[str, float], rng: random.Random | None = None) -> None:
        self.weights = {m: w for m, w in weights.items() if w > 0}
        if len(self.weights) < 2:
            raise errors.ConfigError("at least two models with weight > 0 are needed")
        self.total = sum(self.weights.values())
        self.rng = rng or secrets.SystemRandom()

    def probability(self, x: str, y: str) -> float:
        wx, wy, t = self.weights[x], self.weights[y], self.total
        return wx / t * wy / (t - wx) + wy / t * wx / (t - wy)

    def pick(self) -> Pair:
        names = list(self.weights)
        first = self.rng.choices(names, weights=[self.weights[n] for n in names])[0]
        rest = [n for n in names if n != first]
        second = self.rng.choices(rest, weights=[self.weights[n] for n in rest])[0]
        a, b = (first, second) if self.rng.random() < 0.5 else (second, first)
        return Pair(a, b, self.probability(a, b))
