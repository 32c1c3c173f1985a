"""Rigging benchmark: how many rigged votes move a mid-table model one place, and how many
of them the defences keep out (issue 12, after Huang et al. 2025 and Min et al. 2025).

Two parts, printed separately and labelled:

- **live** — an ``arena serve`` subprocess (SQLite in a temp dir, default settings, behind a
  trusted proxy: client addresses are ``X-Forwarded-For`` values from 198.51.100.0/24 and
  2001:db8::/32), a roster of eight fake models with ``delay_s`` 0 whose scripted text
  tells them apart (the attacker's perfect detector), honest voters following a known
  Bradley–Terry truth, then one attacker: a new cookie every battle, obeying every 429
  (Retry-After), waiting a human reading time before each vote. The attacker goes on to
  its budget or its time limit (``--attack-s``), so a move that the detection job later
  undoes is seen: the table gives the votes at the *first* move and the target's place at
  the end, after one more detection interval. Each vote's fate is read from the arena's
  database at the end (a capped vote is answered as counted, and the job judges later).
  Every ``ARENA_*`` variable of this process is passed to the arena.
- **offline replay** — the same kind of crowd and attackers simulated in numpy and replayed
  through ``arena.integrity.caps`` and ``arena.integrity.detection`` (``_rigging_sim.py``),
  for the larger budgets a live run cannot reach in minutes.

``RIGGING_ARENA_SRC=/path/to/tree`` serves another tree's ``arena`` package (its
PYTHONPATH), e.g. ``git archive`` of main, to measure a baseline from the same script.
Traffic goes to 127.0.0.1 only. ``--quick`` ≈ 3 minutes; ``--live-only 'target-only:1'
--attack-s 1800`` is the issue's 30-minute one-address test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import Arena, table  # noqa: E402
from _rigging_sim import (  # noqa: E402
    TARGET,
    TRUTH_ELO,
    M,
    Sim,
    attack,
    detection_at_1pct,
    honest,
    votes_needed,  # noqa: E402
)

from arena.integrity.caps import CapPolicy  # noqa: E402
from arena.integrity.detection import DetectionPolicy  # noqa: E402

NAMES = ["alder-7b", "birch-13b", "cedar-8b", "dogwood-9b", "elm-11b", "fir-6b", "gorse-5b",
         "hazel-4b"]
PROMPT = "Give me one practical tip for learning a new language."
READ_S = 1.4  # > the arena's too-fast threshold for these short answers (1 s)


def roster(path: Path) -> Path:
    lines = []
    for k, name in enumerate(NAMES):
        script = (f"Reply variant {k}: practise a little every day and speak from the first "
                  f"week, even badly.")
        lines += ["[[models]]", f'name = "{name}"', 'provider = "fake"', 'model = "concise"',
                  f"options = {{ delay_s = 0, script = {json.dumps(script)} }}", ""]
    path.write_text("\n".join(lines))
    return path


def arena_env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)  # the caller's ARENA_* (defence settings) pass through
    env.update(ARENA_DATABASE_URL=f"sqlite:///{tmp / 'arena.db'}",
               ARENA_MODELS=str(roster(tmp / "models.toml")), ARENA_LOG_LEVEL="warning",
               ARENA_TRUSTED_PROXIES='["127.0.0.1"]')
    env.setdefault("ARENA_SECRET_KEY", "rigging-bench")
    if os.environ.get("RIGGING_ARENA_SRC"):  # another tree's arena, e.g. an export of main
        env["PYTHONPATH"] = os.environ["RIGGING_ARENA_SRC"]
    return env


def address(k: int) -> str:
    """Honest voter ``k``'s address (198.51.100.0/24 and 2001:db8::/32, one each)."""
    return f"198.51.100.{k % 250 + 1}" if k % 2 == 0 else f"2001:db8:{k:x}::{k % 7 + 1}"


def attacker_address(j: int) -> str:
    """The attacker's ``j``-th address, from ranges no honest voter uses (203.0.113.0/24,
    2001:db8:ffff::/48): sharing one with an honest voter would take that voter's votes
    down with it, which measures the address key, not the detection."""
    return f"203.0.113.{j % 250 + 1}" if j % 2 == 0 else f"2001:db8:ffff:{j:x}::1"


