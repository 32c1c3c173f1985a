"""``compute_leaderboard``: battles in, the JSON-ready leaderboard out.

(About 400 lines on purpose: the option checks, the fits of every method and the board's
assembly are one pipeline; the shaping of the JSON is in ``output.py``.)

This is the one function the server (GET /api/leaderboard) and the offline CLI
(``arena leaderboard --json``) share, so both show the same numbers. What it promises:

* ratings on the Elo scale (the listed models average exactly 1000 — an average over
  listed models only, so that a barely-voted never-lost outlier cannot shift everyone
  — or a chosen model is pinned to a chosen rating), with 95% intervals and a rank with uncertainty:
  rank = 1 + the number of listed models whose interval lies entirely above mine;
* Bradley–Terry is a posterior mode under a N(0, σ²) prior, σ = ``prior_sd`` Elo (see
  ``bt``); its interval is the union of the resampling interval (bootstrap, or sandwich)
  and the posterior's normal interval, so that no interval is a point where resampling
  degenerates (a model that won everything, a pair seen twice);
* ``rank_spread`` and ``tier`` make one joint statement about the whole board, true with
  95% probability (``ranks``): each model's rank lies in its spread, and models of
  different tiers are in their true order;
* ``method="davidson"``: ties (and both-bad votes, folded into ties) are their own
  outcome, with a tie parameter ν fitted beside the ratings (``davidson``); the ratings
  are on the same Elo scale, under the same prior, and the ``davidson`` section gives ν
  with its 95% interval and the tie rate between equal models, ν/(2 + ν). Fragility stays
  a Bradley–Terry statement (not computed for it); style control is refused;
* ``side``: the advantage h of the answer shown on the left (side A), in Elo points,
  P(A beats B) = σ(θ_A − θ_B + h), with its 95% interval, the share of decided votes
  side A won and the battles of the main group it was fitted on (``side``); with
  ``side_control`` the ratings are the θ of that fit, under the board's prior with h as
  an offset (with style control too: h is then one more covariate of the style fit,
  fitted jointly, and its interval the style fit's);
* ``fragility`` (plain Bradley–Terry, without side control): for each model and the
  next one below it, the fewest votes whose removal would swap them, checked by
  refitting without them (``fragility``); ``swap_votes`` is that count on the upper
  model's row, and a board whose order a handful of votes decide says so in its warnings;
* a model is *listed* when it has at least ``min_votes`` votes and belongs to the main
  group of the comparison graph (the connected piece with the most votes). Others are
  returned under ``unlisted`` with the reason. Models in other pieces cannot be put on
  the same scale at all, so they are never rated; ``components`` names the pieces.
  The default ``DEFAULT_MIN_VOTES = 20`` suits small private arenas: with 20 votes a
  model's 95% interval is already about ±150 Elo, and below that its rank says little;
  low-vote models still inform everyone else's rating, they are just not shown;
* everything is plain JSON: floats rounded, ``None`` where a value does not exist (a
  pair that never met), never NaN or infinity. An empty data set gives an empty board.

The shape (fields may be added, none removed)::

    {"method": "bt" | "elo" | "davidson", "style_control": bool, "side_control": bool,
     "category": str | None, "ipw": bool,
     "ci_method": "bootstrap" | "sandwich", "bootstrap_rounds": int | None,
     "min_votes": int, "prior_sd": float | None, "anchor": {"model", "rating"} | None,
     "models": [{"model", "rating", "ci_low", "ci_high", "rank",
                 "rank_spread" ([best, worst]), "tier", "swap_votes", "votes", "wins",
                 "losses", "ties", "both_bad", "win_rate", "elo",
                 "rank_change" (style control only: plain rank − styled rank, so
                 positive means the model climbs once style is held equal)}, ...],
     "unlisted": [{"model", "votes", "reason"}, ...],
     "fragility": {"pairs": [{"above", "below", "position", "votes", "share"}, ...],
                   "handful": int, "fragile": bool},   # plain Bradley–Terry only
     "components": [[model, ...], ...]          # only when the graph is in pieces
     "matrices": {"models": [...], "win_rate": [[...]], "battles": [[...]],
                  "predicted": [[...]]},         # row model vs column model
     "davidson": {"nu", "nu_ci", "tie_rate_at_equal", "tie_rate_at_equal_ci",
                  "draws"},                     # method "davidson" only
     "style": {"coefficients", "coefficients_elo", "ci", "features", "feature_mean",
               "feature_std", "battles"},       # only with style control
     "side": {"elo", "ci" ([lo, hi]), "a_win_share", "battles"},  # whenever there are votes
     "totals": {"models": int, "battles": int},
     "warnings": [str, ...]}

``votes`` count battles (a model's appearances); ``win_rate`` counts ties and both-bad
as half a win, like the ratings. ``predicted`` is the model's expected score of the row
against the column: P(win) for online Elo and Bradley–Terry (ties as halves), P(win) +
½ P(tie) for Davidson, so that it compares with ``win_rate``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from arena.errors import BadRequest
from arena.ranking import bt, davidson, fragility, ranks, side
from arena.ranking.battles import Battles
from arena.ranking.contextual import (
    contextual_posterior_cov,
    fit_contextual,
    fit_with_sandwich,
    make_design,
)
from arena.ranking.elo import INITIAL, K_FACTOR, battles_elo
from arena.ranking.intervals import (
    bootstrap_bt,
    bootstrap_contextual,
    bootstrap_davidson,
    bootstrap_elo,
    normal_interval,
    percentile_interval,
    uncertainty_ranks,
)
from arena.ranking.output import Fit, entry, finish, matrices, unlisted
from arena.ranking.style import FEATURES, style_features
from arena.types import RANKING_METHODS

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

DEFAULT_MIN_VOTES = 20
DEFAULT_BOOTSTRAP_ROUNDS = 200
METHODS = RANKING_METHODS
CI_METHODS = ("bootstrap", "sandwich")
MIN_BOOTSTRAP_ROUNDS = 10
SCORE_OF_A = np.array([1.0, 0.0, 0.5, 0.5])  # per outcome code


def compute_leaderboard(
    battles: Battles,
    method: str = "bt",
    style_control: bool = False,
    category: str | None = None,
    ipw: bool = False,
    bootstrap_rounds: int = DEFAULT_BOOTSTRAP_ROUNDS,
    seed: int = 0,
    min_votes: int = DEFAULT_MIN_VOTES,
    anchor: tuple[str, float] | str | None = None,
    ci: str = "bootstrap",
    ridge: float | None = None,
    online_elo: bool = True,
    prior_sd: float = bt.PRIOR_SD_ELO,
    swaps: bool = True,
    side_control: bool = False,
) -> dict[str, Any]:
    """The leaderboard of ``battles`` as a JSON-ready dict (shape in the module docs).

    ``prior_sd``: the Bradley–Terry ratings' N(0, σ²) prior, σ in Elo points (0: the
    nearly flat ``bt.RIDGE``); ``ridge`` sets the prior's strength directly instead.
    ``online_elo=False`` leaves the reference ``elo`` column empty (None): it is the one
    part whose cost grows with battles, about 0.15 µs each. ``swaps=False`` leaves out
    the fragility of the order (``fragility``), the costliest part after the bootstrap.
    ``side_control`` fits the ratings jointly with the left-side advantage h (``side``);
    the ``side`` section reports h either way.
    """
    if isinstance(prior_sd, bool) or not (math.isfinite(prior_sd) and prior_sd >= 0):
        raise BadRequest("prior_sd must be a number of Elo points >= 0 (0: no prior)")
    ridge = bt.prior_ridge(prior_sd) if ridge is None else ridge
    _check_options(method, style_control, ci, bootstrap_rounds, min_votes, ridge)
    if side_control and method != "bt":
        raise BadRequest("Side control is a Bradley–Terry model: use method bt "
                         "(online Elo has no side term)")
    if method == "elo" and not battles.has_rows:
        raise BadRequest("online Elo needs battles in order, not aggregated counts")
    warnings: list[str] = []
    data = _select(battles, category, style_control, ipw, warnings)
    board: dict[str, Any] = {
        "method": method,
        "style_control": style_control,
        "side_control": side_control,
        "category": category,
        "ipw": ipw,
        "ci_method": ci,
        "bootstrap_rounds": bootstrap_rounds if ci == "bootstrap" else None,
        "min_votes": min_votes,
        "prior_sd": round(bt.prior_sd_elo(ridge), 2) if method != "elo" else None,
        "anchor": None,
        "models": [],
        "unlisted": [],
        "matrices": {"models": [], "win_rate": [], "battles": [], "predicted": []},
        "totals": {"models": 0, "battles": len(data)},
        "warnings": warnings,
    }
    weights = _ipw_weights(data) if ipw else None
    if data.weight is not None:  # per-vote weights of the caller (online Elo ignores them)
        weights = data.weight if weights is None else weights * data.weight
    counts = data.counts()
    cells = bt.fold_counts(
        counts,
        None if weights is None else data.counts(weights),
        None if weights is None else data.counts(weights**2),
    )
    stats = _model_stats(counts)
    voted = np.flatnonzero(stats["votes"] > 0)
    board["totals"]["models"] = int(voted.size)
    if not voted.size:
        return finish(board)
    groups = _groups(cells, voted, stats["votes"])
    main = groups[0]
    anchor_at = _anchor(anchor, data.models, main, board)
    listed = np.flatnonzero(stats["votes"][main] >= min_votes)
    gauge = _gauge(anchor_at, listed, main.shape[0])
    rng = np.random.default_rng(seed)
    sub = cells.restrict(main)
    log_nu: float | None = None  # Davidson's tie parameter, for the predicted scores
    side_cells = side.ordered_cells(
        counts,
        None if weights is None else data.counts(weights),
        None if weights is None else data.counts(weights**2),
    ).restrict(main)
    main_counts = counts[np.ix_(main, main)]
    in_main = int(round(main_counts.sum()))
    side_est = side.estimate(side_cells, ridge=ridge)
    board["side"] = side.section(side_est, main_counts, in_main)
    if not side.identified(side_cells):
        warnings.append("the left side's advantage cannot be told apart from the ratings "
                        "(the models met in a fixed left/right order): its estimate and, "
                        "with side control, the ratings rest on the prior")
    if method == "elo":
        fit = _elo_fit(data, main, ci, bootstrap_rounds, rng, anchor_at)
    elif method == "davidson":
        fit, board["davidson"], log_nu = _davidson_fit(sub, ci, bootstrap_rounds, rng, gauge,
                                                       ridge)
    elif style_control:
        fit, plain, board["style"], styled_side = _style_fit(
            data, weights, sub, main, ci, bootstrap_rounds, rng, gauge, ridge, side_control
        )
        if styled_side is not None:
            board["side"] = {**board["side"], **styled_side}
    elif side_control:
        fit = side.board_fit(side_cells, side_est, ci, bootstrap_rounds, rng, gauge, ridge)
    else:
        fit = _bt_fit(sub, ci, bootstrap_rounds, rng, gauge, ridge)
    ranks = uncertainty_ranks(fit.low[listed], fit.high[listed])
    order = listed[np.lexsort((ranks, -fit.rating[listed]))]
    rank_of = dict(zip(listed.tolist(), ranks.tolist(), strict=True))
    elo = battles_elo(data) if data.has_rows and online_elo else None
    change = None
    if style_control and method == "bt":
        plain_ranks = uncertainty_ranks(plain.low[listed], plain.high[listed])
        change = dict(zip(listed.tolist(), plain_ranks.tolist(), strict=True))
    spread = _rank_spread(fit, listed, seed)
    spread_at = {k: at for at, k in enumerate(listed.tolist())}
    swap_below: dict[int, int | None] = {}
    if method == "bt" and not style_control and not side_control and swaps:
        board["fragility"] = _fragility(sub, fit, order, main, data.models, ridge,
                                        len(data), warnings, swap_below)
    for k in order.tolist():
        model = int(main[k])
        row = entry(data.models[model], stats, model, fit, k, rank_of[k], elo)
        at = spread_at[k]
        row["rank_spread"] = [int(spread.best[at]), int(spread.worst[at])]
        row["tier"] = int(spread.tier[at])
        row["swap_votes"] = swap_below.get(k)
        if change is not None:
            # Positive = the model climbs once style is held equal.
            row["rank_change"] = int(change[k] - rank_of[k])
        board["models"].append(row)
    _warn_perfect_records(data.models, stats, main[listed], warnings, ridge)
    board["unlisted"] = unlisted(data.models, stats["votes"], groups, listed, min_votes)
    if len(groups) > 1:
        board["components"] = [[data.models[int(x)] for x in g] for g in groups]
    board["matrices"] = matrices(data.models, counts, main, order, fit, method, log_nu)
    return finish(board)


# --- options and data selection ----------------------------------------------------------


def _check_options(
    method: str, style: bool, ci: str, rounds: int, min_votes: int, ridge: float
) -> None:
    if method not in METHODS:
        raise BadRequest(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    if ci not in CI_METHODS:
        raise BadRequest(f"unknown ci method {ci!r}; use one of {', '.join(CI_METHODS)}")
    if style and method != "bt":
        raise BadRequest(f"style control is a Bradley–Terry model, not {method!r}; use method "
                         "'bt'")
    if ci == "sandwich" and method == "elo":
        raise BadRequest("online Elo has no sandwich estimator; use ci 'bootstrap'")
    if ci == "bootstrap" and (isinstance(rounds, bool) or rounds < MIN_BOOTSTRAP_ROUNDS):
        raise BadRequest(f"bootstrap needs at least {MIN_BOOTSTRAP_ROUNDS} rounds")
    if isinstance(min_votes, bool) or min_votes < 0:
        raise BadRequest("min_votes must be a whole number >= 0")
    if not (math.isfinite(ridge) and ridge > 0):
        raise BadRequest("ridge must be a positive number (it keeps never-lost models finite)")


def _select(
    battles: Battles, category: str | None, style: bool, ipw: bool, warnings: list[str]
) -> Battles:
    data = battles
    needs_rows = category is not None or style or ipw
    if needs_rows and not battles.has_rows:
        raise BadRequest("categories, style control and IPW need per-battle data, not counts")
    if category is not None:
        if category not in battles.categories:
            known = ", ".join(sorted(battles.categories)) or "none"
            warnings.append(f"no battles in category {category!r}; known categories: {known}")
        data = data.in_category(category)
    if style:
        if data.style is None:
            if len(data):
                raise BadRequest("style control needs conv_metadata on the battles; none has it")
            return data
        usable = cast("npt.NDArray[np.bool_]", np.isfinite(data.style).all(axis=1))
        if not usable.all():
            warnings.append(
                f"style control left out {int((~usable).sum())} battles "
                "without complete conv_metadata"
            )
            data = data.subset(usable)
    if ipw and data.propensity is None and len(data):
        raise BadRequest("IPW needs a propensity (sampling probability of the pair) per battle")
    return data


def _ipw_weights(data: Battles) -> FloatArray | None:
    if data.propensity is None:
        return None
    w = 1.0 / data.propensity
    # Mean-one weights keep the total in "votes", so the ridge prior and the bootstrap
    # sample size mean the same thing with and without IPW.
    return cast("FloatArray", w / w.mean())


def _anchor(
    anchor: tuple[str, float] | str | None,
    models: tuple[str, ...],
    main: IntArray,
    board: dict[str, Any],
) -> tuple[int, float] | None:
    if anchor is None:
        return None
    name, rating = parse_anchor(anchor) if isinstance(anchor, str) else anchor
    if not math.isfinite(rating):
        raise BadRequest("anchor rating must be a finite number")
    if name not in models:
        raise BadRequest(f"anchor model {name!r} has no battles here")
    where = np.flatnonzero(main == models.index(name))
    if not where.size:
        raise BadRequest(f"anchor model {name!r} is not connected to the main group of models")
    board["anchor"] = {"model": name, "rating": float(rating)}
    return int(where[0]), float(rating)


def _gauge(anchor: tuple[int, float] | None, listed: IntArray, m: int) -> bt.Gauge:
    weights = np.zeros(m)
    if anchor is not None:
        weights[anchor[0]] = 1.0
        return bt.Gauge(weights, anchor[1])
    members = listed if listed.size else np.arange(m)
    weights[members] = 1.0 / members.shape[0]
    return bt.Gauge(weights, bt.ELO_CENTER)


def parse_anchor(text: str) -> tuple[str, float]:
    """``"MODEL=RATING"`` -> (model, rating); the model name may itself contain '='."""
    name, sep, value = text.rpartition("=")
    try:
        rating = float(value)
    except ValueError:
        rating = math.nan
    if not sep or not name or not math.isfinite(rating):
        raise BadRequest(f"anchor must look like MODEL=RATING (e.g. gpt-4o=1200), got {text!r}")
    return name, rating


# --- per-model counts and the comparison graph -------------------------------------------


def _warn_perfect_records(models: Sequence[str], stats: dict[str, IntArray],
                          listed: IntArray, warnings: list[str], ridge: float) -> None:
    """A model that won (or lost) every vote, with no tie, has no finite maximum-likelihood
    rating: only the prior holds it, and its interval is the posterior's."""
    for k in listed.tolist():
        votes, wins, losses = (int(stats[x][k]) for x in ("votes", "wins", "losses"))
        if votes and (wins == votes or losses == votes):
            what = "won" if wins == votes else "lost"
            if ridge > bt.RIDGE:
                why = ("with nothing to weigh them against, its rating and interval rest on "
                       f"the prior (ratings spread about {bt.prior_sd_elo(ridge):.0f} "
                       "Elo points) as much as on its votes")
            else:
                why = "with no prior only the nearly flat ridge keeps its rating finite: " \
                      "its rating and interval say nothing yet"
            warnings.append(f"{models[k]} {what} all {votes} of its votes: {why}")


