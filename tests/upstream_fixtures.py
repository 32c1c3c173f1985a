"""Pytest fixtures for tests that talk to a fake model upstream over real HTTP.

Loaded by ``tests/conftest.py`` (``pytest_plugins``). ``upstream`` is a running
``FakeUpstream`` on the test's own event loop; ``upstream_model("openai", ...)`` is a
roster entry pointed at it; ``upstream_provider(...)`` builds the provider through the
registry and closes it after the test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest

from arena.providers import Provider, ProviderOptions, create_provider
from arena.settings import ModelConfig
from arena.testing.upstream import FakeUpstream

# Short timeouts keep failure tests fast; no retries, as in production settings.
FAST_OPTIONS = ProviderOptions(request_timeout_s=2.0, connect_timeout_s=1.0, max_retries=0,
                               default_max_tokens=512)

ModelFactory = Callable[..., ModelConfig]
ProviderFactory = Callable[..., Awaitable[Provider]]


@pytest.fixture
async def upstream() -> AsyncIterator[FakeUpstream]:
    async with FakeUpstream() as up:
        yield up


@pytest.fixture
def threaded_upstream() -> Iterator[FakeUpstream]:
    """The same server on a thread of its own, for sync code and other event loops."""
    with FakeUpstream() as up:
        yield up


@pytest.fixture(params=["aiohttp", "httpx"])
def upstream_options(request: pytest.FixtureRequest) -> ProviderOptions:
    """Every provider test runs on both HTTP clients the SDKs can use."""
    return replace(FAST_OPTIONS, transport=request.param)


@pytest.fixture
def upstream_model(upstream: FakeUpstream) -> ModelFactory:
    """``upstream_model("openai" | "anthropic", **fields)`` → a roster entry for the fake."""

    def make(provider: str, **fields: Any) -> ModelConfig:
        base_url = upstream.openai_base_url if provider == "openai" else upstream.base_url
        values: dict[str, Any] = {"name": f"{provider}-test", "provider": provider,
                                  "model": "concise", "base_url": base_url}
        return ModelConfig(**{**values, **fields})

    return make


@pytest.fixture
async def upstream_provider(upstream_model: ModelFactory, upstream_options: ProviderOptions
                            ) -> AsyncIterator[ProviderFactory]:
    """``await upstream_provider("openai", provider_options=..., **model_fields)``; each
    provider built is closed at teardown."""
    made: list[Provider] = []

    async def make(provider: str, *, provider_options: ProviderOptions | None = None,
                   **fields: Any) -> Provider:
        config = upstream_model(provider, **fields)
        built = create_provider(config, provider_options or upstream_options)
        made.append(built)
        return built

    yield make
    for built in made:
        await built.aclose()
