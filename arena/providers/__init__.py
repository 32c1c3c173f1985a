"""Model providers behind one small async streaming interface.

``create_provider(config, options)`` turns a roster entry into a ``Provider`` whose
``stream(request)`` yields ``Delta`` events and then one ``Finished``, and raises only
the arena's ``ProviderError`` subclasses. Adapters: "openai" (also every
OpenAI-compatible server), "anthropic", and "fake" (scripted, for tests and the demo).
Importing this package imports no SDK.
"""

from __future__ import annotations

from arena.providers.base import (
    ChatRequest,
    Delta,
    Finished,
    Message,
    Provider,
    ProviderOptions,
    StreamEvent,
)
from arena.providers.registry import (
    ProviderFactory,
    create_provider,
    known_providers,
    register,
    register_builtins,
    unregister,
)

__all__ = [
    "ChatRequest",
    "Delta",
    "Finished",
    "Message",
    "Provider",
    "ProviderFactory",
    "ProviderOptions",
    "StreamEvent",
    "create_provider",
    "known_providers",
    "register",
    "register_builtins",
    "unregister",
]