def _model_stats(counts: FloatArray) -> dict[str, IntArray]:
    as_a, as_b = counts.sum(axis=1), counts.sum(axis=0)  # (m, 4) by outcome code
    wins = as_a[:, 0] + as_b[:, 1]
    losses = as_a[:, 1] + as_b[:, 0]
    ties = as_a[:, 2] + as_b[:, 2]
    both_bad = as_a[:, 3] + as_b[:, 3]
    out = {
        "wins": wins,
        "losses": losses,
        "ties": ties,
        "both_bad": both_bad,
        "votes": wins + losses + ties + both_bad,
    }
    return {k: np.rint(v).astype(np.int64) for k, v in out.items()}


def _groups(cells: bt.Cells, voted: IntArray, votes: IntArray) -> list[IntArray]:
    comps = [g for g in bt.components(cells.m, cells.i, cells.j) if np.isin(g, voted).all()]
    comps.sort(key=lambda g: (-int(votes[g].sum()), -g.shape[0], int(g[0])))
    return comps


# --- the three estimators ----------------------------------------------------------------


def _bt_fit(
    cells: bt.Cells,
    ci: str,
    rounds: int,
    rng: np.random.Generator,
    gauge: bt.Gauge,
    ridge: float,
) -> Fit:
    theta = bt.fit(cells, ridge=ridge)
    rating = gauge.ratings(theta)
    if ci == "bootstrap":
        samples = gauge.ratings(bootstrap_bt(cells, theta, rounds, rng, ridge))
        low, high = percentile_interval(samples)
        other = _sample_cov(samples)
    else:
        sandwich = bt.sandwich(cells, theta, ridge=ridge)
        low, high = _elo_interval(theta, rating, sandwich, gauge)
        other = bt.ELO_SCALE**2 * sandwich
    post = bt.posterior_cov(cells, theta, ridge=ridge)
    post_low, post_high = _elo_interval(theta, rating, post, gauge)
    return Fit(rating, np.minimum(low, post_low), np.maximum(high, post_high), theta,
               cov=bt.ELO_SCALE**2 * post, wider=(other,))


