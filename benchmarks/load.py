"""Load: many voters doing battle → stream → vote against ``arena serve --workers 2``.

Three processes share the machine with this client: the fake upstream (its own process,
paced like a real model: first token after ``--first-delay-s``, then a word every
``--delay-s``, ``--words`` words an answer — by default 172, the median answer of the 100
real Arena conversations in ``shared/data``), ``arena serve`` (a uvicorn master and
``--workers`` workers) and PostgreSQL. The CPU each of them used is printed per phase, so
a missed target can be read against who had the cores.

TTFT is measured twice. The load client drives all voters from one Python process on
aiohttp sessions (kept-alive connections, as a browser keeps them); its timings include
its own event-loop lag, which is printed. A **probe** (``_probe.py``: ``--probe-voters``
more voters on plain asyncio sockets, a new connection per request, in a process of its
own) runs through the measured window of both phases. Voters start at random points of
one battle's length: battles all last about as long, so a shorter ramp would bunch the
arrivals into one part of each cycle and leave quiet gaps for the probe to fall into.

Phases, in one run:

1. **direct** (the baseline): the same number of voters read the fake upstream's OpenAI
   stream straight, two streams at a time each (a battle's two sides), for ``--duration``.
2. **arena**: each voter loops POST /api/battles → GET …/stream → POST …/vote for
   ``--duration``. Time to first token (TTFT) is measured from sending the stream request
   to each side's first delta, and compared with the direct TTFT (the probe's with the
   probe's): the difference is what the arena adds. Then ``arena db check`` and a
   comparison of the votes the clients saw acknowledged (HTTP 200) with the rows of the
   votes table.
3. **votes**: the upstream is switched to no pacing, ``--vote-battles`` finished battles
   are made, then all are voted on with ``--vote-concurrency`` requests in flight. The
   baseline is the vote's own writes (the conditional UPDATE and the INSERT, one
   transaction) sent by asyncpg straight to PostgreSQL with the
   same concurrency: the database's ceiling on this machine.

``--set NAME=VALUE`` passes an arena setting (``ARENA_NAME``) for the run.

    .venv/bin/python benchmarks/load.py            # 200 voters, 30 s per phase
    .venv/bin/python benchmarks/load.py --quick    # 50 voters, 5 s per phase
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness as h  # noqa: E402

MODELS = [(f"model-{i}", f"bench-{i}") for i in range(1, 5)]  # all answer as "concise"


@dataclass
class Window:
    """The measured part of a phase: after the warm-up, before the deadline."""

    start: float
    end: float

    def has(self, t: float) -> bool:
        return self.start <= t <= self.end

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass
class ArenaStats:
    battles: int = 0  # streams that ended with an `end` event, in the window
    battles_all: int = 0  # the same over the whole phase (for CPU per battle)
    votes: int = 0  # votes acknowledged, in the window
    attempts: int = 0  # battles started, in the window
    errors: Counter[str] = field(default_factory=Counter)
    ttft: list[float] = field(default_factory=list)  # per side
    ttft_from_prompt: list[float] = field(default_factory=list)  # POST start → first delta
    create_s: list[float] = field(default_factory=list)
    vote_s: list[float] = field(default_factory=list)
    acked: set[str] = field(default_factory=set)  # every battle whose vote got a 200
    unknown: set[str] = field(default_factory=set)  # vote sent, no answer (timeout, reset)
    open_streams: list[int] = field(default_factory=list)  # sampled concurrency
    client_lag: list[float] = field(default_factory=list)  # how late a 10 ms sleep wakes


# --- the probe: a few voters in a process of their own (benchmarks/_probe.py) -------------


async def probe(mode: str, port: int, warmup: float, duration: float, voters: int,
                models: str, keep_alive: bool = False) -> dict:
    """Run ``_probe.py`` over the measured window of a phase; its JSON, or {} if it failed."""
    await asyncio.sleep(warmup)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(Path(__file__).with_name("_probe.py")), mode, "--port", str(port),
        "--duration", str(duration), "--voters", str(voters), "--models", models,
        *(["--keep-alive"] if keep_alive else []), stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    try:
        return json.loads(out)
    except ValueError:
        return {}


# --- phase 1: the direct baseline --------------------------------------------------------


async def direct_phase(up: h.Upstream, voters: int, duration: float, warmup: float,
                       ramp_s: float) -> tuple[list[float], int, int, Window]:
    ttfts: list[float] = []
    done = failed = all_done = 0
    t0 = time.perf_counter()
    win = Window(t0 + warmup, t0 + warmup + duration)

    async def one(i: int) -> None:
        nonlocal done, failed, all_done
        await asyncio.sleep(random.uniform(0, ramp_s))  # see arena_phase
        async with h.client_session(cookies=False) as c:
            while time.perf_counter() < win.end:
                started = time.perf_counter()
                pair = random.sample(MODELS, 2)
                results = await asyncio.gather(
                    *(h.direct_stream(c, up.openai_base_url, m[1]) for m in pair))
                for ttft, ok in results:
                    if win.has(started):
                        if ttft is not None:
                            ttfts.append(ttft)
                        done += ok
                        failed += not ok
                    all_done += ok

    await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(voters))),
                           warmup + duration + 120)
    return ttfts, done, failed, all_done // 2, win


# --- phase 2: the arena under load ---------------------------------------------------------


async def arena_phase(arena: h.Arena, voters: int, duration: float, warmup: float,
                      think_s: float, ramp_s: float) -> tuple[ArenaStats, Window]:
    st = ArenaStats()
    t0 = time.perf_counter()
    win = Window(t0 + warmup, t0 + warmup + duration)
    streaming = 0

    async def one(i: int) -> None:
        nonlocal streaming
        # Each voter starts at a random point of one battle's length: every battle takes
        # about as long, so voters keep the phase they start with, and a ramp shorter than
        # a battle would bunch all arrivals into one part of each cycle, with quiet gaps a
        # probe could fall into.
        await asyncio.sleep(random.uniform(0, ramp_s))
        v = h.Voter(arena.url)
        try:
            while time.perf_counter() < win.end:
                started = time.perf_counter()
                counted = win.has(started)
                st.attempts += counted
                r = await v.create()
                if r.status != 201:
                    st.errors[f"create {r.status} {r.code or r.exc}"] += 1
                    if r.status == 429:
                        await asyncio.sleep(1)
                    continue
                created = time.perf_counter()
                bid = r.body["id"]
                streaming += 1
                s = await v.stream(bid)
                streaming -= 1
                if counted:
                    st.create_s.append(created - started)
                    st.ttft += [t for t in (s.ttft_a, s.ttft_b) if t is not None]
                    firsts = [t for t in (s.ttft_a, s.ttft_b) if t is not None]
                    if firsts:
                        st.ttft_from_prompt.append(created - started + min(firsts))
                if not (s.ok and s.votable):
                    st.errors[f"stream {s.status} {','.join(s.errors)}".strip()] += counted
                    continue
                st.battles += win.has(time.perf_counter())
                st.battles_all += 1
                if think_s:  # uniform in [0, 2 × think_s]: voters do not move in step
                    await asyncio.sleep(random.uniform(0, 2 * think_s))
                t_vote = time.perf_counter()
                vr = await v.vote(bid)
                if vr.status == 200:
                    st.acked.add(bid)
                    st.votes += win.has(time.perf_counter())
                    if counted:
                        st.vote_s.append(time.perf_counter() - t_vote)
                else:
                    if vr.status == 0:
                        st.unknown.add(bid)
                    st.errors[f"vote {vr.status} {vr.code or vr.exc}"] += counted
        finally:
            await v.aclose()

    async def sample() -> None:
        while time.perf_counter() < win.end:
            await asyncio.sleep(0.5)
            if win.has(time.perf_counter()):
                st.open_streams.append(streaming)

    async def lag() -> None:  # the client's own event-loop lag, which its timings include
        while time.perf_counter() < win.end:
            t = time.perf_counter()
            await asyncio.sleep(0.01)
            if win.has(t):
                st.client_lag.append(time.perf_counter() - t - 0.01)

    await asyncio.wait_for(asyncio.gather(sample(), lag(), *(one(i) for i in range(voters))),
                           warmup + duration + 180)
    return st, win


# --- phase 3: vote throughput --------------------------------------------------------------


async def make_battles(arena: h.Arena, owners: int, per_owner: int
                       ) -> tuple[list[tuple[h.Voter, list[str]]], float, Counter[str]]:
    """``owners`` voters making ``per_owner`` finished battles each, one at a time (a
    voter's first request sets its cookie, so it must not race its second)."""
    made: list[tuple[h.Voter, list[str]]] = [(h.Voter(arena.url), []) for _ in range(owners)]
    errors: Counter[str] = Counter()

    async def owner(v: h.Voter, ids: list[str]) -> None:
        for _ in range(per_owner):
            r = await v.create()
            if r.status != 201:
                errors[f"create {r.status} {r.code or r.exc}"] += 1
                continue
            s = await v.stream(r.body["id"])
            if s.votable:
                ids.append(r.body["id"])
            else:
                errors[f"stream {s.status}"] += 1

    t0 = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(owner(v, ids) for v, ids in made)), 900)
    return made, time.perf_counter() - t0, errors


