"""Small helpers the provider adapters share: keys, request parameters and timing.

Nothing here imports an SDK, so the fake provider and the registry stay cheap to import.
"""

from __future__ import annotations

import contextlib
import os
import socket
import ssl
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from arena.errors import (
    ConfigError,
    ProviderAuthError,
    ProviderBadRequest,
    ProviderCut,
    ProviderError,
    ProviderRateLimited,
    ProviderTimeout,
    ProviderUnavailable,
)
from arena.providers.base import ChatRequest, Finished, ProviderOptions
from arena.settings import ModelConfig
from arena.types import FinishReason

# Sent to local servers (Ollama, llama.cpp, vLLM on localhost) that ignore keys: the SDKs
# refuse to start without one, and asking an operator to invent a key is pointless.
LOCAL_PLACEHOLDER_KEY = "sk-local-no-key"

_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})


def url_host(base_url: str | None) -> str:
    return (urlsplit(base_url).hostname or "").lower() if base_url else ""


def is_local_url(base_url: str | None) -> bool:
    """True when ``base_url`` points at this machine."""
    host = url_host(base_url)
    return host in _LOOPBACK_HOSTS or host.endswith(".localhost") or host.startswith("127.")


def served_by(base_url: str | None, vendor_host: str) -> bool:
    """True when ``base_url`` is the vendor's own API (no ``base_url``: the SDK's default)."""
    return not base_url or url_host(base_url) == vendor_host


def resolve_api_key(config: ModelConfig, default_env: str, vendor_host: str,
                    environ: Mapping[str, str] | None = None) -> str:
    """The key for ``config``: from ``api_key_env``; else from ``default_env`` (the
    vendor's own variable, e.g. ``OPENAI_API_KEY``) when the model is served by the
    vendor's host; else a placeholder for a server on this machine; else a ConfigError
    that says how to fix it.

    A vendor's key is never sent to another host by default: a roster entry pointing the
    openai adapter at DeepSeek or OpenRouter without ``api_key_env`` would otherwise hand
    them the OpenAI key."""
    env = os.environ if environ is None else environ
    env_name = config.api_key_env or (
        default_env if served_by(config.base_url, vendor_host) else None)
    key = env.get(env_name, "").strip() if env_name else ""
    if key:
        return key
    if is_local_url(config.base_url):
        return LOCAL_PLACEHOLDER_KEY
    if env_name is None:
        raise ConfigError(f"model {config.name!r} is served by {url_host(config.base_url)}: "
                          f"name the variable that holds its key with api_key_env "
                          f"({default_env} is sent only to {vendor_host})")
    raise ConfigError(f"model {config.name!r} needs {env_name} — set it, point api_key_env at "
                      "the variable that holds its key, or remove the model from the roster")


@dataclass(frozen=True, slots=True)
class CallParams:
    """What one upstream call asks for, after the request and the roster entry are merged."""

    max_tokens: int
    system_prompt: str | None
    temperature: float | None


def call_params(request: ChatRequest, config: ModelConfig, options: ProviderOptions) -> CallParams:
    """Values in the request win; the roster entry and then the settings fill the gaps.
    The one place these defaults are merged: the battle service sends only the history."""
    max_tokens = request.max_tokens or config.max_tokens or options.default_max_tokens
    system = request.system_prompt if request.system_prompt is not None else config.system_prompt
    temperature = request.temperature if request.temperature is not None else config.temperature
    return CallParams(max_tokens=max_tokens, system_prompt=system or None, temperature=temperature)


@dataclass(slots=True)
class Stopwatch:
    """Measures time to first token and total time with ``time.perf_counter``."""

    started: float = field(default_factory=time.perf_counter)
    first_token_at: float | None = None

    def token(self) -> None:
        if self.first_token_at is None:
            self.first_token_at = time.perf_counter()

    def finished(self, finish_reason: FinishReason, input_tokens: int | None,
                 output_tokens: int | None) -> Finished:
        ttft = None if self.first_token_at is None else self.first_token_at - self.started
        return Finished(finish_reason=finish_reason, input_tokens=input_tokens,
                        output_tokens=output_tokens, ttft_s=ttft,
                        total_s=time.perf_counter() - self.started)


def sdk_http_client(sdk: ModuleType, options: ProviderOptions) -> Any:
    """The HTTP client for an SDK: its own ``DefaultAioHttpClient`` (aiohttp under the
    SDK's httpx2 interface: half the CPU per streamed chunk, measured in
    ``benchmarks/providers.py``), or None for the SDK's httpx2 default."""
    if options.transport == "aiohttp":
        return sdk.DefaultAioHttpClient()
    if options.transport != "httpx":
        raise ConfigError(f"unknown upstream transport {options.transport!r}; "
                          "use aiohttp or httpx")
    return None


