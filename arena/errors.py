"""The arena's own error tree and the one JSON error shape.

Every error a client can see is an ``ArenaError`` with a machine-readable ``code``, an
HTTP ``status`` and a ``message`` a person can act on. The app turns each one into::

    {"error": {"code": "...", "message": "..."}}

Messages shown before a vote never name a model or a provider: a side that failed is
reported with one public code and one neutral message (``public_code``,
``public_message``); the real code is stored and shown after the vote.
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


class Unauthorized(ArenaError):
    """No credentials, or wrong ones (the operator console)."""

    code = "unauthorized"
    status = 401


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
    log only. Voters see ``public_message(PUBLIC_CODE, side)`` before the vote and
    ``public_message(code, side)`` after it."""

    code = "provider_error"
    status = 502
    retryable = False


class ProviderAuthError(ProviderError):
    code = "provider_auth"


class ProviderRateLimited(ProviderError):
    code = "provider_rate_limited"
    retryable = True


class ProviderTimeout(ProviderError):
    code = "provider_timeout"
    status = 504
    retryable = True


class ProviderBadRequest(ProviderError):
    code = "provider_bad_request"


class ProviderUnavailable(ProviderError):
    """Connection refused, 5xx, or the stream was cut before it finished."""

    code = "provider_unavailable"
    retryable = True


UPSTREAM_CUT = "upstream_cut"


class ProviderCut(ProviderUnavailable):
    """The server ended a stream before its end (a single-slot local server cuts the
    running answer when a second request arrives)."""

    code = UPSTREAM_CUT


# --- what a voter is told about a side that did not answer --------------------------------

# Before the vote every provider failure is this one code and one message: telling a
# refused key from a rate limit or a timeout would tell the voter (or a rigger) facts
# about the provider and the deployment behind a side.
PUBLIC_CODE = "model_unavailable"
INCOMPLETE = "incomplete"  # the answer was cut on the arena's side (disconnect, shutdown)

# Code → what the side did, said after "model A" (a leading space included). Unknown
# codes read as unavailable.
_WORDING: dict[str, str] = {
    PUBLIC_CODE: " could not answer; regenerate to try again",
    INCOMPLETE: "'s answer was interrupted; regenerate to try again",
    ProviderError.code: " is unavailable",
    ProviderAuthError.code: " is unavailable",
    ProviderUnavailable.code: " is unavailable",
    ProviderRateLimited.code: " is busy right now; try again in a moment",
    ProviderTimeout.code: " took too long to answer",
    ProviderBadRequest.code: " could not answer this prompt",
    UPSTREAM_CUT: "'s server cut the answer off before its end (a local server with one "
                  "slot does this when a second request arrives: give it parallel slots, "
                  "or set max_concurrency on the roster entries that share it)",
}


def public_code(code: str | None) -> str:
    """The code a voter may see before the vote for a side that stored ``code``."""
    return INCOMPLETE if code == INCOMPLETE else PUBLIC_CODE


def public_message(code: str | None, side: str) -> str:
    """The words for a side that did not answer, naming neither model nor provider."""
    return f"model {side.upper()}" + _WORDING.get(code or "", _WORDING[ProviderError.code])
