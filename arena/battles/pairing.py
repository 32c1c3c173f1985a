"""Which two models meet: a weighted draw whose exact probability the ranking can use."""

from __future__ import annotations

import random
import secrets
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from arena import errors

NOT_ENOUGH_MODELS = "not_enough_models"


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

    def probability(self, x: str, y: str, paused: Collection[str] = ()) -> float:
        """The probability of the unordered pair {x, y} when ``paused`` are left out."""
        weights = self._drawn(paused)
        wx, wy, t = weights[x], weights[y], sum(weights.values())
        return wx / t * wy / (t - wx) + wy / t * wx / (t - wy)

    def pick(self, paused: Collection[str] = ()) -> Pair:
        """A pair among the models not ``paused`` (see ``arena.battles.health``); its
        propensity is that of the draw actually made, among those models. Fewer than two
        left is a 503 ``not_enough_models``."""
        weights = self._drawn(paused)
        if len(weights) < 2:
            raise errors.Unavailable("Fewer than two models are answering right now; try "
                                     "again in a minute", code=NOT_ENOUGH_MODELS)
        names = list(weights)
        first = self.rng.choices(names, weights=[weights[n] for n in names])[0]
        rest = [n for n in names if n != first]
        second = self.rng.choices(rest, weights=[weights[n] for n in rest])[0]
        a, b = (first, second) if self.rng.random() < 0.5 else (second, first)
        return Pair(a, b, self.probability(a, b, paused))

    def _drawn(self, paused: Collection[str]) -> dict[str, float]:
        if not paused:
            return self.weights
        return {m: w for m, w in self.weights.items() if m not in paused}
