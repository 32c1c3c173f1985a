"""Crash: SIGKILL one of two arena workers under load; nothing acknowledged is lost.

Two single-worker ``arena serve`` processes on two ports share one PostgreSQL database;
the client plays the load balancer, sending each request to a random live worker (a
battle is created on one, streamed on either, voted on either). After ``--kill-after``
seconds one worker gets SIGKILL while it has streams and votes in flight; the client
then routes around it (as a health-checking balancer would). After
``ARENA_STALE_TURN_S`` (``--stale-s``) the killed worker is started again — its start-up
sweep marks the turns it left ``running`` as ``incomplete`` — and the load goes on with
both for ``--after`` seconds.

Then: ``arena db check`` must pass; every vote the client saw acknowledged (HTTP 200)
must be in the votes table, once; every battle whose stream the kill cut must be
``incomplete`` and refuse a vote (HTTP 409 ``incomplete``) — or, when the kill came
before the worker claimed the turn, still ``pending`` (409 ``not_answered``), and
reopening its stream on a live worker runs it to a votable end; or ``done``, when the
worker had recorded both answers and only the final ``end`` event died with it (then
the vote is rightly accepted); no turn may be left
``running``. Votes that were in flight at the kill got no answer: either outcome is
allowed (the transaction committed or not), and the count of each is printed.

The baseline is the same load before the kill, in the same run.

    .venv/bin/python benchmarks/crash.py            # 60 voters
    .venv/bin/python benchmarks/crash.py --quick
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness as h  # noqa: E402

MODELS = [(f"model-{i}", f"bench-{i}") for i in range(1, 5)]


@dataclass
class Phase:
    name: str
    start: float = 0.0
    end: float = 0.0
    attempts: int = 0
    votable: int = 0
    votes: int = 0
    errors: Counter[str] = field(default_factory=Counter)


class Balancer:
    """Picks a live backend; forgets one as soon as a connection to it is refused."""

    def __init__(self, urls: list[str]) -> None:
        self.urls = urls
        self.live = set(urls)

    def pick(self) -> str:
        return random.choice(sorted(self.live))

    def down(self, url: str) -> None:
        if len(self.live) > 1:
            self.live.discard(url)

    def up(self, url: str) -> None:
        self.live.add(url)


async def run(args: argparse.Namespace, arenas: list[h.Arena]) -> int:
    lb = Balancer([a.url for a in arenas])
    victim = arenas[0]
    phases = [Phase("before the kill (baseline)"), Phase("one worker (killed one down)"),
              Phase("after the restart")]
    current = phases[0]
    stop_at = float("inf")
    acked: set[str] = set()
    unknown: set[str] = set()  # vote sent to the victim, no answer
    cut: dict[str, h.Voter] = {}  # battles whose stream was cut → their voter
    voters: list[h.Voter] = []
    false_votable: list[str] = []  # stream said votable, vote said incomplete
    in_flight = Counter()  # (kind, url) → requests now
    at_kill: dict[str, int] = {}

    async def voter(i: int) -> None:
        await asyncio.sleep(i * 1.0 / args.voters)
        v = h.Voter(lb.pick, timeout_s=30)
        voters.append(v)
        if True:  # closed after the checks, which vote on the cut battles as their voter
            while time.perf_counter() < stop_at:
                current.attempts += 1
                base = lb.pick()
                r = await v.create(base=base)
                if r.status != 201:
                    current.errors[f"create {r.status} {r.code or r.exc}"] += 1
                    if r.status == 0:
                        lb.down(base)
                    continue
                bid = r.body["id"]
                base = lb.pick()
                in_flight["stream", base] += 1
                s = await v.stream(bid, base=base)
                in_flight["stream", base] -= 1
                if not (s.ok and s.votable):
                    current.errors[f"stream {s.status}"] += 1
                    if s.status.startswith(("cut_", "no_end")):
                        cut[bid] = v
                        lb.down(base)
                    continue
                current.votable += 1
                base = lb.pick()
                in_flight["vote", base] += 1
                vr = await v.vote(bid, base=base)
                in_flight["vote", base] -= 1
                if vr.status == 200:
                    acked.add(bid)
                    current.votes += 1
                else:
                    current.errors[f"vote {vr.status} {vr.code or vr.exc}"] += 1
                    if vr.status == 0:
                        unknown.add(bid)
                        lb.down(base)
                    elif vr.code == "incomplete":
                        false_votable.append(bid)

    async def conductor() -> None:
        nonlocal current, stop_at
        phases[0].start = time.perf_counter()
        await asyncio.sleep(args.kill_after)
        # Kill when the victim is busy both ways (bounded wait).
        deadline = time.perf_counter() + 10
        while time.perf_counter() < deadline and not (
                in_flight["stream", victim.url] and in_flight["vote", victim.url]):
            await asyncio.sleep(0.005)
        at_kill.update(streams=in_flight["stream", victim.url],
                       votes=in_flight["vote", victim.url])
        victim.kill()
        phases[0].end = phases[1].start = time.perf_counter()
        current = phases[1]
        print(f"killed worker pid {victim.pid} with {at_kill['streams']} streams and "
              f"{at_kill['votes']} votes in flight", file=sys.stderr)
        await asyncio.sleep(args.stale_s + 1)
        await asyncio.to_thread(victim.start)
        lb.up(victim.url)
        phases[1].end = phases[2].start = time.perf_counter()
        current = phases[2]
        await asyncio.sleep(args.after)
        stop_at = time.perf_counter()
        phases[2].end = stop_at

    await asyncio.wait_for(asyncio.gather(conductor(), *(voter(i) for i in range(args.voters))),
                           args.kill_after + args.stale_s + args.after + 180)

    env = arenas[1].env
    url = env["ARENA_DATABASE_URL"]
    rc, out = h.db_check(env)
    rows = await h.query(url, "select battle_id from votes")
    stored = [r["battle_id"] for r in rows]
    in_table = set(stored)
    running = (await h.query(url, "select count(*) from turns where status = 'running'"))[0][0]
    status_of: dict[str, str] = {}
    if cut:
        for r in await h.query(url, "select battle_id, status from turns where battle_id = any($1) "
                                    "and idx = 0 and attempt = 0", list(cut)):
            status_of[r["battle_id"]] = r["status"]
    cut_status = Counter(status_of.values())
    # Vote on each cut battle as its own voter. Refused unless the dead worker had already
    # recorded both answers (status done: only the `end` event was lost with the socket).
    refused = Counter()
    reopened = Counter()
    wrongly_accepted = 0
    for bid, v in cut.items():
        vr = await v.vote(bid, base=lb.pick())
        refused[f"{status_of.get(bid)} → {vr.status} {vr.code or ''}".strip()] += 1
        wrongly_accepted += vr.status == 200 and status_of.get(bid) != "done"
        if vr.code == "not_answered":  # the kill came before a worker claimed the turn:
            s = await v.stream(bid, base=lb.pick())  # reopening the stream runs it
            reopened["votable" if s.votable else s.status] += 1
    for v in voters:
        await v.aclose()
    swept = [int(n) for n in re.findall(r"marked (\d+) turns left running", victim.log_tail(200))]

    print()
    print(f"## Crash: {args.voters} voters over two single-worker `arena serve` on one "
          f"PostgreSQL; SIGKILL one after {args.kill_after:.0f} s "
          f"({at_kill['streams']} streams and {at_kill['votes']} votes in flight on it), "
          f"restart it after ARENA_STALE_TURN_S={args.stale_s:.0f} s + 1 s\n")
    rows_out = []
    for ph in phases:
        secs = max(1e-9, ph.end - ph.start)
        errs = sum(ph.errors.values())
        rows_out.append([ph.name, f"{secs:.1f} s", ph.attempts, f"{ph.votable / secs:.1f}",
                         f"{ph.votes / secs:.1f}", f"{errs / max(1, ph.attempts):.1%}",
                         ", ".join(f"{k} ×{n}" for k, n in ph.errors.most_common(3)) or "—"])
    print(h.table(["phase", "length", "battles started", "votable battles/s", "votes/s",
                   "error rate", "errors"], rows_out))
    print()
    lost = len(acked - in_table)
    checks = [
        ["`arena db check`", "ok" if rc == 0 else f"FAILED: {out}"],
        ["votes acknowledged (200) / rows in votes", f"{len(acked)} / {len(stored)}"],
        ["acknowledged but missing (lost)", lost],
        ["duplicated rows", len(stored) - len(in_table)],
        ["votes in flight at the kill: stored / not stored",
         f"{len(unknown & in_table)} / {len(unknown - in_table)}"],
        ["streams cut by the kill", len(cut)],
        ["their turn status after the restart's sweep", dict(cut_status) or "—"],
        ["a vote on each cut battle (turn status → answer)", dict(refused) or "—"],
        ["cut before the turn was claimed, stream reopened", dict(reopened) or "—"],
        ["turns the restarted worker swept at start-up (its log)", sum(swept)],
        ["turns left `running` at the end", running],
        ["'votable' streams whose vote was refused as incomplete", len(false_votable)],
    ]
    print(h.table(["check", "result"], checks))
    ok = rc == 0 and lost == 0 and len(stored) == len(in_table) and running == 0 \
        and set(cut_status) <= {"incomplete", "pending", "done"} and not wrongly_accepted \
        and set(reopened) <= {"votable"}
    return 0 if ok else 1


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--voters", type=int, default=60)
    p.add_argument("--kill-after", type=float, default=10, help="seconds of load before the kill")
    p.add_argument("--stale-s", type=float, default=5, help="ARENA_STALE_TURN_S")
    p.add_argument("--after", type=float, default=10, help="seconds of load after the restart")
    p.add_argument("--first-delay-s", type=float, default=0.25)
    p.add_argument("--delay-s", type=float, default=0.03)
    p.add_argument("--db", default="arena_bench")
    p.add_argument("--quick", action="store_true", help="30 voters, 4 s before, 3 s after")
    args = p.parse_args()
    if args.quick:
        args.voters, args.kill_after, args.after = 30, 4, 3
    return args


def main() -> int:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="arena-crash-"))
    up = h.Upstream(delay_s=args.delay_s, first_delay_s=args.first_delay_s)
    arenas: list[h.Arena] = []
    try:
        url = h.recreate_database(args.db)
        roster = h.write_roster(workdir / "models.toml", MODELS, up.openai_base_url)
        env = h.arena_env(url, roster, stale_turn_s=args.stale_s, request_timeout_s=30)
        arenas = [h.Arena(env, workers=1, log_dir=workdir).start() for _ in range(2)]
        return h.run_async(run(args, arenas))
    finally:
        for a in arenas:
            a.stop()
        up.stop()
        print(f"arena logs: {workdir}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
