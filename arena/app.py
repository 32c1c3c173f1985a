"""``create_app(settings)``: the FastAPI app, built from settings with no global state.

The lifespan opens the database (and migrates it unless told not to), loads the roster
(or the demo roster), builds one provider per model, and starts the leaderboard's
background refresh. Every error leaves as the one JSON shape of ``arena.errors``.
"""

from __future__ import annotations

import gc
import ipaddress
import logging
import secrets
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from arena import __version__
from arena.access.service import Access
from arena.api import access as access_routes
from arena.api import admin as admin_routes
from arena.api import battles as battle_routes
from arena.api import leaderboard as leaderboard_routes
from arena.api import ops as ops_routes
from arena.api import pages as page_routes
from arena.api import prompts as prompt_routes
from arena.api import sharing as sharing_routes
from arena.api.deps import Services
from arena.battles import BattleService, PairChoice
from arena.body_limit import BodyLimit, BodyTooLarge
from arena.db import make_engine, upgrade
from arena.errors import ArenaError, ConfigError, error_body
from arena.history import BoardHistory
from arena.identity import IdentityChecker
from arena.integrity.caps import CapPolicy, VoteCaps
from arena.integrity.captcha import CaptchaPolicy, CaptchaVerifier
from arena.integrity.counters import Counters, RedisCounters
from arena.integrity.gate import VoteGate
from arena.integrity.job import DetectionJob
from arena.integrity.pow import PowPolicy, ProofOfWork
from arena.leaderboard import LeaderboardCache
from arena.moderation import build_moderator
from arena.periodic import Periodic
from arena.personal import PersonalBoards
from arena.providers.base import Provider
from arena.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from arena.roster import build_providers, load_configured_roster
from arena.security import SecurityHeaders, Sources
from arena.settings import Roster, Settings, check_cors_origins
from arena.store import Store

log = logging.getLogger("arena")

# The pages ship inside the package (package data), so a wheel serves them as an editable
# install does.
WEB_DIR = Path(__file__).resolve().parent / "web"
WEB_PAGES = ("index.html", "leaderboard.html", "shared.html", "admin.html", "404.html")

_STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                 405: "method_not_allowed", 409: "conflict", 413: "too_large",
                 415: "unsupported_media_type", 422: "invalid_request", 429: "rate_limited"}


def wants_page(request: Request) -> bool:
    """A browser navigating to an address (not a script calling the API): HTML first in
    its Accept header, outside ``/api/``."""
    if request.url.path.startswith("/api/") or request.method not in ("GET", "HEAD"):
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept.split(",")[0]


