"""The rigging detection job: judges every vote by its voter and its address, and keeps the
stored verdicts in step.

It runs in the background of every worker, at start-up and every ``detection_interval_s``.
Each run reads the votes the board counts (and those it already left out as manipulated
or on probation), the battles *started* per voter, per address and per model, runs
``detect_iterated`` and writes the difference in one store transaction: newly judged
votes leave the board with reason ``manipulation``, newcomers' votes at addresses where
cookies churn wait as ``probation``, votes no longer judged so come back. It also records
the newest vote it judged (the board waits for it) and keeps each client's suspicion (the
proof-of-work asks a suspect one for more). Pinned votes, leaks and capped votes are never
touched. Runs are idempotent (see ``arena.store.verdicts``), so several workers may run
it; the state is the database's, so it survives restarts.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from arena.integrity.detection import (
    Detection,
    DetectionPolicy,
    FloatArray,
    GroupScores,
    Votes,
    detect_iterated,
)
from arena.periodic import Periodic
from arena.settings import Settings
from arena.store import BattleActivity, JudgedVote, Store, VerdictChange
from arena.types import Winner

log = logging.getLogger("arena.integrity")

_OUTCOME: dict[Winner, int] = {"a": 0, "b": 1, "tie": 2, "both_bad": 3}


def policy_of(settings: Settings) -> DetectionPolicy:
    return DetectionPolicy(alpha=settings.detection_alpha,
                           min_votes=settings.detection_min_votes,
                           fast_share=settings.detection_fast_share,
                           clear_votes=settings.detection_clear_votes,
                           newcomer_votes=settings.detection_newcomer_votes,
                           probation_s=settings.probation_s)


@dataclass(frozen=True)
class Judgement:
    """One run's verdict: the votes judged manipulated, and each tested voter's and
    address's suspicion in [0, 1] (keys ``voter:<key>`` and ``ip:<hash>``), which raises
    the proof-of-work their next battles ask for."""

    manipulated: set[int] = field(default_factory=set)
    suspicion: dict[str, float] = field(default_factory=dict)
    held: set[int] = field(default_factory=set)  # on probation


def judge(judged: list[JudgedVote], activity: BattleActivity, policy: DetectionPolicy,
          now: datetime | None = None, identified: frozenset[str] | set[str] = frozenset(),
          ) -> Judgement:
    """The votes judged manipulated, those on probation, and the clients' suspicion
    (pure: no database). ``now`` ends the probation of older votes (default: the clock).
    ``identified``: voter keys an invite or a sign-in gave (arena.access); they are never
    newcomers (no cookie churn to guard against: the organiser made each identity), so
    a class behind one NAT is not held on probation as one address."""
    if not judged:
        return Judgement()
    models = sorted({v.model_a for v in judged} | {v.model_b for v in judged}
                    | set(activity.by_model))
    if len(models) < 2:
        return Judgement()
    model_ix = {name: k for k, name in enumerate(models)}
    voters = _index(v.voter_key for v in judged)
    addresses = _index(v.ip_hash for v in judged if v.ip_hash is not None)
    votes = Votes(
        model_a=np.array([model_ix[v.model_a] for v in judged], dtype=np.int64),
        model_b=np.array([model_ix[v.model_b] for v in judged], dtype=np.int64),
        outcome=np.array([_OUTCOME[v.winner] for v in judged], dtype=np.int64),
        too_fast=np.array([v.too_fast for v in judged], dtype=np.bool_),
        voter=np.array([voters[v.voter_key] for v in judged], dtype=np.int64),
        address=np.array([-1 if v.ip_hash is None else addresses[v.ip_hash] for v in judged],
                         dtype=np.int64))
    known = (np.array([v.voter_key in identified for v in judged], dtype=np.bool_)
             if identified else None)
    started_v = np.array([activity.by_voter.get(k, 0) for k in voters], dtype=np.int64)
    started_a = np.array([activity.by_address.get(k, 0) for k in addresses], dtype=np.int64)
    # Each model's share of the battles started: the sampler's own shares, which no voter
    # can bias (names are hidden before the vote).
    presence = (np.array([activity.by_model.get(x, 0) for x in models], dtype=np.float64)
                / float(max(1, activity.battles)))
    result = detect_iterated(
        votes, len(models), policy, n_voters=len(voters), n_addresses=len(addresses),
        started_by_voter=started_v, started_by_address=started_a, presence=presence,
        started_with_by_voter=_by_model(activity.by_voter_model, voters, models),
        started_with_by_address=_by_model(activity.by_address_model, addresses, models),
        identified=known)
    manipulated = {v.id for v, bad in zip(judged, result.manipulated.tolist(), strict=True)
                   if bad}
    suspicion = {**_suspicion("voter:", voters, result.voters, policy),
                 **_suspicion("ip:", addresses, result.addresses, policy)}
    return Judgement(manipulated, suspicion,
                     _on_probation(judged, result, policy, now))


def _on_probation(judged: list[JudgedVote], result: Detection, policy: DetectionPolicy,
                  now: datetime | None) -> set[int]:
    """Votes of newcomers at an address where cookies churn, younger than the probation:
    off the board until the voter is established or the probation ends, so that a
    rigger's first votes from a fresh address (too few for any test) are judged together
    with what it casts next. An honest class behind one NAT loses nothing but time: its
    pupils' votes count from their third vote, or an hour on."""
    if policy.probation_s <= 0:
        return set()
    hold = result.churned & ~result.manipulated
    since = (now or datetime.now(UTC)) - timedelta(seconds=policy.probation_s)
    return {v.id for v, h in zip(judged, hold.tolist(), strict=True)
            if h and v.created_at > since}


