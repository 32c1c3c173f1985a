"""The optional moderation hook: a prompt it refuses never reaches the models.

``ARENA_MODERATION=openai`` sends each prompt to OpenAI's moderation endpoint (or any
server speaking it, via ``ARENA_MODERATION_BASE_URL``) through the official SDK. When the
moderation service cannot be reached the prompt is refused too (fail closed): an arena
that promised moderation must not silently stop moderating.
"""

from __future__ import annotations

import logging
import os
from typing import Protocol

from arena.errors import BadRequest, ConfigError, Unavailable
from arena.settings import Settings

log = logging.getLogger("arena.moderation")


class Moderator(Protocol):
    async def check(self, text: str) -> None:
        """Raise ``BadRequest(code="prompt_refused")`` for a prompt that must not be sent."""

    async def aclose(self) -> None: ...


class OpenAIModerator:
    def __init__(self, settings: Settings) -> None:
        import openai

        from arena.providers.openai import keep_account_ids_at_openai

        key = os.environ.get(settings.moderation_api_key_env)
        if not key:
            raise ConfigError(f"ARENA_MODERATION=openai needs {settings.moderation_api_key_env}"
                              " — set it, or set ARENA_MODERATION=off")
        self.model = settings.moderation_model
        self.client = openai.AsyncOpenAI(api_key=key, base_url=settings.moderation_base_url,
                                         timeout=settings.request_timeout_s,
                                         max_retries=settings.max_retries)
        keep_account_ids_at_openai(self.client, settings.moderation_base_url)

    async def check(self, text: str) -> None:
        import openai

        try:
            res = await self.client.moderations.create(model=self.model, input=text)
        except openai.OpenAIError as exc:
            log.warning("moderation call failed: %r", exc)
            raise Unavailable("The prompt could not be checked right now; try again shortly",
                              code="moderation_unavailable") from None
        if any(r.flagged for r in res.results):
            flagged = sorted({name for r in res.results
                              for name, hit in r.categories.model_dump().items() if hit})
            raise BadRequest("This prompt was refused by the arena's content policy"
                             + (f" ({', '.join(flagged)})" if flagged else ""),
                             code="prompt_refused")

    async def aclose(self) -> None:
        await self.client.close()


def build_moderator(settings: Settings) -> Moderator | None:
    if settings.moderation == "openai":
        return OpenAIModerator(settings)
    return None