async def vote_burst(made: list[tuple[h.Voter, list[str]]], concurrency: int
                     ) -> tuple[float, list[float], set[str], set[str], Counter[str]]:
    queue = [(v, bid) for v, ids in made for bid in ids]
    random.shuffle(queue)
    latencies: list[float] = []
    acked: set[str] = set()
    unknown: set[str] = set()
    errors: Counter[str] = Counter()
    it = iter(queue)

    async def worker() -> None:
        for v, bid in it:
            t = time.perf_counter()
            r = await v.vote(bid)
            if r.status == 200:
                latencies.append(time.perf_counter() - t)
                acked.add(bid)
            else:
                if r.status == 0:
                    unknown.add(bid)
                errors[f"vote {r.status} {r.code or r.exc}"] += 1

    t0 = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(concurrency))), 600)
    return time.perf_counter() - t0, latencies, acked, unknown, errors


RAW_SCHEMA = """
create table battles (id text primary key, status text not null);
create table votes (id serial primary key, battle_id text not null unique references battles,
  voter_key text not null, model_a text not null, model_b text not null, winner text not null,
  counted boolean not null, propensity float not null, turns int not null,
  conv_metadata json, categories json not null, created_at timestamptz not null);
"""


async def raw_vote_baseline(n: int, concurrency: int, pool_size: int,
                            meter: h.CpuMeter) -> float:
    """votes/s of the vote transaction's writes alone, asyncpg straight to PostgreSQL."""
    import asyncpg

    url = h.recreate_database("arena_bench_raw").replace("postgresql://", "postgres://", 1)
    pool = await asyncpg.create_pool(url, min_size=pool_size, max_size=pool_size)
    try:
        async with pool.acquire() as c:
            await c.execute(RAW_SCHEMA)
            await c.executemany("insert into battles values ($1, 'active')",
                                [(f"b{i}",) for i in range(n)])
        names = [m[0] for m in MODELS]
        ids = iter(range(n))
        winners = ["a", "b", "tie", "both_bad"]

        async def worker() -> None:
            for i in ids:
                a, b = random.sample(names, 2)
                w = random.choice(winners)
                async with pool.acquire() as c, c.transaction():
                    res = await c.execute("update battles set status = 'voted' "
                                          "where id = $1 and status = 'active'", f"b{i}")
                    assert res == "UPDATE 1"
                    await c.execute(
                        "insert into votes (battle_id, voter_key, model_a, model_b, winner, "
                        "counted, propensity, turns, conv_metadata, categories, created_at) "
                        "values ($1, 'k', $2, $3, $4, true, 0.16, 1, '{}', '[]', now())",
                        f"b{i}", a, b, w)

        meter.start()  # stopped before the pool closes: its backends' CPU is counted
        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        rate = n / (time.perf_counter() - t0)
        meter.stop()
        return rate
    finally:
        await pool.close()
        h.drop_database("arena_bench_raw")


