"""``arena leaderboard``: the offline leaderboard of a Chatbot Arena battle file.

The top-level ``arena`` command owns the sub-command; this module only declares its
arguments (``add_arguments``) and runs it (``run``). It prints a table, or with
``--json`` exactly the JSON that GET /api/leaderboard returns. Bad input — a missing
file, a bad line, an unknown option value — prints ``arena: error: ...`` to stderr and returns
exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from arena.errors import ArenaError
from arena.ranking import bt
from arena.ranking.io import read_battles
from arena.ranking.leaderboard import (
    CI_METHODS,
    DEFAULT_BOOTSTRAP_ROUNDS,
    DEFAULT_MIN_VOTES,
    METHODS,
    compute_leaderboard,
    parse_anchor,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options of ``arena leaderboard`` on ``parser``."""
    parser.add_argument(
        "--battles",
        required=True,
        metavar="FILE",
        help="Chatbot Arena battle file (JSON array or JSON lines)",
    )
    parser.add_argument(
        "--method",
        choices=METHODS,
        default="bt",
        help="bt: Bradley-Terry, ties as half wins (default); elo: online Elo, K=4; "
        "davidson: the Davidson model, ties (and both-bad) as their own outcome",
    )
    parser.add_argument(
        "--style-control",
        action="store_true",
        help="hold answer length and markdown equal (needs conv_metadata)",
    )
    parser.add_argument(
        "--side-control",
        action="store_true",
        help="fit the ratings jointly with the left (side A) answer's advantage "
        "(Bradley-Terry only)",
    )
    parser.add_argument(
        "--category", metavar="C", help="only battles tagged C (e.g. lang:en, coding, multi_turn)"
    )
    parser.add_argument(
        "--ipw",
        action="store_true",
        help="weight battles by 1/P(pair) (needs a propensity per battle)",
    )
    parser.add_argument(
        "--ci", choices=CI_METHODS, default="bootstrap", help="interval method (default bootstrap)"
    )
    parser.add_argument(
        "--bootstrap",
        type=int,
        default=DEFAULT_BOOTSTRAP_ROUNDS,
        metavar="N",
        help=f"bootstrap rounds (default {DEFAULT_BOOTSTRAP_ROUNDS})",
    )
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    parser.add_argument(
        "--min-votes",
        type=int,
        default=DEFAULT_MIN_VOTES,
        metavar="N",
        help=f"list models with at least N votes (default {DEFAULT_MIN_VOTES})",
    )
    parser.add_argument(
        "--anchor",
        metavar="MODEL=RATING",
        help="pin one model to a rating instead of averaging 1000",
    )
    parser.add_argument(
        "--prior-sd",
        type=float,
        default=bt.PRIOR_SD_ELO,
        metavar="ELO",
        help=f"Bradley-Terry prior: true ratings spread about this many Elo points "
        f"(default {bt.PRIOR_SD_ELO:g}; 0: none, the maximum-likelihood fit)",
    )
    parser.add_argument("--json", action="store_true", help="print the API's JSON")


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run ``arena leaderboard``; returns the exit status."""
    out = out or sys.stdout
    try:
        anchor = parse_anchor(args.anchor) if args.anchor else None
        battles = read_battles(args.battles, with_style=args.style_control)
        board = compute_leaderboard(
            battles,
            method=args.method,
            style_control=args.style_control,
            side_control=args.side_control,
            category=args.category,
            ipw=args.ipw,
            bootstrap_rounds=args.bootstrap,
            seed=args.seed,
            min_votes=args.min_votes,
            anchor=anchor,
            ci=args.ci,
            prior_sd=args.prior_sd,
        )
    except ArenaError as exc:
        print(f"arena: error: {exc.message}", file=sys.stderr)
        return 2
    if args.category and not board["totals"]["battles"]:
        print(f"arena: error: {board['warnings'][0]}", file=sys.stderr)
        return 2
    if args.json:
        out.write(json.dumps(board, ensure_ascii=False, allow_nan=False, indent=1) + "\n")
    else:
        out.write(format_table(board))
    return 0


def format_table(board: dict[str, Any]) -> str:
    """A plain-text rendering of a leaderboard dict."""
    style = board["style_control"]
    head = f"{'rank':>4} {'spread':>7} {'tier':>4}  {'model':<40} {'rating':>8}  {'95% CI':>15} "
    head += f"{'votes':>7} "
    head += f"{'win%':>6} {'elo':>8}" + (f" {'Δrank':>6}" if style else "")
    swaps = "fragility" in board
    head += f" {'swap':>6}" if swaps else ""
    lines = [_title(board), "", head, "-" * len(head)]
    for e in board["models"]:
        ci = f"{e['ci_low'] - e['rating']:+.0f}/{e['ci_high'] - e['rating']:+.0f}"
        win = "" if e["win_rate"] is None else f"{100 * e['win_rate']:.1f}"
        elo = "" if e["elo"] is None else f"{e['elo']:.0f}"
        best, worst = e["rank_spread"]
        spread = f"{best}" if best == worst else f"{best}-{worst}"
        row = f"{e['rank']:>4} {spread:>7} {e['tier']:>4}  {e['model'][:40]:<40} "
        row += f"{e['rating']:>8.1f}  {ci:>15} "
        row += f"{e['votes']:>7} {win:>6} {elo:>8}"
        if style:
            row += f" {e.get('rank_change', 0):>+6d}"
        if swaps:
            row += f" {'' if e.get('swap_votes') is None else e['swap_votes']:>6}"
        lines.append(row)
    if board["unlisted"]:
        lines += ["", f"not listed ({len(board['unlisted'])}):"]
        lines += [f"  {u['model']} ({u['votes']} votes): {u['reason']}" for u in board["unlisted"]]
    if "davidson" in board:
        dv = board["davidson"]
        lines += ["", f"ties: nu {dv['nu']:.3f} [{dv['nu_ci'][0]:.3f}, {dv['nu_ci'][1]:.3f}]"
                  f", P(tie) between equal models {100 * dv['tie_rate_at_equal']:.1f}%"
                  f" ({dv['draws']} ties and both-bad votes, fitted as ties)"]
    if "style" in board:
        coefs = ", ".join(f"{k} {v:+.3f}" for k, v in board["style"]["coefficients"].items())
        lines += ["", f"style coefficients (log-odds per SD): {coefs}"]
    if board.get("side"):
        lines += ["", side_line(board["side"], board["side_control"])]
    lines += ["", "spread: the ranks a model can plausibly hold; tier: models of a better tier "
              "are surely above those of a worse one (both jointly at 95%)"]
    if swaps:
        lines += ["swap: the fewest votes whose removal puts the next model below above this "
                  "one (checked by refitting)"]
    lines += [f"warning: {w}" for w in board["warnings"]]
    return "\n".join(lines) + "\n"


METHOD_TITLES = {"bt": "Bradley-Terry", "elo": "online Elo (K=4)", "davidson": "Davidson"}


def side_line(side: dict[str, Any], controlled: bool) -> str:
    """One line on the left side's advantage, e.g. ``side A (left) advantage: +12.0 Elo
    [4.1, 19.9] ...``."""
    if side["elo"] is None:
        return "side A (left) advantage: not estimable"
    lo, hi = side["ci"]
    share = "" if side["a_win_share"] is None else (
        f", side A won {100 * side['a_win_share']:.1f}% of decided votes")
    held = " (ratings adjusted for it)" if controlled else ""
    return (f"side A (left) advantage: {side['elo']:+.1f} Elo [{lo:+.1f}, {hi:+.1f}] over "
            f"{side['battles']} battles{share}{held}")


def _title(board: dict[str, Any]) -> str:
    parts = [METHOD_TITLES[board["method"]]]
    if board["style_control"]:
        parts.append("style control")
    if board.get("side_control"):
        parts.append("side control")
    if board["ipw"]:
        parts.append("IPW")
    if board["category"]:
        parts.append(f"category {board['category']}")
    ci = board["ci_method"]
    if ci == "bootstrap":
        ci = f"bootstrap x{board['bootstrap_rounds']}"
    totals = board["totals"]
    return (
        f"{', '.join(parts)} - {totals['battles']} battles, {totals['models']} models, "
        f"95% CI by {ci}"
    )