class Client:
    """One browser: its own cookie jar and its own forwarded address."""

    def __init__(self, base: str, ip: str, stats: dict[str, int]) -> None:
        self.http = httpx.AsyncClient(base_url=base, timeout=30,
                                      headers={"x-forwarded-for": ip})
        self.stats = stats

    async def call(self, method: str, url: str, **kw: Any) -> httpx.Response:
        while True:
            try:
                r = await self.http.request(method, url, **kw)
            except (httpx.ReadError, httpx.RemoteProtocolError):
                # A kept-alive connection the server closed just as this request went
                # out (its keep-alive timeout): the request was not read; send it again.
                self.stats["reconnects"] = self.stats.get("reconnects", 0) + 1
                continue
            if r.status_code != 429:
                return r
            self.stats["429"] += 1
            await asyncio.sleep(float(r.headers.get("retry-after") or
                                      r.json()["error"].get("details", {}).get(
                                          "retry_after_s", 5)))

    async def battle(self) -> tuple[str, tuple[int, int]]:
        r = await self.call("POST", "/api/battles", json={"prompt": PROMPT})
        r.raise_for_status()
        bid = r.json()["id"]
        texts = {"a": "", "b": ""}
        while not (texts["a"] and texts["b"]):
            async with self.http.stream("GET", f"/api/battles/{bid}/stream") as s:
                if s.status_code == 429:
                    self.stats["429"] += 1
                    await asyncio.sleep(float(s.headers.get("retry-after") or 5))
                    continue
                if s.status_code != 200:
                    raise RuntimeError(f"stream {s.status_code}: {(await s.aread())[:200]!r}")
                event = ""
                async for line in s.aiter_lines():
                    if line.startswith("event:"):
                        event = line[6:].strip()
                    elif line.startswith("data:") and event == "delta":
                        d = json.loads(line[5:])
                        texts[d["side"]] += d["text"]
                    elif line.startswith("data:") and event == "error":
                        raise RuntimeError(f"side failed: {line}")
        return bid, (_who(texts["a"]), _who(texts["b"]))

    async def vote(self, bid: str, winner: str) -> dict[str, Any]:
        await asyncio.sleep(READ_S)  # reading at a human pace: never flagged too fast
        r = await self.call("POST", f"/api/battles/{bid}/vote", json={"winner": winner})
        r.raise_for_status()
        body: dict[str, Any] = r.json()
        return body

    async def aclose(self) -> None:
        await self.http.aclose()


def _who(text: str) -> int:
    return int(text.split("variant ", 1)[1].split(":", 1)[0])  # the perfect detector


def honest_winner(rng: random.Random, x: int, y: int) -> str:
    p = 1 / (1 + 10 ** ((TRUTH_ELO[y] - TRUTH_ELO[x]) / 400))
    u = rng.random()
    return "a" if u < 0.85 * p else ("b" if u < 0.85 else "tie")


async def board_place(base: str) -> int:
    async with httpx.AsyncClient(base_url=base, timeout=30) as c:
        models = (await c.get("/api/leaderboard")).json()["models"]
    order = [m["model"] for m in sorted(models, key=lambda m: -m["rating"])]
    return order.index(NAMES[TARGET]) if NAMES[TARGET] in order else len(order)


async def honest_phase(base: str, votes: int, stats: dict[str, int]) -> list[str]:
    """The honest crowd's battle ids, each voted on."""
    rng = random.Random(11)
    clients = [Client(base, address(k), stats) for k in range(60)]
    queue = list(range(votes))
    ids: list[str] = []

    async def worker(w: int) -> None:
        while queue:
            queue.pop()
            mine = clients[w::12]  # a browser is never in two battles at once (its cookie)
            c = mine[rng.randrange(len(mine))]
            bid, (x, y) = await c.battle()
            await c.vote(bid, honest_winner(rng, x, y))
            ids.append(bid)

    await asyncio.gather(*(worker(w) for w in range(12)))
    for c in clients:
        await c.aclose()
    return ids


async def board_settled(base: str, votes: int, limit_s: float = 120) -> None:
    """Wait until the board holds every one of ``votes`` (an arena whose board waits for
    the detection job shows them a run later): a board still catching up on the honest
    votes would "move" during the attack with no help from the attacker."""
    t0 = time.monotonic()
    async with httpx.AsyncClient(base_url=base, timeout=30) as c:
        while time.monotonic() - t0 < limit_s:
            totals = (await c.get("/api/leaderboard")).json()["totals"]
            if totals["counted_votes"] + sum(totals["excluded_votes"].values()) >= votes:
                return
            await asyncio.sleep(1.0)
    raise RuntimeError(f"the board did not show the {votes} honest votes in {limit_s:.0f} s")


