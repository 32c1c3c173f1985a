"""Operators' live controls of the roster (``model_controls``, set in the console): a
model paused or retired is out of new battles, and a model's weight, token limit,
temperature and system prompt can be changed — on every worker within
``ARENA_ROSTER_REFRESH_S`` (each reads the small table on that period; the worker that
made the change, at once), without a restart. Running battles finish as they began; the
model keeps its board and history. The roster file still defines and seeds the models;
a control overrides some of an entry's values until it is reset.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from arena.periodic import Periodic
from arena.providers.base import ChatRequest
from arena.settings import Roster
from arena.store import Store
from arena.store.admin import ModelControl

log = logging.getLogger("arena.battles.controls")


class ModelControls:
    def __init__(self, store: Store, roster: Roster, interval_s: float,
                 on_weights: Callable[[Mapping[str, float]], None] | None = None) -> None:
        self.store = store
        self.roster = roster
        self.on_weights = on_weights
        self.controls: dict[str, ModelControl] = {}
        self.interval_s = interval_s
        self._loop = Periodic(interval_s, self.refresh, "model controls refresh")

    async def refresh(self) -> None:
        controls = await self.store.model_controls()
        if controls == self.controls:
            return
        old = self.weights()
        self.controls = controls
        log.info("model controls: %s", ", ".join(
            f"{m} {c.as_dict()}" for m, c in sorted(controls.items())) or "none")
        if self.on_weights is not None and self.weights() != old:
            self.on_weights(self.weights())

    def out(self) -> set[str]:
        """The models an operator took out of new battles."""
        return {m for m, c in self.controls.items() if c.state in ("paused", "retired")}

    def weights(self) -> dict[str, float]:
        """The roster's weights with the operators' overrides."""
        out = {}
        for m in self.roster.models:
            c = self.controls.get(m.name)
            out[m.name] = c.weight if c is not None and c.weight is not None else m.weight
        return out

    def request(self, model: str, request: ChatRequest) -> ChatRequest:
        """``request`` with the operators' token limit, temperature and system prompt for
        ``model`` (the provider fills what stays unset from the roster entry)."""
        c = self.controls.get(model)
        if c is None:
            return request
        return ChatRequest(
            messages=request.messages,
            max_tokens=request.max_tokens if c.max_tokens is None else c.max_tokens,
            system_prompt=(request.system_prompt if c.system_prompt is None
                           else c.system_prompt),
            temperature=request.temperature if c.temperature is None else c.temperature)

    async def start(self) -> None:
        await self.refresh()
        if self.interval_s > 0:
            self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()
