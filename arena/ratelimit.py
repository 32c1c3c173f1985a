"""Rate limits per voter and per IP: in-process by default, Redis across workers.

Both count hits in fixed one-minute windows and weigh the previous window by how much of
it still overlaps the sliding minute (the "sliding window counter"), which is accurate
to a few percent, needs two counters per key and no background cleanup.
"""

from __future__ import annotations

import importlib
import math
import time
from collections.abc import Callable
from typing import Protocol

from arena.errors import ConfigError, TooManyRequests

WINDOW_S = 60.0


class RateLimiter(Protocol):
    async def hit(self, key: str, limit: int) -> float | None:
        """Count one hit; None if allowed, else seconds until one would be."""

    async def aclose(self) -> None: ...


def _estimate(prev: int, cur: int, now: float) -> float:
    elapsed = now % WINDOW_S
    return prev * (1 - elapsed / WINDOW_S) + cur


def _retry_after(now: float) -> float:
    return max(1.0, WINDOW_S - now % WINDOW_S)


class MemoryRateLimiter:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._counts: dict[tuple[str, int], int] = {}

    async def hit(self, key: str, limit: int) -> float | None:
        now = self.clock()
        window = int(now // WINDOW_S)
        prev = self._counts.get((key, window - 1), 0)
        cur = self._counts.get((key, window), 0)
        if _estimate(prev, cur + 1, now) > limit:
            return _retry_after(now)
        self._counts[(key, window)] = cur + 1
        if len(self._counts) > 100_000:  # forget windows that can no longer matter
            self._counts = {k: v for k, v in self._counts.items() if k[1] >= window - 1}
        return None

    async def aclose(self) -> None:
        return None


def require_redis_client() -> None:
    """redis is the ``redis`` extra: a Redis URL without it fails at start-up, naming the
    install that fixes it."""
    try:
        importlib.import_module("redis.asyncio")
    except ImportError:
        raise ConfigError("ARENA_REDIS_URL needs the redis client: pip install 'arena[redis]'"
                          " (or leave ARENA_REDIS_URL empty for in-process limits)") from None


class RedisRateLimiter:
    def __init__(self, url: str) -> None:
        require_redis_client()
        import redis.asyncio as redis

        self.redis = redis.from_url(url)

    async def hit(self, key: str, limit: int) -> float | None:
        now = time.time()
        window = int(now // WINDOW_S)
        cur_key, prev_key = f"arena:rl:{key}:{window}", f"arena:rl:{key}:{window - 1}"
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(cur_key)
            pipe.expire(cur_key, int(WINDOW_S * 2))
            pipe.get(prev_key)
            cur, _, prev = await pipe.execute()
        if _estimate(int(prev or 0), int(cur), now) > limit:
            # Over: take the hit back, so refused requests do not extend the block.
            await self.redis.decr(cur_key)
            return _retry_after(now)
        return None

    async def check(self, url: str) -> None:
        """Reachable at all: ``arena serve`` says so in one line before any worker starts."""
        try:
            await self.redis.ping()
        except Exception as exc:  # redis's ConnectionError, TimeoutError, AuthenticationError
            raise ConfigError(f"Redis at {url} cannot be reached ({exc}); start it, fix "
                              "ARENA_REDIS_URL, or leave it empty for in-process limits"
                              ) from None

    async def aclose(self) -> None:
        await self.redis.aclose()


async def enforce(limiter: RateLimiter, action: str, keys: dict[str, str | None],
                  limits: dict[str, int]) -> None:
    """Check every (kind → key) with its per-minute limit; raise 429 on the first refusal."""
    for kind, key in keys.items():
        limit = limits.get(kind, 0)
        if not key or limit <= 0:
            continue
        wait = await limiter.hit(f"{action}:{kind}:{key}", limit)
        if wait is not None:
            raise TooManyRequests(
                f"Too many {action} from this {kind}; the limit is {limit} a minute — "
                f"try again in {math.ceil(wait)} s", details={"retry_after_s": math.ceil(wait)})
