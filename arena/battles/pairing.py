"""Which two models meet, and the exact probability of each pair, which the ranking's
inverse-propensity weighting uses (``ipw``): ``Pairing`` draws by the roster's weights
(``ARENA_PAIRING=weighted``), ``ActivePairing`` spends battles where they decide the
board's order (``ARENA_PAIRING=active``, docs/statistics.md "Active pairing")."""

from __future__ import annotations

import math
import random
import secrets
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from arena import errors
from arena.ranking.active import pair_distribution
from arena.ranking.bt import PRIOR_SD_ELO
from arena.types import PairingPolicy

NOT_ENOUGH_MODELS = "not_enough_models"
Z95 = 1.959964  # a board's 95% interval is about ±Z95 standard errors
UNRATED_SE_ELO = PRIOR_SD_ELO


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
        self.rng = rng or secrets.SystemRandom()

    def set_weights(self, weights: Mapping[str, float]) -> None:
        """New weights (an operator's, live): the next draw uses them."""
        self.weights = {m: w for m, w in weights.items() if w > 0}  # one assignment

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

    def update(self, board: Mapping[str, Any]) -> None:
        """The roster's weights do not follow the board."""

    def _drawn(self, paused: Collection[str]) -> dict[str, float]:
        if not paused:
            return self.weights
        return {m: w for m, w in self.weights.items() if m not in paused}


class PairChoice(Protocol):
    """What the battle service asks of a pairing: a pair, and the board when it changes."""

    def pick(self, paused: Collection[str] = ()) -> Pair: ...

    def update(self, board: Mapping[str, Any]) -> None: ...

    def set_weights(self, weights: Mapping[str, float]) -> None: ...


@dataclass(frozen=True, slots=True)
class PairTable:
    """One distribution over unordered pairs, built once and never changed: a new board
    makes a new table, swapped in as one reference, so a draw reads one table whole."""

    names: tuple[str, ...]
    first: tuple[int, ...]  # pair k is {names[first[k]], names[second[k]]}
    second: tuple[int, ...]
    probability: tuple[float, ...]  # sums to one over the pairs
    cumulative: tuple[float, ...]  # running sums, for draws with nobody paused

    @classmethod
    def of_pairs(cls, names: tuple[str, ...], first: tuple[int, ...],
                 second: tuple[int, ...], probability: tuple[float, ...]) -> PairTable:
        return cls(names, first, second, probability,
                   tuple(np.cumsum(probability).tolist()))

    def allowed(self, paused: Collection[str]) -> list[int]:
        """The pairs with no paused model."""
        out = {k for k, n in enumerate(self.names) if n in paused}
        return [k for k, (a, b) in enumerate(zip(self.first, self.second, strict=True))
                if a not in out and b not in out]

    def of(self, x: str, y: str, paused: Collection[str] = ()) -> float:
        """The probability of {x, y} when the pairs with a paused model are left out
        and the rest renormalised (the draw ``ActivePairing.pick`` makes)."""
        at = {n: k for k, n in enumerate(self.names)}
        lo, hi = sorted((at[x], at[y]))
        allowed = self.allowed(paused)
        for k in allowed:
            if self.first[k] == lo and self.second[k] == hi:
                return self.probability[k] / math.fsum(self.probability[q] for q in allowed)
        raise KeyError((x, y))


class ActivePairing:
    """Pairs drawn where a vote decides the board's order (``arena.ranking.active``): the
    distribution follows the default board, recomputed by ``update`` whenever the
    leaderboard cache has a new one (never per battle), with a floor so that every pair
    keeps a chance. ``propensity`` is the exact probability of the drawn unordered pair
    under the table used, renormalised over the pairs without a paused model."""

    def __init__(self, weights: Mapping[str, float], *, floor: float, top: int,
                 rng: random.Random | None = None) -> None:
        self.weights = {m: w for m, w in weights.items() if w > 0}
        if len(self.weights) < 2:
            raise errors.ConfigError("at least two models with weight > 0 are needed")
        self.floor, self.top = floor, top
        self.rng = rng or secrets.SystemRandom()
        self._board: Mapping[str, Any] = {}
        self.table = self._table({})  # before any board: every model unrated

    def update(self, board: Mapping[str, Any]) -> None:
        """Recompute the distribution from a board (``compute_leaderboard``'s shape)."""
        self._board = board
        rated = {r["model"]: (float(r["rating"]),
                              (float(r["ci_high"]) - float(r["ci_low"])) / (2 * Z95))
                 for r in board.get("models", []) if r["model"] in self.weights}
        self.table = self._table(rated)  # one assignment: a concurrent pick sees old or new

    def set_weights(self, weights: Mapping[str, float]) -> None:
        """New weights (an operator's, live): the table is rebuilt from the last board."""
        self.weights = {m: w for m, w in weights.items() if w > 0}
        self.update(self._board)

    def _table(self, rated: Mapping[str, tuple[float, float]]) -> PairTable:
        names = tuple(self.weights)
        known = [v for v in rated.values() if v[1] > 0]
        # An unrated model (no votes yet, or too few to be listed) is as unsure as the
        # least sure of the rated ones, and at least as the prior: it scores high.
        wide = max([UNRATED_SE_ELO, *(se for _, se in known)])
        centre = float(np.median([r for r, _ in known])) if known else 1000.0
        rating = [rated[n][0] if n in rated and rated[n][1] > 0 else centre for n in names]
        se = [rated[n][1] if n in rated and rated[n][1] > 0 else wide for n in names]
        p = pair_distribution(rating, se, [self.weights[n] for n in names], floor=self.floor,
                              top=self.top)
        i, j = np.triu_indices(len(names), 1)
        return PairTable.of_pairs(names, tuple(i.tolist()), tuple(j.tolist()),
                                  tuple(p.tolist()))

    def probability(self, x: str, y: str, paused: Collection[str] = ()) -> float:
        return self.table.of(x, y, paused)

    def pick(self, paused: Collection[str] = ()) -> Pair:
        table = self.table  # read once: ``update`` may swap it meanwhile
        if any(n in paused for n in table.names):
            allowed = table.allowed(paused)
            if not allowed:
                raise errors.Unavailable("Fewer than two models are answering right now; "
                                         "try again in a minute", code=NOT_ENOUGH_MODELS)
            probs = [table.probability[k] for k in allowed]
            k = self.rng.choices(allowed, weights=probs)[0]
            total = math.fsum(probs)
        else:
            k = self.rng.choices(range(len(table.probability)),
                                 cum_weights=table.cumulative)[0]
            total = table.cumulative[-1]
        x, y = table.names[table.first[k]], table.names[table.second[k]]
        a, b = (x, y) if self.rng.random() < 0.5 else (y, x)
        return Pair(a, b, table.probability[k] / total)


def build_pairing(weights: Mapping[str, float], policy: PairingPolicy, *, floor: float,
                  top: int) -> PairChoice:
    """The pairing a setting names (``ARENA_PAIRING``)."""
    if policy == "active":
        return ActivePairing(weights, floor=floor, top=top)
    return Pairing(weights)
