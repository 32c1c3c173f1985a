"""Codename models: a model with a roster ``codename`` plays under it — the reveal, the
boards, the CSV, the downloads, the personal board, /api/info, shared battles and the
snapshots show the codename and never the real name. Unveiling it (``unveiled = true``,
the same votes) relabels the board and its history; the snapshots taken before keep what
they published, and their downloads still check against them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from arena.app import create_app
from arena.errors import ConfigError
from arena.record import verify
from arena.settings import parse_roster
from tests.api.test_history import unlimited, vote
from tests.conftest import fake, running

REAL = "orion-large-2"  # a name that appears in no persona's text
CODE = "nebula-mystery"
NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def roster(*, unveiled: bool = False) -> Any:
    return parse_roster({"models": [
        fake(REAL, "concise") | {"codename": CODE, "unveiled": unveiled},
        fake("beta-2", "verbose"), fake("gamma-3", "concise")]}, source="codename roster")


def settings(fresh_db: Any) -> Any:
    return unlimited(fresh_db, min_votes=0, bootstrap_rounds=20, detection_interval_s=0,
                     share_battles=True)


PUBLIC_READS = ["/api/leaderboard", "/api/leaderboard.csv", "/api/battles.jsonl",
                "/api/me/leaderboard", "/api/info", "/api/leaderboard/history",
                "/api/leaderboard?method=elo", "/api/leaderboard?method=davidson",
                "/api/leaderboard?style_control=true", "/api/models"]


@pytest.mark.db
async def test_a_codename_hides_the_model_until_unveiled(fresh_db, tmp_path):
    now = [NOON.timestamp()]
    app = create_app(settings(fresh_db), roster=roster(), clock=lambda: now[0])
    async with running(app) as c:
        board = await vote(c, ["a", "b", "tie", "a", "b", "a", "b", "a"])
        assert CODE in {m["model"] for m in board["models"]}
        # Every battle's reveal names the codename.
        seen: set[str] = set()
        for _ in range(6):
            r = await c.post("/api/battles", json={"prompt": "Explain rainbows briefly."})
            bid = r.json()["id"]
            async with c.stream("GET", f"/api/battles/{bid}/stream") as s:
                await s.aread()
            result = (await c.post(f"/api/battles/{bid}/vote", json={"winner": "a"})).json()
            seen |= {result["model_a"], result["model_b"]}
            revealed = (await c.get(f"/api/battles/{bid}")).json()
            assert REAL not in json.dumps(revealed)
            if CODE in (result["model_a"], result["model_b"]):
                link = (await c.post(f"/api/battles/{bid}/share")).json()
                shared = (await c.get(f"/api/shared/{link['slug']}")).text
                assert CODE in shared and REAL not in shared
        assert REAL not in seen and seen <= {CODE, "beta-2", "gamma-3"}
        snap_id = await app.state.services.history.run_once()
        assert snap_id is not None
        kept = (await c.get(f"/api/leaderboard/snapshots/{snap_id}")).json()
        for path in PUBLIC_READS + [f"/api/leaderboard/snapshots/{snap_id}",
                                    f"/api/battles.jsonl?snapshot={snap_id}"]:
            r = await c.get(path)
            assert r.status_code == 200, (path, r.text)
            assert REAL not in r.text, path
        assert kept["method"]["codenames"] == [CODE]
        assert CODE in {m["model"] for m in kept["models"]}
        await app.state.services.leaderboard.refresh()  # every vote cast, on the board
        veiled_board = (await c.get("/api/leaderboard")).json()

    # Unveiled: the same votes under the model's name, the history relabelled.
    now[0] += 24 * 3600
    app = create_app(settings(fresh_db), roster=roster(unveiled=True), clock=lambda: now[0])
    async with running(app) as c:
        await app.state.services.leaderboard.refresh()
        board = (await c.get("/api/leaderboard")).json()
        names = {m["model"] for m in board["models"]}
        assert REAL in names and CODE not in names
        before = {m["model"]: m["rating"] for m in veiled_board["models"]}
        after = {m["model"]: m["rating"] for m in board["models"]}
        # The same votes: the same fit, whatever the name (models are ordered by name).
        assert after[REAL] == pytest.approx(before[CODE], abs=0.02)
        assert after["beta-2"] == pytest.approx(before["beta-2"], abs=0.02)
        assert await app.state.services.history.run_once() is not None
        history = (await c.get("/api/leaderboard/history")).json()
        series = {m["model"]: len(m["points"]) for m in history["models"]}
        assert series[REAL] == 2 and CODE not in series  # one series, both days
        # The old snapshot is what it was; its download still checks against it.
        old = (await c.get(f"/api/leaderboard/snapshots/{snap_id}")).json()
        assert old == kept
        votes_file = tmp_path / "votes.jsonl"
        votes_file.write_bytes((await c.get(f"/api/battles.jsonl?snapshot={snap_id}")).content)
        assert CODE in votes_file.read_text() and REAL not in votes_file.read_text()
        checked = verify(kept, str(votes_file))
        assert checked["ok"], checked
        assert REAL in (await c.get("/api/battles.jsonl")).text


@pytest.mark.parametrize(("models", "problem"), [
    ([fake("a-1") | {"codename": "b-2"}, fake("b-2")], "already a name"),
    ([fake("a-1") | {"codename": "x"}, fake("b-2") | {"codename": "x"}], "another codename"),
    ([fake("a-1") | {"unveiled": True}, fake("b-2")], "no codename"),
])
def test_codenames_must_be_unique_public_names(models: list[dict[str, Any]],
                                               problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        parse_roster({"models": models})
