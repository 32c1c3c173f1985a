"""The ``arena`` command: serve, leaderboard, export, db upgrade|check, votes review|set,
models check."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from arena.errors import ArenaError
from arena.types import ExcludedReason

if TYPE_CHECKING:  # the commands import what they need when they run: a fast --help
    from fastapi import FastAPI

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
    import uvicorn

    from arena.app import load_configured_roster
    from arena.db import make_engine, upgrade
    from arena.ratelimit import require_redis_client

    settings = _settings(args)
    roster = load_configured_roster(settings)  # fail here, with the message, not in a worker
    if settings.redis_url:
        require_redis_client()
    url = settings.resolved_database_url()

    async def migrate() -> None:
        engine = make_engine(url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(migrate())
    if args.models:
        os.environ["ARENA_MODELS"] = str(Path(args.models).resolve())
    host = args.host or settings.host
    port = args.port or settings.port
    what = ("demo mode: 5 scripted models (add real ones with --models FILE)" if roster.demo
            else f"{len(roster.models)} models from {settings.models}")
    print(f"arena: {what}\narena: open http://{host}:{port}/", file=sys.stderr, flush=True)
    uvicorn.run("arena.cli:app_from_env", factory=True, host=host, port=port,
                workers=args.workers, log_level=settings.log_level, proxy_headers=False)
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from arena.db import current_revision, make_engine, upgrade
    from arena.store import Store

    settings = _settings()

    async def run() -> int:
        engine = make_engine(settings.resolved_database_url())
        try:
            if args.db_command == "upgrade":
                await upgrade(engine)
                print(f"database at revision {await current_revision(engine)}")
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
    from arena.db import make_engine
    from arena.export import export_battles
    from arena.store import Store

    settings = _settings()

    async def run() -> int:
        engine = make_engine(settings.resolved_database_url())
        try:
            n = await export_battles(Store(engine), args.output, include_excluded=args.all,
                                     as_json_array=args.format == "json")
        finally:
            await engine.dispose()
        print(f"wrote {n} battles to {args.output}", file=sys.stderr)
        return 0

    return asyncio.run(run())


def cmd_votes(args: argparse.Namespace) -> int:
    """``votes review``: excluded and pinned votes; ``votes set``: pin one (reversibly)."""
    from sqlalchemy.exc import SQLAlchemyError

    from arena.db import make_engine
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
        engine = make_engine(settings.resolved_database_url())
        store = Store(engine)
        try:
            if args.votes_command == "review":
                found = await store.reviews(args.reason, limit=args.limit)
                for v in found:
                    print(line(v))
                print(f"{len(found)} votes", file=sys.stderr)
                return 0
            review: Review | None = None if args.pin == "auto" else args.pin
            print(line(await store.set_review(args.battle_id, review, args.note)))
            return 0
        except SQLAlchemyError as exc:
            print(f"arena: error: the database at {settings.resolved_database_url()} could "
                  f"not be read ({type(exc).__name__}); run `arena db upgrade` first",
                  file=sys.stderr)
            return 1
        finally:
            await engine.dispose()

    return asyncio.run(run())


def cmd_models_check(args: argparse.Namespace) -> int:
    from arena.app import build_providers, load_configured_roster
    from arena.providers.base import ChatRequest, Delta, Message

    settings = _settings(args)
    roster = load_configured_roster(settings)

    async def run() -> int:
        providers = build_providers(roster, settings)
        bad = 0
        for name, p in providers.items():
            req = ChatRequest(messages=(Message("user", "Say OK."),), max_tokens=8)
            try:
                text = "".join([e.text async for e in p.stream(req) if isinstance(e, Delta)])
                print(f"ok      {name}: {text.strip()[:40]!r}")
            except ArenaError as exc:
                bad += 1
                print(f"FAILED  {name}: {exc.message}")
            finally:
                await p.aclose()
        return 1 if bad else 0

    return asyncio.run(run())


def build_parser() -> argparse.ArgumentParser:
    from arena.ranking import cli as ranking_cli

    parser = argparse.ArgumentParser(prog="arena", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

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
    export.add_argument("--format", choices=("jsonl", "json"), default="jsonl")
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
    pin.add_argument("battle_id")
    how = pin.add_mutually_exclusive_group(required=True)
    how.add_argument("--counted", dest="pin", action="store_const", const="counted")
    how.add_argument("--excluded", dest="pin", action="store_const", const="excluded")
    how.add_argument("--auto", dest="pin", action="store_const", const="auto",
                     help="remove the pin: the detection job decides again")
    pin.add_argument("--note", default="", help="why (kept with the vote)")
    votes.set_defaults(func=cmd_votes)

    models = sub.add_parser("models", help="roster tools")
    models_sub = models.add_subparsers(dest="models_command", required=True)
    check = models_sub.add_parser("check", help="send a tiny prompt to every model")
    check.add_argument("--models", default=None)
    models.set_defaults(func=cmd_models_check)
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
