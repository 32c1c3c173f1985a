"""OpenID Connect sign-in through Authlib's Starlette client (discovery, the code flow
with PKCE S256, state and nonce, the ID token's signature, ``iss``, ``aud``, ``exp`` and
``nonce`` checks: all Authlib's). What is ours: the issuer named in the discovery document
must be the configured one, the e-mail must be verified and in an allowed domain, and
what is kept of the person is only the keyed hash of issuer and subject.

The flow's state (state, nonce, PKCE verifier) lives for ten minutes in a signed cookie of
its own (Starlette's session middleware, path ``/auth``), so the worker that answers the
callback need not be the one that sent the browser away.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from authlib.common.errors import AuthlibBaseError  # type: ignore[import-untyped]
from authlib.integrations.starlette_client import OAuth  # type: ignore[import-untyped]
from joserfc.errors import JoseError
from starlette.requests import Request
from starlette.responses import Response

from arena.errors import ArenaError
from arena.settings import Settings

# Authlib's HTTP client is httpx2 where it is installed (the model SDKs bring it), else
# httpx: a provider that cannot be reached raises either's error.
try:
    import httpx2

    NET_ERRORS: tuple[type[Exception], ...] = (httpx.HTTPError, httpx2.HTTPError, OSError)
except ImportError:  # pragma: no cover - depends on the installed SDKs
    NET_ERRORS = (httpx.HTTPError, OSError)

LOGIN_COOKIE = "arena_login"
LOGIN_MAX_AGE_S = 600


class SignInRefused(ArenaError):
    code = "sign_in_failed"
    status = 403


@dataclass(frozen=True, slots=True)
class SignedIn:
    issuer: str
    subject: str
    email: str = ""  # verified; used only to know an operator (ARENA_ADMINS), never stored


def _same_issuer(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")


def email_allowed(email: str, allowed: list[str]) -> bool:
    if "*" in allowed:
        return True
    _, at, domain = email.rpartition("@")
    return bool(at) and domain.lower() in {d.lower() for d in allowed}


class OidcClient:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.issuer = settings.oidc_issuer
        oauth = OAuth()
        oauth.register(
            "arena", client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret,
            server_metadata_url=settings.oidc_issuer.rstrip("/")
            + "/.well-known/openid-configuration",
            client_kwargs={"scope": settings.oidc_scopes, "code_challenge_method": "S256",
                           "timeout": 10.0})
        self.client: Any = oauth.create_client("arena")

    async def _metadata(self) -> dict[str, Any]:
        try:
            meta: dict[str, Any] = await self.client.load_server_metadata()
        except NET_ERRORS + (ValueError,) as exc:
            self.client.server_metadata = {}  # ask again next time
            raise SignInRefused("The sign-in service cannot be reached just now; try again "
                                "in a moment", code="sign_in_unavailable", status=502) from exc
        if not _same_issuer(str(meta.get("issuer", "")), self.issuer):
            raise SignInRefused(f"The sign-in service names itself {meta.get('issuer')!r}, "
                                f"not ARENA_OIDC_ISSUER {self.issuer!r}; the operator must "
                                "fix the setting", code="sign_in_misconfigured", status=502)
        return meta

    async def redirect(self, request: Request, redirect_uri: str) -> Response:
        await self._metadata()
        try:
            response: Response = await self.client.authorize_redirect(request, redirect_uri)
        except NET_ERRORS + (AuthlibBaseError,) as exc:
            raise SignInRefused("The sign-in could not be started; try again in a moment",
                                code="sign_in_unavailable", status=502) from exc
        return response

    async def _userinfo(self, token: dict[str, Any], subject: str) -> dict[str, Any]:
        """The e-mail claims from the UserInfo endpoint, for a provider that keeps them out
        of the ID token (as the OpenID spec lets it when an access token is issued); its
        ``sub`` must be the ID token's (OpenID Connect Core 5.3.2)."""
        try:
            info: dict[str, Any] = dict(await self.client.userinfo(token=token))
        except NET_ERRORS + (AuthlibBaseError, KeyError, ValueError) as exc:
            raise SignInRefused("The sign-in service did not say who you are (its UserInfo "
                                "endpoint failed); try again", code="sign_in_failed",
                                status=502) from exc
        if info.get("sub") != subject:
            raise SignInRefused("The sign-in service's UserInfo answer is about someone "
                                "else than its ID token; the sign-in did not happen",
                                code="id_token_invalid")
        return info

    async def finish(self, request: Request) -> SignedIn:
        """Check the provider's answer and the person; the subject, or SignInRefused."""
        await self._metadata()
        try:
            token = await self.client.authorize_access_token(request)
        except AuthlibBaseError as exc:
            error = getattr(exc, "error", "") or type(exc).__name__
            if error == "access_denied":
                raise SignInRefused("The sign-in was cancelled at the provider",
                                    code="sign_in_cancelled") from exc
            if error == "mismatching_state":
                raise SignInRefused("This sign-in expired or was started in another browser "
                                    "window; start it again", code="sign_in_expired") from exc
            raise SignInRefused(f"The sign-in failed ({error}); start it again",
                                code="sign_in_failed") from exc
        except JoseError as exc:  # the ID token's signature or a claim is wrong
            raise SignInRefused(f"The sign-in service's ID token was refused "
                                f"({exc.error}); the sign-in did not happen",
                                code="id_token_invalid") from exc
        except NET_ERRORS as exc:
            raise SignInRefused("The sign-in service cannot be reached just now; try again",
                                code="sign_in_unavailable", status=502) from exc
        claims = token.get("userinfo")
        if not claims or not claims.get("sub"):
            raise SignInRefused("The sign-in service sent no ID token", code="id_token_invalid")
        if "email" not in claims:
            claims = await self._userinfo(token, str(claims["sub"]))
        email = claims.get("email")
        if not isinstance(email, str) or not email:
            raise SignInRefused("Your account has no e-mail address to check; sign in with "
                                "an account that has one (the scope must include email)",
                                code="email_missing")
        if claims.get("email_verified") is not True:
            raise SignInRefused("Your e-mail address is not verified at the sign-in service; "
                                "verify it there, then sign in again",
                                code="email_not_verified")
        if not email_allowed(email, self.settings.oidc_allowed_domains):
            raise SignInRefused("This arena is open to other e-mail domains than yours; "
                                "sign in with your organisation's account",
                                code="email_domain_not_allowed")
        return SignedIn(issuer=self.issuer.rstrip("/"), subject=str(claims["sub"]),
                        email=email)
