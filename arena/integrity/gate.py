"""The price of a counted vote: the human check, the proof-of-work and the daily caps, as
one object the battle service holds.

The battle service decides a vote's rules (whose battle, finished, leaked); this decides
what a vote *costs*, in a fixed order: the human check and the proof-of-work are asked
only of a vote that passed every rule (so a refused vote does not burn the page's token or
its solved challenge), and the caps are charged only for a vote that would otherwise
count (a leaked vote is free: it changes nothing). A vote over a cap is stored but not
counted, never refused (``caps.py`` says why).

Every part is optional: caps whose limits are all 0 count every vote, no ``pow`` means no
challenge is issued and none is asked for, no ``captcha`` means no token is asked for.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from arena.integrity.caps import CapDecision, CapPolicy, VoteCaps, is_established
from arena.integrity.captcha import CaptchaVerifier
from arena.integrity.counters import Counters, MemoryCounters
from arena.integrity.pow import PowFailed, ProofOfWork


@dataclass(frozen=True, slots=True)
class VoteProof:
    """What the page sends with a vote to pay for it (each part only when asked for)."""

    pow_challenge: str | None = None
    pow_nonce: str | None = None
    captcha_token: str | None = None


@dataclass(frozen=True, slots=True)
class Challenge:
    """A battle's proof-of-work, sent to the page with the battle (it names no model)."""

    challenge: str
    difficulty: int


class VoteGate:
    def __init__(self, *, caps: VoteCaps, counters: Counters, pow: ProofOfWork | None = None,
                 captcha: CaptchaVerifier | None = None) -> None:
        self.caps = caps
        self.counters = counters  # owned: closed with the gate
        self.pow = pow
        self.captcha = captcha

    @classmethod
    def free(cls) -> VoteGate:
        """A gate that asks nothing and caps nothing (a service built without one)."""
        off = CapPolicy(per_voter=0, per_ip=0, per_identity=0)
        counters = MemoryCounters()
        return cls(caps=VoteCaps(counters, off), counters=counters)

    def challenge(self, battle_id: str, suspicion: float = 0.0) -> Challenge | None:
        """The battle's challenge when proof-of-work is on; ``suspicion`` in [0, 1] raises
        its difficulty."""
        if self.pow is None:
            return None
        text, bits = self.pow.issue(battle_id, suspicion)
        return Challenge(text, bits)

    async def verify(self, battle_id: str, proof: VoteProof, remote_ip: str | None) -> None:
        """Raise ``CaptchaFailed`` or ``PowFailed`` (both 403 in the error shape) unless the
        vote paid what is asked; a solved challenge is spent here."""
        if self.captcha is not None:
            await self.captcha.verify(proof.captcha_token or "", remote_ip)
        if self.pow is not None:
            if not proof.pow_challenge or not proof.pow_nonce:
                raise PowFailed("this vote needs the battle's proof-of-work; let the page "
                                "finish it (it runs while the answers stream) and vote again")
            await self.pow.verify(battle_id, proof.pow_challenge, proof.pow_nonce)

    async def charge(self, *, voter: str, network: str | None,
                     read_votes: Callable[[], Awaitable[int]],
                     identity: str | None = None) -> CapDecision:
        """Charge a vote that would count; ``counted`` false means over a cap. ``read_votes``
        (the voter's earlier votes that were not too fast) is asked only when it matters."""
        policy = self.caps.policy
        established = (network is not None and identity is None and policy.per_ip > 0
                       and is_established(policy, read_votes=await read_votes()))
        return await self.caps.charge(voter=voter, network=network, identity=identity,
                                      established=established)

    async def refund(self, decision: CapDecision, *, voter: str, network: str | None,
                     identity: str | None = None) -> None:
        """Undo ``charge`` for a vote that was not written after all."""
        await self.caps.refund(decision, voter=voter, network=network, identity=identity)

    async def forget_old_windows(self) -> None:
        """Drop cap windows that ended more than a window ago (what ``charge`` keeps for
        operators to look at) and spent proof-of-work long expired: run it now and then,
        so the counter tables do not grow for ever. A no-op on Redis (keys expire)."""
        start, _ = self.caps.window()
        await self.counters.prune(start - 2 * self.caps.policy.window_s)

    async def aclose(self) -> None:
        if self.captcha is not None:
            await self.captcha.aclose()
        await self.counters.aclose()
