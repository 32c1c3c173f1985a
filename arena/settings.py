"""Settings (environment, prefix ``ARENA_``) and the TOML roster of models.

One ``Settings`` object is built by the CLI or by a test and handed to ``create_app``;
nothing here runs at import time. The roster is validated as a whole at start-up, and
every problem is reported with the model it is about and how to fix it.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from arena.errors import ConfigError
from arena.types import PAIRING_POLICIES, AccessMode, ManipulationAction, PairingPolicy


def default_data_dir() -> Path:
    """Where the default SQLite file lives: one place per user, whatever directory a
    command runs in, so ``arena serve`` and ``arena export`` find the same arena. The XDG
    base directory rule (``$XDG_DATA_HOME/arena``, else ``~/.local/share/arena``); on
    Windows ``%LOCALAPPDATA%\\arena``."""
    if os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "arena"
    xdg = os.environ.get("XDG_DATA_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "share"
    return base / "arena"


_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/@+ -]{0,99}$")


class ModelConfig(BaseModel):
    """One ``[[models]]`` entry of the roster (the public contract, docs/architecture.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="unique public name, shown after the vote")
    provider: str = Field(description='"openai" (and OpenAI-compatible), "anthropic" or "fake"')
    model: str | None = Field(default=None, description="upstream model id; defaults to name")
    base_url: str | None = None
    api_key_env: str | None = Field(default=None, description="NAME of the key's variable")
    weight: float = Field(default=1.0, ge=0.0)
    max_concurrency: int | None = Field(
        default=None, description="most requests at once to this model's server; models "
        "with the same base_url share the smallest limit given among them "
        "(arena.providers.limits)")
    aliases: tuple[str, ...] = ()
    maker: str | None = Field(default=None, description="who made the model, when the built-in "
                              "family table does not know it (e.g. \"Ai2\"); an answer "
                              "naming it as its maker is a leak")
    max_tokens: int | None = Field(default=None, ge=1, le=1_000_000)
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    system_prompt: str | None = None
    categories: tuple[str, ...] = ()
    options: dict[str, Any] = Field(default_factory=dict, description="provider-specific options")
    codename: str | None = Field(
        default=None, description="the public name the model plays under until unveiled: "
                                  "the reveal, the boards, the downloads and shared battles "
                                  "show it instead of name")
    unveiled: bool = Field(default=False, description="the codename is lifted: every board, "
                           "download and the history show name again (the votes are the "
                           "same)")

    @field_validator("name", "codename")
    @classmethod
    def _name(cls, v: str | None) -> str | None:
        if v is not None and not _NAME_RE.match(v):
            raise ValueError("use 1-100 letters, digits, spaces or . _ : / @ + -")
        return v

    @property
    def public_name(self) -> str:
        """The name voters and readers see: the codename while it is not unveiled."""
        return self.codename if self.codename and not self.unveiled else self.name

    @field_validator("max_concurrency", mode="before")
    @classmethod
    def _max_concurrency(cls, v: Any) -> Any:
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 1):
            raise ValueError(f"must be a whole number of at least 1 (the requests its server "
                             f"answers at once; 1 for a server with one slot), not {v!r}")
        return v

    @property
    def upstream_model(self) -> str:
        return self.model or self.name