# --- checks ------------------------------------------------------------------------------


async def recount(arena: h.Arena, acked: set[str], unknown: set[str]) -> dict[str, object]:
    rc, out = h.db_check(arena.env)
    rows = await h.query(arena.env["ARENA_DATABASE_URL"], "select battle_id from votes")
    stored = [r["battle_id"] for r in rows]
    in_table = set(stored)
    return {"db_check": "ok" if rc == 0 else f"FAILED: {out}",
            "acked": len(acked), "rows": len(stored),
            "lost": len(acked - in_table),  # acknowledged, not stored
            "duplicated": len(stored) - len(in_table),
            "unacked_rows": len(in_table - acked),  # stored, never acknowledged
            "unknown_sent": len(unknown), "unknown_stored": len(unknown & in_table)}


# --- main --------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--voters", type=int, default=200, help="concurrent voters (default 200)")
    p.add_argument("--duration", type=float, default=30, help="measured seconds per phase")
    p.add_argument("--warmup", type=float, default=None,
                   help="seconds before measuring (default: one answer's length + 1 s, so "
                        "every voter has started; voters start at random points of it)")
    p.add_argument("--workers", type=int, default=2, help="arena serve --workers")
    p.add_argument("--first-delay-s", type=float, default=0.25, help="upstream TTFT")
    p.add_argument("--delay-s", type=float, default=0.03, help="upstream pause between words")
    p.add_argument("--words", type=int, default=172,
                   help="words per answer, one delta each (default 172: the median answer of "
                        "the 100 real Arena conversations in shared/data)")
    p.add_argument("--probe-voters", type=int, default=8,
                   help="voters of the probe process that measures TTFT (default 8)")
    p.add_argument("--probe-keep-alive", action="store_true",
                   help="probe voters keep their connections alive as a browser does "
                        "(default: a new connection per request, a first-time visitor)")
    p.add_argument("--think-s", type=float, default=0,
                   help="mean pause before each vote, drawn uniformly from [0, 2 × this]")
    p.add_argument("--vote-battles", type=int, default=3000, help="battles voted in phase 3")
    p.add_argument("--vote-concurrency", type=int, default=64)
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="an arena setting for this run, e.g. --set db_pre_ping=false")
    p.add_argument("--db", default="arena_bench", help="PostgreSQL database (recreated)")
    p.add_argument("--quick", action="store_true", help="50 voters, 5 s phases, 1500 votes")
    p.add_argument("--skip-votes", action="store_true", help="skip phase 3")
    args = p.parse_args()
    if args.quick:
        args.voters, args.duration, args.vote_battles = 50, 5, 1500
    args.ramp_s = args.first_delay_s + args.words * args.delay_s  # one answer's length
    if args.warmup is None:
        args.warmup = args.ramp_s + 1
    args.ramp_s = min(args.ramp_s, args.warmup)
    return args


