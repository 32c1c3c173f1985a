"""Who may use the operator console (``/admin``, ``/api/admin/*``).

The console is off unless ``ARENA_ADMIN_TOKEN`` is set (to a strong value: the settings
refuse a short or default one at start-up) or, with ``ARENA_ACCESS=sso``, ``ARENA_ADMINS``
names operators. An operator signs in on the page with the token and a name of their
own, or through the organisation's sign-in with an address ``ARENA_ADMINS`` lists; the
server answers with a session cookie — HttpOnly, SameSite=Strict, for ``SESSION_S`` —
that every worker checks by itself (it is signed with a key derived from the token and
the secret key: no session table, and changing either ends every session; an address
taken off ``ARENA_ADMINS`` is refused at once). Scripts send ``Authorization: Bearer
<token>`` instead. Every change made in the console is written to the audit log under
``token:<name>`` or ``sso:<e-mail>`` (``arena/store/admin.py``).
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
KINDS = {"t": "token", "s": "sso"}  # how the operator signed in


@dataclass(frozen=True, slots=True)
class Admin:
    actor: str  # as the audit log writes it: "token:<name>" or "sso:<e-mail>"


def console_on(settings: Settings) -> bool:
    return bool(settings.admin_token or (settings.admins and settings.access == "sso"))


def is_admin_email(settings: Settings, email: str) -> bool:
    return settings.access == "sso" and email.lower() in {a.lower() for a in settings.admins}


def _key(settings: Settings) -> bytes:
    return hmac.new(settings.secret_key.encode(),
                    f"arena console sessions v1|{settings.admin_token}".encode(),
                    hashlib.sha256).digest()


def _sign(settings: Settings, issued: int, kind: str, name: str) -> str:
    return hmac.new(_key(settings), f"{issued}|{kind}|{name}".encode(),
                    hashlib.sha256).hexdigest()


def session_cookie(settings: Settings, kind: str, name: str, now: float | None = None) -> str:
    """A signed session: ``kind`` "t" (the token, ``name`` as typed) or "s" (sso, the
    operator's e-mail)."""
    issued = int(time.time() if now is None else now)
    encoded = base64.urlsafe_b64encode(name.encode()).decode().rstrip("=")
    return f"{issued}.{kind}.{encoded}.{_sign(settings, issued, kind, name)}"


def session_admin(settings: Settings, cookie: str, now: float | None = None) -> Admin | None:
    """The operator a session cookie stands for, or None (forged, expired, malformed, or
    an address no longer in ARENA_ADMINS)."""
    parts = cookie.split(".")
    if len(parts) != 4 or not parts[0].isdigit() or len(parts[0]) > 12 or parts[1] not in KINDS:
        return None
    issued, kind, encoded, sig = int(parts[0]), parts[1], parts[2], parts[3]
    try:
        name = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    if not hmac.compare_digest(sig, _sign(settings, issued, kind, name)):
        return None
    age = (time.time() if now is None else now) - issued
    if not 0 <= age <= SESSION_S:
        return None
    if kind == "t" and not settings.admin_token:
        return None
    if kind == "s" and not is_admin_email(settings, name):
        return None
    return Admin(actor=f"{KINDS[kind]}:{name}")


def check_token(settings: Settings, given: str) -> None:
    """Raise unless ``given`` is the console's token (compared in constant time)."""
    require_console(settings)
    if not settings.admin_token:
        raise Unauthorized("This console has no token: operators sign in with the "
                           "organisation's account", code="bad_admin_token")
    if not hmac.compare_digest(given.encode(), settings.admin_token.encode()):
        raise Unauthorized("That is not the console's token", code="bad_admin_token")


def require_console(settings: Settings) -> None:
    if not console_on(settings):
        raise Forbidden("The operator console is off: set ARENA_ADMIN_TOKEN (or, with "
                        "ARENA_ACCESS=sso, ARENA_ADMINS) to turn it on", code="console_off")


def authorize(settings: Settings, *, cookie: str | None, bearer: str | None) -> Admin:
    """The operator behind a request, or 401 ``admin_required``."""
    require_console(settings)
    if bearer is not None:
        check_token(settings, bearer)
        return Admin(actor="token:api")
    admin = session_admin(settings, cookie) if cookie else None
    if admin is None:
        raise Unauthorized("Sign in to the operator console first (or send the console's "
                           "token as a bearer token)", code="admin_required")
    return admin