def settle_gc(threshold: int) -> None:
    """Tune the cyclic garbage collector for a long-running streaming process, once it
    has loaded what it keeps.

    Everything loaded so far (modules, SDK and pydantic models: ~150k objects) lives as
    long as the process; frozen, out of the collector's sight, a full collection scans
    only what requests create instead of pausing the event loop ~100 ms each time. Almost
    all that requests and streamed chunks allocate is then freed by reference counting;
    at CPython's default threshold (700) the collector kept re-scanning the live streams
    (9-11% of a worker's CPU under benchmarks/load.py). Cycles (exceptions, tracebacks)
    are still collected, every ``threshold`` net allocations."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(threshold, 10, 10)


def create_app(settings: Settings | None = None, *, roster: Roster | None = None,
               providers: Mapping[str, Provider] | None = None,
               pairing: PairChoice | None = None, migrate: bool = True,
               clock: Callable[[], float] = time.time) -> FastAPI:
    """Build the app. Tests may inject a roster, providers, a seeded pairing or the clock
    of the vote caps' daily windows, the proof-of-work's expiry, the models' pauses and
    the board's daily snapshots."""
    settings = settings or Settings()
    roster = roster or load_configured_roster(settings)
    settings.check_integrity()

    trusted_networks = parse_networks(settings.trusted_proxies)
    check_cors_origins(settings.cors_origins)  # settings built by model_copy skip validators

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.resolved_database_url(), pool_size=settings.db_pool_size,
                             max_overflow=0,  # see make_engine
                             pool_pre_ping=settings.db_pre_ping)
        if migrate:
            await upgrade(engine)
        store = Store(engine)
        ip_secret = (settings.secret_key.encode() if settings.secret_key else bytes.fromhex(
            await store.instance_value("ip_hash_key", secrets.token_hex(32))))
        limiter: RateLimiter = (RedisRateLimiter(settings.redis_url) if settings.redis_url
                                else MemoryRateLimiter())
        moderator = build_moderator(settings)
        provs = dict(providers) if providers is not None else build_providers(roster, settings)
        gate = build_gate(settings, store, ip_secret, clock)
        battles = BattleService(
            store=store, roster=roster, providers=provs, identity=IdentityChecker(roster.models),
            settings=settings, pairing=pairing, moderator=moderator, gate=gate, clock=clock)
        swept = await battles.sweep_dead_turns()
        if swept:
            log.warning("marked %d turns left running by a stopped worker as incomplete", swept)
        battles.start_sweeper()
        await battles.controls.start()
        board = LeaderboardCache(store, settings, demo=roster.demo,
                                 on_board=battles.pairing.update, names=roster.veiled)
        await board.start()
        history = BoardHistory(board, store, settings, clock)
        history.start()
        detection = DetectionJob(store, settings, clock)
        detection.start()
        access = Access.build(settings, engine)
        if access is not None:
            detection.identified = access.store.identified_voters

        async def forget() -> None:
            await gate.forget_old_windows()
            if access is not None:
                await access.store.forget_expired_sessions()

        await forget()
        forgetting = Periodic(3600.0, forget, "forgetting old vote-cap windows and sessions")
        forgetting.start()
        app.state.services = Services(
            settings=settings, roster=roster, store=store, battles=battles, leaderboard=board,
            personal=PersonalBoards(store, board), limiter=limiter,
            trusted_networks=trusted_networks, ip_secret=ip_secret, gate=gate,
            detection=detection, history=history, access=access)
        settle_gc(settings.gc_threshold)
        try:
            yield
        finally:
            del app.state.services
            await forgetting.stop()
            await detection.stop()
            await history.stop()
            await board.stop()
            await battles.controls.stop()
            await battles.shutdown()
            if providers is None:
                for p in provs.values():
                    await p.aclose()
            if moderator is not None:
                await moderator.aclose()
            await limiter.aclose()
            await gate.aclose()
            await engine.dispose()

    app = FastAPI(title="arena", version=__version__, lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url="/api/openapi.json")
    install_error_handlers(app)
    # Innermost of the middlewares, so its 413 still gets the security and CORS headers.
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders, extra=captcha_origins(settings))
    if settings.access == "sso":  # the sign-in's state, nonce and PKCE verifier (10 min)
        add_login_state(app, settings)
    if settings.cors_origins:  # closed unless an operator opens it
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_credentials=True, allow_methods=["GET", "POST"],
                           allow_headers=["content-type"])
    app.include_router(battle_routes.router)
    app.include_router(leaderboard_routes.router, dependencies=[access_routes.BoardAccess])
    app.include_router(page_routes.router, dependencies=[access_routes.BoardAccess])
    app.include_router(admin_routes.public_router, dependencies=[access_routes.BoardAccess])
    app.include_router(access_routes.router)
    app.include_router(prompt_routes.router)
    app.include_router(sharing_routes.router)
    app.include_router(admin_routes.router)
    app.include_router(ops_routes.router)  # /healthz, /readyz, /metrics (arena.ops)
    mount_web(app)
    return app


