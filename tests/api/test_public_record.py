"""The public record: a snapshot of the board is served whole at a permalink (by id, and
the daily one by its day), with the digest of its exact votes and its method; the public
download of those votes checks it (``arena history verify``), and a vote judged after the
snapshot — or a file edited — makes the check fail, saying what differs."""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from arena.app import create_app
from arena.cli import main as arena_main
from arena.record import digest, digest_of_battles, digest_of_votes, verify, vote_line
from arena.schemas import PublishedSnapshot
from tests.api.test_errors import assert_shape
from tests.api.test_history import ROSTER, unlimited, vote
from tests.conftest import running

NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_the_digest_is_the_sha256_of_the_sorted_lines():
    lines = [vote_line("b2", "x", "y", "tie"), vote_line("a1", "y", "x", "model_a")]
    expected = hashlib.sha256(b"a1\ty\tx\tmodel_a\nb2\tx\ty\ttie\n").hexdigest()
    assert digest(lines) == digest(lines[::-1]) == expected
    records = [{"question_id": "a1", "model_a": "y", "model_b": "x", "winner": "model_a"},
               {"question_id": "b2", "model_a": "x", "model_b": "y", "winner": "tie"}]
    assert digest_of_battles(records) == (expected, 2)
    with pytest.raises(ValueError, match="tab or a newline"):
        vote_line("a\tb", "x", "y", "tie")  # a field could otherwise fake another line


async def download(c: Any, path: Path, snapshot: int) -> Path:
    r = await c.get(f"/api/battles.jsonl?snapshot={snapshot}")
    assert r.status_code == 200, r.text
    path.write_bytes(r.content)
    return path


@pytest.mark.db
async def test_a_snapshot_is_cited_and_checked_from_the_public_download(fresh_db, tmp_path):
    settings = unlimited(fresh_db, min_votes=0, bootstrap_rounds=20, detection_interval_s=0)
    now = [NOON.timestamp()]
    app = create_app(settings, roster=ROSTER, clock=lambda: now[0])
    async with running(app) as c:
        history = app.state.services.history
        board = await vote(c, ["a", "b", "tie", "a", "both_bad", "a", "b"])
        snap_id = await history.run_once()
        assert snap_id is not None

        r = await c.get(f"/api/leaderboard/snapshots/{snap_id}")
        assert r.status_code == 200, r.text
        assert "immutable" in r.headers["cache-control"]
        kept = r.json()
        PublishedSnapshot.model_validate(kept)  # extra="forbid": every field declared
        assert kept["permalink"] == f"/api/leaderboard/snapshots/{snap_id}"
        assert kept["day"] == "2026-12-01" and kept["kind"] == "daily"
        assert kept["counted_votes"] == 7 == board["totals"]["counted_votes"]
        assert len(kept["votes_sha256"]) == 64
        assert kept["method"]["method"] == "bt" and kept["method"]["weighted"] is False
        assert kept["method"]["bootstrap_rounds"] == 20
        assert [m["model"] for m in kept["models"]] == [m["model"] for m in board["models"]]
        assert [m["rating"] for m in kept["models"]] == [m["rating"] for m in board["models"]]
        # The daily snapshot by its day, the citation "the board of 2026-12-01".
        assert (await c.get("/api/leaderboard/snapshots/2026-12-01")).json() == kept
        listed = (await c.get("/api/leaderboard/history")).json()["snapshots"]
        assert [s["permalink"] for s in listed] == [kept["permalink"]]

        # Votes after the snapshot change neither it nor its download.
        await vote(c, ["b", "b", "b"])
        assert (await c.get(f"/api/leaderboard/snapshots/{snap_id}")).json() == kept
        snapshot_file = tmp_path / "snapshot.json"
        snapshot_file.write_text(json.dumps(kept))
        battles = await download(c, tmp_path / "battles.jsonl", snap_id)
        assert len(battles.read_text().splitlines()) == 7
        result = verify(kept, str(battles))
        assert result["ok"] and result["digest_matches"] and result["ratings_match"], result
        assert result["votes_in_file"] == 7 and result["max_rating_diff"] <= 0.01

        # The same through the CLI, with no database: exit 0, then 1 on an edited file.
        assert arena_main(["history", "verify", str(snapshot_file), str(battles)]) == 0
        lines = battles.read_text().splitlines()
        first = json.loads(lines[0])
        first["winner"] = "model_b" if first["winner"] != "model_b" else "model_a"
        edited = tmp_path / "edited.jsonl"
        edited.write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n")
        assert arena_main(["history", "verify", str(snapshot_file), str(edited)]) == 1
        assert verify(kept, str(edited))["digest_matches"] is False

        # An operator excludes one of the snapshot's votes afterwards: the record no longer
        # matches the votes counted now, and the check says so.
        await app.state.services.store.set_review(first["question_id"], "excluded", "test")
        later = await download(c, tmp_path / "later.jsonl", snap_id)
        again = verify(kept, str(later))
        assert again["votes_in_file"] == 6 and again["digest_matches"] is False
        assert not again["ok"]


