"""The ``arena`` command: serve, leaderboard, export, db upgrade|check, votes review|set,
history snapshot|show, models check, invite create|list|revoke."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from arena.errors import ArenaError
from arena.types import ExcludedReason

if TYPE_CHECKING:  # the commands import what they need when they run: a fast --help
    from fastapi import FastAPI

    from arena.providers.base import Provider
    from arena.settings import Settings


def _settings(args: argparse.Namespace | None = None) -> Settings:
    from arena.settings import Settings

    if args is not None and getattr(args, "models", None):
        return Settings(models=Path(args.models))
    return Settings()


def app_from_env() -> FastAPI:  # uvicorn factory for `arena serve` (one per worker)
    from arena.app import create_app

    return create_app(_settings(), migrate=False)


def cmd_serve(args: argparse.Namespace) -> int:
    # The workers' metrics meet in one directory made for this run (arena.ops.metrics); it
    # must be in the environment before prometheus-client is first imported, here and in
    # every worker (they inherit it).
    import signal

    from arena.ops.metrics_dir import serving_directory

    # uvicorn, serving one worker in this process, ends a SIGTERM by raising it again
    # once it has shut down: the default action would kill the process before the
    # directory is removed. Raised as an exception instead, it unwinds through the
    # clean-up; the signal is then raised once more, so the exit status still says it.
    def stopped(signum: int, _frame: object) -> None:
        raise _Stopped(signum)

    previous = signal.signal(signal.SIGTERM, stopped)
    try:
        with serving_directory():
            return _serve(args)
    except _Stopped as stop:
        signal.signal(signal.SIGTERM, previous)
        signal.raise_signal(stop.signum)
        return 128 + stop.signum
    finally:
        signal.signal(signal.SIGTERM, previous)


class _Stopped(BaseException):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from arena.app import create_app
    from arena.db import open_and_upgrade
    from arena.ops.logs import log_config
    from arena.ratelimit import RedisRateLimiter, require_redis_client
    from arena.roster import build_providers, load_configured_roster, unreachable_servers

    # Everything a worker would fail on fails here first, as one line, not as a traceback
    # from inside a worker: the roster, each model's provider set-up, the settings the app
    # checks, the database.
    settings = _settings(args)
    roster = load_configured_roster(settings)
    if settings.redis_url:
        require_redis_client()
    create_app(settings, roster=roster, migrate=False)
    url = settings.resolved_database_url()

    async def prepare() -> None:
        for p in build_providers(roster, settings).values():
            await p.aclose()
        if settings.redis_url:
            limiter = RedisRateLimiter(settings.redis_url)
            try:
                await limiter.check(settings.redis_url)
            finally:
                await limiter.aclose()
        await (await open_and_upgrade(url)).dispose()
        for model, why in await unreachable_servers(roster):
            print(f"arena: warning: model {model.name!r} at {model.base_url}: {why}; until "
                  f"it answers it will be paused after {settings.health_failures} failures "
                  "in a row (arena models check tells when it is back)",
                  file=sys.stderr, flush=True)

    asyncio.run(prepare())
    if args.models:
        os.environ["ARENA_MODELS"] = str(Path(args.models).resolve())
    host = args.host or settings.host
    port = args.port or settings.port
    what = ("demo mode: 5 scripted models (add real ones with --models FILE)" if roster.demo
            else f"{len(roster.models)} models from {settings.models}")
    print(f"arena: {what}\narena: open http://{host}:{port}/", file=sys.stderr, flush=True)
    if settings.access != "open":
        who = ("invited browsers (arena invite create)" if settings.access == "invite"
               else f"people signed in at {settings.oidc_issuer}")
        print(f"arena: only {who} may vote (ARENA_ACCESS={settings.access})",
              file=sys.stderr, flush=True)
    uvicorn.run("arena.cli:app_from_env", factory=True, host=host, port=port,
                workers=args.workers, log_level=settings.log_level, proxy_headers=False,
                log_config=log_config(settings.log_format, settings.log_level))
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from arena.db import current_revision, open_and_upgrade, open_migrated, public_url
    from arena.store import Store

    settings = _settings()
    url = settings.resolved_database_url()

    async def run() -> int:
        upgrading = args.db_command == "upgrade"
        engine = await (open_and_upgrade(url) if upgrading else open_migrated(url))
        try:
            if upgrading:
                print(f"database at revision {await current_revision(engine)}: "
                      f"{public_url(url)}")
                return 0
            problems = await Store(engine).check()
            if problems:
                print(json.dumps({"ok": False, "problems": [asdict(p) for p in problems]},
                                 indent=2))
                return 1
            print("ok: every vote matches its battle and the counting rules")
            return 0
        finally:
            await engine.dispose()

    return asyncio.run(run())


def cmd_export(args: argparse.Namespace) -> int:
    from arena.db import open_migrated
    from arena.export import export_battles
    from arena.roster import public_names
    from arena.store import Store

    settings = _settings()
    output = Path(args.output)
    if output.is_dir():
        raise ArenaError(f"cannot write {output}: it is a folder; name a file in it")
    if not output.parent.is_dir():
        raise ArenaError(f"cannot write {output}: there is no folder {output.parent}; "
                         "create it first")
    fmt = export_format(output, args.format)

    async def run() -> int:
        engine = await open_migrated(settings.resolved_database_url())
        try:
            n = await export_battles(Store(engine), output, include_excluded=args.all,
                                     as_json_array=fmt == "json",
                                     names=public_names(settings))
        except OSError as exc:
            raise ArenaError(f"cannot write {output}: {exc.strerror or exc}") from None
        finally:
            await engine.dispose()
        print(f"wrote {n} battles to {output} ({fmt})", file=sys.stderr)
        return 0

    return asyncio.run(run())


def export_format(output: Path, chosen: str | None) -> str:
    """``--format`` if given, else the file's extension; anything else is a clear error."""
    if chosen:
        return chosen
    by_suffix = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json"}
    fmt = by_suffix.get(output.suffix.lower())
    if fmt is None:
        raise ArenaError(f"cannot tell the format of {output.name!r} from its extension: "
                         "name it .jsonl or .json, or give --format jsonl|json")
    return fmt