def add_login_state(app: FastAPI, settings: Settings) -> None:
    """Authlib keeps a sign-in's state in ``request.session``: a cookie of its own, signed
    with a key derived from ARENA_SECRET_KEY, sent only to /auth and gone in 10 minutes."""
    from starlette.middleware.sessions import SessionMiddleware

    from arena.access.keys import AccessKeys
    from arena.access.oidc import LOGIN_COOKIE, LOGIN_MAX_AGE_S

    app.add_middleware(SessionMiddleware, secret_key=AccessKeys(settings.secret_key).login_state,
                       session_cookie=LOGIN_COOKIE, max_age=LOGIN_MAX_AGE_S, path="/auth",
                       same_site="lax", https_only=settings.cookie_secure)


def build_gate(settings: Settings, store: Store, ip_secret: bytes,
               clock: Callable[[], float]) -> VoteGate:
    """Caps always (limits of 0 switch each off), proof-of-work and the human check when
    configured. Counters live in Redis when ARENA_REDIS_URL is set, else in the database:
    either way every worker and instance shares them, and they survive a restart."""
    counters: Counters = (RedisCounters(settings.redis_url) if settings.redis_url
                          else store.counters())
    caps = VoteCaps(counters, CapPolicy(
        per_voter=settings.votes_per_day_voter, per_ip=settings.votes_per_day_ip,
        max_voters_per_ip=settings.votes_per_day_ip_max_voters,
        per_identity=settings.votes_per_day_identity,
        established_votes=settings.established_votes), clock=clock)
    pow_policy = PowPolicy(difficulty=settings.pow_difficulty,
                           max_extra_bits=settings.pow_max_extra_bits, ttl_s=settings.pow_ttl_s)
    pow = ProofOfWork(ip_secret, pow_policy, counters, clock=clock) if pow_policy.enabled else None
    captcha = (CaptchaVerifier(CaptchaPolicy(
        verify_url=settings.captcha_verify_url, site_key=settings.captcha_site_key,
        secret_env=settings.captcha_secret_env, timeout_s=settings.captcha_timeout_s))
        if settings.captcha_verify_url else None)
    return VoteGate(caps=caps, counters=counters, pow=pow, captcha=captcha)


# What each vendor's widget loads besides its script, from the vendors' CSP guides:
# hCaptcha serves frames, styles and its API from its subdomains; reCAPTCHA loads from
# gstatic and frames recaptcha.google.com; Turnstile needs only its own origin.
_VENDOR_SOURCES = {
    "hcaptcha.com": Sources(script=("https://hcaptcha.com", "https://*.hcaptcha.com"),
                            frame=("https://hcaptcha.com", "https://*.hcaptcha.com"),
                            style=("https://hcaptcha.com", "https://*.hcaptcha.com"),
                            connect=("https://hcaptcha.com", "https://*.hcaptcha.com")),
    "google.com": Sources(script=("https://www.google.com", "https://www.gstatic.com"),
                          frame=("https://www.google.com", "https://recaptcha.google.com")),
    "recaptcha.net": Sources(script=("https://www.recaptcha.net", "https://www.gstatic.com"),
                             frame=("https://www.recaptcha.net",)),
}


def captcha_origins(settings: Settings) -> Sources:
    """Where the page may load the human check's widget from: the script's own origin
    (script and frame), plus what its vendor is known to need."""
    if not settings.captcha_verify_url or not settings.captcha_script_url:
        return Sources()
    scheme, _, rest = settings.captcha_script_url.partition("://")
    host = rest.split("/", 1)[0]
    own = (f"{scheme}://{host}",)
    hostname = host.split(":", 1)[0].lower()
    vendor = next((v for d, v in _VENDOR_SOURCES.items()
                   if hostname == d or hostname.endswith("." + d)), Sources())

    def join(*parts: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(o for part in parts for o in part))

    return Sources(script=join(own, vendor.script), frame=join(own, vendor.frame),
                   style=vendor.style, connect=vendor.connect)


