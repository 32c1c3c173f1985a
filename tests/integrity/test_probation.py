"""Probation: a newcomer's vote at an address where cookies churn stays off the board for
a while (or until its voter is established), so that a rigger's first few votes from a
fresh address are judged together with what it casts next. Judged directly (the pure
``judge``) and through the public API of a running arena with its own clock."""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, datetime, timedelta

from arena.battles import Pairing
from arena.integrity.detection import DetectionPolicy
from arena.integrity.job import judge
from arena.store import BattleActivity, JudgedVote
from tests.integrity.test_rigging_job import (
    MODELS,
    TRUTH,
    Voter,
    board,
    decisions,
    honest_crowd,
    roster,
)

NOW = datetime(2030, 1, 1, tzinfo=UTC)


def p_a(a: str, b: str) -> float:
    """How often an honest voter prefers model A, from the crowd's true ratings."""
    return 1 / (1 + 10 ** ((TRUTH[b] - TRUTH[a]) / 400))


def vote(k: int, voter: str, ip: str, age_s: float, a: str = "m1", b: str = "m2") -> JudgedVote:
    return JudgedVote(id=k, voter_key=voter, ip_hash=ip, model_a=a, model_b=b, winner="a",
                      too_fast=False, counted=True, excluded_reason=None, review=None,
                      created_at=NOW - timedelta(seconds=age_s))


def test_who_is_held_and_for_how_long():
    policy = DetectionPolicy(probation_s=3600)
    votes = [
        vote(1, "alone", "ip-a", 10),  # a one-visit voter alone on its address: counted
        vote(2, "churn-1", "ip-b", 10), vote(3, "churn-2", "ip-b", 10),  # churn: held
        vote(4, "churn-3", "ip-b", 7200),  # the same address, but over an hour ago: counted
        vote(5, "pupil", "ip-c", 10), vote(6, "pupil", "ip-c", 20), vote(7, "pupil", "ip-c", 30),
        vote(8, "new-pupil", "ip-c", 10),  # established pupil + one newcomer: not churn
    ]
    activity = BattleActivity(battles=8, by_voter={}, by_address={}, by_model={"m1": 8, "m2": 8})
    assert judge(votes, activity, policy, NOW).held == {2, 3}
    assert judge(votes, activity, DetectionPolicy(probation_s=0), NOW).held == set()
    later = NOW + timedelta(seconds=3600)
    assert judge(votes, activity, policy, later).held == set()


class Clock:
    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


async def test_a_class_behind_one_nat_waits_then_counts(serve, rig_settings):
    """Ten pupils on their first visit behind one school NAT: their votes wait (the voter
    is told they counted); a pupil's third vote makes it established and its votes count;
    an hour on, every vote left counts. A voter alone on its address never waits."""
    clock = Clock()
    pairing = Pairing({m: 1.0 for m in MODELS}, rng=random.Random(8))
    server = await serve(settings=rig_settings, roster=roster(), clock=clock, pairing=pairing)
    await honest_crowd(server, voters=20, votes_each=6, seed=8, read_s=1.1)
    alone = await honest_crowd(server, voters=1, votes_each=1, seed=9, first=300)
    pupils = [Voter(server, "192.0.2.10") for _ in range(10)]
    taste = random.Random(10)

    async def two_votes(p: Voter) -> list[str]:
        ids = []
        for _ in range(2):
            bid, a, b = await p.battle()
            await asyncio.sleep(1.1)  # reading: never too fast
            # Honest pupils, voting by taste like the crowd (a class that always chose A
            # would be a pattern the detection may rightly flag, depending on the draw).
            told = await p.vote(bid, "a" if taste.random() < p_a(a, b) else "b")
            assert told["counted"] is True and told["excluded_reason"] is None
            ids.append(bid)
        return ids

    first = [bid for ids in await asyncio.gather(*(two_votes(p) for p in pupils))
             for bid in ids]
    job = server.app.state.services.detection
    change = await job.run_once()
    assert change.held == 20
    assert await decisions(server, first) == [(False, "probation")] * 20
    assert await decisions(server, alone) == [(True, None)]
    totals = (await board(server))["totals"]
    assert totals["excluded_votes"].get("probation") == 20

    bid, _, _ = await pupils[0].battle()  # the first pupil's third vote
    await asyncio.sleep(1.1)
    await pupils[0].vote(bid, "b")
    await job.run_once()
    assert await decisions(server, first[:2] + [bid]) == [(True, None)] * 3
    assert await decisions(server, first[2:]) == [(False, "probation")] * 18

    clock.offset = 3601.0  # an hour on
    change = await job.run_once()
    assert change.restored == 18
    assert all(d == (True, None) for d in await decisions(server, first))


async def test_an_operator_pin_outlasts_probation(serve, rig_settings, monkeypatch):
    from arena.cli import main as cli_main

    server = await serve(settings=rig_settings, roster=roster())
    churn = [Voter(server, "192.0.2.20") for _ in range(2)]
    ids: list[str] = []
    for v in churn:
        bid, _, _ = await v.battle()
        await v.vote(bid, "a")
        ids.append(bid)
    await server.app.state.services.detection.run_once()
    assert await decisions(server, ids) == [(False, "probation")] * 2
    monkeypatch.setenv("ARENA_DATABASE_URL", rig_settings.database_url)
    assert await asyncio.to_thread(cli_main, ["votes", "set", ids[0], "--counted"]) == 0
    await server.app.state.services.detection.run_once()
    assert await decisions(server, ids) == [(True, None), (False, "probation")]
