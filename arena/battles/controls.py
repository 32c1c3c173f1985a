"""Operators' live controls of the roster: a model paused or retired in the console
(``model_controls``) is out of new battles on every worker within
``ARENA_ROSTER_REFRESH_S`` — each worker reads the small table on that period, and the
worker that made the change at once — without a restart. Running battles finish; the
model keeps its board and its history. The roster file stays what seeds and defines the
models; a control only takes one out of the draw, or gives it back.
"""

from __future__ import annotations

import logging

from arena.periodic import Periodic
from arena.store import Store

log = logging.getLogger("arena.battles.controls")


class ModelControls:
    def __init__(self, store: Store, interval_s: float) -> None:
        self.store = store
        self.states: dict[str, tuple[str, str | None]] = {}  # model → (state, note)
        self._loop = Periodic(interval_s, self.refresh, "model controls refresh")
        self.interval_s = interval_s

    async def refresh(self) -> None:
        states = await self.store.model_controls()
        if states != self.states:
            log.info("model controls: %s", ", ".join(f"{m} {s}" for m, (s, _) in
                                                     sorted(states.items())) or "none")
        self.states = states

    def out(self) -> set[str]:
        """The models an operator took out of new battles."""
        return set(self.states)

    async def start(self) -> None:
        await self.refresh()
        if self.interval_s > 0:
            self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()