def cmd_votes(args: argparse.Namespace) -> int:
    """``votes review``: excluded and pinned votes; ``votes set``: pin one (reversibly)."""
    import getpass

    from arena.db import open_migrated
    from arena.store import ReviewedVote, Store
    from arena.types import Review

    settings = _settings()

    def line(v: ReviewedVote) -> str:
        state = "counted" if v.counted else f"excluded:{v.excluded_reason}"
        pin = f"pinned {v.review}" if v.review else "auto"
        return (f"{v.battle_id}  {state:<24} {pin:<16} voter {v.voter_key[:10]}  "
                f"address {(v.ip_hash or '-')[:10]:<10}  {v.model_a} vs {v.model_b}: "
                f"{v.winner}" + (f"  # {v.review_note}" if v.review_note else ""))

    async def run() -> int:
        engine = await open_migrated(settings.resolved_database_url())
        store = Store(engine)
        try:
            if args.votes_command == "review":
                found = await store.reviews(args.reason, limit=args.limit)
                for v in found:
                    print(line(v))
                print(f"{len(found)} votes", file=sys.stderr)
                return 0
            review: Review | None = None if args.pin == "auto" else args.pin
            # Audited as the console's changes are: "cli:" and the account that ran it.
            actor = f"cli:{getpass.getuser()}"
            print(line(await store.set_review(args.battle_id, review, args.note,
                                              actor=actor)))
            return 0
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _verify_snapshot(args: argparse.Namespace) -> int:
    """``history verify``: 0 when the snapshot and the file agree, 1 when they do not."""
    from arena.record import verify

    try:
        with open(args.snapshot, "rb") as f:
            snapshot = json.loads(f.read())
    except (OSError, ValueError) as exc:
        print(f"error: cannot read the snapshot {args.snapshot!r}: {exc}", file=sys.stderr)
        return 2
    if not isinstance(snapshot, dict) or "models" not in snapshot:
        print(f"error: {args.snapshot!r} is not a board snapshot (save "
              "/api/leaderboard/snapshots/ID)", file=sys.stderr)
        return 2
    result = verify(snapshot, args.battles)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0 if result["ok"] else 1
    yes = {True: "yes", False: "NO", None: "not checked"}
    print(f"snapshot {result['snapshot']}: {result['votes_in_file']} votes in the file, "
          f"{result['counted_votes']} counted by the snapshot")
    print(f"  votes' digest matches: {yes[result['digest_matches']]}")
    if result["ratings_match"] is None:
        print("  ratings: not checked (the board's votes carried weights, which the public "
              "file does not hold, or the snapshot names no method)")
    else:
        print(f"  ratings, intervals and ranks computed again match: "
              f"{yes[result['ratings_match']]} (largest difference "
              f"{result['max_rating_diff']:.4f} Elo)")
    for line in result["differences"][:20]:
        print(f"    {line}")
    print("verified" if result["ok"] else "NOT verified: the record differs from the file")
    return 0 if result["ok"] else 1