@pytest.mark.db
async def test_bad_snapshot_references_get_one_clear_error(fresh_db):
    async with running(create_app(unlimited(fresh_db), roster=ROSTER)) as c:
        assert_shape(await c.get("/api/leaderboard/snapshots/abc"), 400, "bad_snapshot")
        assert_shape(await c.get("/api/leaderboard/snapshots/2026-13-01"), 400, "bad_snapshot")
        assert_shape(await c.get("/api/leaderboard/snapshots/99"), 404, "no_snapshot")
        assert_shape(await c.get("/api/leaderboard/snapshots/2026-12-01"), 404, "no_snapshot")
        assert_shape(await c.get("/api/battles.jsonl?snapshot=99"), 404, "no_snapshot")
        assert_shape(await c.get("/api/battles.jsonl?snapshot=0"), 422)
        # Past an SQL INTEGER: no such snapshot, never the database's refusal (a 500).
        assert_shape(await c.get("/api/leaderboard/snapshots/2147483648"), 404, "no_snapshot")
        assert_shape(await c.get("/api/leaderboard/snapshots/999999999999"), 404,
                     "no_snapshot")
        assert_shape(await c.get("/api/battles.jsonl?snapshot=2147483648"), 422)


def test_verify_refuses_what_is_not_a_snapshot(tmp_path, capsys):
    bad = tmp_path / "not.json"
    bad.write_text("[1, 2]")
    battles = tmp_path / "b.jsonl"
    battles.write_text("")
    assert arena_main(["history", "verify", str(bad), str(battles)]) == 2
    assert "not a board snapshot" in capsys.readouterr().err
    assert arena_main(["history", "verify", str(tmp_path / "missing.json"), str(battles)]) == 2


def test_the_servers_digest_is_the_digest_of_its_lines():
    """digest_of_votes sorts by battle id and hashes in chunks; it must equal ``digest`` of
    the lines (ids of different lengths, one a prefix of another; a vote only down-weighted
    is not a counted vote)."""
    from arena.store import CountedVote

    rng = random.Random(7)
    at = datetime(2026, 12, 1, tzinfo=UTC)
    ids = ["ab", "abc", "a", "b9", *(f"{rng.getrandbits(64):x}" for _ in range(9000))]
    votes = [CountedVote(id=k, model_a=f"m{rng.randrange(5)}", model_b=f"n{rng.randrange(5)}",
                         winner=rng.choice(["a", "b", "tie", "both_bad"]), propensity=1.0,
                         conv_metadata=None, categories=[], created_at=at, turns=1,
                         battle_id=bid, counted=k % 10 != 3) for k, bid in enumerate(ids)]
    labels = {"a": "model_a", "b": "model_b", "tie": "tie", "both_bad": "tie (bothbad)"}
    lines = [vote_line(v.battle_id, v.model_a, v.model_b, labels[v.winner])
             for v in votes if v.counted]
    assert digest_of_votes(votes) == digest(lines)
    assert not votes[3].counted  # counting it changes the digest
    assert digest_of_votes([*votes[:3], replace(votes[3], counted=True), *votes[4:]]) != (
        digest(lines))