class Roster(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    models: tuple[ModelConfig, ...]
    demo: bool = False

    def by_name(self, name: str) -> ModelConfig:
        for m in self.models:
            if m.name == name:
                return m
        raise KeyError(name)

    @property
    def veiled(self) -> dict[str, str]:
        """Each model playing under a codename now → that codename."""
        return {m.name: m.codename for m in self.models if m.codename and not m.unveiled}

    @property
    def unveiled(self) -> dict[str, str]:
        """Each codename that was lifted → the model's name (to relabel the history)."""
        return {m.codename: m.name for m in self.models if m.codename and m.unveiled}

    def public(self, name: str) -> str:
        """A stored (real) model name as voters and readers see it: a model that is gone
        from the roster keeps its name."""
        return self.veiled.get(name, name)


def _format_validation(path: str, exc: ValidationError, data: dict[str, Any]) -> str:
    lines = [f"{path}: the roster is not valid:"]
    found = data.get("models")
    models: list[Any] = found if isinstance(found, list) else []
    for err in exc.errors():
        loc = list(err["loc"])
        where = ".".join(str(p) for p in loc)
        if len(loc) >= 2 and loc[0] == "models" and isinstance(loc[1], int):
            entry = models[loc[1]] if loc[1] < len(models) else {}
            label = entry.get("name") if isinstance(entry, dict) else None
            field = ".".join(str(p) for p in loc[2:]) or "(entry)"
            where = f"model #{loc[1] + 1}" + (f" ({label!r})" if label else "") + f", key {field!r}"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key; allowed keys are " + ", ".join(sorted(ModelConfig.model_fields))
        elif err["type"] == "missing":
            msg = "this key is required"
        lines.append(f"  - {where}: {msg}")
    return "\n".join(lines)


def parse_roster(data: dict[str, Any], *, source: str = "roster",
                 known_providers: frozenset[str] | None = None,
                 environ: dict[str, str] | None = None, check_keys: bool = True) -> Roster:
    """Validate a roster already read from TOML. Raises ConfigError with every problem.
    ``check_keys=False``: for tools that read the roster but call no model (the names
    and codenames of ``arena export``), the API keys need not be set."""
    if "models" not in data or not isinstance(data["models"], list) or not data["models"]:
        raise ConfigError(f"{source}: no models; add at least two [[models]] tables "
                          "(see data/models.example.toml)")
    try:
        roster = Roster.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_validation(source, exc, data)) from None
    problems: list[str] = []
    seen: set[str] = set()
    names = {m.name for m in roster.models}
    codenames: set[str] = set()
    for m in roster.models:
        if m.name in seen:
            problems.append(f"model {m.name!r} appears twice; names must be unique")
        seen.add(m.name)
        if m.codename is not None:
            if m.codename in names or m.codename in codenames:
                problems.append(f"model {m.name!r}: codename {m.codename!r} is already a "
                                "name or another codename; each public name must be unique")
            codenames.add(m.codename)
        elif m.unveiled:
            problems.append(f"model {m.name!r}: unveiled is set but there is no codename "
                            "to lift")
        if known_providers is not None and m.provider not in known_providers:
            problems.append(f"model {m.name!r}: unknown provider {m.provider!r}; "
                            f"use one of {', '.join(sorted(known_providers))}")
        env = os.environ if environ is None else environ
        if check_keys and m.api_key_env and not env.get(m.api_key_env):
            problems.append(f"model {m.name!r} needs {m.api_key_env} — set it or remove the "
                            f"model from {source}")
    if sum(1 for m in roster.models if m.weight > 0) < 2:
        problems.append("at least two models with weight > 0 are needed for a battle")
    if problems:
        raise ConfigError(f"{source}: " + "\n  - ".join(["the roster is not valid:", *problems]))
    return roster


def load_roster(path: str | Path, **kwargs: Any) -> Roster:
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the roster {p}: {exc.strerror}; "
                          "pass --models FILE or set ARENA_MODELS") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}") from None
    return parse_roster(data, source=str(p), **kwargs)


