"""A background job that runs every so often for as long as the app runs: the leaderboard's
refresh, the rigging detection, the board's daily snapshot and the sweep for dead runners'
turns.

A failed run is logged and the next one tries again (the database may be away for a
moment); the job's last good state stays in use meanwhile. ``stop`` cancels the loop and
waits for it, so nothing runs after the app has shut down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("arena")


class Periodic:
    """``Periodic(every_s, run, "what it does")``; ``start()`` once, ``await stop()``."""

    def __init__(self, every_s: float, run: Callable[[], Awaitable[object]], what: str, *,
                 first_at_once: bool = False) -> None:
        self.every_s = every_s
        self.run = run
        self.what = what
        self.first_at_once = first_at_once  # run once as soon as started, then every_s
        self._task: asyncio.Task[None] | None = None
        self.ran = asyncio.Event()  # set once the first run has ended, well or not

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name=self.what)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        wait = 0.0 if self.first_at_once else self.every_s
        while True:
            await asyncio.sleep(wait)
            wait = self.every_s
            try:
                await self.run()
            except Exception:
                log.exception("%s failed; trying again in %.3g s", self.what, self.every_s)
            finally:
                self.ran.set()
