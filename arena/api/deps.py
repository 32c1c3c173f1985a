"""Request-scoped pieces: the app state, the voter cookie, the keyed IP hash."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
from dataclasses import dataclass

from fastapi import Request, Response

from arena.errors import Forbidden
from arena.ratelimit import enforce

VOTER_COOKIE = "arena_voter"
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


@dataclass(slots=True)
class Voter:
    key: str  # sha256 of the cookie token: the database never holds the token itself
    token: str
    new: bool


def voter_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def current_voter(request: Request) -> Voter | None:
    token = request.cookies.get(VOTER_COOKIE, "")
    if not _TOKEN_RE.match(token):
        return None
    return Voter(key=voter_key(token), token=token, new=False)


# Dependencies are ``async def`` even with nothing to await: FastAPI runs a plain ``def``
# dependency in its thread pool, a thread hop per request (and a queue under load).


async def require_voter(request: Request) -> Voter:
    voter = current_voter(request)
    if voter is None:
        raise Forbidden("no voter cookie; allow cookies for this site and start a new battle",
                        code="no_voter")
    return voter


def voter_or_new(request: Request) -> Voter:
    voter = current_voter(request)
    if voter is not None:
        return voter
    token = secrets.token_urlsafe(24)
    return Voter(key=voter_key(token), token=token, new=True)


def set_voter_cookie(request: Request, response: Response, voter: Voter) -> None:
    if voter.new:
        response.set_cookie(VOTER_COOKIE, voter.token, max_age=400 * 24 * 3600, httponly=True,
                            samesite="lax", secure=request.app.state.settings.cookie_secure,
                            path="/")


def _in(addr: str, networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        ip = ipaddress.ip_address(addr.strip())
    except ValueError:
        return False
    return any(ip in n for n in networks)


def client_ip(request: Request) -> str | None:
    """The peer's address; behind a trusted proxy, the right-most untrusted address of
    X-Forwarded-For (entries further left are whatever the client chose to send)."""
    peer = request.client.host if request.client else None
    networks = request.app.state.trusted_networks
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


async def rate_limit(request: Request, action: str, voter: Voter | None) -> None:
    s = request.app.state.settings
    limits = ({"voter": s.battles_per_minute_voter, "address": s.battles_per_minute_ip}
              if action == "battles" else
              {"voter": s.votes_per_minute_voter, "address": s.votes_per_minute_ip})
    keys = {"voter": voter.key if voter else None,
            "address": ip_hash(request)}
    await enforce(request.app.state.limiter, action, keys, limits)


def ip_hash(request: Request) -> str | None:
    ip = client_ip(request)
    if ip is None:
        return None
    secret: bytes = request.app.state.ip_secret
    return hmac.new(secret, ip.encode(), hashlib.sha256).hexdigest()[:32]