def parse_networks(cidrs: list[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    try:
        return [ipaddress.ip_network(c.strip(), strict=False) for c in cidrs if c.strip()]
    except ValueError as exc:
        raise ConfigError(f"ARENA_TRUSTED_PROXIES: {exc}; give addresses or CIDRs such as "
                          '["10.0.0.0/8", "127.0.0.1"]') from None


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ArenaError)
    async def _arena(_: Request, exc: ArenaError) -> JSONResponse:
        wait = exc.details.get("retry_after_s") if exc.status == 429 else None
        headers = {"Retry-After": str(int(wait))} if isinstance(wait, int | float) else None
        return JSONResponse(exc.to_json(), status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
            if err.get("type") == "json_invalid":
                return JSONResponse(error_body("invalid_json", "The request body is not valid "
                                               "JSON"), status_code=400)
            problems.append(f"{where}: {err.get('msg', 'invalid')}")
        return JSONResponse(error_body("invalid_request", "; ".join(problems) or "Invalid "
                                       "request", {"problems": problems}), status_code=422)

    @app.exception_handler(BodyTooLarge)
    async def _too_large(_: Request, exc: BodyTooLarge) -> JSONResponse:
        return JSONResponse(error_body("body_too_large", exc.detail), status_code=413,
                            headers=exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        web_dir = getattr(request.app.state, "web_dir", None)
        if exc.status_code == 404 and web_dir is not None and wants_page(request):
            # A person who mistyped an address gets a page with a way back, not raw JSON.
            return FileResponse(web_dir / "404.html", status_code=404,
                                headers={"Cache-Control": "no-store"})
        code = _STATUS_CODES.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        return JSONResponse(error_body(code, message), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        # A connection that died (database restarted, idle connection cut): SQLAlchemy has
        # already replaced the pool; nothing was half-written (every write is atomic).
        if exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError):
            log.warning("database unavailable on %s %s: %s", request.method, request.url.path,
                        type(exc.orig).__name__ if exc.orig else type(exc).__name__)
            return JSONResponse(error_body("database_unavailable", "The database could not be "
                                           "reached just now; try again in a moment"),
                                status_code=503, headers={"Retry-After": "1"})
        return await _crash(request, exc)

    @app.exception_handler(PoolTimeout)
    async def _pool_timeout(request: Request, exc: PoolTimeout) -> JSONResponse:
        log.warning("no database connection free for %s %s within the pool timeout",
                    request.method, request.url.path)
        return JSONResponse(error_body("database_busy", "The server is too busy right now; "
                                       "try again in a moment"),
                            status_code=503, headers={"Retry-After": "1"})

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(error_body("internal_error", "Something went wrong on the server; "
                                       "the error was logged"), status_code=500)


def mount_web(app: FastAPI, web_dir: Path = WEB_DIR) -> None:
    """Serve the pages and their static files; a missing page is a start-up error, never
    an app that silently answers 404 where its pages should be."""
    if not web_dir.is_dir():
        raise ConfigError(f"the web pages are missing: no directory {web_dir}; reinstall "
                          "arena (the wheel ships arena/web/ as package data)")
    missing = [name for name in WEB_PAGES if not (web_dir / name).is_file()]
    if missing:
        raise ConfigError(f"the web pages are incomplete: {', '.join(missing)} missing from "
                          f"{web_dir}; reinstall arena")

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(web_dir / "index.html")

    @app.get("/leaderboard", include_in_schema=False)
    async def leaderboard_page() -> FileResponse:
        return FileResponse(web_dir / "leaderboard.html")

    @app.get("/admin", include_in_schema=False)
    async def admin_page() -> FileResponse:
        # The page itself holds nothing: every figure comes from /api/admin/*, which
        # answers 401 without an operator.
        return FileResponse(web_dir / "admin.html", headers={"Cache-Control": "no-store"})

    @app.get("/b/{slug}", include_in_schema=False)
    async def shared_page(slug: str) -> FileResponse:
        # The page asks /api/shared/{slug}, which says whether the battle is shared.
        return FileResponse(web_dir / "shared.html", headers={"Cache-Control": "no-store"})

    app.mount("/static", StaticFiles(directory=web_dir), name="static")
    app.state.web_dir = web_dir  # for the browser's 404 page
