"""The public record: board snapshots a reader can cite and check later.

Every snapshot (``arena/history.py``: daily, and on demand) is immutable — the store has
no way to change one — and is served at a permalink, ``/api/leaderboard/snapshots/{id}``
(the daily one also by its UTC day: ``…/snapshots/2026-12-01``). With its ratings it
keeps what a reader needs to check it:

- ``votes_sha256``, the SHA-256 of the exact counted votes the board was computed from.
  Each vote is one line ``question_id TAB model_a TAB model_b TAB winner LF`` (``winner``
  in the Chatbot Arena labels of the battle file: ``model_a``, ``model_b``, ``tie``,
  ``tie (bothbad)``), the lines sorted, UTF-8. The public download of the same votes,
  ``/api/battles.jsonl?snapshot={id}``, carries exactly those fields, so the digest is
  recomputed from the file alone (``arena history verify``).
- ``method``, the ranking method and every setting the board depends on, so the ratings
  are recomputed from the same file with the same code.

What a check can tell. The download holds the votes counted *now*: a vote judged later
(the detection job, an operator's review) drops out of it, and the digest then differs —
the check says the record changed, which is the point. A board whose votes carried
weights (down-weighted manipulation, an influence cap: ``method.weighted``) cannot be
recomputed from the public file, which has no weights; its digest can still be checked.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from importlib import metadata
from operator import attrgetter
from typing import Any

from arena.settings import Settings
from arena.store import CountedVote
from arena.types import ARENA_WINNER

DIGEST = "sha256 of sorted lines: question_id\\tmodel_a\\tmodel_b\\twinner\\n"


def vote_line(question_id: str, model_a: str, model_b: str, winner: str) -> str:
    """One vote's line of the digest (``winner`` as the battle file writes it)."""
    for field in (question_id, model_a, model_b, winner):
        if "\t" in field or "\n" in field:
            raise ValueError(f"a digest field holds a tab or a newline: {field[:40]!r}")
    return f"{question_id}\t{model_a}\t{model_b}\t{winner}\n"


def digest(lines: Iterable[str]) -> str:
    """The SHA-256 of the lines, sorted (so no order of reading can change it)."""
    h = hashlib.sha256()
    for line in sorted(lines):
        h.update(line.encode())
    return h.hexdigest()


def digest_of_votes(records: Sequence[CountedVote]) -> str:
    """The digest of the board's counted votes (the server's side). Votes read only to be
    down-weighted (``counted`` False) are not counted votes and are not in it.

    The same as ``digest`` of their lines, without holding every line at once (3M lines
    would be about 400 MB): a battle has one vote, so sorting the lines is sorting by
    battle id — a tab sorts before any character of an id, so an id that is a prefix of
    another comes first either way — and the lines are hashed a few thousand at a time."""
    h = hashlib.sha256()
    kept = sorted((r for r in records if r.counted), key=attrgetter("battle_id"))
    for name in {r.model_a for r in kept} | {r.model_b for r in kept}:
        vote_line("", name, "", "")  # vote_line's refusal of a tab or newline, once a name
    for start in range(0, len(kept), 4096):
        h.update("".join(f"{r.battle_id}\t{r.model_a}\t{r.model_b}\t{ARENA_WINNER[r.winner]}\n"
                         for r in kept[start:start + 4096]).encode())
    return h.hexdigest()


def digest_of_battles(records: Iterable[Mapping[str, Any]]) -> tuple[str, int]:
    """The digest of a battle file's records (the reader's side), and how many there were."""
    lines = [vote_line(str(r["question_id"]), str(r["model_a"]), str(r["model_b"]),
                       str(r["winner"])) for r in records]
    return digest(lines), len(lines)


def board_method(settings: Settings, *, weighted: bool) -> dict[str, Any]:
    """What the server's default board was computed with (``LeaderboardCache._compute``),
    enough to compute it again from the votes."""
    try:
        version = metadata.version("arena")
    except metadata.PackageNotFoundError:  # run from a source tree that is not installed
        version = "unknown"
    return {
        "method": "bt", "ci": "bootstrap", "bootstrap_rounds": settings.bootstrap_rounds,
        "seed": 0, "min_votes": settings.min_votes, "prior_sd": settings.prior_sd,
        "style_control": False, "ipw": False,
        "manipulation_action": settings.manipulation_action,
        "influence_max_share": settings.influence_max_share,
        "weighted": weighted, "digest": DIGEST, "arena_version": version,
    }


RATING_TOLERANCE = 0.01  # Elo points: the board is recomputed, not copied, so floats


def verify(snapshot: Mapping[str, Any], battles_path: str) -> dict[str, Any]:
    """Check a snapshot (its permalink's JSON) against a battle file (its
    ``/api/battles.jsonl?snapshot={id}``): the digest of the file's votes, their number, and —
    unless the board's votes carried weights — the ratings, intervals and ranks computed
    again from the file with the snapshot's method. ``ok`` is True only when every check
    that could run agrees."""
    from arena.ranking import compute_leaderboard
    from arena.ranking.io import iter_records, read_battles

    records = [r for _, r in iter_records(battles_path) if isinstance(r, dict)]
    file_digest, n = digest_of_battles(records)
    method = snapshot.get("method") or {}
    out: dict[str, Any] = {
        "snapshot": snapshot.get("id"), "votes_in_file": n,
        "counted_votes": snapshot.get("counted_votes"), "votes_sha256": file_digest,
        "digest_matches": (snapshot.get("votes_sha256") == file_digest
                           if snapshot.get("votes_sha256") else None),
        "ratings_match": None, "max_rating_diff": None, "differences": [],
    }
    if method and not method.get("weighted") and method.get("method") == "bt":
        board = compute_leaderboard(
            read_battles(battles_path), method="bt", bootstrap_rounds=method["bootstrap_rounds"],
            seed=method["seed"], min_votes=method["min_votes"], prior_sd=method["prior_sd"],
            ci=method.get("ci", "bootstrap"), online_elo=False)
        ours = {m["model"]: m for m in board["models"]}
        worst = 0.0
        diffs: list[str] = []
        for kept in snapshot.get("models", []):
            again = ours.pop(kept["model"], None)
            if again is None:
                diffs.append(f"{kept['model']}: on the snapshot, not on the board computed again")
                continue
            for key in ("rating", "ci_low", "ci_high"):
                a, b = kept.get(key), again.get(key)
                if a is None or b is None:
                    if a != b:
                        diffs.append(f"{kept['model']} {key}: {a} kept, {b} computed")
                    continue
                worst = max(worst, abs(float(a) - float(b)))
                if abs(float(a) - float(b)) > RATING_TOLERANCE:
                    diffs.append(f"{kept['model']} {key}: {a} kept, {b} computed")
            if kept.get("rank") != again.get("rank"):
                diffs.append(f"{kept['model']} rank: {kept.get('rank')} kept, "
                             f"{again.get('rank')} computed")
        diffs += [f"{m}: on the board computed again, not on the snapshot" for m in ours]
        out.update(ratings_match=not diffs, max_rating_diff=worst, differences=diffs)
    checks = [out["digest_matches"], out["ratings_match"],
              n == snapshot.get("counted_votes")]
    out["ok"] = all(c is not False for c in checks) and out["digest_matches"] is True
    return out
