"""How many requests at once a model's server is sent: the roster's ``max_concurrency``.

Some local servers answer one request at a time and do it badly: llama-cpp-python's
OpenAI-compatible server cuts the running stream when a second request arrives. Two
roster entries on one such server (two models, or one model twice) would then lose one
side of every battle. ``max_concurrency = 1`` on them makes the second request wait for
the first to end instead.

The limit belongs to the server, so it is counted per upstream ``base_url`` (compared
without a trailing slash, host in lower case; entries without one share their provider's
default address): every model on that server shares ONE slot count, the smallest
``max_concurrency`` given among them, including the models there that give none. A
server no entry limits is not limited.

The count is per worker process (an ``asyncio.Semaphore``): with several workers a
server is sent up to workers × the limit at once, so run one worker in front of a server
with one slot, or give the server more slots (README, "Several models on one local
server").
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from urllib.parse import urlsplit

from arena.settings import ModelConfig


def upstream_key(config: ModelConfig) -> str:
    """Which server a model's requests go to."""
    if not config.base_url:
        return f"{config.provider}:default"
    parts = urlsplit(config.base_url.strip())
    path = parts.path.rstrip("/")
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{path}"


class Slots:
    """The slots of every limited server of a roster, looked up by model name."""

    def __init__(self, models: Iterable[ModelConfig]) -> None:
        models = list(models)
        limits: dict[str, int] = {}
        for m in models:
            if m.max_concurrency is not None:
                key = upstream_key(m)
                limits[key] = min(limits.get(key, m.max_concurrency), m.max_concurrency)
        self.limits = limits
        semaphores = {key: asyncio.Semaphore(n) for key, n in limits.items()}
        self._by_model = {m.name: semaphores[upstream_key(m)] for m in models
                          if upstream_key(m) in semaphores}

    def for_model(self, name: str) -> asyncio.Semaphore | None:
        """The slots ``name``'s requests take, or None when its server is not limited."""
        return self._by_model.get(name)