async def run(args: argparse.Namespace, up: h.Upstream, arena: h.Arena) -> None:
    meter = lambda: h.CpuMeter({  # noqa: E731
        "client": h.own_pid, "upstream": lambda: [up.pid], "arena": arena.all_pids,
        "postgres": h.postgres_pids})

    print(f"phase 1: direct baseline, {args.voters} voters × 2 streams, "
          f"{args.duration:.0f} s …", file=sys.stderr)
    models = ",".join(m[1] for m in MODELS)
    speed1 = h.host_speed_ms()
    m1 = meter()
    m1.start()
    p1 = asyncio.create_task(probe("direct", up.port, args.warmup, args.duration,
                                   args.probe_voters, models))
    d_ttft, d_done, d_failed, d_all, d_win = await direct_phase(up, args.voters, args.duration,
                                                         args.warmup, args.ramp_s)
    m1.stop()
    probe_direct = await p1

    print(f"phase 2: arena, {args.voters} voters, {args.duration:.0f} s …", file=sys.stderr)
    speed2 = h.host_speed_ms()
    m2 = meter()
    m2.start()
    p2 = asyncio.create_task(probe("arena", arena.port, args.warmup, args.duration,
                                   args.probe_voters, models, args.probe_keep_alive))
    st, a_win = await arena_phase(arena, args.voters, args.duration, args.warmup, args.think_s,
                                  args.ramp_s)
    m2.stop()
    probe_arena = await p2
    st.acked |= set(probe_arena.get("acked") or [])  # the probe's votes count in the recount
    check2 = await recount(arena, st.acked, st.unknown)

    p50 = lambda xs: h.pct(xs, 50)  # noqa: E731
    p99 = lambda xs: h.pct(xs, 99)  # noqa: E731
    added50 = (p50(st.ttft) - p50(d_ttft)) if st.ttft and d_ttft else None
    added99 = (p99(st.ttft) - p99(d_ttft)) if st.ttft and d_ttft else None
    pd, pa = probe_direct.get("ttft") or [], probe_arena.get("ttft") or []
    padded50 = (p50(pa) - p50(pd)) if pa and pd else None
    padded99 = (p99(pa) - p99(pd)) if pa and pd else None
    errors = sum(st.errors.values())
    print()
    print(f"## Streaming load: {args.voters} voters, {args.duration:.0f} s measured after "
          f"{args.warmup:.0f} s warm-up, arena --workers {args.workers} on PostgreSQL; upstream "
          f"first token {args.first_delay_s * 1000:.0f} ms then a word every "
          f"{args.delay_s * 1000:.0f} ms, {args.words} words an answer\n")
    print(h.table(
        ["", "direct to upstream (baseline)", "through the arena", "added by the arena"],
        [[f"probe TTFT p50 (per side; {args.probe_voters} voters of its own, "
          f"{len(pd)} / {len(pa)} samples)", h.ms(p50(pd)), h.ms(p50(pa)), h.ms(padded50)],
         ["probe TTFT p99", h.ms(p99(pd)), h.ms(p99(pa)), h.ms(padded99)],
         ["probe POST /api/battles · …/vote p50", "",
          f"{h.ms(p50(probe_arena.get('create') or []))} · "
          f"{h.ms(p50(probe_arena.get('vote') or []))}", ""],
         ["probe battles ok / failed",
          f"{probe_direct.get('ok', 0)} / {probe_direct.get('failed', 0)}",
          f"{probe_arena.get('ok', 0)} / {probe_arena.get('failed', 0)}", ""],
         ["load client's TTFT p50 (per side, its own lag included)", h.ms(p50(d_ttft)),
          h.ms(p50(st.ttft)), h.ms(added50)],
         ["load client's TTFT p99", h.ms(p99(d_ttft)), h.ms(p99(st.ttft)), h.ms(added99)],
         ["load client's own event-loop lag p50 / p99 (a 10 ms sleep's overshoot)", "",
          f"{h.ms(p50(st.client_lag))} / {h.ms(p99(st.client_lag))}", ""],
         ["TTFT p50 from the prompt (POST + stream)", "—", h.ms(p50(st.ttft_from_prompt)), ""],
         ["streams finished /s", f"{d_done / d_win.seconds / 2:.1f} pairs",
          f"{st.battles / a_win.seconds:.1f} battles", ""],
         ["votes acknowledged /s", "—", f"{st.votes / a_win.seconds:.1f}", ""],
         ["open streams (mean of samples)", "",
          f"{statistics.mean(st.open_streams):.0f}" if st.open_streams else "—", ""],
         ["POST /api/battles p50 / p99", "", f"{h.ms(p50(st.create_s))} / "
          f"{h.ms(p99(st.create_s))}", ""],
         ["POST …/vote p50 / p99", "", f"{h.ms(p50(st.vote_s))} / {h.ms(p99(st.vote_s))}", ""],
         ["error rate", f"{d_failed / max(1, d_done + d_failed):.2%}",
          f"{errors / max(1, st.attempts):.2%} of {st.attempts}", ""],
         ["CPU used (cores)", m1.shares(), m2.shares(), ""],
         ["host speed before the phase (a fixed Python loop; lower is faster)",
          h.ms(speed1 / 1000), h.ms(speed2 / 1000), ""],
         ["arena CPU per battle (create + stream + vote)", "",
          f"{1000 * m2.used['arena'] / max(1, st.battles_all):.1f} ms", ""],
         ["client CPU per pair of streams", f"{1000 * m1.used['client'] / max(1, d_all):.1f} ms",
          f"{1000 * m2.used['client'] / max(1, st.battles_all):.1f} ms", ""]]))
    if st.errors:
        print("\nerrors: " + ", ".join(f"{k} ×{n}" for k, n in st.errors.most_common(8)))
    print(f"\nrecount after phase 2: {check2}")

    if args.skip_votes:
        return
    print(f"phase 3: {args.vote_battles} finished battles, then votes with "
          f"{args.vote_concurrency} in flight …", file=sys.stderr)
    await asyncio.to_thread(up.script, None, delay_s=0.0, first_delay_s=0.0)
    owners = args.vote_concurrency
    made, make_s, make_errors = await make_battles(arena, owners,
                                                   -(-args.vote_battles // owners))
    n_made = sum(len(ids) for _, ids in made)
    m3 = meter()
    m3.start()
    burst_s, lat, acked, unknown, vote_errors = await vote_burst(made, args.vote_concurrency)
    m3.stop()
    for v, _ in made:
        await v.aclose()
    await asyncio.to_thread(up.reset)
    check3 = await recount(arena, st.acked | acked, st.unknown | unknown)
    m4 = meter()
    raw = await raw_vote_baseline(n_made, args.vote_concurrency,
                                  min(args.vote_concurrency, 30 * args.workers), m4)
    per_vote = lambda m, g, n: f"{1000 * m.used[g] / max(1, n):.2f} ms"  # noqa: E731
    print()
    print(f"## Vote throughput: {n_made} finished battles (made at {n_made / make_s:.0f} "
          f"battles/s with an unpaced upstream), voted with {args.vote_concurrency} requests "
          "in flight\n")
    print(h.table(
        ["", "vote writes alone, asyncpg → PostgreSQL (baseline)", "POST …/vote through the arena"],
        [["votes/s", f"{raw:.0f}", f"{len(acked) / burst_s:.0f}"],
         ["latency p50 / p99", "", f"{h.ms(p50(lat))} / {h.ms(p99(lat))}"],
         ["errors", "0", f"{sum(vote_errors.values())} "
          + ", ".join(f"{k} ×{n}" for k, n in vote_errors.most_common(4))],
         ["CPU used (cores)", m4.shares(), m3.shares()],
         ["arena CPU per vote", "", per_vote(m3, "arena", len(acked))],
         ["PostgreSQL CPU per vote", per_vote(m4, "postgres", n_made),
          per_vote(m3, "postgres", len(acked))],
         ["client CPU per vote", per_vote(m4, "client", n_made),
          per_vote(m3, "client", len(acked))]]))
    if make_errors:
        print("\nerrors while making battles: "
              + ", ".join(f"{k} ×{n}" for k, n in make_errors.most_common(5)))
    print(f"\nfinal recount: {check3}")


def main() -> int:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="arena-load-"))
    up = h.Upstream(delay_s=args.delay_s, first_delay_s=args.first_delay_s, words=args.words)
    arena = None
    try:
        url = h.recreate_database(args.db)
        roster = h.write_roster(workdir / "models.toml", MODELS, up.openai_base_url)
        extra = dict(kv.split("=", 1) for kv in args.set)
        env = h.arena_env(url, roster, request_timeout_s=30, **extra)
        arena = h.Arena(env, workers=args.workers, log_dir=workdir).start()
        h.run_async(run(args, up, arena))
    finally:
        if arena is not None:
            arena.stop()
            errors = arena.log_count("Traceback")
            print(f"\narena log: {arena.log_path} ({errors} tracebacks)", file=sys.stderr)
        up.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