def _suspicion(prefix: str, index: dict[str, int], scores: GroupScores,
               policy: DetectionPolicy) -> dict[str, float]:
    """Suspicion in [0, 1] per tested group: 1 when flagged; else it rises from 0 at a
    p-value of 0.01 to 1 at alpha/100, and from 0 at half the too-fast share that flags to
    1 at that share. An honest group reaches p < 0.01 one time in a hundred, and then pays
    a few bits more; only the non-zero levels are kept."""
    p = np.maximum(scores.p_value, 1e-300)
    top = -math.log10(policy.alpha / 100)
    by_p = np.clip((-np.log10(p) - 2.0) / max(1e-9, top - 2.0), 0.0, 1.0)
    half = policy.fast_share / 2
    by_fast = np.where(scores.votes >= policy.min_votes,
                       np.clip((scores.fast_share - half) / max(1e-9, half), 0.0, 1.0), 0.0)
    level = np.where(scores.manipulated, 1.0, np.maximum(by_p, by_fast))
    return {prefix + key: float(level[k]) for key, k in index.items() if level[k] > 0}


def _by_model(counts: dict[tuple[str, str], int], groups: dict[str, int],
              models: list[str]) -> FloatArray:
    """[group, model] counts of started battles holding the model."""
    out = np.zeros((len(groups), len(models)))
    model_ix = {name: k for k, name in enumerate(models)}
    for (key, model), n in counts.items():
        if key in groups and model in model_ix:
            out[groups[key], model_ix[model]] = n
    return out


def _index(keys: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for k in keys:
        out.setdefault(k, len(out))
    return out


class DetectionJob:
    """Owns its background task; ``run_once`` is the whole job, for the loop and the tests."""

    def __init__(self, store: Store, settings: Settings,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.policy = policy_of(settings)
        # The first run at start-up: a restarted worker knows who is suspect, and the
        # board (which waits for judged votes) catches up, without waiting an interval.
        self._loop = Periodic(settings.detection_interval_s, self.run_once,
                              "rigging detection", first_at_once=True)
        self._lock = asyncio.Lock()
        self._suspicion: dict[str, float] = {}
        # invite/sso: the voter keys the access store gave (set by the app)
        self.identified: Callable[[], Awaitable[set[str]]] | None = None

    def suspicion(self, voter_key: str, ip_hash: str | None) -> float:
        """How suspect a client is, by the last run: the larger of its voter's and its
        address's score (0 when neither was tested). Each worker's job reads the same
        database, so every worker asks the same client for the same work."""
        level = self._suspicion.get("voter:" + voter_key, 0.0)
        if ip_hash is not None:
            level = max(level, self._suspicion.get("ip:" + ip_hash, 0.0))
        return level

    async def run_once(self) -> VerdictChange:
        async with self._lock:  # one run at a time in this worker
            judged = await self.store.judged_votes()
            activity = await self.store.battle_activity()
            identified = await self.identified() if self.identified is not None else set()
            now = datetime.fromtimestamp(self.clock(), UTC)
            verdict = await asyncio.to_thread(judge, judged, activity, self.policy, now,
                                              identified)
            change = await self.store.apply_verdicts(
                judged, verdict.manipulated, max((v.id for v in judged), default=0),
                verdict.held)
            self._suspicion = verdict.suspicion
        if change.excluded or change.restored or change.held:
            log.info("detection: %d votes judged manipulated, %d put on probation, "
                     "%d restored", change.excluded, change.held, change.restored)
        return change

    def start(self) -> None:
        if self.settings.detection_interval_s > 0:
            self._loop.start()

    async def first_run(self) -> None:
        """Wait until the loop's first run (at start-up) has ended."""
        await self._loop.ran.wait()

    async def stop(self) -> None:
        await self._loop.stop()
