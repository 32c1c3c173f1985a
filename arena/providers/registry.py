"""Provider adapters by name: how a roster entry's ``provider = "..."`` becomes an object.

A factory takes the roster entry and the settings' ``ProviderOptions`` and returns a
``Provider``; it may raise ``ConfigError`` (a missing key, an unknown option), which the
app reports at start-up. The built-in adapters register through ``register`` exactly as
a third-party one would; they are added the first time the registry is consulted, and
their SDKs are imported only when a model that uses them is created.
"""

from __future__ import annotations

from collections.abc import Callable

from arena.errors import ConfigError
from arena.providers.base import Provider, ProviderOptions
from arena.settings import ModelConfig

ProviderFactory = Callable[[ModelConfig, ProviderOptions], Provider]

_factories: dict[str, ProviderFactory] = {}
_builtins_registered = False


def register(name: str, factory: ProviderFactory, *, replace: bool = False) -> None:
    """Make ``provider = name`` in a roster build its model with ``factory``.

    Registering a name twice is a mistake unless ``replace`` says it is meant (a plugin
    that swaps out a built-in adapter, a test that injects a fake).
    """
    if not name or name != name.strip():
        raise ValueError(f"provider name {name!r} must be a non-empty word")
    if not callable(factory):
        raise TypeError(f"the factory for provider {name!r} must be callable")
    _ensure_builtins()
    if name in _factories and not replace:
        raise ValueError(f"provider {name!r} is already registered; pass replace=True to swap it")
    _factories[name] = factory


def unregister(name: str) -> None:
    """Forget a provider (for tests that registered a temporary one)."""
    _factories.pop(name, None)


def known_providers() -> frozenset[str]:
    _ensure_builtins()
    return frozenset(_factories)


def create_provider(config: ModelConfig, options: ProviderOptions) -> Provider:
    """Build the provider for one roster entry, or raise ``ConfigError`` saying why not."""
    _ensure_builtins()
    factory = _factories.get(config.provider)
    if factory is None:
        raise ConfigError(f"model {config.name!r}: unknown provider {config.provider!r}; "
                          f"use one of {', '.join(sorted(_factories))}")
    return factory(config, options)


def register_builtins() -> None:
    """Register "openai", "anthropic" and "fake". Idempotent; keeps replacements."""
    global _builtins_registered
    if _builtins_registered:
        return
    _builtins_registered = True
    for name, factory in (("openai", _openai), ("anthropic", _anthropic), ("fake", _fake)):
        _factories.setdefault(name, factory)


def _ensure_builtins() -> None:
    if not _builtins_registered:
        register_builtins()


# The factories import their module on first use: the SDKs take a noticeable share of
# start-up time, and a roster of fake models should not pay for them.


def _openai(config: ModelConfig, options: ProviderOptions) -> Provider:
    from arena.providers.openai import OpenAIProvider

    return OpenAIProvider(config, options)


def _anthropic(config: ModelConfig, options: ProviderOptions) -> Provider:
    from arena.providers.anthropic import AnthropicProvider

    return AnthropicProvider(config, options)


def _fake(config: ModelConfig, options: ProviderOptions) -> Provider:
    from arena.providers.fake import FakeProvider

    return FakeProvider(config, options)
