"""The board over time through the app: the daily job (driven by the app's clock) takes
one snapshot a UTC day of the board the cache already holds, an operator's snapshot comes
on top, and ``GET /api/leaderboard/history`` filters by model and time, limits, and
refuses bad input in the one error shape."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from arena.app import create_app
from arena.history import BoardHistory, snapshot_of
from arena.ranking import Battles, compute_leaderboard
from arena.schemas import BoardHistory as HistorySchema
from arena.store import BoardSnapshot, SnapshotEntry
from tests.api.test_errors import assert_shape
from tests.conftest import fake, fake_roster, run_turn, running

ROSTER = fake_roster(fake("alpha-1", "concise"), fake("beta-2", "verbose"),
                     fake("gamma-3", "concise"))
LATE = datetime(2026, 3, 1, 23, 0, tzinfo=UTC)  # an hour before a UTC day turns


def unlimited(settings: Any, **extra: Any) -> Any:
    return settings.model_copy(update={"battles_per_minute_voter": 0, "votes_per_minute_voter": 0,
                                       "votes_per_minute_ip": 0, "battles_per_minute_ip": 0,
                                       "votes_per_day_voter": 0, "votes_per_day_ip": 0,
                                       "history_interval_s": 0, **extra})


async def vote(c: Any, winners: list[str]) -> dict[str, Any]:
    before = (await c.get("/api/leaderboard")).json()["totals"]["counted_votes"]
    for i, winner in enumerate(winners):
        r = await c.post("/api/battles", json={"prompt": f"Explain topic number {i}."})
        assert r.status_code == 201, r.text
        bid = r.json()["id"]
        await run_turn(c, bid)
        r = await c.post(f"/api/battles/{bid}/vote", json={"winner": winner})
        assert r.status_code == 200, r.text
    for _ in range(200):  # the board is recomputed in the background
        board: dict[str, Any] = (await c.get("/api/leaderboard")).json()
        if board["totals"]["counted_votes"] == before + len(winners):
            return board
        await asyncio.sleep(0.05)
    raise AssertionError(f"the board did not catch up: {board['totals']}")


async def test_one_snapshot_a_day_of_the_cached_board(fresh_db):
    now = [LATE.timestamp()]
    app = create_app(unlimited(fresh_db), roster=ROSTER, clock=lambda: now[0])
    async with running(app) as c:
        services = app.state.services
        history = services.history
        assert await history.run_once() is None  # no votes: no listed model, nothing kept
        empty = (await c.get("/api/leaderboard/history")).json()
        assert empty["snapshots"] == [] and empty["models"] == []
        first_board = await vote(c, ["a", "b", "tie", "a", "b", "a"])
        assert await history.run_once() is not None
        assert await history.run_once() is None  # the same day: kept once
        # Another worker, with nothing in memory, the same day: the database says done.
        other = BoardHistory(services.leaderboard, services.store, services.settings,
                             clock=lambda: now[0])
        assert await other.run_once() is None
        second_board = await vote(c, ["b", "b", "a"])
        now[0] += 2 * 3600  # 01:00 the next day (UTC)
        assert await history.run_once() is not None
        on_demand = await history.take_now()
        assert on_demand.id is not None and on_demand.kind == "on_demand"

        r = await c.get("/api/leaderboard/history")
        assert r.status_code == 200, r.text
        body = r.json()
        HistorySchema.model_validate(body)  # extra="forbid": every field declared
        assert [(s["kind"], s["day"], s["last_vote_id"]) for s in body["snapshots"]] == [
            ("daily", "2026-03-01", first_board["totals"]["last_vote_id"]),
            ("daily", "2026-03-02", second_board["totals"]["last_vote_id"]),
            ("on_demand", None, second_board["totals"]["last_vote_id"])]
        assert body["snapshots"][0]["taken_at"] == LATE.isoformat()
        # Each point is the board the cache held then, copied, not refitted.
        by_model = {m["model"]: m["points"] for m in body["models"]}
        assert set(by_model) == {m["model"] for m in second_board["models"]}
        for board, k in ((first_board, 0), (second_board, 1)):
            for m in board["models"]:
                point = by_model[m["model"]][k]
                assert point == {"taken_at": body["snapshots"][k]["taken_at"],
                                 **{f: m[f] for f in ("rating", "ci_low", "ci_high", "votes",
                                                      "rank")}}
        # Models come in the newest snapshot's order, which is the board's.
        assert [m["model"] for m in body["models"]] == [m["model"]
                                                        for m in second_board["models"]]


async def test_the_server_takes_the_day_at_start_up(fresh_db):
    """The loop is wired in: a worker starting with votes stored takes the day's snapshot
    at once, and a second worker started on the same database does not add one."""
    settings = unlimited(fresh_db)
    async with running(create_app(settings, roster=ROSTER)) as c:
        await vote(c, ["a", "b", "a", "tie", "b"])
    looping = settings.model_copy(update={"history_interval_s": 0.05})
    async with running(create_app(looping, roster=ROSTER)) as c, \
            running(create_app(looping, roster=ROSTER)) as c2:
        for _ in range(100):
            body = (await c.get("/api/leaderboard/history")).json()
            if body["snapshots"]:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)  # several more checks by both workers
        body = (await c2.get("/api/leaderboard/history")).json()
        assert [s["kind"] for s in body["snapshots"]] == ["daily"]
        assert body["snapshots"][0]["day"] == body["snapshots"][0]["taken_at"][:10]


NOON = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def designed(k: int) -> BoardSnapshot:
    """Day k: alpha always listed, beta from day 2 on, gamma only on day 0."""
    names = ["alpha"] + (["beta"] if k >= 2 else []) + (["gamma"] if k == 0 else [])
    return BoardSnapshot(
        taken_at=NOON + timedelta(days=k), variant="default",
        scheduled_day=(NOON + timedelta(days=k)).date(), last_vote_id=10 * (k + 1),
        counted_votes=10 * (k + 1),
        models=[SnapshotEntry(model=n, rating=1000.0 + 10 * k - 20 * i, ci_low=950.0 + k,
                              ci_high=1050.0 + k, votes=5 + k, rank=i + 1)
                for i, n in enumerate(names)])


@pytest.fixture
async def client_with_history(fresh_db):
    app = create_app(unlimited(fresh_db), roster=ROSTER)
    async with running(app) as c:
        for k in range(5):
            assert await app.state.services.store.add_snapshot(designed(k)) is not None
        yield c


async def get(c: Any, **params: Any) -> dict[str, Any]:
    r = await c.get("/api/leaderboard/history", params=params)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    HistorySchema.model_validate(body)
    return body


def days(body: dict[str, Any]) -> list[str]:
    return [s["day"] for s in body["snapshots"]]


async def test_filters_by_model_and_time(client_with_history):
    c = client_with_history
    every = await get(c)
    assert days(every) == ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04",
                           "2026-03-05"]
    assert every["truncated"] is False
    # Newest snapshot's order first, then the model that left the board.
    assert [m["model"] for m in every["models"]] == ["alpha", "beta", "gamma"]
    series = {m["model"]: m["points"] for m in every["models"]}
    assert [p["rating"] for p in series["beta"]] == [1000.0, 1010.0, 1020.0]  # from day 2
    assert [p["taken_at"][:10] for p in series["gamma"]] == ["2026-03-01"]

    one = await get(c, model="beta")
    assert [m["model"] for m in one["models"]] == ["beta"]
    assert len(one["snapshots"]) == 5  # the snapshots stay whole; only series are filtered
    two = await get(c, model=["gamma", "alpha"])
    assert [m["model"] for m in two["models"]] == ["alpha", "gamma"]
    assert (await get(c, model="nobody"))["models"] == []
    assert [m["model"] for m in (await get(c, top=1))["models"]] == ["alpha"]
    assert [m["model"] for m in (await get(c, top=2, model=["gamma", "beta"]))["models"]] == [
        "beta", "gamma"]

    assert days(await get(c, since="2026-03-02", until="2026-03-03")) == [
        "2026-03-02", "2026-03-03"]  # a bare date as until: that whole day
    assert days(await get(c, since="2026-03-04T12:00:00Z")) == ["2026-03-04", "2026-03-05"]
    # An offset is honoured: 13:00+02:00 is 11:00 UTC, before day 3's noon snapshot.
    assert days(await get(c, since="2026-03-04T13:00:00+02:00"))[0] == "2026-03-04"
    assert days(await get(c, since="2026-03-04T15:00:00+02:00"))[0] == "2026-03-05"
    assert days(await get(c, until="2026-02-28")) == []

    newest = await get(c, limit=2)
    assert days(newest) == ["2026-03-04", "2026-03-05"] and newest["truncated"] is True
    assert (await get(c, limit=5))["truncated"] is False


@pytest.mark.parametrize(("params", "status", "code"), [
    ({"since": "yesterday"}, 400, "bad_time"),
    ({"until": "2026-13-01"}, 400, "bad_time"),
    ({"since": "2026-03-05", "until": "2026-03-01"}, 400, "bad_range"),
    ({"limit": 0}, 422, "invalid_request"),
    ({"limit": "many"}, 422, "invalid_request"),
    ({"limit": 5001}, 422, "invalid_request"),
    ({"model": ""}, 400, "bad_model"),
    ({"model": "x" * 101}, 400, "bad_model"),
    ({"model": [f"m{i}" for i in range(51)]}, 400, "too_many_models"),
    ({"since": "2" * 41}, 422, "invalid_request"),
    ({"top": 0}, 422, "invalid_request"),
])
async def test_bad_input_is_one_clear_error(client_with_history, params, status, code):
    r = await client_with_history.get("/api/leaderboard/history", params=params)
    assert_shape(r, status, code)


def test_a_snapshot_keeps_only_what_the_board_lists():
    """A model the board does not list (too few votes) is not in its snapshot either."""
    records = ([{"model_a": "a", "model_b": "b", "winner": w}
                for w in ("model_a", "model_b", "tie", "model_a")]
               + [{"model_a": "a", "model_b": "rare", "winner": "model_b"}])
    board = compute_leaderboard(Battles.from_records(records), bootstrap_rounds=10,
                                min_votes=3)
    assert [u["model"] for u in board["unlisted"]] == ["rare"]
    snap = snapshot_of({**board, "totals": {**board["totals"], "counted_votes": 5,
                                            "last_vote_id": 5}},
                       taken_at=NOON, scheduled_day=NOON.date())
    assert [e.model for e in snap.models] == [m["model"] for m in board["models"]]
    assert "rare" not in {e.model for e in snap.models} and snap.last_vote_id == 5


async def test_ratings_are_provisional_until_enough_votes(fresh_db):
    """A listed model with fewer than ARENA_PROVISIONAL_VOTES votes is marked provisional,
    in the JSON board and its CSV; at the floor or above (or with 0) it is not."""
    async with running(create_app(unlimited(fresh_db, min_votes=0), roster=ROSTER)) as c:
        board = await vote(c, ["a", "b", "tie", "a", "b", "a", "b"])
    most = max(m["votes"] for m in board["models"])
    for floor, provisional in ((most, "below"), (most + 1, "all"), (0, "none")):
        app = create_app(unlimited(fresh_db, min_votes=0, provisional_votes=floor),
                         roster=ROSTER)
        async with running(app) as c:
            board = (await c.get("/api/leaderboard")).json()
            csv_rows = (await c.get("/api/leaderboard.csv")).text.splitlines()
        assert board["provisional_votes"] == floor
        flags = {m["model"]: (m["votes"], m["provisional"]) for m in board["models"]}
        assert all(flag == (n < floor) for n, flag in flags.values()), flags
        if provisional == "all":
            assert all(flag for _, flag in flags.values())
        else:  # the most-voted model is never provisional at its own count or at 0
            assert not all(flag for _, flag in flags.values())
        assert csv_rows[0].endswith(",provisional") and len(csv_rows) == len(flags) + 1
