"""The "openai" adapter: OpenAI itself and every OpenAI-compatible server.

vLLM, Ollama, llama.cpp, OpenRouter and friends all speak chat completions, so one
adapter on the official SDK serves them, pointed at them by ``base_url``. It streams
with ``stream_options.include_usage`` for token counts, and copes with servers that do
not know that option (one retry without it, remembered for the next calls).

Roster ``options``: ``max_tokens_param`` = "max_tokens" | "max_completion_tokens". The
default is "max_completion_tokens" for OpenAI's own API (its reasoning models refuse
"max_tokens") and "max_tokens" for every other server (many do not know the newer
name); a 400 that asks for the other one switches over once, as for stream_options.

The SDK makes the call (``client.post``); the streamed body is read raw
(``arena.providers.sse``), because the SDK's typed chunks cost a pydantic object each.

SDK errors are translated here and only here (``translate_error``); the SDK's own
retries and timeouts come from ``ProviderOptions``, never from its defaults. The SDK
retries only before a response starts; ``request_timeout_s`` bounds each wait for bytes,
not a whole answer (the battle service caps that).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator
from typing import Any

import httpx2
import openai

from arena.errors import (
    ConfigError,
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
    served_by,
    translate_sdk_error,
)
from arena.providers.base import ChatRequest, Delta, ProviderOptions, StreamEvent
from arena.settings import ModelConfig
from arena.types import FinishReason

log = logging.getLogger(__name__)

# Finish reasons mapped here, once, to the arena's ``FinishReason``; any other
# ("tool_calls", a server's own) reads as "stop".
_FINISH_REASONS: dict[str, FinishReason] = {"length": "length", "content_filter": "filtered"}

_OPENAI_HOST = "api.openai.com"

_TOKEN_PARAMS = ("max_tokens", "max_completion_tokens")
_KNOWN_OPTIONS = frozenset({"max_tokens_param"})


class OpenAIProvider:
    """Streams chat completions through ``openai.AsyncOpenAI``."""

    def __init__(self, config: ModelConfig, options: ProviderOptions, *,
                 client: openai.AsyncOpenAI | None = None) -> None:
        self._config = config
        self._options = options
        self._who = describe(config)
        unknown = set(config.options) - _KNOWN_OPTIONS
        if unknown:
            raise ConfigError(f"model {config.name!r}: unknown option(s) {sorted(unknown)} for "
                              f"provider openai; known: {sorted(_KNOWN_OPTIONS)}")
        self._token_param = config.options.get("max_tokens_param") or _default_token_param(config)
        if self._token_param not in _TOKEN_PARAMS:
            raise ConfigError(f"model {config.name!r}: options.max_tokens_param must be one of "
                              f"{', '.join(_TOKEN_PARAMS)}")
        # Flipped to False the first time the server refuses stream_options, so later
        # calls do not pay for the refused attempt again.
        self._send_stream_options = True
        self._client = client or openai.AsyncOpenAI(
            api_key=resolve_api_key(config, "OPENAI_API_KEY", _OPENAI_HOST),
            base_url=config.base_url or "https://api.openai.com/v1",
            timeout=openai.Timeout(options.request_timeout_s, connect=options.connect_timeout_s),
            max_retries=options.max_retries,
            http_client=sdk_http_client(openai, options),
        )
        if client is None:
            keep_account_ids_at_openai(self._client, config.base_url)

    async def stream(self, request: ChatRequest) -> AsyncGenerator[StreamEvent, None]:
        watch = Stopwatch()
        response = await self._open(request)
        finish_reason: str | None = None
        input_tokens = output_tokens = None
        async with reading_stream(response, self._who, openai.OpenAIError, translate_error):
            done = False
            async for event in sse.events(response.aiter_bytes()):
                # After [DONE] the body is read to its end, not dropped, so the connection
                # goes back to the pool instead of a new (TLS) connection per call.
                if done or event.data.startswith("[DONE]"):
                    done = True
                    continue
                chunk = sse.loads(event.data)
                if not isinstance(chunk, dict):
                    raise ValueError(f"a chunk that is not an object: {event.data[:80]!r}")
                if event.event == "error" or chunk.get("error"):
                    raise _stream_error(chunk.get("error"), self._who)
                text, finish, usage = _read_chunk(chunk)
                finish_reason = finish or finish_reason
                if usage is not None:
                    input_tokens, output_tokens = usage
                if text:
                    watch.token()
                    yield Delta(text)
        if finish_reason is None:
            raise ProviderCut(f"{self._who}: the stream ended without a finish reason "
                              "(cut off upstream)")
        yield watch.finished(_FINISH_REASONS.get(finish_reason, "stop"), input_tokens,
                             output_tokens)

    async def aclose(self) -> None:
        await self._client.close()

    async def _open(self, request: ChatRequest) -> httpx2.Response:
        """Start the call; retry once per known incompatibility the server reports.

        ``client.post`` is the SDK's own way to send a body as is (its retries, timeouts,
        headers and error classes all apply): ``chat.completions.create`` would first run
        the body through the SDK's typed-parameter transform (0.8 ms a call, measured),
        and its stream would build a pydantic object per chunk. The body is read raw
        (``arena.providers.sse``)."""
        token_param = self._token_param
        switched_tokens = False
        while True:
            kwargs = self._arguments(request, token_param)
            try:
                return await self._client.post("/chat/completions", cast_to=httpx2.Response,
                                               body=kwargs, stream=True)
            except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
                # 400 from most servers, 422 from FastAPI-based ones, for an unknown field.
                detail = _error_text(exc)
                if "stream_options" in kwargs and "stream_options" in detail:
                    log.info("%s refuses stream_options; streaming without usage", self._who)
                    self._send_stream_options = False
                    continue
                other = _TOKEN_PARAMS[1 - _TOKEN_PARAMS.index(token_param)]
                if not switched_tokens and other in detail and token_param in detail:
                    log.info("%s wants %s instead of %s", self._who, other, token_param)
                    token_param = self._token_param = other
                    switched_tokens = True
                    continue
                raise translate_error(exc, self._who) from exc
            except openai.OpenAIError as exc:
                raise translate_error(exc, self._who) from exc

    def _arguments(self, request: ChatRequest, token_param: str) -> dict[str, Any]:
        params = call_params(request, self._config, self._options)
        messages: list[dict[str, str]] = []
        if params.system_prompt:
            messages.append({"role": "system", "content": params.system_prompt})
        messages.extend({"role": m.role, "content": m.content} for m in request.messages)
        kwargs: dict[str, Any] = {
            "model": self._config.upstream_model,
            "messages": messages,
            "stream": True,
            token_param: params.max_tokens,
        }
        if params.temperature is not None:
            kwargs["temperature"] = params.temperature
        if self._send_stream_options:
            kwargs["stream_options"] = {"include_usage": True}
        return kwargs


def _read_chunk(chunk: dict[str, Any]) -> tuple[str | None, str | None,
                                               tuple[int | None, int | None] | None]:
    """Text, finish reason and (input, output) tokens of one chunk, first choice only.

    ``.get`` throughout: half-compatible servers leave out fields, or send them as null.
    """
    usage = chunk.get("usage")
    tokens = (usage.get("prompt_tokens"), usage.get("completion_tokens")) \
        if isinstance(usage, dict) else None
    for choice in chunk.get("choices") or ():
        if choice.get("index", 0) == 0:
            content = (choice.get("delta") or {}).get("content")
            return content, choice.get("finish_reason"), tokens
    return None, None, tokens


def _stream_error(error: object, who: str) -> ProviderError:
    """An error sent inside a stream that had already answered 200."""
    body = error if isinstance(error, dict) else {"message": str(error)}
    kind = f"{body.get('type') or ''} {body.get('code') or ''}"
    message = str(body.get("message") or "no message")[:500]
    if "rate_limit" in kind or "insufficient_quota" in kind:
        return ProviderRateLimited(f"{who}: rate limited, in the stream: {message}")
    return ProviderUnavailable(f"{who}: error in the stream ({kind.strip() or 'unknown'}): "
                               f"{message}")


def translate_error(exc: BaseException, who: str) -> ProviderError:
    """The arena error for an ``openai`` SDK error. The message is for the log only."""
    return translate_sdk_error(openai, exc, who, _error_text(exc))


def _error_text(exc: BaseException) -> str:
    """The upstream's own words, cut short: enough for the log, never for a voter."""
    body = getattr(exc, "body", None)
    message = str((body.get("message") if isinstance(body, dict) else None) or exc)
    cause = exc.__cause__
    return (f"{message} ({cause!r})" if cause else message)[:500]


def keep_account_ids_at_openai(client: openai.AsyncOpenAI, base_url: str | None) -> None:
    """The SDK reads OPENAI_ORG_ID and OPENAI_PROJECT_ID from the environment and sends
    them with every request, to whatever ``base_url``: they are for OpenAI only."""
    if not served_by(base_url, _OPENAI_HOST):
        client.organization = None
        client.project = None


def _default_token_param(config: ModelConfig) -> str:
    return "max_completion_tokens" if served_by(config.base_url, _OPENAI_HOST) else "max_tokens"
