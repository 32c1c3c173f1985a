"""The one small async streaming interface every model provider implements.

A provider's ``stream(request)`` is an async generator that yields zero or more
``Delta`` (text, in order) and then exactly one ``Finished``. It raises only the arena's
own ``ProviderError`` subclasses (``arena.errors``); closing the generator (``aclose()``,
or cancelling the task that iterates it) cancels the upstream call.

Adapters are registered by name in ``arena.providers.registry`` — the built-in ones
exactly as a third-party one would be.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

from arena.types import FinishReason

Role = Literal["user", "assistant"]


@dataclass(frozen=True, slots=True)
class Message:
    role: Role
    content: str


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """What one side of a turn sends upstream: its own history, ending with the user.
    Unset values are filled by the provider from its roster entry, then the settings
    (``arena.providers._common.call_params``, the one place for those defaults)."""

    messages: tuple[Message, ...]
    max_tokens: int | None = None
    system_prompt: str | None = None
    temperature: float | None = None


# The tiny request that asks whether a model answers at all: `arena models check` and the
# health probe of a paused model (``arena.battles.health``).
PROBE = ChatRequest(messages=(Message("user", "Say OK."),), max_tokens=8)


@dataclass(frozen=True, slots=True)
class Delta:
    text: str


@dataclass(frozen=True, slots=True)
class Finished:
    # Mapped from the vendor's own values in its adapter, once.
    finish_reason: FinishReason = "stop"
    input_tokens: int | None = None
    output_tokens: int | None = None
    # Seconds from the call to the first non-empty delta, and to the end of the stream.
    ttft_s: float | None = None
    total_s: float = 0.0


StreamEvent = Delta | Finished


@dataclass(frozen=True, slots=True)
class ProviderOptions:
    """Knobs that come from settings, not from the roster: explicit, because the SDKs
    silently retry twice and wait ten minutes by default."""

    request_timeout_s: float = 60.0
    connect_timeout_s: float = 10.0
    max_retries: int = 0
    default_max_tokens: int = 1024
    # The SDKs' HTTP client: "aiohttp" (their DefaultAioHttpClient) or "httpx" (theirs).
    transport: str = "aiohttp"
    extra: dict[str, object] = field(default_factory=dict)


@runtime_checkable
class Provider(Protocol):
    def stream(self, request: ChatRequest) -> AsyncGenerator[StreamEvent, None]: ...

    async def aclose(self) -> None: ...