class Settings(BaseSettings):
    """Every setting, read from ``ARENA_*`` environment variables. Units are in names."""

    model_config = SettingsConfigDict(env_prefix="ARENA_", extra="ignore")

    database_url: str = Field(default="", description="SQLAlchemy URL; default under data_dir")
    data_dir: Path = Field(default_factory=default_data_dir,
                           description="home of the default SQLite")
    models: Path | None = Field(default=None, description="path of the TOML roster; none = demo")
    host: str = "127.0.0.1"
    port: int = 8000
    request_timeout_s: float = Field(default=60.0, gt=0, description="upstream read timeout")
    connect_timeout_s: float = Field(default=10.0, gt=0)
    upstream_transport: Literal["aiohttp", "httpx"] = Field(
        default="aiohttp",
        description="the HTTP client under the OpenAI and Anthropic SDKs: aiohttp (the SDKs' "
                    "own aiohttp option, half the CPU per streamed chunk) or httpx (their "
                    "default)")
    max_retries: int = Field(default=0, ge=0, le=10, description="SDK retries before streaming")
    gc_threshold: int = Field(
        default=50_000, ge=1,
        description="allocations between two runs of Python's cyclic garbage collector in "
                    "each worker (CPython's default is 700, which under streaming load spent "
                    "~10% of a worker's CPU re-scanning live streams)")
    max_tokens: int = Field(default=1024, ge=1, description="default max output tokens per answer")
    db_pool_size: int = Field(
        default=20, ge=1, le=1000,
        description="PostgreSQL connections each worker keeps open, and its most: a burst "
                    "waits its turn for one rather than open more (opening and closing a "
                    "connection costs the server a process each time). Workers × this must "
                    "stay under the server's max_connections (100 by default)")
    db_pre_ping: bool = Field(
        default=False,
        description="test each PostgreSQL connection before use (SQLAlchemy's pre-ping: "
                    "BEGIN, a no-op and ROLLBACK, three round trips per checkout), so one "
                    "that was cut is replaced unseen. Off, a cut connection (a database "
                    "restart) fails the requests in flight with 503 database_unavailable "
                    "and the pool is renewed; connections are retired after 30 minutes "
                    "either way")
    answer_timeout_s: float = Field(default=300.0, gt=0, description="cap on one whole answer")
    rejoin_grace_s: float = Field(
        default=30.0, ge=0,
        description="a running turn whose last reader left (a reload, a phone losing its "
                    "connection) goes on this long for a reader to come back and rejoin it; "
                    "only a turn nobody reads for this long is cancelled (its answers are "
                    "stored as incomplete). 0 cancels at once")
    stream_flush_ms: float = Field(
        default=50.0, ge=0, le=1000,
        description="least time between two sends of text to one reader; the text that "
                    "arrives meanwhile goes out together. A side's first words, its end and "
                    "errors go out at once. 0 sends every delta as it comes")
    turn_lease_s: float = Field(
        default=5.0, ge=0.3,
        description="a turn's runner renews its lease (and saves the text streamed so far) "
                    "every third of this; a running turn whose lease ran out this long "
                    "ago was left by a dead worker and is marked incomplete with that text")
    health_failures: int = Field(
        default=3, ge=0,
        description="failed answers in a row (connection refused, timeout, 5xx, refused "
                    "key) after which a model is paused for new battles; 0 never "
                    "pauses. Per worker, in memory")
    health_backoff_s: float = Field(
        default=30.0, gt=0,
        description="a paused model's first pause; then one probe (\"Say OK.\") decides, "
                    "and each failed probe doubles the pause")
    health_backoff_max_s: float = Field(default=600.0, gt=0,
                                        description="the longest pause of a failing model")
    stale_turn_s: float = Field(default=900.0, gt=0, description="a running turn claimed "
                                "before leases existed (no lease) and older than this was "
                                "left by a dead worker and is marked incomplete")
    pairing: PairingPolicy = Field(
        default="weighted",
        description="how a battle's two models are chosen: weighted (by the roster's "
                    "weights) or active (where a vote decides the board's order, with an "
                    "exploration floor; docs/statistics.md \"Active pairing\")")
    pairing_floor: float = Field(
        default=0.1, gt=0, le=1,
        description="active pairing: the share of battles spread uniformly over every pair, "
                    "so each pair keeps at least this over the number of pairs")
    pairing_top: int = Field(default=10, ge=1, description="active pairing: the board's "
                             "head whose order the battles go to deciding")
    max_prompt_chars: int = Field(default=20_000, ge=1)
    max_turns: int = Field(default=10, ge=1)
    bootstrap_rounds: int = Field(default=200, ge=0)
    min_votes: int = Field(default=5, ge=0, description="votes a model needs to be listed")
    provisional_votes: int = Field(
        default=300, ge=0, description="a listed model's rating is marked provisional until "
                                       "it has this many votes (0: never)")
    # The same number as arena.ranking.bt.PRIOR_SD_ELO (a test pins it), kept literal so
    # that reading the settings does not import numpy.
    prior_sd: float = Field(default=125.0, ge=0, allow_inf_nan=False,
                            description="Bradley-Terry prior: true ratings spread about "
                                        "this many Elo points (0: none)")
    leaderboard_refresh_s: float = Field(default=2.0, ge=0)
    roster_refresh_s: float = Field(
        default=2.0, ge=0, description="how often each worker reads the operators' live "
                                       "model controls from the console (0: at start only)")
    history_interval_s: float = Field(
        default=600.0, ge=0, description="how often each worker checks that today's (UTC) "
                                         "snapshot of the board is stored, and takes it if "
                                         "not (0: no daily snapshots)")
    admin_token: str = Field(
        default="", description="the operator console's token (/admin, /api/admin/*): "
                                "at least 32 characters, not a default; empty: no console")
    share_battles: bool = Field(
        default=False, description="voters may share a battle after voting (a permalink "
                                   "/b/…; prompts holding an e-mail address, a key or a "
                                   "password are never shared)")
    secret_key: str = Field(default="", description="keys the IP hash; empty: one random key "
                            "kept in the database")
    log_level: str = "info"
    demo_delay_s: float = Field(default=0.02, ge=0, description="pace of the demo models' tokens")
    cookie_secure: bool = False
    # --- abuse controls and security (0 disables a rate limit) ---
    redis_url: str = Field(default="", description="shared rate limits across workers")
    battles_per_minute_voter: int = Field(default=20, ge=0)
    battles_per_minute_ip: int = Field(default=60, ge=0)
    votes_per_minute_voter: int = Field(default=30, ge=0)
    votes_per_minute_ip: int = Field(default=120, ge=0)
    trusted_proxies: list[str] = Field(default_factory=list,
                                       description="CIDRs whose X-Forwarded-For is believed")
    cors_origins: list[str] = Field(default_factory=list, description="origins (scheme://host"
                                    "[:port]) whose pages may call the API with the voter "
                                    "cookie; none: CORS closed")
    max_body_bytes: int = Field(default=1_048_576, ge=1, description="largest request body "
                                "accepted; a larger one is refused with 413 before it is read")
    moderation: Literal["off", "openai"] = "off"
    moderation_base_url: str | None = None
    moderation_api_key_env: str = "OPENAI_API_KEY"
    moderation_model: str = "omni-moderation-latest"
    fast_vote_words_per_s: float = Field(default=30.0, gt=0, description="a vote sooner than "
                                         "the answers' words at this pace is flagged")
    # --- the cost of a vote: daily caps, proof-of-work, human check (0 / "" = off) ---
    votes_per_day_voter: int = Field(default=200, ge=0, description="counted votes per voter "
                                     "cookie per UTC day; more are stored but not counted")
    votes_per_day_ip: int = Field(default=100, ge=0, description="base counted votes per "
                                  "address network (IPv4 address, IPv6 /64) per UTC day")
    votes_per_day_ip_max_voters: int = Field(default=50, ge=0, description="most established "
                                             "voters behind one address that each raise its "
                                             "allowance by votes_per_day_voter")
    votes_per_day_identity: int = Field(default=500, ge=0, description="counted votes per "
                                        "signed-in or invited identity per UTC day")
    established_votes: int = Field(default=3, ge=0, description="votes, none too fast, that "
                                   "make a voter cookie established")
    pow_difficulty: int = Field(default=0, ge=0, le=32, description="proof-of-work bits per "
                                "battle, solved by the page (0 = off; 16 ≈ 65k hashes)")
    pow_max_extra_bits: int = Field(default=6, ge=0, le=16, description="extra bits for the "
                                    "most suspicious clients")
    pow_ttl_s: int = Field(default=900, ge=10, description="lifetime of a battle's challenge")
    captcha_verify_url: str = Field(default="", description="siteverify URL of Turnstile, "
                                    "hCaptcha or reCAPTCHA (empty = no human check)")
    captcha_site_key: str = Field(default="", description="the site key given to the page")
    captcha_script_url: str = Field(default="", description="the vendor's widget script, "
                                    "loaded by the page and allowed by the CSP")
    captcha_secret_env: str = Field(default="ARENA_CAPTCHA_SECRET", description="NAME of the "
                                    "variable holding the siteverify secret")
    captcha_timeout_s: float = Field(default=5.0, gt=0, le=60, description="siteverify "
                                     "timeout; a verifier that does not answer fails closed")

    # --- rigging detection and its consequences (the detection job) ---
    detection_interval_s: float = Field(
        default=30.0, ge=0, description="how often the detection job re-judges the votes "
                                        "(0: never; state lives in the database)")
    probation_s: float = Field(
        default=3600.0, ge=0, description="votes of newcomers (fewer than "
        "ARENA_DETECTION_NEWCOMER_VOTES votes) at an address where cookies churn stay off "
        "the board this long, or until the voter is established (0: off)")
    board_waits_for_detection: bool = Field(
        default=True, description="a vote enters the board only once the detection job has "
                                  "judged it (within ARENA_DETECTION_INTERVAL_S)")
    detection_alpha: float = Field(default=0.01, gt=0, lt=1,
                                   description="false-discovery rate of the voter and address "
                                               "tests")
    detection_min_votes: int = Field(default=5, ge=1, description="votes a voter or address "
                                     "needs to be tested")
    detection_fast_share: float = Field(
        default=0.5, gt=0, le=1, description="share of votes sooner than reading (of 10 or "
                                             "more) that flags a voter or address")
    detection_clear_votes: int = Field(
        default=20, ge=1, description="own votes, with a clean own test, that keep a voter "
                                      "counted behind a flagged address")
    detection_newcomer_votes: int = Field(
        default=3, ge=1, description="voters with fewer votes are also tested together as "
                                     "one pool of newcomers")
    manipulation_action: ManipulationAction = Field(
        default="exclude", description="exclude: votes judged manipulated leave the board; "
                                       "downweight: they stay with manipulation_weight")
    manipulation_weight: float = Field(default=0.1, ge=0, le=1,
                                       description="weight of a manipulated vote when "
                                                   "down-weighting")
    influence_max_share: float = Field(
        default=0.0, ge=0, le=1, description="most of a board's vote weight any one voter or "
                                             "address may hold (0: off)")

    # --- who may vote (arena.access): open, invite links, or OpenID Connect sign-in ---
    access: AccessMode = Field(
        default="open", description="open: anyone (a voter cookie each); invite: only "
        "browsers that opened an invite link (arena invite create); sso: only people signed "
        "in with OpenID Connect (ARENA_OIDC_*)")
    public_url: str = Field(default="", description="the arena's address as voters reach it "
                            "(https://arena.example.org): invite links and the sign-in "
                            "callback are built on it; empty: from each request's host")
    access_session_days: float = Field(default=30.0, gt=0, description="how long an invite's "
                                       "or a sign-in's session lasts")
    public_leaderboard: bool = Field(default=True, description="invite/sso: the public "
                                     "board stays readable by anyone (false: only by voters "
                                     "with a session)")
    oidc_issuer: str = Field(default="", description="sso: the OpenID provider's issuer URL "
                             "(its /.well-known/openid-configuration is read)")
    oidc_client_id: str = ""
    oidc_client_secret: str = Field(default="", repr=False)
    oidc_allowed_domains: list[str] = Field(default_factory=list, description="sso: e-mail "
                                            "domains that may vote (verified e-mail only); "
                                            '["*"]: any')
    oidc_scopes: str = Field(default="openid email", description="sso: scopes asked for")
    admins: list[str] = Field(default_factory=list, description="sso: the operators' e-mail "
                              "addresses; signing in with one also opens the console")
    # --- running it: /metrics, logs (arena.ops) ---
    metrics_token: str = Field(
        default="", description="bearer token /metrics asks for (Authorization: Bearer "
                                "...); at least 32 characters of a random secret")
    metrics_open: bool = Field(
        default=False, description="serve /metrics without a token, only where the path "
                                   "cannot be reached from outside (a firewall, the proxy)")
    log_format: Literal["text", "json"] = Field(
        default="text", description="text, or json: one JSON object a line (time, level, "
                                    "logger, message and extra fields), uvicorn's too")

    @field_validator("metrics_token")
    @classmethod
    def _metrics_token(cls, v: str) -> str:
        check_metrics_token(v)  # raises ConfigError itself, as _cors_origins does
        return v

    @field_validator("cors_origins")
    @classmethod
    def _cors_origins(cls, v: list[str]) -> list[str]:
        check_cors_origins(v)  # raises ConfigError itself: pydantic lets it through
        return v

    @field_validator("admin_token")
    @classmethod
    def _admin_token(cls, v: str) -> str:
        check_admin_token(v)
        return v

    @field_validator("pairing", mode="before")
    @classmethod
    def _pairing(cls, v: Any) -> Any:
        if v not in PAIRING_POLICIES:
            raise ConfigError(f"ARENA_PAIRING: {v!r} is not a pairing; use weighted (the "
                              "roster's weights) or active (battles where they decide the "
                              "board's order)")
        return v

    @field_validator("captcha_verify_url", "captcha_script_url")
    @classmethod
    def _https_url(cls, v: str, info: ValidationInfo) -> str:
        if v and not _URL_RE.match(v):
            raise ConfigError(f"ARENA_{(info.field_name or '').upper()}: {v!r} is not an "
                              "http(s) URL; write e.g. https://challenges.cloudflare.com/...")
        return v

    def check_integrity(self) -> None:
        """The human check needs its three parts together, and a gated arena its secret
        and sign-in settings; called at start-up."""
        check_captcha(self)
        check_access(self)
        if self.metrics_token and self.metrics_open:
            raise ConfigError("ARENA_METRICS_TOKEN and ARENA_METRICS_OPEN are both set: keep "
                              "the token (Prometheus sends it) or open /metrics, not both")

    def resolved_database_url(self) -> str:
        return normalize_database_url(self.database_url or
                                      f"sqlite:///{(self.data_dir / 'arena.db').as_posix()}")


