"""The detection job through the public API: honest voters, each from its own address,
vote by a known Bradley–Terry truth; a scripted rigger from one address, churning
cookies, votes for its target whenever it is in the battle (target-only) or against the
target's neighbours in every battle (omnipresent). The simulation knows the hidden names
(the rigger's "perfect detector", the honest voters' truth) by asking the store."""

from __future__ import annotations

import asyncio
import math
import random
from typing import Any

import httpx
import pytest

from arena.battles.pairing import Pairing
from arena.cli import main as cli_main
from arena.integrity.pow import solve
from tests.conftest import fake, fake_roster, run_turn

MODELS = ["m1", "m2", "m3", "m4", "m5"]
TRUTH = {"m1": 1150.0, "m2": 1075.0, "m3": 1000.0, "m4": 925.0, "m5": 850.0}
TARGET = "m5"


def roster() -> Any:
    return fake_roster(*(fake(m, script="A plain, careful answer to the question.")
                         for m in MODELS))


class Voter:
    """A client that pays whatever proof-of-work the arena asks (``pows``: the bits asked
    for each battle)."""

    def __init__(self, server: Any, address: str) -> None:
        self.server, self.address = server, address
        self.client: httpx.AsyncClient = server.client()
        self.proof: dict[str, dict[str, str]] = {}
        self.pows: list[int] = []

    def churn(self) -> None:
        self.client.cookies.clear()

    async def start(self) -> str:
        """A new battle (its pair drawn now), with the proof-of-work paid."""
        r = await self.client.post("/api/battles", json={"prompt": "Tell me about rivers."},
                                   headers={"X-Forwarded-For": self.address})
        assert r.status_code == 201, r.text
        bid: str = r.json()["id"]
        if "pow" in r.json():
            challenge, bits = r.json()["pow"]["challenge"], r.json()["pow"]["difficulty"]
            self.pows.append(bits)
            self.proof[bid] = {"pow_challenge": challenge, "pow_nonce": solve(challenge, bits)}
        return bid

    async def battle(self, bid: str | None = None) -> tuple[str, str, str]:
        """Run a battle's turn (a new battle's unless ``bid``): its id and hidden pair."""
        bid = bid or await self.start()
        await run_turn(self.client, bid)
        stored = await self.server.app.state.services.store.get_battle(bid)
        return bid, stored.model_a, stored.model_b

    async def vote(self, bid: str, winner: str) -> dict[str, Any]:
        r = await self.client.post(f"/api/battles/{bid}/vote",
                                   json={"winner": winner, **self.proof.pop(bid, {})},
                                   headers={"X-Forwarded-For": self.address})
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body


async def honest_crowd(server: Any, voters: int, votes_each: int, seed: int,
                       read_s: float = 0.0, first: int = 0) -> list[str]:
    """``read_s``: each voter reads this long before voting (1.1 s: never too fast);
    voter ``k`` votes from the ``first + k``-th address. The crowd votes in rounds: every
    voter's battle is started in voter order (so that with a seeded pairing, see
    ``serve_seeded``, every voter meets the same pairs on every run), then all read and
    vote at once, each by its own seeded taste."""
    crowd = [Voter(server, f"198.51.{n // 200}.{n % 200 + 1}")
             for n in range(first, first + voters)]
    tastes = [random.Random(f"{seed}:{k}") for k in range(voters)]
    ids: list[str] = []

    async def one(v: Voter, taste: random.Random, bid: str) -> None:
        _, a, b = await v.battle(bid)
        p_a = 1 / (1 + 10 ** ((TRUTH[b] - TRUTH[a]) / 400))
        await asyncio.sleep(read_s)
        await v.vote(bid, "a" if taste.random() < p_a else "b")

    for _ in range(votes_each):
        started = [await v.start() for v in crowd]
        await asyncio.gather(*(one(v, t, bid) for v, t, bid in zip(crowd, tastes, started,
                                                                   strict=True)))
        ids += started
    return ids


async def serve_seeded(serve: Any, settings: Any, seed: int) -> Any:
    """An arena whose pairing draws from a seeded generator: the crowd and the rigger
    (each drawing in a fixed order) meet the same battles on every run, so a statistical
    assertion is judged on one fixed sample rather than a fresh one per run."""
    pairing = Pairing({m: 1.0 for m in MODELS}, rng=random.Random(seed))
    return await serve(settings=settings, roster=roster(), pairing=pairing)