def _davidson_fit(
    cells: bt.Cells,
    ci: str,
    rounds: int,
    rng: np.random.Generator,
    gauge: bt.Gauge,
    ridge: float,
) -> tuple[Fit, dict[str, Any], float]:
    """The Davidson ratings with intervals built as ``_bt_fit``'s (resampling ∪ the
    posterior's normal interval, so none is a point), and the board's ``davidson``
    section: ν with the same union of intervals, taken on log ν; and log ν̂."""
    m = cells.m
    params = davidson.fit(cells, ridge=ridge)
    theta, log_nu = params[:m], params[m:]
    rating = gauge.ratings(theta)
    if ci == "bootstrap":
        samples = bootstrap_davidson(cells, params, rounds, rng, ridge)
        ratings = gauge.ratings(samples[:, :m])
        low, high = percentile_interval(ratings)
        nu_low, nu_high = percentile_interval(samples[:, m:])
        other = _sample_cov(ratings)
    else:
        robust = davidson.sandwich(cells, params, ridge=ridge)
        low, high = _elo_interval(theta, rating, robust[:m, :m], gauge)
        nu_low, nu_high = normal_interval(log_nu, robust[m:, m:])
        other = bt.ELO_SCALE**2 * robust[:m, :m]
    post = davidson.posterior_cov(cells, params, ridge=ridge)
    post_low, post_high = _elo_interval(theta, rating, post[:m, :m], gauge)
    p_low, p_high = normal_interval(log_nu, post[m:, m:])
    nu = np.exp(np.r_[log_nu, np.minimum(nu_low, p_low), np.maximum(nu_high, p_high)])
    equal = nu / (2.0 + nu)
    section = {
        "nu": round(float(nu[0]), 5),
        "nu_ci": [round(float(nu[1]), 5), round(float(nu[2]), 5)],
        "tie_rate_at_equal": round(float(equal[0]), 5),
        "tie_rate_at_equal_ci": [round(float(equal[1]), 5), round(float(equal[2]), 5)],
        "draws": int(round(float(cells.counts[:, 2].sum()))),
    }
    fit = Fit(rating, np.minimum(low, post_low), np.maximum(high, post_high), theta,
              cov=bt.ELO_SCALE**2 * post[:m, :m], wider=(other,))
    return fit, section, float(log_nu[0])


