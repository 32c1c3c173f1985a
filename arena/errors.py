"""The arena's own error tree and the one JSON error shape.

Every error a client can see is an ``ArenaError`` with a machine-readable ``code``, an
HTTP ``status`` and a ``message`` a person can act on. The app turns each one into::

    {"error": {"code": "...", "message": "..."}}

Messages shown before a vote never name a model or a provider: provider errors carry a
``side`` and are re-worded as "model A is unavailable" by the battle service.
"""

from __future__ import annotations

from typing import Any


class ArenaError(Exception):
    """Base of every error the arena reports to a client."""

    code = "internal_error"
    status = 500

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None,
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.details = details or {}

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return {"error": body}


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """The one JSON error shape, for places that have no ArenaError at hand."""
    return ArenaError(message, code=code, details=details).to_json()


class ConfigError(ArenaError):
    """The roster or the settings are wrong; raised at start-up, never mid-request."""

    code = "config_error"


class BadRequest(ArenaError):
    code = "bad_request"
    status = 400


class NotFound(ArenaError):
    code = "not_found"
    status = 404


class Forbidden(ArenaError):
    code = "forbidden"
    status = 403


class Conflict(ArenaError):
    code = "conflict"
    status = 409


class TooManyRequests(ArenaError):
    code = "rate_limited"
    status = 429


class Unavailable(ArenaError):
    code = "unavailable"
    status = 503


# --- provider errors: raised only by the adapters in arena/providers/ -----------------


class ProviderError(ArenaError):
    """An upstream model call failed. ``message`` may name the provider: it goes to the
    log only. Voters see the anonymised ``public_message(side)``."""

    code = "provider_error"
    status = 502
    retryable = False

    def public_message(self, side: str) -> str:
        return f"model {side.upper()} is unavailable"


class ProviderAuthError(ProviderError):
    code = "provider_auth"


class ProviderRateLimited(ProviderError):
    code = "provider_rate_limited"
    retryable = True

    def public_message(self, side: str) -> str:
        return f"model {side.upper()} is busy right now; try again in a moment"


class ProviderTimeout(ProviderError):
    code = "provider_timeout"
    status = 504
    retryable = True

    def public_message(self, side: str) -> str:
        return f"model {side.upper()} took too long to answer"


class ProviderBadRequest(ProviderError):
    code = "provider_bad_request"

    def public_message(self, side: str) -> str:
        return f"model {side.upper()} could not answer this prompt"


class ProviderUnavailable(ProviderError):
    """Connection refused, 5xx, or the stream was cut before it finished."""

    code = "provider_unavailable"
    retryable = True
