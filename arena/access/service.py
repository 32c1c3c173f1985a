"""``Access``: what a running app knows of who may vote (the mode, its store and keys,
the OpenID client), held by ``Services``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from arena.access.keys import AccessKeys
from arena.access.oidc import OidcClient
from arena.access.store import AccessStore
from arena.errors import ArenaError
from arena.settings import Settings
from arena.types import AccessMode


class SignInRequired(ArenaError):
    code = "sign_in_required"
    status = 401


@dataclass(frozen=True, slots=True)
class Access:
    mode: AccessMode
    store: AccessStore
    keys: AccessKeys
    oidc: OidcClient | None
    public_board: bool

    @classmethod
    def build(cls, settings: Settings, engine: AsyncEngine) -> Access | None:
        """None in open mode (nothing to check); the settings were checked at start-up."""
        if settings.access == "open":
            return None
        return cls(mode=settings.access,
                   store=AccessStore(engine, settings.access_session_days),
                   keys=AccessKeys(settings.secret_key),
                   oidc=OidcClient(settings) if settings.access == "sso" else None,
                   public_board=settings.public_leaderboard)

    def refusal(self) -> SignInRequired:
        if self.mode == "sso":
            return SignInRequired("Sign in to vote in this arena (the Sign in button, or "
                                  "/auth/login)")
        return SignInRequired("This arena is open to invited voters only: ask your "
                              "organiser for an invite link and open it in this browser")