_ORIGIN_RE = re.compile(r"^https?://[^/\s*]+$")
_URL_RE = re.compile(r"^https?://[^/\s]+(/\S*)?$")


def check_captcha(s: Settings) -> None:
    """A human check that is half configured would refuse every vote or none: say which
    part is missing. The secret is read from the variable named by
    ARENA_CAPTCHA_SECRET_ENV, never from a setting."""
    if not s.captcha_verify_url:
        return
    missing = [name for name, value in (("ARENA_CAPTCHA_SITE_KEY", s.captcha_site_key),
                                        ("ARENA_CAPTCHA_SCRIPT_URL", s.captcha_script_url))
               if not value]
    if not os.environ.get(s.captcha_secret_env):
        missing.append(s.captcha_secret_env)
    if missing:
        raise ConfigError(f"ARENA_CAPTCHA_VERIFY_URL is set, so the human check also needs "
                          f"{', '.join(missing)}; set them or leave ARENA_CAPTCHA_VERIFY_URL "
                          "empty")


_WEAK_SECRETS = {"changeme", "change-me", "secret", "password", "arena", "default",
                 "development", "dev", "test", "example", "insecure"}
MIN_SECRET_CHARS = 32


def check_access(s: Settings) -> None:
    """invite and sso sign sessions and invite links with ARENA_SECRET_KEY: it must be a
    real secret. sso needs its provider, its client and the domains that may vote."""
    if s.admins and s.access != "sso":
        raise ConfigError("ARENA_ADMINS names operators who sign in with the organisation's "
                          "accounts: it needs ARENA_ACCESS=sso (or use ARENA_ADMIN_TOKEN)")
    bad_admins = [a for a in s.admins if not re.match(r"^[^@\s:]+@[^@\s:]+\.[^@\s:]+$", a)]
    if bad_admins:
        raise ConfigError(f"ARENA_ADMINS: {', '.join(map(repr, bad_admins))} is not an e-mail "
                          'address; write e.g. ["ada@school.example"]')
    if s.access == "open":
        return
    how = ('generate one with: python -c "import secrets; print(secrets.token_urlsafe(32))"')
    key = s.secret_key
    if not key:
        raise ConfigError(f"ARENA_ACCESS={s.access} signs invite links and sessions with "
                          f"ARENA_SECRET_KEY, which is empty; {how}")
    if (len(key) < MIN_SECRET_CHARS or key.lower().strip("-_0123456789") in _WEAK_SECRETS
            or len(set(key)) < 8):
        raise ConfigError(f"ARENA_SECRET_KEY is too weak for ARENA_ACCESS={s.access} (it "
                          f"needs at least {MIN_SECRET_CHARS} random characters, not a "
                          f"placeholder); {how}")
    if s.public_url and not _ORIGIN_RE.match(s.public_url.rstrip("/")):
        raise ConfigError(f"ARENA_PUBLIC_URL: {s.public_url!r} is not scheme://host[:port]; "
                          "write e.g. https://arena.example.org")
    if s.access != "sso":
        return
    missing = [name for name, value in (("ARENA_OIDC_ISSUER", s.oidc_issuer),
                                        ("ARENA_OIDC_CLIENT_ID", s.oidc_client_id),
                                        ("ARENA_OIDC_CLIENT_SECRET", s.oidc_client_secret))
               if not value]
    if not s.oidc_allowed_domains:
        missing.append('ARENA_OIDC_ALLOWED_DOMAINS (e.g. ["school.example"], or ["*"] for '
                       "any verified e-mail)")
    if missing:
        raise ConfigError(f"ARENA_ACCESS=sso needs {', '.join(missing)}; set them (your "
                          "OpenID provider gives the issuer, client id and secret) or use "
                          "ARENA_ACCESS=open or invite")
    if not _URL_RE.match(s.oidc_issuer):
        raise ConfigError(f"ARENA_OIDC_ISSUER: {s.oidc_issuer!r} is not an http(s) URL; "
                          "write the issuer, e.g. https://accounts.google.com")
    if "openid" not in s.oidc_scopes.split():
        raise ConfigError(f"ARENA_OIDC_SCOPES: {s.oidc_scopes!r} lacks openid; an ID token "
                          'is what the sign-in checks (e.g. "openid email")')
    bad = [d for d in s.oidc_allowed_domains
           if d != "*" and not re.match(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*"
                                        r"[a-z0-9])?)+$", d.lower())]
    if bad:
        raise ConfigError(f"ARENA_OIDC_ALLOWED_DOMAINS: {', '.join(map(repr, bad))} is not an "
                          'e-mail domain; write e.g. ["school.example", "example.org"]')