async def target_only(server: Any, votes: int, churn_every: int = 5,
                      v: Voter | None = None) -> list[str]:
    v, ids = v or Voter(server, "203.0.113.7"), []
    while len(ids) < votes:
        bid, a, b = await v.battle()
        if TARGET not in (a, b):
            continue  # not voting is free: the rigger waits for its target
        await v.vote(bid, "a" if a == TARGET else "b")
        ids.append(bid)
        if len(ids) % churn_every == 0:
            v.churn()
    return ids


async def omnipresent(server: Any, votes: int, churn_every: int = 5) -> list[str]:
    """Votes in every battle: for the target, else against the target's neighbour m4."""
    v, ids = Voter(server, "203.0.113.9"), []
    while len(ids) < votes:
        bid, a, b = await v.battle()
        if TARGET in (a, b):
            winner = "a" if a == TARGET else "b"
        elif "m4" in (a, b):
            winner = "b" if a == "m4" else "a"
        else:
            winner = "tie"
        await v.vote(bid, winner)
        ids.append(bid)
        if len(ids) % churn_every == 0:
            v.churn()
    return ids


async def decisions(server: Any, ids: list[str]) -> list[tuple[bool, str | None]]:
    store = server.app.state.services.store
    out = []
    for bid in ids:
        b = await store.get_battle(bid)
        out.append((b.vote.counted, b.vote.excluded_reason))
    return out


async def board(server: Any) -> dict[str, Any]:
    await server.app.state.services.leaderboard.refresh()
    r = await server.client().get("/api/leaderboard")
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_target_only_rigger_excluded_honest_kept_pin_survives(serve, rig_settings,
                                                                     monkeypatch):
    server = await serve_seeded(serve, rig_settings, seed=1)
    honest = await honest_crowd(server, voters=30, votes_each=8, seed=1)
    rigged = await target_only(server, votes=50)
    before = await board(server)
    change = await server.app.state.services.detection.run_once()
    assert change.excluded >= 45

    kept_out = [d for d in await decisions(server, rigged) if not d[0]]
    assert len(kept_out) >= 45  # ≥ 90% of the rigger's votes
    assert all(reason == "manipulation" for _, reason in kept_out)
    honest_out = [d for d in await decisions(server, honest) if not d[0]]
    assert len(honest_out) <= 3  # ≤ ~1% of 240

    after = await board(server)
    assert after["totals"]["excluded_votes"].get("manipulation", 0) == len(kept_out)
    rank = {row["model"]: row["rating"] for row in after["models"]}
    was = {row["model"]: row["rating"] for row in before["models"]}
    assert rank[TARGET] < was[TARGET] - 50  # the rigger's lift is gone from the board

    # Influence on the rigged board (before the job) names the rigger's address first.
    top = before["influence"]["addresses"]
    assert top and top[0]["votes"] == 50
    assert top[0]["max_elo_change"] > 2 * top[1]["max_elo_change"]

    # An operator pins one excluded vote counted: the next run keeps it, and the vote
    # can be unpinned again.
    monkeypatch.setenv("ARENA_DATABASE_URL", rig_settings.database_url)
    pinned = next(bid for bid, d in zip(rigged, await decisions(server, rigged), strict=True)
                  if not d[0])
    assert await asyncio.to_thread(
        cli_main, ["votes", "set", pinned, "--counted", "--note", "checked by hand"]) == 0
    await server.app.state.services.detection.run_once()
    assert (await decisions(server, [pinned]))[0] == (True, None)
    assert await asyncio.to_thread(cli_main, ["votes", "set", pinned, "--auto"]) == 0
    await server.app.state.services.detection.run_once()
    assert (await decisions(server, [pinned]))[0] == (False, "manipulation")


async def test_omnipresent_rigger_excluded(serve, rig_settings):
    server = await serve_seeded(serve, rig_settings, seed=2)
    honest = await honest_crowd(server, voters=30, votes_each=8, seed=2)
    rigged = await omnipresent(server, votes=60)
    await server.app.state.services.detection.run_once()
    kept_out = [d for d in await decisions(server, rigged) if not d[0]]
    assert len(kept_out) >= 54
    assert all(reason == "manipulation" for _, reason in kept_out)
    assert sum(not d[0] for d in await decisions(server, honest)) <= 3