def describe(config: ModelConfig) -> str:
    """How a model is named in log messages (never shown to a voter)."""
    return f"model {config.name!r} ({config.provider}:{config.upstream_model})"


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and what caused it, nearest first (bounded: chains can be long or loop)."""
    out: list[BaseException] = []
    link: BaseException | None = exc
    while link is not None and len(out) < 12:
        out.append(link)
        link = link.__cause__ or link.__context__
    return out


def _miscalled_timeout(exc: BaseException) -> bool:
    """True when a "timeout" is really a failed connection. The aiohttp shim vendored in
    the openai SDK maps every ``aiohttp.ClientConnectionError`` (a refused connection, a
    server that hung up) to ``httpx2.ConnectTimeout``; anthropic's copy maps them right.
    The original aiohttp exception is kept in the chain, so it decides."""
    for link in _chain(exc):
        if type(link).__module__.startswith("aiohttp."):
            return not isinstance(link, TimeoutError)
    return False


# What the two HTTP clients raise when a server ends a body before its end: aiohttp's
# "Response payload is not completed", httpx's (h11's) "peer closed connection without
# sending complete message body". Matched by name: the fake provider imports neither.
_CUT_ERRORS = frozenset({"ClientPayloadError", "RemoteProtocolError"})


def cut_mid_stream(exc: BaseException) -> bool:
    """True when ``exc`` says the server ended the streamed body early."""
    return any(type(e).__name__ in _CUT_ERRORS for e in _chain(exc))


CUT_HINT = ("a server with one slot cuts the running answer when a second request arrives: "
            "give it parallel slots (llama-server --parallel N, OLLAMA_NUM_PARALLEL) or set "
            "max_concurrency on the roster entries that share it")


def connection_cause(exc: BaseException) -> str:
    """Why a connection failed, in plain words an operator acts on: refused (nothing
    listens there), a name that does not resolve, a TLS failure, or no answer in time."""
    chain = _chain(exc)
    text = " ".join(str(e) for e in chain)
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or \
            "Connect call failed" in text or "Connection refused" in text:
        return "connection refused: nothing is listening there (is the server running, " \
               "on that port?)"
    if any(isinstance(e, socket.gaierror) for e in chain) or "Name or service not known" in \
            text or "nodename nor servname" in text or "Temporary failure in name" in text:
        return "the host name does not resolve (check base_url, or the network)"
    if any(isinstance(e, ssl.SSLError) for e in chain) or "SSL" in text:
        return "the TLS handshake failed (http:// versus https://, or a certificate problem)"
    if any(isinstance(e, TimeoutError) for e in chain) or "timed out" in text.lower():
        return "no answer in time (a firewall, a wrong address, or a server too busy)"
    return "the connection failed"


def translate_sdk_error(sdk: ModuleType, exc: BaseException, who: str,
                        detail: str) -> ProviderError:
    """The arena error for an exception of either official SDK (they are generated from
    one template, so ``openai.RateLimitError`` and ``anthropic.RateLimitError`` mean the
    same); any other is ``ProviderUnavailable``. The message is for the log only."""
    status = getattr(exc, "status_code", None)
    where = f"{who}: " + (f"HTTP {status}: " if status else "")
    if isinstance(exc, sdk.APITimeoutError) and not _miscalled_timeout(exc):
        return ProviderTimeout(f"{where}timed out: no answer in time ({detail})")
    if isinstance(exc, sdk.APIConnectionError):
        return ProviderUnavailable(f"{where}{connection_cause(exc)} [{detail}]")
    if isinstance(exc, sdk.AuthenticationError | sdk.PermissionDeniedError):
        return ProviderAuthError(f"{where}the key was refused: {detail}")
    if isinstance(exc, sdk.RateLimitError):
        return ProviderRateLimited(f"{where}rate limited: {detail}")
    if isinstance(exc, sdk.BadRequestError | sdk.UnprocessableEntityError | sdk.NotFoundError):
        return ProviderBadRequest(f"{where}request refused: {detail}")
    return ProviderUnavailable(f"{where}upstream error: {detail}")


@contextlib.asynccontextmanager
async def reading_stream(response: Any, who: str, sdk_error: type[Exception],
                         translate: Callable[[BaseException, str], ProviderError]
                         ) -> AsyncIterator[None]:
    """Around the loop that reads a streamed body: whatever goes wrong leaves as an arena
    ``ProviderError``, and the response (and its socket) is closed on every way out —
    normal end, error, the consumer closing the generator, cancellation."""
    try:
        yield
    except ProviderError:
        raise
    except sdk_error as exc:
        raise translate(exc, who) from exc
    except Exception as exc:  # transport errors mid-body, or a malformed event
        import httpx2  # the SDKs' transport; imported here so the fake provider needs none

        if isinstance(exc, httpx2.TimeoutException) and not _miscalled_timeout(exc):
            raise ProviderTimeout(f"{who}: timed out mid-stream: {exc!r}") from exc
        if cut_mid_stream(exc):
            raise ProviderCut(f"{who}: the server cut the answer off: {exc!r} ({CUT_HINT})"
                              ) from exc
        raise ProviderUnavailable(f"{who}: the stream broke or could not be read: "
                                  f"{exc!r}") from exc
    finally:
        await response.aclose()