def cmd_history(args: argparse.Namespace) -> int:
    """``history snapshot``: keep the board as it is now (on demand, any number a day);
    ``history show``: the kept snapshots, as a table, JSON (the API's body) or CSV."""
    import csv

    from arena.db import open_migrated
    from arena.history import DEFAULT_VARIANT, BoardHistory, history_view, parse_moment
    from arena.leaderboard import LeaderboardCache
    from arena.roster import lifted_names, public_names
    from arena.store import Store

    if args.history_command == "verify":
        return _verify_snapshot(args)
    settings = _settings()
    since = parse_moment("--since", getattr(args, "since", None))
    until = parse_moment("--until", getattr(args, "until", None), end_of_day=True)

    async def run() -> int:
        engine = await open_migrated(settings.resolved_database_url())
        store = Store(engine)
        try:
            if args.history_command == "snapshot":
                # The server's own board, computed here by the same cache from the same
                # votes (detection's verdicts and weights included).
                board = LeaderboardCache(store, settings, demo=False,
                                         names=public_names(settings))
                await board.refresh()
                snap = await BoardHistory(board, store, settings).take_now()
                print(f"snapshot {snap.id}: {len(snap.models)} models, up to vote "
                      f"{snap.last_vote_id}, at {snap.taken_at.isoformat(timespec='seconds')}")
                return 0
            snaps = await store.snapshots(DEFAULT_VARIANT, since=since, until=until,
                                          limit=args.limit + 1)
        finally:
            await engine.dispose()
        truncated = len(snaps) > args.limit
        view = history_view(snaps[1:] if truncated else snaps, args.model or [],
                            truncated=truncated, unveiled=lifted_names(settings))
        if args.format == "json":
            print(json.dumps(view, indent=2))
            return 0
        kinds = {s["taken_at"]: s["kind"] for s in view["snapshots"]}
        rows = sorted(((p["taken_at"], kinds[p["taken_at"]], m["model"], p)
                       for m in view["models"] for p in m["points"]),
                      key=lambda r: (r[0], r[3]["rank"], r[2]))
        if args.format == "csv":
            out = csv.writer(sys.stdout, lineterminator="\n")
            out.writerow(("taken_at", "kind", "model", "rank", "rating", "ci_low", "ci_high",
                          "votes"))
            for at, kind, model, p in rows:
                out.writerow((at, kind, model, p["rank"], p["rating"], p["ci_low"],
                              p["ci_high"], p["votes"]))
        else:
            for at, kind, model, p in rows:
                interval = ("-" if p["ci_low"] is None or p["ci_high"] is None
                            else f"{p['ci_low']:.0f}–{p['ci_high']:.0f}")
                rating = "-" if p["rating"] is None else f"{p['rating']:.0f}"
                print(f"{at}  {kind:<9}  {p['rank']:>3}  {model:<30} {rating:>6}  "
                      f"{interval:<11}  {p['votes']} votes")
        print(f"{len(view['snapshots'])} snapshots"
              + (" (older ones left out: raise --limit)" if truncated else ""), file=sys.stderr)
        return 0

    return asyncio.run(run())


def cmd_models(args: argparse.Namespace) -> int:
    return cmd_models_export(args) if args.models_command == "export" else cmd_models_check(args)


