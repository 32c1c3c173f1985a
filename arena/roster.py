"""The configured roster and its providers, without the web app: ``arena models check``
and ``arena serve``'s start-up checks import this, not FastAPI and the store."""

from __future__ import annotations

from arena.demo import demo_roster
from arena.providers.base import Provider, ProviderOptions
from arena.providers.registry import create_provider, known_providers
from arena.settings import Roster, Settings, load_roster


def load_configured_roster(settings: Settings) -> Roster:
    if settings.models is None:
        return demo_roster()
    return load_roster(settings.models, known_providers=known_providers())


def build_providers(roster: Roster, settings: Settings) -> dict[str, Provider]:
    options = ProviderOptions(request_timeout_s=settings.request_timeout_s,
                              connect_timeout_s=settings.connect_timeout_s,
                              max_retries=settings.max_retries,
                              default_max_tokens=settings.max_tokens,
                              transport=settings.upstream_transport,
                              extra={"demo_delay_s": settings.demo_delay_s})
    return {m.name: create_provider(m, options) for m in roster.models}
