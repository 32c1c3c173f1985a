"""Shaping a fitted leaderboard into its JSON: model entries, unlisted models, matrices.

Promises: plain JSON types only (int, float, str, None, lists, dicts), floats rounded,
never NaN or infinity (``clean`` replaces any that slipped through by None).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from arena.ranking import bt, davidson

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Fit:
    """Ratings of the main group's models (Elo scale) with their 95% intervals."""

    rating: FloatArray
    low: FloatArray
    high: FloatArray
    theta: FloatArray  # natural-unit strengths, for predicted win probabilities
    # For the rank spread (Elo², over the same models): the covariance whose correlation
    # sets the simultaneous critical value, and the others that widen a pair's error.
    cov: FloatArray
    wider: tuple[FloatArray, ...] = ()


def entry(
    name: str,
    stats: dict[str, IntArray],
    model: int,
    fit: Fit,
    k: int,
    rank: int,
    elo: FloatArray | None,
) -> dict[str, Any]:
    votes = int(stats["votes"][model])
    score = stats["wins"][model] + 0.5 * (stats["ties"][model] + stats["both_bad"][model])
    return {
        "model": name,
        "rating": round(float(fit.rating[k]), 2),
        "ci_low": round(float(fit.low[k]), 2),
        "ci_high": round(float(fit.high[k]), 2),
        "rank": int(rank),
        "votes": votes,
        "wins": int(stats["wins"][model]),
        "losses": int(stats["losses"][model]),
        "ties": int(stats["ties"][model]),
        "both_bad": int(stats["both_bad"][model]),
        "win_rate": round(float(score / votes), 4) if votes else None,
        "elo": None if elo is None else round(float(elo[model]), 2),
    }


def unlisted(
    models: tuple[str, ...],
    votes: IntArray,
    groups: list[IntArray],
    listed: IntArray,
    min_votes: int,
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    shown = set(groups[0][listed].tolist())
    for g, members in enumerate(groups):
        for x in members.tolist():
            if x in shown:
                continue
            if g == 0:
                reason = f"fewer than {min_votes} votes"
            else:
                reason = (
                    f"not comparable: no chain of battles links it to the main group "
                    f"(it is in component {g + 1} of {len(groups)})"
                )
            out.append({"model": models[x], "votes": int(votes[x]), "reason": reason})
    out.sort(key=lambda e: (-e["votes"], e["model"]))
    return out


def matrices(
    models: tuple[str, ...],
    counts: FloatArray,
    main: IntArray,
    order: IntArray,
    fit: Fit,
    method: str,
    log_nu: float | None = None,
) -> dict[str, Any]:
    """Observed win rate (ties as halves), battle counts and the predicted score of the row
    against the column among the listed models, in leaderboard order. Predictions come
    from the fitted strengths (with style control: between answers of equal style; with
    Davidson, ``log_nu`` given: P(win) + ½ P(tie))."""
    idx = main[order]
    won = counts[:, :, 0] + counts[:, :, 1].T  # row beat column, either side
    half = 0.5 * (counts[:, :, 2] + counts[:, :, 3])
    half = half + half.T
    n = counts.sum(axis=2)
    n = n + n.T
    score = (won + half)[np.ix_(idx, idx)]
    total = n[np.ix_(idx, idx)]
    if method == "elo":
        r = fit.rating[order]
        pred = 1.0 / (1.0 + 10.0 ** ((r[None, :] - r[:, None]) / 400.0))
    elif log_nu is not None:
        pred = davidson.expected_score(fit.theta[order], log_nu)
    else:
        pred = bt.predicted(fit.theta[order])
    k = idx.shape[0]
    win_rate = [
        [
            None if i == j or total[i, j] == 0 else round(float(score[i, j] / total[i, j]), 4)
            for j in range(k)
        ]
        for i in range(k)
    ]
    predicted = [
        [None if i == j else round(float(pred[i, j]), 4) for j in range(k)] for i in range(k)
    ]
    return {
        "models": [models[int(x)] for x in idx],
        "win_rate": win_rate,
        "battles": np.rint(total).astype(int).tolist(),
        "predicted": predicted,
    }


def finish(board: dict[str, Any]) -> dict[str, Any]:
    """Replace any non-finite float by None: the board must always be valid JSON."""
    return cast("dict[str, Any]", clean(board))


def clean(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list):
        # Flat lists (matrix rows) are the bulk: clean them without a call per cell.
        return [
            clean(v)
            if isinstance(v, (dict, list))
            else (None if isinstance(v, float) and not math.isfinite(v) else v)
            for v in value
        ]
    return value
