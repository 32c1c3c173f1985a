"""Who may use the operator console (``/admin``, ``/api/admin/*``).

The console is off unless ``ARENA_ADMIN_TOKEN`` is set (to a strong value: the settings
refuse a short or default one at start-up). An operator signs in on the page with the
token and a name of their own; the server answers with a session cookie — HttpOnly,
SameSite=Strict, for ``SESSION_S`` — that every worker checks by itself (it is signed
with the token: no session table, and changing the token ends every session). Scripts
send ``Authorization: Bearer <token>`` instead. Every change made in the console is
written to the audit log under ``token:<name>`` (``arena/store/admin.py``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from dataclasses import dataclass

from arena.errors import Forbidden, Unauthorized
from arena.settings import Settings

ADMIN_COOKIE = "arena_admin"
SESSION_S = 12 * 3600
NAME = re.compile(r"[\w .@'-]{1,60}")  # the operator's own name, for the audit log


@dataclass(frozen=True, slots=True)
class Admin:
    actor: str  # as the audit log writes it: "token:<name>"


def _sign(token: str, issued: int, name: str) -> str:
    return hmac.new(token.encode(), f"arena-admin|{issued}|{name}".encode(),
                    hashlib.sha256).hexdigest()


def session_cookie(token: str, name: str, now: float | None = None) -> str:
    issued = int(time.time() if now is None else now)
    encoded = base64.urlsafe_b64encode(name.encode()).decode().rstrip("=")
    return f"{issued}.{encoded}.{_sign(token, issued, name)}"


def session_admin(token: str, cookie: str, now: float | None = None) -> Admin | None:
    """The operator a session cookie stands for, or None (forged, expired, malformed)."""
    parts = cookie.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or len(parts[0]) > 12:
        return None
    issued, encoded, sig = int(parts[0]), parts[1], parts[2]
    try:
        name = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    if not hmac.compare_digest(sig, _sign(token, issued, name)):
        return None
    age = (time.time() if now is None else now) - issued
    if not 0 <= age <= SESSION_S:
        return None
    return Admin(actor=f"token:{name}")


def check_token(settings: Settings, given: str) -> None:
    """Raise unless ``given`` is the console's token (compared in constant time)."""
    require_console(settings)
    if not hmac.compare_digest(given.encode(), settings.admin_token.encode()):
        raise Unauthorized("That is not the console's token", code="bad_admin_token")


def require_console(settings: Settings) -> None:
    if not settings.admin_token:
        raise Forbidden("The operator console is off: set ARENA_ADMIN_TOKEN to turn it on",
                        code="console_off")


def authorize(settings: Settings, *, cookie: str | None, bearer: str | None) -> Admin:
    """The operator behind a request, or 401 ``admin_required``."""
    require_console(settings)
    if bearer is not None:
        check_token(settings, bearer)
        return Admin(actor="token:api")
    admin = session_admin(settings.admin_token, cookie) if cookie else None
    if admin is None:
        raise Unauthorized("Sign in to the operator console first (or send the console's "
                           "token as a bearer token)", code="admin_required")
    return admin