async def attack_phase(base: str, kind: str, pool: int, budget: int, limit_s: float,
                       stats: dict[str, int], stop_on_move: bool) -> dict[str, Any]:
    start_place = await board_place(base)
    above = TARGET - 1
    cast = battles = 0
    ids: list[str] = []
    moved_at: int | None = None
    t0 = time.monotonic()
    done = asyncio.Event()

    async def one(w: int) -> None:
        nonlocal cast, battles, moved_at
        rng = random.Random(w)
        while not done.is_set() and cast < budget and time.monotonic() - t0 < limit_s:
            c = Client(base, attacker_address(rng.randrange(pool)), stats)  # a new cookie
            # every battle
            try:
                bid, (x, y) = await c.battle()
                battles += 1
                if TARGET in (x, y):
                    winner = "a" if x == TARGET else "b"
                elif kind == "omnipresent" and above in (x, y):
                    winner = "b" if x == above else "a"
                elif kind == "omnipresent":
                    winner = honest_winner(rng, x, y)
                else:
                    continue  # target-only: not its battle, no vote
                await c.vote(bid, winner)
                ids.append(bid)
                cast += 1
                if cast % 10 == 0:
                    await asyncio.sleep(2.5)  # the board refreshes every 2 s
                    if moved_at is None and await board_place(base) < start_place:
                        moved_at = cast
                        if stop_on_move:
                            done.set()
            finally:
                await c.aclose()

    await asyncio.gather(*(one(w) for w in range(6)))
    return {"votes_to_move": moved_at, "cast": cast, "battles": battles, "ids": ids,
            "wall_s": time.monotonic() - t0, "start_place": start_place}