def _sample_cov(samples: FloatArray) -> FloatArray:
    """(m, m) covariance of (rounds, m) resampled ratings."""
    return cast("FloatArray", np.atleast_2d(np.cov(samples, rowvar=False)))


def _rank_spread(fit: Fit, listed: IntArray, seed: int) -> ranks.RankSpread:
    """Rank spread and tiers of the listed models (simultaneous 95%, see ``ranks``)."""
    pick = np.ix_(listed, listed)
    cov = fit.cov[pick]
    se = ranks.pair_se(cov, *(w[pick] for w in fit.wider))
    rating = fit.rating[listed]
    above, _ = ranks.surely_above(rating, se, cov, seed=seed)
    return ranks.rank_spread(rating, above)


HANDFUL = 10  # a board whose order a swap of this many votes changes is flagged


def _fragility(cells: bt.Cells, fit: Fit, order: IntArray, main: IntArray,
               models: tuple[str, ...], ridge: float, total: int, warnings: list[str],
               swap_below: dict[int, int | None]) -> dict[str, Any]:
    """The ``fragility`` section: for each model and the one listed below it, the fewest
    votes whose removal puts the lower one above (``fragility``); fills ``swap_below``
    (main index -> that count) and warns where a handful of votes decide the order."""
    upper, lower = order[:-1], order[1:]
    found = fragility.votes_to_swap(cells, fit.theta, upper, lower, ridge=ridge)
    pairs: list[dict[str, Any]] = []
    counts: list[int | None] = []
    for at, (u, lo) in enumerate(zip(upper.tolist(), lower.tolist(), strict=True)):
        votes = int(found.votes[at]) if found.checked[at] else None
        swap_below[u] = votes
        counts.append(votes)
        pairs.append({"above": models[int(main[u])], "below": models[int(main[lo])],
                      "position": at + 1, "votes": votes,
                      "share": None if votes is None else round(votes / max(total, 1), 6)})
    fragile = [at for at, n in enumerate(counts) if n is not None and n <= HANDFUL]
    if fragile and fragile[0] == 0:
        n, top = counts[0], pairs[0]
        warnings.append(f"#1 and #2 ({top['above']}, {top['below']}) swap if {n} of the "
                        f"{total:,} votes {'is' if n == 1 else 'are'} dropped")
    if len(fragile) > (1 if fragile and fragile[0] == 0 else 0):
        warnings.append(f"{len(fragile)} of {len(pairs)} neighbouring pairs swap if "
                        f"{HANDFUL} or fewer votes are dropped")
    return {"pairs": pairs, "handful": HANDFUL, "fragile": bool(fragile)}


