"""Daily caps on *counted* votes per voter, per address network and per identity.

Windows are fixed UTC days, each an exact count kept in one counter: between two
midnights at most ``limit`` votes count, whatever their timing. A burst at an edge (the
whole allowance just before midnight, the next one just after) is two windows' own
allowances; it moves votes in time but never gives more counted votes per day than the cap,
and no window ever holds more than its limit. That is checkable and needs no clean-up
job. An estimated sliding count (the rate limiter's weighted previous window) would not
hold the figure exactly, and an exact sliding sum would need every vote's timestamp.

Honest crowds behind one address (a class behind a school NAT, an office proxy) must still
vote, so an address's allowance grows with the *established* voters seen behind it in the
window: ``per_ip + per_voter × min(established, max_voters_per_ip)``. Cookie churn (a new
cookie per battle) earns nothing: a cookie is established only after it has cast
``established_votes`` votes that were not too fast — and each such vote was itself
counted against the address's base allowance, so a churner pays for every cookie it
establishes, up to a bound. Signed-in or invited voters carry an ``identity`` and are
capped per identity instead of per address and cookie.

A vote over a cap is stored but not counted (``excluded_reason = "vote_cap"``), never
refused: a refusal tells an attacker the cap and when the window turns, a silently
uncounted vote tells it nothing, and the voter still sees the reveal. Counts are of
counted votes: an over-cap increment is taken back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from arena.integrity.counters import Counters

DAY_S = 86_400
CapReason = Literal["vote_cap"]


@dataclass(frozen=True)
class CapPolicy:
    """Settings: ``ARENA_VOTES_PER_DAY_VOTER``, ``ARENA_VOTES_PER_DAY_IP``,
    ``ARENA_VOTES_PER_DAY_IP_MAX_VOTERS``, ``ARENA_VOTES_PER_DAY_IDENTITY``,
    ``ARENA_ESTABLISHED_VOTES``. A limit of 0 switches that cap off."""

    per_voter: int = 200
    per_ip: int = 100
    max_voters_per_ip: int = 50
    per_identity: int = 500
    established_votes: int = 3
    window_s: int = DAY_S


def is_established(policy: CapPolicy, *, read_votes: int) -> bool:
    """A voter (cookie) is established once it has ``established_votes`` votes that were
    not flagged too fast — votes that cost real reading time and were themselves capped."""
    return read_votes >= policy.established_votes


@dataclass(frozen=True)
class CapDecision:
    counted: bool
    reason: CapReason | None
    scope: Literal["identity", "voter", "address", "none"]  # which cap decided
    count: int  # counted votes in the window of that scope, this one included if counted
    limit: int


class VoteCaps:
    """``await caps.charge(...)`` once per accepted vote, before it is stored."""

    def __init__(self, counters: Counters, policy: CapPolicy,
                 clock: Callable[[], float] = time.time) -> None:
        self.counters = counters
        self.policy = policy
        self.clock = clock

    def window(self, now: float | None = None) -> tuple[int, int]:
        """(start, end) of the fixed window holding ``now``, Unix seconds, UTC-aligned."""
        t = self.clock() if now is None else now
        start = int(t // self.policy.window_s) * self.policy.window_s
        return start, start + self.policy.window_s

    async def charge(self, *, voter: str, network: str | None, identity: str | None = None,
                     established: bool = False) -> CapDecision:
        """Count one vote against the caps that apply; say whether it may be counted.

        ``voter`` is the voter key, ``network`` the hashed network key of the address
        (None when unknown), ``identity`` a signed-in or invited identity (when given, the
        only cap that applies), ``established`` from ``is_established``."""
        p = self.policy
        start, end = self.window()
        expires = end + p.window_s  # kept one extra window, for operators to look at
        if identity is not None:
            return await self._take(f"id:{identity}", start, expires, p.per_identity, "identity")
        if network is not None and established and p.per_ip > 0:
            await self.counters.add_member(f"ip:{network}", start, voter, expires)
        voter_cap = await self._take(f"v:{voter}", start, expires, p.per_voter, "voter")
        if not voter_cap.counted or network is None or p.per_ip <= 0:
            return voter_cap
        crowd = await self.counters.members(f"ip:{network}", start)
        limit = p.per_ip + p.per_voter * min(crowd, p.max_voters_per_ip)
        address_cap = await self._take(f"ip:{network}", start, expires, limit, "address")
        if not address_cap.counted and p.per_voter > 0:
            await self.counters.add(f"v:{voter}", start, -1, expires)  # not counted after all
        return address_cap

    async def refund(self, decision: CapDecision, *, voter: str, network: str | None,
                     identity: str | None = None) -> None:
        """Give back what ``charge`` took for a vote that was then not written (it lost a
        race with another vote of the same battle): nothing when it was not counted."""
        p = self.policy
        if not decision.counted or decision.scope == "none":
            return
        start, end = self.window()
        expires = end + p.window_s
        if identity is not None:
            await self.counters.add(f"id:{identity}", start, -1, expires)
            return
        if p.per_voter > 0:
            await self.counters.add(f"v:{voter}", start, -1, expires)
        if decision.scope == "address" and network is not None:
            await self.counters.add(f"ip:{network}", start, -1, expires)

    async def _take(self, key: str, start: int, expires: int, limit: int,
                    scope: Literal["identity", "voter", "address"]) -> CapDecision:
        if limit <= 0:
            return CapDecision(True, None, "none", 0, 0)
        count = await self.counters.add(key, start, 1, expires)
        if count > limit:
            await self.counters.add(key, start, -1, expires)
            return CapDecision(False, "vote_cap", scope, count - 1, limit)
        return CapDecision(True, None, scope, count, limit)
