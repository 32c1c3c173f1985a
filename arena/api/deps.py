"""What routes receive by annotation: the app's services, the voter, the keyed address hash.

A route names what it needs as a typed parameter (``svc: BattlesDep``) instead of reading
untyped attributes off ``request.app.state``: the types are checked, and a route's needs
are visible in its signature. All the services live in one ``Services`` object, built by
the app's lifespan; until it exists (or after it is gone) a request gets a clean 503.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Response

from arena.access.service import Access
from arena.battles import BattleService
from arena.errors import Forbidden, Unavailable
from arena.history import BoardHistory
from arena.integrity.addresses import keyed, network_key
from arena.integrity.gate import VoteGate
from arena.integrity.job import DetectionJob
from arena.leaderboard import LeaderboardCache
from arena.personal import PersonalBoards
from arena.ratelimit import RateLimiter, enforce
from arena.settings import Roster, Settings
from arena.store import Store

VOTER_COOKIE = "arena_voter"
SESSION_COOKIE = "arena_session"  # invite/sso: the session's token (arena.access)
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class Services:
    """Everything a running app holds, set once by the lifespan as ``app.state.services``."""

    settings: Settings
    roster: Roster
    store: Store
    battles: BattleService
    leaderboard: LeaderboardCache
    personal: PersonalBoards  # each voter's own board (reads only)
    limiter: RateLimiter
    trusted_networks: list[Network]
    ip_secret: bytes  # keys the IP hash
    gate: VoteGate  # what a vote costs: caps, proof-of-work, human check
    detection: DetectionJob | None = None  # the rigging detection job (its own loop)
    history: BoardHistory | None = None  # the board's daily snapshots (its own loop)
    access: Access | None = None  # who may vote: None when ARENA_ACCESS=open


@dataclass(slots=True)
class Voter:
    key: str  # sha256 of the cookie token: the database never holds the token itself
    token: str
    new: bool
    # invite/sso: the session's identity (the voter key itself), which the caps count
    # instead of the cookie and the address; None for a cookie voter
    identity: str | None = None


# Dependencies are ``async def`` even with nothing to await: FastAPI runs a plain ``def``
# dependency in its thread pool, a thread hop per request (and a queue under load).


async def get_services(request: Request) -> Services:
    services = getattr(request.app.state, "services", None)
    if not isinstance(services, Services):
        raise Unavailable("The server is starting or stopping; try again in a moment",
                          code="not_ready")
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_settings(services: ServicesDep) -> Settings:
    return services.settings


async def get_roster(services: ServicesDep) -> Roster:
    return services.roster


async def get_store(services: ServicesDep) -> Store:
    return services.store


async def get_battles(services: ServicesDep) -> BattleService:
    return services.battles


async def get_leaderboard(services: ServicesDep) -> LeaderboardCache:
    return services.leaderboard


async def get_personal(services: ServicesDep) -> PersonalBoards:
    return services.personal


async def get_limiter(services: ServicesDep) -> RateLimiter:
    return services.limiter


SettingsDep = Annotated[Settings, Depends(get_settings)]
RosterDep = Annotated[Roster, Depends(get_roster)]
StoreDep = Annotated[Store, Depends(get_store)]
BattlesDep = Annotated[BattleService, Depends(get_battles)]
LeaderboardDep = Annotated[LeaderboardCache, Depends(get_leaderboard)]
LimiterDep = Annotated[RateLimiter, Depends(get_limiter)]
PersonalDep = Annotated[PersonalBoards, Depends(get_personal)]


def voter_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def current_voter(request: Request) -> Voter | None:
    token = request.cookies.get(VOTER_COOKIE, "")
    if not _TOKEN_RE.match(token):
        return None
    return Voter(key=voter_key(token), token=token, new=False)


async def resolve_voter(request: Request, services: ServicesDep) -> Voter | None:
    """The request's voter: open mode, the cookie's; invite/sso, the live session's
    identity (one indexed read; FastAPI asks once per request), never a cookie voter."""
    access = services.access
    if access is None:
        return current_voter(request)
    found = await access.store.session(request.cookies.get(SESSION_COOKIE))
    if found is None:
        return None
    return Voter(key=found.voter_key, token="", new=False, identity=found.voter_key)


ResolvedVoterDep = Annotated[Voter | None, Depends(resolve_voter)]


async def require_voter(voter: ResolvedVoterDep, services: ServicesDep) -> Voter:
    if voter is None:
        if services.access is not None:
            raise services.access.refusal()
        raise Forbidden("No voter cookie; allow cookies for this site and start a new battle",
                        code="no_voter")
    return voter


async def voter_or_new(voter: ResolvedVoterDep, services: ServicesDep) -> Voter:
    if voter is not None:
        return voter
    if services.access is not None:  # only an invite or a sign-in makes a voter
        raise services.access.refusal()
    token = secrets.token_urlsafe(24)
    return Voter(key=voter_key(token), token=token, new=True)


async def voter_if_any(voter: ResolvedVoterDep, services: ServicesDep) -> Voter | None:
    """The cookie's voter, or None: for reads that have an answer for everyone. With
    invite/sso, a session is needed (a personal board is a voter's own)."""
    if voter is None and services.access is not None:
        raise services.access.refusal()
    return voter


VoterDep = Annotated[Voter, Depends(require_voter)]
MaybeVoterDep = Annotated[Voter | None, Depends(voter_if_any)]
NewVoterDep = Annotated[Voter, Depends(voter_or_new)]


def set_voter_cookie(settings: Settings, response: Response, voter: Voter) -> None:
    if voter.new:
        response.set_cookie(VOTER_COOKIE, voter.token, max_age=400 * 24 * 3600, httponly=True,
                            samesite="lax", secure=settings.cookie_secure, path="/")


def _in(addr: str, networks: list[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(addr.strip())
    except ValueError:
        return False
    return any(ip in n for n in networks)


def client_ip(request: Request, networks: list[Network]) -> str | None:
    """The peer's address; behind a trusted proxy, the right-most untrusted address of
    X-Forwarded-For (entries further left are whatever the client chose to send)."""
    peer = request.client.host if request.client else None
    if peer is None or not networks or not _in(peer, networks):
        return peer
    forwarded = request.headers.get("x-forwarded-for", "")
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _in(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # garbage in the header: trust only what we saw
    return peer


async def ip_hash(request: Request, services: ServicesDep) -> str | None:
    """The keyed hash of the client's address *network*: an IPv4 address itself (so its
    hash is the same as before networks were keyed), an IPv6 address by its /64, which one
    home or phone holds whole. Rate limits, ``battles.ip_hash``, ``votes.ip_hash`` and the
    vote caps all key by it."""
    ip = client_ip(request, services.trusted_networks)
    if ip is None:
        return None
    try:
        key = network_key(ip)
    except ValueError:  # a peer that is not an address (an in-process test client's name)
        key = ip
    return keyed(services.ip_secret, key)


async def remote_ip(request: Request, services: ServicesDep) -> str | None:
    """The client's address in clear, only for the human check's verifier (never stored)."""
    return client_ip(request, services.trusted_networks)


IpHashDep = Annotated[str | None, Depends(ip_hash)]
RemoteIpDep = Annotated[str | None, Depends(remote_ip)]


async def rate_limit(services: Services, address: str | None, action: str,
                     voter: Voter | None) -> None:
    s = services.settings
    limits = ({"voter": s.battles_per_minute_voter, "address": s.battles_per_minute_ip}
              if action == "battles" else
              {"voter": s.votes_per_minute_voter, "address": s.votes_per_minute_ip})
    # An identified voter (invite/sso) is limited as itself, not as its address: a class
    # behind one NAT is thirty voters, and the organiser decided how many there are.
    keys = {"voter": voter.key if voter else None,
            "address": address if voter is None or voter.identity is None else None}
    await enforce(services.limiter, action, keys, limits)
