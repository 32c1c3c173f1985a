"""Optional proof-of-work per battle: a cost per vote that a page pays in a second and a
vote farm pays per vote.

The server issues a challenge with the battle: ``{battle_id}.{difficulty}.{expires}.{tag}``
where ``tag`` is an HMAC (instance secret) over the first three fields, so the challenge is
stateless to issue and cannot be forged or reused for another battle or at another
difficulty. The page finds a nonce (a decimal string) such that
``sha256(challenge + nonce)`` starts with ``difficulty`` zero bits (``pow.js``, WebCrypto)
and sends it with the vote. The server checks the tag, the battle, the expiry and the bits,
and spends the challenge once (a shared counter that must reach exactly 1), so one
solution buys one vote, across workers.

Difficulty grows with a client's suspicion score (``detection.py``): ``base`` bits for
everyone, up to ``base + max_extra`` for the most suspicious. Each extra bit doubles the
expected work (2^bits hashes on average; 16 bits ≈ 65k hashes ≈ 0.1–0.5 s in a browser).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass

from arena.errors import ArenaError
from arena.integrity.counters import Counters


class PowFailed(ArenaError):
    """The vote's proof-of-work is missing, wrong, expired or already spent."""

    code = "pow_failed"
    status = 403


@dataclass(frozen=True)
class PowPolicy:
    """Settings: ``ARENA_POW_DIFFICULTY`` (bits; 0 = off), ``ARENA_POW_MAX_EXTRA_BITS``,
    ``ARENA_POW_TTL_S``."""

    difficulty: int = 0
    max_extra_bits: int = 6
    ttl_s: int = 900

    @property
    def enabled(self) -> bool:
        return self.difficulty > 0


def difficulty_for(policy: PowPolicy, suspicion: float) -> int:
    """Bits for a client with ``suspicion`` in [0, 1]: base + round(max_extra × suspicion)."""
    s = min(1.0, max(0.0, suspicion))
    return policy.difficulty + round(policy.max_extra_bits * s)


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        return bits + 8 - byte.bit_length()
    return bits


def solve(challenge: str, difficulty: int, start: int = 0) -> str:
    """The first nonce from ``start`` that meets ``difficulty`` (tests and benchmarks)."""
    nonce = start
    prefix = challenge.encode()
    while leading_zero_bits(hashlib.sha256(prefix + str(nonce).encode()).digest()) < difficulty:
        nonce += 1
    return str(nonce)


class ProofOfWork:
    def __init__(self, secret: bytes, policy: PowPolicy, spent: Counters,
                 clock: Callable[[], float] = time.time) -> None:
        self.secret = secret
        self.policy = policy
        self.spent = spent
        self.clock = clock

    def _tag(self, body: str) -> str:
        return hmac.new(self.secret, b"pow|" + body.encode(), hashlib.sha256).hexdigest()[:32]

    def issue(self, battle_id: str, suspicion: float = 0.0) -> tuple[str, int]:
        """(challenge, difficulty) for a battle; send both to the page."""
        bits = difficulty_for(self.policy, suspicion)
        body = f"{battle_id}.{bits}.{int(self.clock()) + self.policy.ttl_s}"
        return f"{body}.{self._tag(body)}", bits

    async def verify(self, battle_id: str, challenge: str, nonce: str) -> None:
        """Raise ``PowFailed`` unless ``nonce`` solves a live, unspent challenge of this
        battle; on success the challenge is spent."""
        parts = challenge.split(".")
        if len(parts) != 4 or not nonce.isdigit() or len(nonce) > 20:
            raise PowFailed("the proof-of-work is malformed; reload the page and vote again")
        bid, bits_s, expires_s, tag = parts
        body = f"{bid}.{bits_s}.{expires_s}"
        if not hmac.compare_digest(tag, self._tag(body)) or bid != battle_id:
            raise PowFailed("the proof-of-work is not this battle's; reload the page and vote "
                            "again")
        if int(expires_s) < self.clock():
            raise PowFailed("the proof-of-work has expired; start a new battle")
        digest = hashlib.sha256((challenge + nonce).encode()).digest()
        if leading_zero_bits(digest) < int(bits_s):
            raise PowFailed("the proof-of-work does not solve its challenge; let the page "
                            "finish it before voting")
        window = int(expires_s)
        if await self.spent.add(f"pow:{tag}", window, 1, window + 60) != 1:
            raise PowFailed("this proof-of-work was already used; start a new battle")
