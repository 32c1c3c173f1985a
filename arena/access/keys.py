"""The keyed hashes and signed tokens of ``arena.access``, all from ``ARENA_SECRET_KEY``.

Each use has its own key, derived from the secret with HMAC-SHA256 and a label, so an
invite's signature can never stand in for a subject's hash. An invite link's token is
``<id>.<signature>``: the id names the database row (expiry, uses, revocation live
there), the signature (128 bits) proves the arena made it — a forged or mistyped link is
refused before the database is asked.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

INVITE_ID_RE = re.compile(r"^[A-Za-z0-9_-]{12}$")
_INVITE_TOKEN_RE = re.compile(r"^([A-Za-z0-9_-]{12})\.([A-Za-z0-9_-]{22})$")
SESSION_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class AccessKeys:
    def __init__(self, secret: str) -> None:
        master = secret.encode()
        self._invite = hmac.new(master, b"arena access: invite links v1", "sha256").digest()
        self._subject = hmac.new(master, b"arena access: oidc subjects v1", "sha256").digest()
        self.login_state = _b64(hmac.new(master, b"arena access: login state v1",
                                         "sha256").digest())

    # --- invite links ---------------------------------------------------------------------

    def _sign(self, invite_id: str) -> str:
        return _b64(hmac.new(self._invite, invite_id.encode(), "sha256").digest()[:16])

    def invite_token(self, invite_id: str) -> str:
        return f"{invite_id}.{self._sign(invite_id)}"

    def invite_id(self, token: str) -> str | None:
        """The invite id of a genuine token; None for a forged or malformed one."""
        m = _INVITE_TOKEN_RE.match(token)
        if m is None or not hmac.compare_digest(self._sign(m.group(1)), m.group(2)):
            return None
        return m.group(1)

    # --- identities -----------------------------------------------------------------------

    def subject_key(self, issuer: str, subject: str) -> str:
        """The voter key of an OpenID subject: pseudonymous (keyed), the same on every
        device and worker, and unrelated to any e-mail."""
        return hmac.new(self._subject, f"{issuer}\n{subject}".encode(), "sha256").hexdigest()


def new_invite_id() -> str:
    return secrets.token_urlsafe(9)  # 12 characters


def new_session_token() -> str:
    return secrets.token_urlsafe(32)  # 43 characters


def session_id(token: str) -> str:
    """What the database keeps of a session's cookie: its sha256, never the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_invite_voter_key() -> str:
    """An invite opening's identity: random, the shape of a cookie voter's key."""
    return hashlib.sha256(secrets.token_bytes(32)).hexdigest()
