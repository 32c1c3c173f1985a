"""Proof-of-work: issue, solve (Python and the page's WebCrypto solver), verify, replay,
expiry, forgery, and difficulty rising with suspicion."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from arena.integrity.counters import MemoryCounters
from arena.integrity.pow import (
    PowFailed,
    PowPolicy,
    ProofOfWork,
    difficulty_for,
    leading_zero_bits,
    solve,
)

POW_JS = Path(__file__).resolve().parents[2] / "arena" / "web" / "pow.js"


class Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def make(difficulty: int = 10) -> tuple[ProofOfWork, Clock]:
    clock = Clock(1_900_000_000.0)
    return ProofOfWork(b"secret", PowPolicy(difficulty=difficulty, ttl_s=600),
                       MemoryCounters(), clock), clock


def test_leading_zero_bits():
    assert leading_zero_bits(b"\x00\x00\x01") == 23
    assert leading_zero_bits(b"\x80") == 0
    assert leading_zero_bits(b"\x0f\xff") == 4
    assert leading_zero_bits(b"\x00\x00") == 16


async def test_solved_challenge_verifies_once():
    pow_, _ = make()
    challenge, bits = pow_.issue("battle1")
    nonce = solve(challenge, bits)
    digest = hashlib.sha256((challenge + nonce).encode()).digest()
    assert leading_zero_bits(digest) >= bits == 10
    await pow_.verify("battle1", challenge, nonce)
    with pytest.raises(PowFailed, match="already used"):
        await pow_.verify("battle1", challenge, nonce)  # replay


async def test_wrong_nonce_other_battle_forgery_and_expiry_fail():
    pow_, clock = make(difficulty=12)
    challenge, bits = pow_.issue("battle1")
    nonce = solve(challenge, bits)
    bad = next(str(n) for n in range(10**6) if leading_zero_bits(
        hashlib.sha256((challenge + str(n)).encode()).digest()) < bits)
    with pytest.raises(PowFailed, match="does not solve"):
        await pow_.verify("battle1", challenge, bad)
    with pytest.raises(PowFailed, match="not this battle"):
        await pow_.verify("battle2", challenge, nonce)
    easy = challenge.replace(".12.", ".1.")  # lower the difficulty without the secret
    with pytest.raises(PowFailed, match="not this battle"):
        await pow_.verify("battle1", easy, solve(easy, 1))
    with pytest.raises(PowFailed, match="malformed"):
        await pow_.verify("battle1", "garbage", "12")
    clock.t += 601
    with pytest.raises(PowFailed, match="expired"):
        await pow_.verify("battle1", challenge, nonce)


def test_difficulty_rises_with_suspicion():
    policy = PowPolicy(difficulty=14, max_extra_bits=6)
    assert difficulty_for(policy, 0.0) == 14
    assert difficulty_for(policy, 0.5) == 17
    assert difficulty_for(policy, 1.0) == difficulty_for(policy, 7.0) == 20
    pow_, _ = make(difficulty=8)
    assert pow_.issue("b", suspicion=1.0)[1] == 14


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
async def test_the_pages_webcrypto_solver_agrees_with_the_server():
    pow_, _ = make(difficulty=12)
    challenge, bits = pow_.issue("battle-js")
    script = (f"import {{ solvePow }} from {json.dumps(POW_JS.as_uri())};\n"
              f"console.log(await solvePow({json.dumps(challenge)}, {bits}, {{batch: 64}}));")
    out = subprocess.run(["node", "--input-type=module", "-e", script], capture_output=True,
                         text=True, timeout=60, check=True).stdout.strip()
    assert out == solve(challenge, bits)  # the same first nonce
    await pow_.verify("battle-js", challenge, out)
