"""The offline half of ``rigging.py``: honest voters and riggers simulated in numpy, their
votes replayed through ``arena.integrity.caps`` (in-memory counters, a simulated clock) and
``arena.integrity.detection``, and the board refitted with ``arena.ranking.bt``. These are
the defences-ON figures before the defences are wired into the live vote path."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import numpy as np

from arena.integrity.caps import CapPolicy, VoteCaps, is_established
from arena.integrity.counters import MemoryCounters
from arena.integrity.detection import DetectionPolicy, Votes, detect_iterated
from arena.integrity.influence import fit_theta

M = 8
TRUTH_ELO = np.array([1180.0, 1120.0, 1075.0, 1040.0, 1005.0, 965.0, 920.0, 860.0])
TRUTH = (TRUTH_ELO - TRUTH_ELO.mean()) / (400 / np.log(10))
TARGET = 4  # fifth of eight: a mid-table model; "one place" = above model 3
DAY = 86_400.0


@dataclass
class Sim:
    a: list[int]
    b: list[int]
    o: list[int]
    voter: list[int]
    address: list[int]
    t: list[float]
    attacker: list[bool]
    started_voter: dict[int, int]
    # Battles started and left without a vote: (voter, address, x, y, attacker votes cast
    # before it).
    abandoned: list[tuple[int, int, int, int, int]] = field(default_factory=list)

    def arrays(self, k_attack: int | None = None) -> tuple[Votes, np.ndarray]:
        att = np.array(self.attacker)
        keep = np.ones(att.shape[0], dtype=bool)
        if k_attack is not None:
            keep &= ~att | (np.cumsum(att) <= k_attack)
        v = Votes(np.array(self.a)[keep], np.array(self.b)[keep], np.array(self.o)[keep],
                  np.zeros(int(keep.sum()), dtype=bool), np.array(self.voter)[keep],
                  np.array(self.address)[keep])
        return v, keep

    def started(self, votes: Votes, k_attack: int | None = None,
                ) -> dict[str, np.ndarray]:
        """What the detection job reads from the battles table for ``votes`` (those of
        ``arrays(k_attack)``): battles started per voter and per address, in all and model
        by model — the voted ones and the abandoned ones."""
        n_v, n_a = max(self.voter) + 1, max(self.address) + 1  # as the detection is told
        with_v, with_a = np.zeros((n_v, M)), np.zeros((n_a, M))
        for x in (votes.model_a, votes.model_b):
            np.add.at(with_v, (votes.voter, x), 1.0)
            np.add.at(with_a, (votes.address, x), 1.0)
        for voter, address, x, y, cast in self.abandoned:
            if k_attack is not None and cast >= k_attack:
                continue
            for model in (x, y):
                if voter < n_v:
                    with_v[voter, model] += 1
                if address < n_a:
                    with_a[address, model] += 1
        return {"started_by_voter": (with_v.sum(axis=1) / 2).astype(np.int64),
                "started_by_address": (with_a.sum(axis=1) / 2).astype(np.int64),
                "started_with_by_voter": with_v, "started_with_by_address": with_a}


def _pair(rng: np.random.Generator) -> tuple[int, int]:
    x, y = rng.choice(M, 2, replace=False)
    return int(x), int(y)


def _honest_outcome(rng: np.random.Generator, x: int, y: int) -> int:
    p = 1 / (1 + np.exp(-(TRUTH[x] - TRUTH[y])))
    u = rng.random()
    return 0 if u < 0.85 * p else (1 if u < 0.85 else 2)


def honest(rng: np.random.Generator, sim: Sim, *, voters: int = 60, votes: int = 400,
           addresses: int = 40, crowd: int = 30, crowd_votes: int = 8,
           drive_by: int = 150, abandon: float = 0.1) -> None:
    """``votes`` from ``voters`` on ``addresses`` over a day, plus a class of ``crowd`` pupils
    behind one NAT (address 999) voting ``crowd_votes`` each within one hour, plus
    ``drive_by`` one-visit voters (one or two votes each, an address each: most of a
    public arena's voters). The ``voters`` leave a share ``abandon`` of the battles they
    start without a vote (a draw, not a choice: they do not know the models)."""
    for k in range(drive_by):
        for _ in range(1 + int(rng.random() < 0.4)):
            x, y = _pair(rng)
            _add(sim, x, y, _honest_outcome(rng, x, y), 20_000 + k, 1000 + k,
                 rng.random() * DAY, False)
    for _ in range(votes):
        v = int(rng.integers(0, voters))
        x, y = _pair(rng)
        if abandon and rng.random() < abandon:  # left without a vote, whoever answered
            sim.abandoned.append((v, v % addresses, x, y, -1))
            continue
        _add(sim, x, y, _honest_outcome(rng, x, y), v, v % addresses, rng.random() * DAY,
             False)
    for pupil in range(crowd):
        for _ in range(crowd_votes):
            x, y = _pair(rng)
            _add(sim, x, y, _honest_outcome(rng, x, y), 10_000 + pupil, 999,
                 3600 + rng.random() * 3600, False)


def _add(sim: Sim, x: int, y: int, o: int, voter: int, address: int, t: float,
         attacker: bool) -> None:
    sim.a.append(x)
    sim.b.append(y)
    sim.o.append(o)
    sim.voter.append(voter)
    sim.address.append(address)
    sim.t.append(t)
    sim.attacker.append(attacker)


def attack(rng: np.random.Generator, sim: Sim, *, kind: str, pool: int, budget: int,
           per_minute: float, sticky: bool = False) -> None:
    """``budget`` rigged votes, a new cookie per battle (``sticky``: one cookie per
    address, kept), from ``pool`` addresses (2000+), starting at 10:00 at ``per_minute``
    votes a minute. target-only: votes only in battles with the target, for it.
    omnipresent: every battle — for the target when present, against its neighbour above
    when that one is, honestly otherwise."""
    above = TARGET - 1
    cast, t, cookie = 0, 10 * 3600.0, 50_000
    while cast < budget:
        x, y = _pair(rng)
        t += 60.0 / per_minute / (M / 2 if kind == "target-only" else 1)
        cookie += 1
        if kind == "target-only" and TARGET not in (x, y):
            # Abandoned: the battle was started (by this cookie, at this address), no vote.
            sim.abandoned.append((60_000 + cast % pool if sticky else cookie,
                                  2000 + cast % pool, x, y, cast))
            continue
        if TARGET in (x, y):
            o = 0 if x == TARGET else 1
        elif above in (x, y):
            o = 1 if x == above else 0
        else:
            o = _honest_outcome(rng, x, y)
        _add(sim, x, y, o, 60_000 + cast % pool if sticky else cookie, 2000 + cast % pool, t,
             True)
        cast += 1


async def caps_replay(sim: Sim, policy: CapPolicy) -> np.ndarray:
    """Counted-by-caps flag per vote, replayed in time order with a simulated clock."""
    order = np.argsort(np.array(sim.t), kind="stable")
    clock = [0.0]
    caps = VoteCaps(MemoryCounters(), policy, lambda: clock[0])
    read: dict[int, int] = {}
    counted = np.zeros(len(sim.t), dtype=bool)
    for k in order.tolist():
        clock[0] = 20_000 * DAY + sim.t[k]
        v = sim.voter[k]
        d = await caps.charge(voter=str(v), network=str(sim.address[k]),
                              established=is_established(policy, read_votes=read.get(v, 0)))
        read[v] = read.get(v, 0) + 1  # simulated voters all read at a human pace
        counted[k] = d.counted
    return counted


def rank_of_target(theta: np.ndarray) -> int:
    return int((theta > theta[TARGET]).sum())  # 0-based place on the board


def votes_needed(sim: Sim, *, defences: bool, grid: list[int], cap_policy: CapPolicy,
                 det_policy: DetectionPolicy) -> tuple[int | None, dict[str, float]]:
    """Smallest attacker vote count on ``grid`` that moves the target up one place, and the
    kept-out shares at the largest count tried."""
    counted_caps = (asyncio.run(caps_replay(sim, cap_policy)) if defences
                    else np.ones(len(sim.t), dtype=bool))
    base_votes, _ = sim.arrays(0)
    base = rank_of_target(fit_theta(base_votes.model_a, base_votes.model_b,
                                    base_votes.outcome, M))
    shares: dict[str, float] = {}
    for k in grid:
        votes, keep = sim.arrays(k)
        counted = counted_caps[keep].copy()
        if defences:
            det = detect_iterated(votes, M, det_policy, n_voters=max(sim.voter) + 1,
                                  n_addresses=max(sim.address) + 1,
                                  **sim.started(votes, k))  # type: ignore[arg-type]
            counted &= ~det.manipulated
        att = np.array(sim.attacker)[keep]
        shares = {"attacker_out": float((~counted[att]).mean()) if att.any() else 0.0,
                  "honest_out": float((~counted[~att]).mean())}
        theta = fit_theta(votes.model_a[counted], votes.model_b[counted],
                          votes.outcome[counted], M)
        if rank_of_target(theta) < base:
            return k, shares
    return None, shares


def detection_at_1pct(seeds: int, det_policy: DetectionPolicy,
                      own_started: bool = True) -> dict[str, float]:
    """Per attacker kind: share of attacker addresses with 50 votes whose p-value is below
    the honest addresses' 1st percentile (pooled over seeds), and the share the decision
    rule (BH at alpha) flags. ``own_started``: the presence test compares with each
    group's own started battles, as the detection job does (False: with every battle's
    shares, the test before the job read the started battles model by model)."""
    out: dict[str, float] = {}
    for kind in ("target-only", "omnipresent"):
        honest_p: list[float] = []
        attacker_p: list[float] = []
        flagged = honest_flagged = 0
        for seed in range(seeds):
            rng = np.random.default_rng(1000 + seed)
            sim = Sim([], [], [], [], [], [], [], {})
            honest(rng, sim, voters=120, votes=1200, addresses=80)
            attack(rng, sim, kind=kind, pool=5, budget=250, per_minute=10)
            votes, _ = sim.arrays()
            det = detect_iterated(votes, M, det_policy, n_voters=max(sim.voter) + 1,
                                  n_addresses=max(sim.address) + 1,
                                  **(sim.started(votes) if own_started
                                     else {}))  # type: ignore[arg-type]
            p = det.addresses.p_value
            honest_p += p[:80].tolist() + [float(p[999])]
            attacker_p += p[2000:2005].tolist()
            flagged += int(det.addresses.manipulated[2000:2005].sum())
            honest_flagged += int(det.addresses.manipulated[:80].sum()
                                  + det.addresses.manipulated[999])
        threshold = float(np.quantile(np.array(honest_p), 0.01))
        out[f"{kind} detected at 1% FPR"] = float(np.mean(np.array(attacker_p) < threshold)) \
            if threshold > 0 else float(np.mean(np.array(attacker_p) <= threshold))
        out[f"{kind} flagged by the rule"] = flagged / (5 * seeds)
        out[f"{kind}: honest addresses flagged"] = honest_flagged / (81 * seeds)
    return out
