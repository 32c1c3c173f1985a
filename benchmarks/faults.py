"""Faults: one upstream model fails three ways in turn; the others' battles go on.

Four models on the fake upstream (upstream ids ``bench-1`` … ``bench-4``); voters loop
battle → stream → vote through one ``arena serve``. After a healthy period (the
baseline), ``bench-4`` answers HTTP 500 for ``--phase-s`` seconds, then stalls
mid-answer (it sends a few words and goes quiet; the arena's ``ARENA_REQUEST_TIMEOUT_S``
is set to ``--timeout-s``), then cuts its streams (drops the socket mid-answer), then
is healthy again with no restart of anything.

For each period: the success rate of battles *without* ``model-4`` (a votable end and an
accepted vote) and their stream time; the battles *with* it, which must fail, and a
vote tried on each failed one, which must be refused with HTTP 409 ``battle_failed``.
Which battle had which models is read from the database after the run (the client is
never told before a vote). A battle whose stream straddles a switch of period is left
out. Ends with ``arena db check``.

    .venv/bin/python benchmarks/faults.py            # 40 voters, a minute per period
    .venv/bin/python benchmarks/faults.py --quick    # 20 voters, 4 s per period
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness as h  # noqa: E402

MODELS = [(f"model-{i}", f"bench-{i}") for i in range(1, 5)]
FAULTY, FAULTY_UPSTREAM = MODELS[-1]


def periods(timeout_s: float) -> list[tuple[str, dict[str, Any] | None]]:
    """(name, behaviour for the faulty model; None = healthy)."""
    return [
        ("healthy (baseline)", None),
        ("HTTP 500", {"status": 500}),
        ("stall mid-answer", {"stall_s": timeout_s + 30, "stall_after_chunks": 3}),
        ("stream cut mid-answer", {"cut_after_chunks": 5}),
        ("recovered (no restart)", None),
    ]


@dataclass
class Battle:
    id: str
    period: int
    straddles: bool
    votable: bool
    end_status: str
    errors: list[str]
    seconds: float
    vote_status: int = 0
    vote_code: str | None = None


async def run(args: argparse.Namespace, up: h.Upstream, arena: h.Arena) -> int:
    plan = periods(args.timeout_s)
    period = 0
    stop = False
    battles: list[Battle] = []
    create_errors: Counter[str] = Counter()

    async def voter(i: int) -> None:
        await asyncio.sleep(i * 1.0 / args.voters)
        v = h.Voter(arena.url, timeout_s=args.timeout_s + 30)
        try:
            while not stop:
                r = await v.create()
                if r.status != 201:
                    create_errors[f"{r.status} {r.code or r.exc}"] += 1
                    await asyncio.sleep(0.2)
                    continue
                started = period
                s = await v.stream(r.body["id"])
                b = Battle(r.body["id"], started, period != started, s.votable, s.status,
                           s.errors, s.seconds)
                # Vote on every battle, failed or not: a failed one must be refused.
                vr = await v.vote(b.id)
                b.vote_status, b.vote_code = vr.status, vr.code
                battles.append(b)
        finally:
            await v.aclose()

    async def conductor() -> None:
        nonlocal period, stop
        for index, (name, behaviour) in enumerate(plan):
            period = index
            await asyncio.to_thread(up.reset)
            if behaviour is not None:
                await asyncio.to_thread(up.script, FAULTY_UPSTREAM, **behaviour)
            print(f"period {index}: {name}", file=sys.stderr)
            await asyncio.sleep(args.phase_s)
        stop = True

    await asyncio.wait_for(asyncio.gather(conductor(), *(voter(i) for i in range(args.voters))),
                           len(plan) * args.phase_s + args.timeout_s + 120)

    url = arena.env["ARENA_DATABASE_URL"]
    models = {r["id"]: (r["model_a"], r["model_b"])
              for r in await h.query(url, "select id, model_a, model_b from battles")}
    rc, out = h.db_check(arena.env)

    rows = []
    bad_votes = 0
    for index, (name, _) in enumerate(plan):
        mine = [b for b in battles if b.period == index and not b.straddles]
        others = [b for b in mine if FAULTY not in models.get(b.id, ())]
        hit = [b for b in mine if FAULTY in models.get(b.id, ())]
        ok_others = [b for b in others if b.votable and b.vote_status == 200]
        failed = [b for b in hit if not b.votable]
        refused = Counter(f"{b.vote_status} {b.vote_code}" for b in failed)
        bad_votes += sum(1 for b in failed if b.vote_status == 200)
        codes = Counter(c for b in hit for c in b.errors)
        hit_ok = sum(1 for b in hit if b.votable and b.vote_status == 200)
        rows.append([
            name,
            f"{len(ok_others)}/{len(others)} = {len(ok_others) / max(1, len(others)):.1%}",
            h.ms(h.pct([b.seconds for b in others], 50)),
            f"{hit_ok}/{len(hit)} ok",
            ", ".join(f"{k} ×{n}" for k, n in codes.most_common(2)) or "—",
            ", ".join(f"{k} ×{n}" for k, n in refused.most_common(2)) or "—",
        ])
    print()
    print(f"## Faults: {args.voters} voters, one `arena serve` on PostgreSQL, 4 models on the "
          f"fake upstream; `{FAULTY}` fails for {args.phase_s:.0f} s each way "
          f"(ARENA_REQUEST_TIMEOUT_S={args.timeout_s:g})\n")
    print(h.table(["period", "battles without it: voted ok", "their stream p50",
                   f"battles with {FAULTY}", "error events (its side)",
                   "vote on a failed battle"], rows))
    straddled = sum(1 for b in battles if b.straddles)
    print(f"\nleft out (straddled a switch): {straddled}; create errors: "
          f"{dict(create_errors) or 0}; failed battles that accepted a vote: {bad_votes}; "
          f"`arena db check`: {'ok' if rc == 0 else out}")
    healthy_after = [b for b in battles if b.period == len(plan) - 1 and not b.straddles]
    recovered = all(b.votable and b.vote_status == 200 for b in healthy_after)
    return 0 if rc == 0 and bad_votes == 0 and recovered else 1


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--voters", type=int, default=40)
    p.add_argument("--phase-s", type=float, default=60,
                   help="seconds per period: a minute of each fault")
    p.add_argument("--timeout-s", type=float, default=2, help="ARENA_REQUEST_TIMEOUT_S")
    p.add_argument("--first-delay-s", type=float, default=0.25)
    p.add_argument("--delay-s", type=float, default=0.03)
    p.add_argument("--db", default="arena_bench")
    p.add_argument("--quick", action="store_true", help="20 voters, 4 s per period")
    args = p.parse_args()
    if args.quick:
        args.voters, args.phase_s = 20, 4
    return args


def main() -> int:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="arena-faults-"))
    up = h.Upstream(delay_s=args.delay_s, first_delay_s=args.first_delay_s)
    arena = None
    try:
        url = h.recreate_database(args.db)
        roster = h.write_roster(workdir / "models.toml", MODELS, up.openai_base_url)
        env = h.arena_env(url, roster, request_timeout_s=args.timeout_s)
        arena = h.Arena(env, workers=1, log_dir=workdir).start()
        return h.run_async(run(args, up, arena))
    finally:
        if arena is not None:
            arena.stop()
            print(f"arena log: {arena.log_path} ({arena.log_count('Traceback')} tracebacks)",
                  file=sys.stderr)
        up.stop()


if __name__ == "__main__":
    sys.exit(main())
