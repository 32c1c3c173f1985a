"""The configured roster and its providers, without the web app: ``arena models check``
and ``arena serve``'s start-up checks import this, not FastAPI and the store."""

from __future__ import annotations

from arena.demo import demo_roster
from arena.providers.base import Provider, ProviderOptions
from arena.providers.registry import create_provider, known_providers
from arena.settings import ModelConfig, Roster, Settings, load_roster


def load_configured_roster(settings: Settings) -> Roster:
    if settings.models is None:
        return demo_roster()
    return load_roster(settings.models, known_providers=known_providers())


def public_names(settings: Settings) -> dict[str, str]:
    """The configured roster's veiled models → their codenames (``Roster.veiled``), for
    the commands that publish names without serving (``arena export``, ``history
    snapshot``): the roster's API keys need not be set."""
    if settings.models is None:
        return {}
    return load_roster(settings.models, check_keys=False).veiled


def lifted_names(settings: Settings) -> dict[str, str]:
    """The configured roster's unveiled codenames → the models' names (``Roster.unveiled``),
    for ``arena history show``."""
    if settings.models is None:
        return {}
    return load_roster(settings.models, check_keys=False).unveiled


def build_providers(roster: Roster, settings: Settings) -> dict[str, Provider]:
    options = ProviderOptions(request_timeout_s=settings.request_timeout_s,
                              connect_timeout_s=settings.connect_timeout_s,
                              max_retries=settings.max_retries,
                              default_max_tokens=settings.max_tokens,
                              transport=settings.upstream_transport,
                              extra={"demo_delay_s": settings.demo_delay_s})
    return {m.name: create_provider(m, options) for m in roster.models}


async def unreachable_servers(roster: Roster, *,
                              timeout_s: float = 2.0) -> list[tuple[ModelConfig, str]]:
    """Models whose own ``base_url`` does not accept a connection right now, with why in
    plain words. Only a TCP connection is opened (no request, nothing billed); a hosted
    vendor's default endpoint is not checked. For a warning at start-up: a server may well
    come up after the arena, and health pauses a model that stays down."""
    import asyncio
    from urllib.parse import urlsplit

    from arena.providers._common import connection_cause

    targets: dict[tuple[str, int], list[ModelConfig]] = {}
    for m in roster.models:
        if not m.base_url:
            continue
        parts = urlsplit(m.base_url)
        if not parts.hostname:
            continue
        port = parts.port or (443 if parts.scheme == "https" else 80)
        targets.setdefault((parts.hostname, port), []).append(m)

    async def probe(host: str, port: int) -> str | None:
        try:
            async with asyncio.timeout(timeout_s):
                _reader, writer = await asyncio.open_connection(host, port)
        except (OSError, TimeoutError) as exc:
            return connection_cause(exc)
        writer.close()
        return None

    found = await asyncio.gather(*(probe(h, p) for h, p in targets))
    return [(m, why) for models, why in zip(targets.values(), found, strict=True)
            if why is not None for m in models]