async def test_background_job_and_downweight_mode(serve, rig_settings):
    """The job runs by itself; a second app on the same database in down-weight mode puts
    the manipulated votes back with their weight, so the target sits between the clean
    board and the rigged one."""
    live = rig_settings.model_copy(update={"detection_interval_s": 0.05})
    server = await serve_seeded(serve, live, seed=3)
    await honest_crowd(server, voters=30, votes_each=8, seed=3)
    rigged = await target_only(server, votes=50)
    for _ in range(400):  # the loop's own pace; no timing is asserted
        if sum(not d[0] for d in await decisions(server, rigged)) >= 45:
            break
        await asyncio.sleep(0.05)
    else:
        pytest.fail("the background job never excluded the rigger's votes")
    # Stop the loop and settle the verdicts once more: a run still under way could change
    # them between this board and the other apps' boards below.
    job = server.app.state.services.detection
    await job.stop()
    await job.run_once()
    clean = {r["model"]: r["rating"] for r in (await board(server))["models"]}

    def at(weight: float) -> Any:
        return rig_settings.model_copy(update={"manipulation_action": "downweight",
                                               "manipulation_weight": weight})

    ratings = {}
    for w in (0.0, 0.3, 1.0):
        other = await serve(settings=at(w), roster=roster())
        ratings[w] = {r["model"]: r["rating"] for r in (await board(other))["models"]}
    assert math.isclose(ratings[0.0][TARGET], clean[TARGET], abs_tol=0.5)
    assert clean[TARGET] + 20 < ratings[0.3][TARGET] < ratings[1.0][TARGET] - 20


async def test_influence_cap_limits_the_riggers_share(serve, rig_settings):
    server = await serve_seeded(serve, rig_settings.model_copy(
        update={"detection_interval_s": 0}), seed=4)
    await honest_crowd(server, voters=30, votes_each=8, seed=4)
    await target_only(server, votes=50)
    free = await board(server)
    capped_app = await serve(settings=rig_settings.model_copy(
        update={"influence_max_share": 0.1}), roster=roster())
    capped = await board(capped_app)
    top_free = free["influence"]["addresses"][0]
    top_capped = capped["influence"]["addresses"][0]
    assert top_free["share"] > 0.15
    assert top_capped["share"] <= 0.1 + 1e-6
    free_t = next(r["rating"] for r in free["models"] if r["model"] == TARGET)
    capped_t = next(r["rating"] for r in capped["models"] if r["model"] == TARGET)
    assert capped_t < free_t - 30


async def test_suspect_clients_are_asked_for_more_work(serve, rig_settings):
    """Proof-of-work on: once the job has judged the rigger, its address's next battles ask
    for the base difficulty plus every extra bit; an honest voter's still ask the base."""
    server = await serve_seeded(serve, rig_settings.model_copy(update={
        "pow_difficulty": 3, "pow_max_extra_bits": 5}), seed=5)
    await honest_crowd(server, voters=30, votes_each=6, seed=5, read_s=1.1)
    rigger = Voter(server, "203.0.113.7")
    await target_only(server, votes=40, v=rigger)
    assert set(rigger.pows) == {3}  # nobody is suspect before the job has run
    await server.app.state.services.detection.run_once()

    rigger.churn()  # a new cookie does not shed the address's record
    await rigger.battle()
    assert rigger.pows[-1] == 8
    newcomer = Voter(server, "192.0.2.44")
    await newcomer.battle()
    assert newcomer.pows == [3]
    # An honest voter pays more only when its own votes are unlikely under the board
    # (p < 0.01: about one in a hundred), and never the rigger's price.
    asked = []
    for k in range(30):
        honest = Voter(server, f"198.51.{k // 200}.{k % 200 + 1}")
        await honest.battle()
        asked += honest.pows
    assert sum(bits == 3 for bits in asked) >= 25 and max(asked) < 8


async def test_no_vote_moves_the_board_before_it_was_judged(serve, rig_settings):
    """With the board waiting for detection, votes appear only once a run has judged
    them: the rigger's burst is never on the board, the honest votes are after the run,
    and the votes cast after that run wait for the next one."""
    waiting = rig_settings.model_copy(update={"detection_interval_s": 3600.0,
                                             "board_waits_for_detection": True})
    server = await serve_seeded(serve, waiting, seed=6)
    job = server.app.state.services.detection
    await job.first_run()  # the run at start-up, on the empty database
    honest = await honest_crowd(server, voters=30, votes_each=8, seed=6)
    assert (await board(server))["totals"]["counted_votes"] == 0  # nothing judged yet
    rigged = await target_only(server, votes=50)
    await job.run_once()
    after = await board(server)
    kept_out = sum(not d[0] for d in await decisions(server, rigged))
    honest_in = sum(d[0] for d in await decisions(server, honest))
    assert kept_out >= 45
    assert after["totals"]["counted_votes"] == honest_in + (len(rigged) - kept_out)
    late = await honest_crowd(server, voters=3, votes_each=2, seed=7, first=100)
    assert (await board(server))["totals"]["counted_votes"] == after["totals"]["counted_votes"]
    await job.run_once()
    assert (await board(server))["totals"]["counted_votes"] == (
        after["totals"]["counted_votes"] + len(late))