def kept_out(db: Path, ids: list[str]) -> tuple[float, dict[str, int]]:
    """The share of these battles' votes the board leaves out, and why, from the database."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT battle_id, counted, excluded_reason FROM votes").fetchall()
    fate = {bid: (bool(counted), reason) for bid, counted, reason in rows}
    reasons: dict[str, int] = {}
    for bid in ids:
        counted, reason = fate[bid]
        if not counted:
            reasons[reason or "?"] = reasons.get(reason or "?", 0) + 1
    return sum(reasons.values()) / max(1, len(ids)), reasons


def live(scenarios: list[tuple[str, int]], honest_votes: int, budget: int,
         limit_s: float, stop_on_move: bool) -> list[list[str]]:
    settle_s = float(os.environ.get("ARENA_DETECTION_INTERVAL_S", "30")) + 3
    rows = []
    for kind, pool in scenarios:
        with tempfile.TemporaryDirectory() as tmp:
            arena = Arena(arena_env(Path(tmp))).start()
            stats = {"429": 0}
            try:
                honest_ids = asyncio.run(honest_phase(arena.url, honest_votes, stats))
                asyncio.run(board_settled(arena.url, len(honest_ids)))
                r = asyncio.run(attack_phase(arena.url, kind, pool, budget, limit_s, stats,
                                             stop_on_move))
                time.sleep(settle_s)  # one more detection run (if the arena has one)
                end_place = asyncio.run(board_place(arena.url))
                honest_out, _ = kept_out(Path(tmp) / "arena.db", honest_ids)
                attacker_out, why = kept_out(Path(tmp) / "arena.db", r["ids"])
            finally:
                arena.stop()
        moved = r["votes_to_move"]
        rows.append([f"{kind}, {pool} addr", str(honest_votes),
                     str(moved) if moved else f"> {r['cast']} (not moved)",
                     f"{r['start_place'] + 1} → {end_place + 1}",
                     f"{r['wall_s']:.0f}", f"{attacker_out:.0%}",
                     " ".join(f"{k}:{v}" for k, v in sorted(why.items())) or "-",
                     f"{honest_out:.1%}", str(stats["429"])])
        r.pop("ids")
        print(f"  live {kind}/{pool}: {r} end place {end_place + 1}, kept out {why}",
              flush=True)
    return rows


def offline(quick: bool) -> tuple[list[list[str]], dict[str, tuple[float, float]]]:
    grid = list(range(5, 100, 5)) + list(range(100, 500, 50)) + list(range(500, 2001, 250))
    budget = 1000 if quick else 2000
    grid = [g for g in grid if g <= budget]
    rows = []
    scenarios = [(kind, pool, False) for kind in ("target-only", "omnipresent")
                 for pool in (1, 20)] + [("omnipresent", 20, True)]
    for kind, pool, sticky in scenarios:
        rng = np.random.default_rng(7)
        sim = Sim([], [], [], [], [], [], [], {})
        honest(rng, sim)
        # The most an address gets through the default rate limits (60 battles a
        # minute): target-only votes in 2 of M battles.
        attack(rng, sim, kind=kind, pool=pool, budget=budget,
               per_minute=60 * 2 / M if kind == "target-only" else 60, sticky=sticky)
        off, _ = votes_needed(sim, defences=False, grid=grid, cap_policy=CapPolicy(),
                              det_policy=DetectionPolicy())
        on, shares = votes_needed(sim, defences=True, grid=grid, cap_policy=CapPolicy(),
                                  det_policy=DetectionPolicy())
        rate = 60 * 2 / M if kind == "target-only" else 60.0
        ratio = (f"{on / off:.1f}×" if on and off else
                 (f"> {budget / off:.0f}×" if off else "-"))
        who = f"{kind}, {pool} addr" + (", a cookie each, kept" if sticky else "")
        rows.append([who, str(off), str(on) if on else f"> {budget}",
                     ratio, f"{(on or budget) / rate / pool:.0f}" if pool == 1 else "-",
                     f"{shares['attacker_out']:.0%}", f"{shares['honest_out']:.1%}"])
    seeds = 3 if quick else 8
    own = detection_at_1pct(seeds, DetectionPolicy())
    every = detection_at_1pct(seeds, DetectionPolicy(), own_started=False)
    return rows, {f"{k} (own started / all battles' shares)": (v, every[k])
                  for k, v in own.items()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="about three minutes")
    p.add_argument("--skip-live", action="store_true")
    p.add_argument("--skip-offline", action="store_true")
    p.add_argument("--live-only", default="", help="comma-separated kind:pool, e.g. "
                   "'target-only:1,omnipresent:20'")
    p.add_argument("--attack-s", type=float, default=0, help="the attacker's time limit")
    p.add_argument("--budget", type=int, default=0, help="the attacker's vote budget")
    p.add_argument("--stop-on-move", action="store_true",
                   help="stop the attack at the first move (for a baseline without defences)")
    args = p.parse_args()
    t0 = time.monotonic()
    if not args.skip_live:
        scenarios = ([("target-only", 1)] if args.quick else
                     [("target-only", 1), ("omnipresent", 1), ("target-only", 20),
                      ("omnipresent", 20)])
        if args.live_only:
            scenarios = [(k, int(n)) for k, n in
                         (item.split(":") for item in args.live_only.split(","))]
        rows = live(scenarios, 150 if args.quick else 400,
                    args.budget or (150 if args.quick else 2000),
                    args.attack_s or (60 if args.quick else 300), args.stop_on_move)
        print("\nLIVE (arena serve; defences as set by this process's ARENA_* env)")
        print(table(["attacker", "honest votes", "attacker votes at first move",
                     "target place start → end", "wall s", "attacker kept out", "why",
                     "honest kept out", "429s"], rows))
    if not args.skip_offline:
        rows, detection = offline(args.quick)
        print("\nOFFLINE REPLAY (numpy crowd: 400 honest votes of 60 voters, a 30-pupil "
              "NAT, 150 one-visit voters; caps + detection with default settings, judged "
              "after any probation has run out: a patient attacker)")
        print(table(["attacker", "votes to move, OFF", "votes to move, ON", "ON / OFF",
                     "minutes at max rate, ON", "attacker kept out (at max)",
                     "honest kept out"], rows))
        print("\ndetection of attacker addresses with 50 votes (offline):")
        for k, (v, w) in detection.items():
            print(f"  {k}: {v:.1%} / {w:.1%}")
    print(f"\ntotal {time.monotonic() - t0:.0f} s")


if __name__ == "__main__":
    main()
