"""The "anthropic" adapter: the Messages API, streamed, on the official SDK.

The SDK makes the call (``client.post("/v1/messages", stream=True)``: its keys, retries,
timeouts and error classes, without the typed-parameter transform); the body's events
are read raw (``arena.providers.sse``), not as the SDK's typed events,
which cost a pydantic object each. The arena needs only text deltas and the usage
counts, and the raw events say exactly when the message started (input tokens), how it stopped
(``message_delta``: stop reason, output tokens) and whether it ended (``message_stop``;
a stream without it was cut).

Stop reasons are mapped here, once, to the arena's ``FinishReason``: "end_turn",
"stop_sequence" and any other become "stop", "max_tokens" becomes "length", "refusal"
becomes "filtered".

``temperature``, when the roster or the request sets one, is a body field as the wire
API takes it.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import anthropic
import httpx2

from arena.errors import (
    ConfigError,
    ProviderAuthError,
    ProviderBadRequest,
    ProviderCut,
    ProviderError,
    ProviderRateLimited,
    ProviderUnavailable,
)
from arena.providers import sse
from arena.providers._common import (
    Stopwatch,
    call_params,
    describe,
    reading_stream,
    resolve_api_key,
    sdk_http_client,
    translate_sdk_error,
)
from arena.providers.base import ChatRequest, Delta, ProviderOptions, StreamEvent
from arena.settings import ModelConfig
from arena.types import FinishReason

_STOP_REASONS: dict[str, FinishReason] = {"max_tokens": "length", "refusal": "filtered"}
# Error types Anthropic sends inside a stream that has already answered 200.
_STREAM_ERROR_TYPES: dict[str, type[ProviderError]] = {
    "rate_limit_error": ProviderRateLimited, "overloaded_error": ProviderUnavailable,
    "api_error": ProviderUnavailable, "authentication_error": ProviderAuthError,
    "permission_error": ProviderAuthError, "invalid_request_error": ProviderBadRequest,
    "not_found_error": ProviderBadRequest, "request_too_large": ProviderBadRequest,
}


class AnthropicProvider:
    """Streams Claude's answer through ``anthropic.AsyncAnthropic``."""

    def __init__(self, config: ModelConfig, options: ProviderOptions, *,
                 client: anthropic.AsyncAnthropic | None = None) -> None:
        self._config = config
        self._options = options
        self._who = describe(config)
        if config.options:
            raise ConfigError(f"model {config.name!r}: provider anthropic takes no options "
                              f"(got {sorted(config.options)})")
        self._client = client or anthropic.AsyncAnthropic(
            api_key=resolve_api_key(config, "ANTHROPIC_API_KEY", "api.anthropic.com"),
            base_url=_root_url(config.base_url) or "https://api.anthropic.com",
            timeout=anthropic.Timeout(options.request_timeout_s,
                                      connect=options.connect_timeout_s),
            max_retries=options.max_retries,
            http_client=sdk_http_client(anthropic, options),
        )

    async def stream(self, request: ChatRequest) -> AsyncGenerator[StreamEvent, None]:
        watch = Stopwatch()
        try:
            # The SDK's own way to send a body as is: keys, retries, timeouts and error
            # classes apply, without the typed-parameter transform of messages.create.
            response = await self._client.post("/v1/messages", cast_to=httpx2.Response,
                                               body=self._arguments(request), stream=True)
        except anthropic.AnthropicError as exc:
            raise translate_error(exc, self._who) from exc
        stop_reason: str | None = None
        input_tokens = output_tokens = None
        stopped = False
        async with reading_stream(response, self._who, anthropic.AnthropicError,
                                  translate_error):
            async for sse_event in sse.events(response.aiter_bytes()):
                event = sse.loads(sse_event.data)
                kind = event.get("type") or sse_event.event
                if kind == "content_block_delta":
                    delta = event["delta"]
                    if delta.get("type") == "text_delta" and delta.get("text"):
                        watch.token()
                        yield Delta(delta["text"])
                elif kind == "message_start":
                    input_tokens = (event["message"].get("usage") or {}).get("input_tokens")
                elif kind == "message_delta":
                    stop_reason = event["delta"].get("stop_reason") or stop_reason
                    usage = event.get("usage") or {}
                    output_tokens = usage.get("output_tokens", output_tokens)
                    input_tokens = usage.get("input_tokens") or input_tokens
                elif kind == "message_stop":
                    stopped = True
                elif kind == "error":
                    raise _stream_error(event.get("error"), self._who)
        if not stopped:
            raise ProviderCut(f"{self._who}: the stream ended without message_stop "
                              "(cut off upstream)")
        yield watch.finished(_STOP_REASONS.get(stop_reason or "", "stop"), input_tokens,
                             output_tokens)

    async def aclose(self) -> None:
        await self._client.close()

    def _arguments(self, request: ChatRequest) -> dict[str, Any]:
        params = call_params(request, self._config, self._options)
        kwargs: dict[str, Any] = {
            "model": self._config.upstream_model,
            "max_tokens": params.max_tokens,
            # An empty assistant turn (that side failed earlier) is refused by the API;
            # dropping it leaves two user turns in a row, which the API accepts and joins.
            "messages": [{"role": m.role, "content": m.content} for m in request.messages
                         if m.content or m.role == "user"],
            "stream": True,
        }
        if params.system_prompt:
            kwargs["system"] = params.system_prompt
        if params.temperature is not None:
            kwargs["temperature"] = params.temperature
        return kwargs


def translate_error(exc: BaseException, who: str) -> ProviderError:
    """The arena error for an ``anthropic`` SDK error. The message is for the log only."""
    return translate_sdk_error(anthropic, exc, who, _error_text(exc))


def _stream_error(error: object, who: str) -> ProviderError:
    """An ``error`` event inside a stream that had already answered 200: its type says
    what went wrong."""
    body = error if isinstance(error, dict) else {}
    kind = str(body.get("type") or "")
    message = str(body.get("message") or "no message")[:500]
    error_class = _STREAM_ERROR_TYPES.get(kind, ProviderUnavailable)
    return error_class(f"{who}: error event in the stream ({kind or 'unknown'}): {message}")


def _error_text(exc: BaseException) -> str:
    """The upstream's own words, cut short: enough for the log, never for a voter."""
    message = getattr(exc, "api_message", None) or str(exc)
    cause = exc.__cause__
    return (f"{message} ({cause!r})" if cause else message)[:500]


def _root_url(base_url: str | None) -> str | None:
    """The SDK adds ``/v1/messages`` itself; people often paste a ``.../v1`` URL."""
    if base_url is None:
        return None
    trimmed = base_url.rstrip("/")
    return trimmed.removesuffix("/v1") if trimmed.endswith("/v1") else trimmed
