"""Battles as columns of numbers: the one input every rating method in this package reads.

A ``Battles`` holds, for n battles between m models, the model index of each side, an
outcome code, and the optional extras some methods need: the sampling probability of the
pair (inverse-propensity weighting), a timestamp (online Elo order), the raw style counts
of both answers (style control) and category tags. It can also be built from aggregated
counts alone, the fast path for callers that keep running totals; such a ``Battles`` has
no per-battle columns, so only the plain Bradley–Terry fit can use it.

Promises: every constructor validates its input and raises ``arena.errors.BadRequest``
naming the offending record; outcome codes are the four below and nothing else (an
unknown winner label is an error, never silently a tie); arrays are never modified after
construction.

(About 400 lines on purpose: every constructor and its validation is here, so the rating
methods can trust their input without re-checking it.)
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from arena.errors import BadRequest
from arena.types import ARENA_WINNER, Winner

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

A_WINS, B_WINS, TIE, BOTH_BAD = 0, 1, 2, 3
OUTCOMES = ("model_a", "model_b", "tie", "both_bad")

# The arena's winners as outcome codes, and through them the winner labels of the Chatbot
# Arena battle format; the arena's own "both_bad" is read too.
OUTCOME_OF: dict[Winner, int] = {"a": A_WINS, "b": B_WINS, "tie": TIE, "both_bad": BOTH_BAD}
WINNER_CODES: dict[str, int] = {
    **{ARENA_WINNER[w]: code for w, code in OUTCOME_OF.items()},
    "both_bad": OUTCOME_OF["both_bad"],
}

# Style counts kept per side, in this order; see arena.ranking.style.
STYLE_KEYS = ("tokens", "headers", "lists", "bold")


def winner_code(label: Any, where: str) -> int:
    """The outcome code of a winner label; ``where`` names the record in the error."""
    try:
        return WINNER_CODES[label]
    except (KeyError, TypeError):  # TypeError: an unhashable label such as a list
        known = ", ".join(sorted(WINNER_CODES))
        raise BadRequest(f"{where}: unknown winner {label!r}; expected one of {known}") from None


def style_counts(meta: Mapping[str, Any]) -> tuple[float, ...]:
    """The eight raw style counts (a then b, in STYLE_KEYS order) of a ``conv_metadata``.

    A missing or malformed field yields NaN for that count, so the battle is left out of
    a style-controlled fit instead of being fitted with made-up zeros.
    """
    try:
        # Fast path for well-formed metadata (the per-line cost of reading big files).
        return (
            float(meta["sum_assistant_a_tokens"]),
            float(sum(meta["header_count_a"].values())),
            float(sum(meta["list_count_a"].values())),
            float(sum(meta["bold_count_a"].values())),
            float(meta["sum_assistant_b_tokens"]),
            float(sum(meta["header_count_b"].values())),
            float(sum(meta["list_count_b"].values())),
            float(sum(meta["bold_count_b"].values())),
        )
    except (KeyError, TypeError, AttributeError, ValueError):
        return _style_counts_checked(meta)


def _style_counts_checked(meta: Mapping[str, Any]) -> tuple[float, ...]:
    out: list[float] = []
    for side in ("a", "b"):
        out.append(_number(meta.get(f"sum_assistant_{side}_tokens")))
        for key in ("header_count", "list_count", "bold_count"):
            out.append(_dict_total(meta.get(f"{key}_{side}")))
    return tuple(out)


def _number(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return math.nan


def _dict_total(value: Any) -> float:
    if not isinstance(value, Mapping):
        return math.nan
    total = 0.0
    for v in value.values():
        x = _number(v)
        if math.isnan(x):
            return math.nan
        total += x
    return total


@dataclass(frozen=True, eq=False)
class Battles:
    """Columnar battles. Build with ``from_records``, ``from_arrays`` or ``from_counts``."""

    models: tuple[str, ...]
    model_a: IntArray | None = None
    model_b: IntArray | None = None
    outcome: npt.NDArray[np.int8] | None = None
    propensity: FloatArray | None = None
    tstamp: FloatArray | None = None
    # (n, 8) raw counts: tokens, headers, lists, bold of side a, then of side b; NaN = unknown.
    style: npt.NDArray[np.float32] | None = None
    # tag -> sorted indices of the battles carrying it
    categories: Mapping[str, IntArray] = field(default_factory=dict)
    # (m, m, 4) counts for a Battles built from aggregates only
    pair_counts: FloatArray | None = None
    # per-battle weight in the fit (e.g. a down-weighted or share-capped vote); None = 1
    weight: FloatArray | None = None

    # --- constructors -------------------------------------------------------------------

    @classmethod
    def from_arrays(
        cls,
        models: Sequence[str],
        model_a: npt.ArrayLike,
        model_b: npt.ArrayLike,
        outcome: npt.ArrayLike,
        *,
        propensity: npt.ArrayLike | None = None,
        tstamp: npt.ArrayLike | None = None,
        style: npt.ArrayLike | None = None,
        categories: Mapping[str, npt.ArrayLike] | None = None,
    ) -> Battles:
        """Battles from index arrays into ``models`` and outcome codes 0..3
        (A_WINS, B_WINS, TIE, BOTH_BAD)."""
        names = tuple(str(m) for m in models)
        if len(set(names)) != len(names):
            raise BadRequest("model names must be unique")
        a = np.asarray(model_a, dtype=np.int64)
        b = np.asarray(model_b, dtype=np.int64)
        o = np.asarray(outcome)
        n = a.shape[0]
        if a.ndim != 1 or b.shape != a.shape or o.shape != a.shape:
            raise BadRequest("model_a, model_b and outcome must be 1-D arrays of one length")
        if n and (min(a.min(), b.min()) < 0 or max(a.max(), b.max()) >= len(names)):
            raise BadRequest("model index out of range")
        if n and np.any(a == b):
            first = int(np.flatnonzero(a == b)[0])
            raise BadRequest(f"battle {first}: a model cannot battle itself")
        if n and (o.min() < 0 or o.max() > 3):
            raise BadRequest("outcome codes must be 0 (A wins), 1 (B wins), 2 (tie), 3 (both bad)")
        return cls(
            models=names,
            model_a=a,
            model_b=b,
            outcome=o.astype(np.int8),
            propensity=_optional_column(propensity, n, "propensity", positive=True),
            tstamp=_optional_column(tstamp, n, "tstamp"),
            style=_style_column(style, n),
            categories=_category_index(categories or {}, n),
        )

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any]]) -> Battles:
        """Battles from dicts with ``model_a``, ``model_b``, ``winner`` and optionally
        ``propensity`` (P(pair) when it was drawn), ``tstamp``, ``conv_metadata`` and
        ``categories`` (a list of strings)."""
        builder = RecordBuilder()
        for k, record in enumerate(records):
            builder.add(record, f"record {k}")
        return builder.build()

    @classmethod
    def from_counts(cls, models: Sequence[str], counts: npt.ArrayLike) -> Battles:
        """Battles from aggregated counts: ``counts[a, b, o]`` is the number of battles
        with ``models[a]`` on side A, ``models[b]`` on side B and outcome code ``o``."""
        names = tuple(str(m) for m in models)
        c = np.asarray(counts, dtype=np.float64)
        m = len(names)
        if c.shape != (m, m, 4):
            raise BadRequest(f"counts must have shape ({m}, {m}, 4), got {c.shape}")
        if not np.all(np.isfinite(c)) or np.any(c < 0):
            raise BadRequest("counts must be finite and non-negative")
        if np.any(c[np.arange(m), np.arange(m)] > 0):
            raise BadRequest("counts of a model against itself must be zero")
        return cls(models=names, pair_counts=c)

    # --- views ----------------------------------------------------------------------------

    @property
    def has_rows(self) -> bool:
        """True when per-battle columns exist (not an aggregates-only Battles)."""
        return self.model_a is not None

    def __len__(self) -> int:
        if self.model_a is not None:
            return int(self.model_a.shape[0])
        assert self.pair_counts is not None
        return int(round(self.pair_counts.sum()))

    def counts(self, weights: FloatArray | None = None) -> FloatArray:
        """``(m, m, 4)`` totals per (side-A model, side-B model, outcome), optionally of
        per-battle ``weights`` instead of ones. One bincount: cost is linear in battles."""
        m = len(self.models)
        if self.model_a is None:
            assert self.pair_counts is not None
            return self.pair_counts
        assert self.model_b is not None and self.outcome is not None
        key = (self.model_a * m + self.model_b) * 4 + self.outcome
        return (
            np.bincount(key, weights=weights, minlength=m * m * 4)
            .astype(np.float64)
            .reshape(m, m, 4)
        )

    def subset(self, index: npt.NDArray[np.int64] | npt.NDArray[np.bool_]) -> Battles:
        """The battles selected by an index or mask, keeping the model list."""
        if self.model_a is None:
            raise BadRequest("aggregated counts cannot be filtered by battle")
        idx = np.flatnonzero(index) if np.asarray(index).dtype == np.bool_ else np.asarray(index)
        n = len(self)
        cats: dict[str, IntArray] = {}
        if self.categories:
            position = np.full(n, -1, dtype=np.int64)
            position[idx] = np.arange(idx.shape[0])
            for tag, members in self.categories.items():
                kept = position[members]
                kept = np.sort(kept[kept >= 0])
                if kept.size:
                    cats[tag] = kept
        return Battles(
            models=self.models,
            model_a=self.model_a[idx],
            model_b=None if self.model_b is None else self.model_b[idx],
            outcome=None if self.outcome is None else self.outcome[idx],
            propensity=None if self.propensity is None else self.propensity[idx],
            tstamp=None if self.tstamp is None else self.tstamp[idx],
            style=None if self.style is None else self.style[idx],
            categories=cats,
            weight=None if self.weight is None else self.weight[idx],
        )

    def weighted(self, weight: FloatArray | None) -> Battles:
        """The same battles, each fitted with ``weight`` (non-negative, one per battle)."""
        if weight is not None and (weight.shape != (len(self),) or not self.has_rows
                                   or not np.all(np.isfinite(weight)) or np.any(weight < 0)):
            raise BadRequest("weights must be finite, non-negative and one per battle")
        return replace(self, weight=weight)

    def in_category(self, tag: str) -> Battles:
        """The battles tagged ``tag`` (an empty Battles when none is)."""
        members = self.categories.get(tag, np.zeros(0, dtype=np.int64))
        return self.subset(members)

    def chronological_order(self) -> IntArray:
        """Battle indices by timestamp (stable: ties and missing stamps keep file order)."""
        n = len(self)
        if self.tstamp is None or not n:
            return np.arange(n)
        stamps = np.where(np.isnan(self.tstamp), np.inf, self.tstamp)
        return np.argsort(stamps, kind="stable")


class RecordBuilder:
    """Accumulates records one by one (for streaming readers) and builds a ``Battles``."""

    def __init__(self) -> None:
        # Typed arrays, not lists: 8 bytes per number instead of a boxed float, which
        # keeps a 3-million-battle file well under a gigabyte while it is read.
        self.index: dict[str, int] = {}
        self.a = array("q")
        self.b = array("q")
        self.o = array("b")
        self.propensity = array("d")
        self.tstamp = array("d")
        self.style = array("f")
        self.tags: dict[str, list[int]] = {}
        self._seen_propensity = False
        self._seen_tstamp = False
        self._seen_style = False

    def model(self, name: Any, where: str) -> int:
        try:
            return self.index[name]
        except (KeyError, TypeError):
            pass
        if not isinstance(name, str) or not name:
            raise BadRequest(f"{where}: model names must be non-empty strings, got {name!r}")
        k = self.index[name] = len(self.index)
        return k

    def add(
        self,
        record: Mapping[str, Any],
        where: str,
        *,
        with_style: bool = True,
        tags: list[str] | None = None,
    ) -> None:
        """Append one battle; ``tags`` (when given) replace the record's own
        ``categories`` — readers pass derived tags without copying the record."""
        # Written for speed: this runs once per line of files with millions of lines,
        # so validation happens on the slow paths (first sight of a name, odd values).
        if not isinstance(record, Mapping):
            raise BadRequest(f"{where}: a battle must be an object, got {type(record).__name__}")
        try:
            name_a, name_b, label = record["model_a"], record["model_b"], record["winner"]
        except KeyError as exc:
            raise BadRequest(f"{where}: missing field {exc.args[0]!r}") from None
        a = self.model(name_a, where)
        b = self.model(name_b, where)
        if a == b:
            raise BadRequest(f"{where}: model_a and model_b are both {name_a!r}")
        n = len(self.a)
        self.a.append(a)
        self.b.append(b)
        self.o.append(winner_code(label, where))
        value = record.get("propensity")
        self.propensity.append(math.nan if value is None else self._propensity(value, where))
        stamp = record.get("tstamp")
        if type(stamp) is float or type(stamp) is int:
            self._seen_tstamp = True
            self.tstamp.append(stamp)
        else:
            self.tstamp.append(math.nan)
        meta = record.get("conv_metadata") if with_style else None
        if isinstance(meta, Mapping):
            self._seen_style = True
            self.style.extend(style_counts(meta))
        else:
            self.style.extend(_NO_STYLE)
        if tags is None:
            tags = record.get("categories")
        if tags:
            if isinstance(tags, str) or not all(isinstance(t, str) for t in tags):
                raise BadRequest(f"{where}: categories must be a list of strings")
            for tag in set(tags) if len(tags) > 1 else tags:
                self.tags.setdefault(tag, []).append(n)

    def _propensity(self, value: Any, where: str) -> float:
        if value is None:
            return math.nan
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise BadRequest(f"{where}: propensity must be a number in (0, 1]")
        if not 0.0 < value <= 1.0:
            raise BadRequest(f"{where}: propensity {value!r} is outside (0, 1]")
        self._seen_propensity = True
        return float(value)

    def build(self) -> Battles:
        names = [""] * len(self.index)
        for name, k in self.index.items():
            names[k] = name
        n = len(self.a)
        propensity = np.frombuffer(self.propensity) if self._seen_propensity else None
        if propensity is not None and np.isnan(propensity).any():
            first = int(np.flatnonzero(np.isnan(propensity))[0])
            raise BadRequest(
                f"record {first}: propensity missing; give it for every battle or for none"
            )
        return Battles(
            models=tuple(names),
            model_a=np.frombuffer(self.a, dtype=np.int64),
            model_b=np.frombuffer(self.b, dtype=np.int64),
            outcome=np.frombuffer(self.o, dtype=np.int8),
            propensity=propensity,
            tstamp=np.frombuffer(self.tstamp) if self._seen_tstamp else None,
            style=np.frombuffer(self.style, dtype=np.float32).reshape(n, 8)
            if self._seen_style
            else None,
            categories={t: np.array(v, dtype=np.int64) for t, v in self.tags.items()},
        )


_NO_STYLE = (math.nan,) * 8


def _optional_column(
    values: npt.ArrayLike | None, n: int, name: str, *, positive: bool = False
) -> FloatArray | None:
    if values is None:
        return None
    col = np.asarray(values, dtype=np.float64)
    if col.shape != (n,):
        raise BadRequest(f"{name} must have one value per battle")
    if positive and (not np.all(np.isfinite(col)) or np.any(col <= 0) or np.any(col > 1)):
        raise BadRequest(f"{name} must be in (0, 1] for every battle")
    return col


def _style_column(values: npt.ArrayLike | None, n: int) -> npt.NDArray[np.float32] | None:
    if values is None:
        return None
    col = np.asarray(values, dtype=np.float32)
    if col.shape != (n, 8):
        raise BadRequest("style must have shape (n, 8): tokens, headers, lists, bold of a then b")
    return col


def _category_index(categories: Mapping[str, npt.ArrayLike], n: int) -> dict[str, IntArray]:
    out: dict[str, IntArray] = {}
    for tag, members in categories.items():
        arr = np.asarray(members)
        idx = np.flatnonzero(arr) if arr.dtype == np.bool_ else np.unique(arr.astype(np.int64))
        if arr.dtype == np.bool_ and arr.shape != (n,):
            raise BadRequest(f"category {tag!r}: mask must have one value per battle")
        if idx.size and (idx[0] < 0 or idx[-1] >= n):
            raise BadRequest(f"category {tag!r}: battle index out of range")
        out[str(tag)] = idx
    return out