def cmd_models_export(args: argparse.Namespace) -> int:
    """``models export``: the roster file with every live control applied (weights, token
    limits, temperatures, system prompts; a paused or retired model gets weight 0 and a
    comment), written so that ``arena serve --models`` reads it back."""
    import tomli_w

    from arena.db import open_migrated
    from arena.demo import demo_roster
    from arena.settings import load_roster
    from arena.store import Store

    settings = _settings()
    path = args.models or settings.models
    roster = load_roster(path, check_keys=False) if path else demo_roster()

    async def controls() -> dict[str, Any]:
        engine = await open_migrated(settings.resolved_database_url())
        try:
            return await Store(engine).model_controls()
        finally:
            await engine.dispose()

    live = asyncio.run(controls())
    entries, notes = [], []
    for m in roster.models:
        entry = m.model_dump(exclude_defaults=True, mode="json")
        c = live.get(m.name)
        if c is not None:
            for key in ("weight", "max_tokens", "temperature", "system_prompt"):
                if getattr(c, key) is not None:
                    entry[key] = getattr(c, key)
            if c.state in ("paused", "retired"):
                entry["weight"] = 0
                notes.append(f"# {m.name}: {c.state} in the console ({c.note or 'no note'}); "
                             "exported with weight 0")
        entries.append(entry)
    head = ["# The arena's roster as it plays now (arena models export): the roster file with",
            "# the console's live changes applied.", *notes]
    text = "\n".join(head) + "\n\n" + tomli_w.dumps({"models": entries})
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {len(entries)} models to {args.output}", file=sys.stderr)
    return 0


def cmd_models_check(args: argparse.Namespace) -> int:
    """Every model at once, each within ``--timeout``: one line per model, in roster
    order, with where it is served and, for a failure, what went wrong in plain words."""
    from contextlib import nullcontext

    from arena.providers.base import PROBE, Delta
    from arena.providers.limits import Slots
    from arena.roster import build_providers, load_configured_roster

    settings = _settings(args)
    roster = load_configured_roster(settings)
    where = {m.name: m.base_url or m.provider for m in roster.models}
    slots = Slots(roster.models)  # a server with max_concurrency is asked that many at once

    async def one(name: str, p: Provider) -> tuple[bool, str]:
        try:
            async with slots.for_model(name) or nullcontext():  # the wait is not timed
                started = time.perf_counter()
                async with asyncio.timeout(args.timeout):
                    text = "".join([e.text async for e in p.stream(PROBE)
                                    if isinstance(e, Delta)])
            took = time.perf_counter() - started
            return True, f"ok      {name} ({where[name]}, {took:.1f} s): {text.strip()[:40]!r}"
        except TimeoutError:
            return False, (f"FAILED  {name} ({where[name]}): no full answer within "
                           f"{args.timeout:g} s (--timeout)")
        except ArenaError as exc:
            return False, f"FAILED  {name} ({where[name]}): {exc.message}"
        finally:
            await p.aclose()

    arena_url = args.arena or f"http://{settings.host}:{settings.port}"

    async def run() -> int:
        providers = build_providers(roster, settings)
        results, paused = await asyncio.gather(
            asyncio.gather(*(one(n, p) for n, p in providers.items())),
            paused_in(arena_url))
        for _ok, line in results:
            print(line, flush=True)
        for name in paused or []:
            print(f"PAUSED  {name}: the running arena at {arena_url} draws it in no new "
                  "battle until its probe answers (it failed several times in a row)",
                  flush=True)
        bad = sum(not ok for ok, _ in results)
        print(f"{len(results) - bad} of {len(results)} models answered"
              + ("" if paused is None else f"; {len(paused)} paused in the running arena"),
              file=sys.stderr)
        return 1 if bad else 0

    return asyncio.run(run())


async def paused_in(arena_url: str) -> list[str] | None:
    """The models a running arena has paused (``GET /api/info``), or None when no arena
    answers there. Health is kept per worker: with several, this is one worker's view."""
    import httpx

    try:
        async with httpx.AsyncClient(timeout=2.0) as client:
            res = await client.get(f"{arena_url.rstrip('/')}/api/info")
        info = res.json() if res.is_success else None
    except (httpx.HTTPError, ValueError):
        return None
    paused = info.get("paused_models") if isinstance(info, dict) else None
    return [str(m) for m in paused] if isinstance(paused, list) else None


def parse_duration(text: str) -> float:
    """``7d``, ``12h``, ``90m`` or ``3600s`` → seconds (argparse type of ``--expires``)."""
    units = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    t = text.strip().lower()
    try:
        value = float(t[:-1]) * units[t[-1]] if t and t[-1] in units else float(t) * 86400
    except ValueError:
        value = 0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration; write e.g. 7d, 12h or "
                                         "90m")
    return value