def _elo_interval(theta: FloatArray, rating: FloatArray, cov: FloatArray,
                  gauge: bt.Gauge) -> tuple[FloatArray, FloatArray]:
    """The normal 95% interval of the gauge-fixed ratings from a covariance of θ."""
    lo, hi = normal_interval(theta, cov, gauge.weights)
    return rating + bt.ELO_SCALE * (lo - theta), rating + bt.ELO_SCALE * (hi - theta)


def _elo_fit(
    data: Battles,
    main: IntArray,
    ci: str,
    rounds: int,
    rng: np.random.Generator,
    anchor: tuple[int, float] | None,
) -> Fit:
    assert data.model_a is not None and data.model_b is not None and data.outcome is not None
    ratings = battles_elo(data)[main]
    order = data.chronological_order()
    samples = bootstrap_elo(
        data.model_a[order],
        data.model_b[order],
        data.outcome[order],
        len(data.models),
        rounds,
        rng,
        k=K_FACTOR,
        initial=INITIAL,
    )[:, main]
    if anchor is not None:
        k, value = anchor
        ratings = ratings - ratings[k] + value
        samples = samples - samples[:, k : k + 1] + value
    low, high = percentile_interval(samples)
    return Fit(ratings, low, high, (ratings - INITIAL) / bt.ELO_SCALE,
               cov=_sample_cov(samples))


