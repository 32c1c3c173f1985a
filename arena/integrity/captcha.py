"""Optional human check before a vote counts: Cloudflare Turnstile, hCaptcha or reCAPTCHA.

All three verify a page's token the same way ("siteverify"): POST a form with ``secret``,
``response`` and optionally ``remoteip`` to the vendor's URL and read JSON
``{"success": bool, "error-codes": [...], ...}``. The URL is a setting, so an operator picks
the vendor and tests point it at ``arena.testing.siteverify``.

Fail closed: a verifier that is down, slow, or answers anything but ``success: true``
refuses the check, because a check that passes whenever its vendor is unreachable is one an
attacker switches off by flooding it.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

import httpx

from arena.errors import ArenaError, ConfigError

log = logging.getLogger("arena")

TURNSTILE_URL = "https://challenges.cloudflare.com/turnstile/v0/siteverify"
HCAPTCHA_URL = "https://api.hcaptcha.com/siteverify"
RECAPTCHA_URL = "https://www.google.com/recaptcha/api/siteverify"


class CaptchaFailed(ArenaError):
    """The human check did not pass (a wrong or missing token, or no verdict)."""

    code = "captcha_failed"
    status = 403


@dataclass(frozen=True)
class CaptchaPolicy:
    """Settings: ``ARENA_CAPTCHA_VERIFY_URL`` (empty = off), ``ARENA_CAPTCHA_SITE_KEY``
    (given to the page), ``ARENA_CAPTCHA_SECRET_ENV`` (the NAME of the variable holding the
    secret), ``ARENA_CAPTCHA_TIMEOUT_S``."""

    verify_url: str = ""
    site_key: str = ""
    secret_env: str = "ARENA_CAPTCHA_SECRET"
    timeout_s: float = 5.0

    @property
    def enabled(self) -> bool:
        return bool(self.verify_url)


class CaptchaVerifier:
    """``await verifier.verify(token, remote_ip)`` raises ``CaptchaFailed`` unless the
    vendor says yes. Build once at start-up (it reads the secret then) and ``aclose``."""

    def __init__(self, policy: CaptchaPolicy, client: httpx.AsyncClient | None = None) -> None:
        secret = os.environ.get(policy.secret_env, "")
        if not secret:
            raise ConfigError(f"the human check needs its secret: set {policy.secret_env} or "
                              f"leave ARENA_CAPTCHA_VERIFY_URL empty")
        self.policy = policy
        self._secret = secret
        self._client = client or httpx.AsyncClient(timeout=policy.timeout_s)

    async def verify(self, token: str, remote_ip: str | None = None) -> None:
        if not token:
            raise CaptchaFailed("complete the human check before voting")
        form = {"secret": self._secret, "response": token}
        if remote_ip:
            form["remoteip"] = remote_ip
        try:
            reply = await self._client.post(self.policy.verify_url, data=form,
                                            timeout=self.policy.timeout_s)
            body: Any = reply.json() if reply.status_code == 200 else None
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("captcha verifier unreachable or unreadable: %s", exc)
            raise CaptchaFailed("the human check could not be verified right now; try again "
                                "in a minute") from None
        if not isinstance(body, dict) or body.get("success") is not True:
            codes = body.get("error-codes") if isinstance(body, dict) else None
            log.info("captcha refused (%s): %s", reply.status_code, codes)
            raise CaptchaFailed("the human check did not pass; solve it again and vote")

    async def aclose(self) -> None:
        await self._client.aclose()