def cmd_invite(args: argparse.Namespace) -> int:
    """``invite create``: a signed invite link; ``invite list``; ``invite revoke ID``."""
    from datetime import timedelta

    from arena.access import AccessKeys, AccessStore, Invite
    from arena.db import open_migrated
    from arena.settings import check_access
    from arena.store.records import utcnow

    settings = _settings()
    # The links are signed with ARENA_SECRET_KEY: the same strong secret the server has.
    check_access(settings if settings.access != "open"
                 else settings.model_copy(update={"access": "invite"}))
    keys = AccessKeys(settings.secret_key)
    base = (settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")

    def state(i: Invite) -> str:
        now = utcnow()
        if i.revoked_at is not None:
            return "revoked"
        if i.expires_at <= now:
            return "expired"
        if i.max_uses is not None and i.uses >= i.max_uses:
            return "used up"
        return "open"

    def line(i: Invite) -> str:
        uses = f"{i.uses}/{i.max_uses}" if i.max_uses is not None else f"{i.uses}/any"
        return (f"{i.id}  {state(i):<8} uses {uses:<9} voters {i.sessions:<4} votes "
                f"{i.votes:<6} expires {i.expires_at.isoformat(timespec='minutes')}"
                + (f"  {i.label}" if i.label else ""))

    async def run() -> int:
        engine = await open_migrated(settings.resolved_database_url())
        store = AccessStore(engine)
        try:
            if args.invite_command == "create":
                invite = await store.create_invite(
                    label=args.label, max_uses=args.uses,
                    expires_at=utcnow() + timedelta(seconds=args.expires))
                print(f"{base}/invite/{keys.invite_token(invite.id)}")
                print(line(invite), file=sys.stderr)
                if settings.access != "invite":
                    print(f"arena: note: ARENA_ACCESS is {settings.access}; the link works "
                          "only on a server run with ARENA_ACCESS=invite", file=sys.stderr)
                return 0
            if args.invite_command == "list":
                found = await store.list_invites()
                for i in found:
                    print(line(i))
                print(f"{len(found)} invites", file=sys.stderr)
                return 0
            revoked = await store.revoke_invite(args.invite_id)
            if revoked is None:
                print(f"arena: error: no invite {args.invite_id!r} (see arena invite list)",
                      file=sys.stderr)
                return 1
            print(line(revoked))
            return 0
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return n


def build_parser() -> argparse.ArgumentParser:
    from arena import __version__
    from arena.ranking import cli as ranking_cli

    parser = argparse.ArgumentParser(
        prog="arena", description="An anonymous pairwise LLM arena: run it, rank its votes, "
        "export them, and look after its database and roster.",
        epilog="Run `arena COMMAND --help` for a command's options.")
    parser.add_argument("--version", action="version", version=f"arena {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the arena web app")
    serve.add_argument("--host", default=None, help="default 127.0.0.1 (ARENA_HOST)")
    serve.add_argument("--port", type=int, default=None, help="default 8000 (ARENA_PORT)")
    serve.add_argument("--models", default=None, help="TOML roster (ARENA_MODELS); none = demo")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.set_defaults(func=cmd_serve)

    board = sub.add_parser("leaderboard", help="rank models from a Chatbot Arena battle file")
    ranking_cli.add_arguments(board)
    board.set_defaults(func=ranking_cli.run)

    export = sub.add_parser("export", help="write this arena's battles in Chatbot Arena format")
    export.add_argument("output", help="file to write (.jsonl or .json)")
    export.add_argument("--format", choices=("jsonl", "json"), default=None,
                        help="jsonl (one battle per line) or json (one array); "
                             "default: from the file's extension")
    export.add_argument("--all", action="store_true",
                        help="include votes excluded from the ranking (marked in the output)")
    export.set_defaults(func=cmd_export)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply migrations (ARENA_DATABASE_URL)")
    db_sub.add_parser("check",
                      help="check that every vote matches its battle and the counting rules")
    db.set_defaults(func=cmd_db)

    votes = sub.add_parser("votes", help="review the votes left out of the board")
    votes_sub = votes.add_subparsers(dest="votes_command", required=True)
    review = votes_sub.add_parser("review", help="list excluded and pinned votes, newest first")
    review.add_argument("--reason", choices=typing.get_args(ExcludedReason),
                        default=None, help="only votes excluded for this reason")
    review.add_argument("--limit", type=int, default=100, help="most votes listed")
    pin = votes_sub.add_parser("set", help="pin one vote counted or excluded (reversible)")
    pin.add_argument("battle_id", help="the battle whose vote is pinned (see votes review)")
    how = pin.add_mutually_exclusive_group(required=True)
    how.add_argument("--counted", dest="pin", action="store_const", const="counted",
                     help="count the vote whatever the detection job says")
    how.add_argument("--excluded", dest="pin", action="store_const", const="excluded",
                     help="leave the vote out of the board")
    how.add_argument("--auto", dest="pin", action="store_const", const="auto",
                     help="remove the pin: the detection job decides again")
    pin.add_argument("--note", default="", help="why (kept with the vote)")
    votes.set_defaults(func=cmd_votes)

    hist = sub.add_parser("history", help="the board over time: snapshots of its ratings")
    hist_sub = hist.add_subparsers(dest="history_command", required=True)
    hist_sub.add_parser("snapshot", help="keep the board as it is now (besides the server's "
                                         "daily snapshot)")
    verify = hist_sub.add_parser(
        "verify", help="check a published snapshot against the public battle download "
                       "(no database needed): its votes' digest and its ratings")
    verify.add_argument("snapshot", help="the snapshot's JSON (/api/leaderboard/snapshots/ID)")
    verify.add_argument("battles", help="its votes (/api/battles.jsonl?snapshot=ID)")
    verify.add_argument("--json", action="store_true", help="print the checks as JSON")
    show = hist_sub.add_parser("show", help="the kept snapshots, oldest first")
    show.add_argument("--model", action="append", default=None,
                      help="only this model (repeat for several)")
    show.add_argument("--since", default=None, help="from this date or time (ISO 8601, UTC)")
    show.add_argument("--until", default=None,
                      help="up to this date (that whole day) or time")
    show.add_argument("--limit", type=_positive, default=366,
                      help="the newest this many snapshots (default 366)")
    show.add_argument("--format", choices=("text", "json", "csv"), default="text",
                      help="text (default), json (the API's body) or csv")
    hist.set_defaults(func=cmd_history)

    models = sub.add_parser("models", help="roster tools")
    models_sub = models.add_subparsers(dest="models_command", required=True)
    check = models_sub.add_parser("check", help="send a tiny prompt to every model at once")
    check.add_argument("--models", default=None, help="TOML roster (ARENA_MODELS); none = demo")
    check.add_argument("--timeout", type=float, default=30.0,
                       help="seconds each model has for its whole answer (default 30)")
    check.add_argument("--arena", default=None,
                       help="URL of the running arena whose paused models to list "
                            "(default http://ARENA_HOST:ARENA_PORT)")
    export = models_sub.add_parser(
        "export", help="the roster as it plays now, the console's live changes applied, as "
                       "TOML (to seed another arena, or to keep in the repository)")
    export.add_argument("--models", default=None, help="TOML roster (ARENA_MODELS); none = demo")
    export.add_argument("--output", default="-", help="file to write (default: standard output)")
    models.set_defaults(func=cmd_models)

    invite = sub.add_parser("invite", help="invite links (ARENA_ACCESS=invite)")
    invite_sub = invite.add_subparsers(dest="invite_command", required=True)
    create = invite_sub.add_parser("create", help="make a signed invite link and print it")
    create.add_argument("--label", default=None, help="a name for it, e.g. a class's")
    create.add_argument("--uses", type=_positive, default=None,
                        help="how many browsers may open it (default: any number)")
    create.add_argument("--expires", type=parse_duration, default=7 * 86400.0,
                        metavar="DURATION", help="its lifetime: 7d, 12h, 90m (default 7d)")
    invite_sub.add_parser("list", help="every invite, newest first, with its uses and votes")
    revoke = invite_sub.add_parser("revoke", help="withdraw an invite; its sessions end")
    revoke.add_argument("invite_id", help="the invite's id (the first column of invite list)")
    invite.set_defaults(func=cmd_invite)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ArenaError as exc:
        print(f"arena: error: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