MIN_ADMIN_TOKEN = 32
_WEAK_TOKENS = ("admin", "changeme", "change-me", "change_me", "password", "secret", "token",
                "example", "default", "letmein", "arena", "test", "12345", "qwerty")


def check_admin_token(token: str) -> None:
    """The console's token opens every operator action: refuse one that is short, one
    character repeated, or a default with padding."""
    if not token:
        return
    folded = token.lower()
    if (len(token) < MIN_ADMIN_TOKEN or len(set(token)) < 8
            or sum(folded.count(w) * len(w) for w in _WEAK_TOKENS) > len(token) // 2):
        raise ConfigError(f"ARENA_ADMIN_TOKEN is too weak: use at least {MIN_ADMIN_TOKEN} "
                          "random characters, e.g. the output of `python -c \"import secrets; "
                          "print(secrets.token_urlsafe(32))\"`")
METRICS_TOKEN_MIN_CHARS = 32


def check_metrics_token(token: str) -> None:
    """/metrics tells which models are being called right now, so its token must be a real
    secret: long, random-looking, sendable in a header. ``openssl rand -hex 32`` makes one."""
    if not token:
        return
    how = "make one with `openssl rand -hex 32`"
    if len(token) < METRICS_TOKEN_MIN_CHARS:
        raise ConfigError(f"ARENA_METRICS_TOKEN is {len(token)} characters; it needs at least "
                          f"{METRICS_TOKEN_MIN_CHARS} of a random secret: {how}")
    if not re.fullmatch(r"[\x21-\x7e]+", token):
        raise ConfigError("ARENA_METRICS_TOKEN holds spaces or characters that are not "
                          f"printable ASCII, which a header cannot carry: {how}")
    if len(set(token)) < 8:
        raise ConfigError("ARENA_METRICS_TOKEN repeats a few characters (a placeholder, not a "
                          f"secret): {how}")


def check_cors_origins(origins: list[str]) -> None:
    """CORS is opened with credentials (the voter cookie), so every origin must be named:
    a wildcard would let any site vote and read battles as its visitors."""
    if "*" in origins:
        raise ConfigError('ARENA_CORS_ORIGINS=["*"] would let any web site call the arena '
                          "with its visitors' voter cookies; list the real origins instead, "
                          'e.g. ["https://arena.example.org"], or leave it empty to keep '
                          "CORS closed")
    bad = [o for o in origins if not _ORIGIN_RE.match(o)]
    if bad:
        raise ConfigError(f"ARENA_CORS_ORIGINS: {', '.join(map(repr, bad))} is not an origin; "
                          "write scheme://host[:port] with no path, trailing slash or "
                          'wildcard, e.g. ["https://arena.example.org"]')


def normalize_database_url(url: str) -> str:
    """Take the URLs people write and pick the async driver ourselves."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ConfigError(f"ARENA_DATABASE_URL {url!r} is not a URL; "
                          "write e.g. sqlite:///data/arena.db or postgresql://user@host/db")
    base = scheme.split("+", 1)[0].lower()
    if base == "sqlite":
        return f"sqlite+aiosqlite://{rest}"
    if base in ("postgresql", "postgres"):
        return f"postgresql+asyncpg://{rest}"
    raise ConfigError(f"ARENA_DATABASE_URL: unsupported database {scheme!r}; "
                      "use sqlite:///… or postgresql://…")