def _style_fit(
    data: Battles,
    weights: FloatArray | None,
    cells: bt.Cells,
    main: IntArray,
    ci: str,
    rounds: int,
    rng: np.random.Generator,
    gauge: bt.Gauge,
    ridge: float,
    side_control: bool = False,
) -> tuple[Fit, Fit, dict[str, Any], dict[str, Any] | None]:
    """Style-controlled fit, the plain fit on the same battles (for rank changes), the
    style section of the board and, with ``side_control``, h and its interval from the
    joint fit: the left side's advantage enters as one more covariate, constant 1 (it
    carries the board's ridge like the style coefficients, a prior of ``prior_sd`` Elo
    points on h: weak next to the votes of any board with a few hundred of them)."""
    assert data.model_a is not None and data.model_b is not None
    assert data.outcome is not None and data.style is not None
    position = np.full(len(data.models), -1, dtype=np.int64)
    position[main] = np.arange(main.shape[0])
    inside = position[data.model_a] >= 0
    # Index only when some battles fall outside the main group: copies of millions of
    # rows are not free.
    rows: slice | IntArray = slice(None) if inside.all() else np.flatnonzero(inside)
    feats, scaling = style_features(data.style[rows])
    if side_control:
        feats = np.column_stack([feats, np.ones(feats.shape[0])])
    design = make_design(
        int(main.shape[0]),
        position[data.model_a[rows]],
        position[data.model_b[rows]],
        SCORE_OF_A[data.outcome[rows]],
        np.ones(feats.shape[0]) if weights is None else weights[rows],
        feats,
    )
    plain = _bt_fit(cells, ci, rounds, rng, gauge, ridge)
    start = np.concatenate([plain.theta, np.zeros(feats.shape[1])])
    m = design.m
    if ci == "bootstrap":
        params = fit_contextual(design, ridge=ridge, start=start)
        samples = bootstrap_contextual(design, params, rounds, rng, ridge)
        low, high = percentile_interval(gauge.ratings(samples[:, :m]))
        beta_low, beta_high = percentile_interval(samples[:, m:])
        theta = params[:m]
        rating = gauge.ratings(theta)
        other = _sample_cov(bt.ELO_SCALE * samples[:, :m])
    else:
        params, cov = fit_with_sandwich(design, ridge=ridge, start=start)
        theta = params[:m]
        rating = gauge.ratings(theta)
        low, high = _elo_interval(theta, rating, cov[:m, :m], gauge)
        beta_low, beta_high = normal_interval(params[m:], cov[m:, m:])
        other = bt.ELO_SCALE**2 * cov[:m, :m]
    # Where resampling degenerates (separable data), the posterior's interval.
    post = contextual_posterior_cov(design, params, ridge=ridge)
    post_low, post_high = _elo_interval(theta, rating, post[:m, :m], gauge)
    low, high = np.minimum(low, post_low), np.maximum(high, post_high)
    b_low, b_high = normal_interval(params[m:], post[m:, m:])
    beta_low, beta_high = np.minimum(beta_low, b_low), np.maximum(beta_high, b_high)
    styled_side = None
    if side_control:
        styled_side = {"elo": round(float(params[-1] * bt.ELO_SCALE), 2),
                       "ci": [round(float(beta_low[-1] * bt.ELO_SCALE), 2),
                              round(float(beta_high[-1] * bt.ELO_SCALE), 2)]}
        params, beta_low, beta_high = params[:-1], beta_low[:-1], beta_high[:-1]
    beta = params[m:]
    fit = Fit(rating, low, high, theta, cov=bt.ELO_SCALE**2 * post[:m, :m],
              wider=(other,))
    section = {
        "coefficients": _named(beta, 4),
        "coefficients_elo": _named(beta * bt.ELO_SCALE, 2),
        "ci": {
            f: [round(float(lo_), 4), round(float(hi_), 4)]
            for f, lo_, hi_ in zip(FEATURES, beta_low, beta_high, strict=True)
        },
        "features": "(a - b) / (a + b + 1) of answer tokens, markdown headers, list items "
        "and bold spans, standardised; coefficients are log-odds per SD",
        "feature_mean": _named(np.array(list(scaling["mean"].values())), 4),
        "feature_std": _named(np.array(list(scaling["std"].values())), 4),
        "battles": design.n,
    }
    return fit, plain, section, styled_side


def _named(values: FloatArray, digits: int) -> dict[str, float]:
    return {f: round(float(v), digits) for f, v in zip(FEATURES, values, strict=True)}
