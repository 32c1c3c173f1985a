"""Which models are answering: a model that keeps failing stops being drawn for a while.

Each model's answers are counted as they end. ``failures`` failures in a row that are the
model's fault (connection refused, timeout, 5xx, a refused key; see ``COUNTED``) pause
it for new battles for ``backoff_s``. When the pause is over, the next draw starts ONE
probe in the background, a tiny real request through the model's own provider ("Say
OK."); the model stays out of the draw until the probe ends. A probe that answers brings
the model back; one that fails pauses it again for twice as long, up to
``backoff_max_s``. Any answer that finishes resets the count (and ends a pause).

Not counted at all: a voter's Stop, a reader who left, a shutdown (the answer is
``incomplete``, cancelled before it ends), a rate limit (the model is busy, not down), a
refused request (the prompt's fault) and ``upstream_cut`` (a server with one slot that
cut an answer for a second request is up: pausing it would not help, ``max_concurrency``
does, and a probe of one request would bring it back at once).

The state is per worker, in memory, on purpose: it is an observation that changes by the
second, every answer would otherwise write to the database, and a worker that has not
seen a model fail yet only pays for ``failures`` more failed answers before it pauses the
model too. Each worker probes on its own (one tiny request each per back-off).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from arena import errors
from arena.errors import ProviderError
from arena.providers.base import PROBE, Finished, Provider
from arena.providers.limits import Slots

log = logging.getLogger("arena.battles")

# The codes that say the model (its server, its key, its network) is not answering.
COUNTED = frozenset({
    errors.ProviderError.code, errors.ProviderUnavailable.code, errors.ProviderTimeout.code,
    errors.ProviderAuthError.code,
})


@dataclass(slots=True)
class _State:
    failures: int = 0  # in a row
    pauses: int = 0  # pauses in a row: the next back-off is backoff_s * 2 ** pauses
    paused_until: float | None = None  # None: in the draw
    cause: str = ""


class ModelHealth:
    """Per-model failure counts, pauses and probes, for one worker."""

    def __init__(self, providers: Mapping[str, Provider], *, failures: int = 3,
                 backoff_s: float = 30.0, backoff_max_s: float = 600.0,
                 probe_timeout_s: float = 30.0, slots: Slots | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 on_pause: Callable[[str, bool], None] | None = None) -> None:
        self.providers = providers
        self.failures = failures  # 0: never pause
        self.backoff_s = backoff_s
        self.backoff_max_s = max(backoff_max_s, backoff_s)
        self.probe_timeout_s = probe_timeout_s
        self.slots = slots  # a probe waits for a free slot like an answer (limits.py)
        self.clock = clock
        self.on_pause = on_pause  # (model, paused): a pause began or ended (the metrics)
        self._state: dict[str, _State] = {m: _State() for m in providers}
        self._probes: dict[str, asyncio.Task[None]] = {}

    def record(self, model: str, error: ProviderError | None) -> None:
        """One answer of ``model`` ended: ``error`` None when it finished."""
        state = self._state.get(model)
        if state is None:
            return
        if error is None:
            self._healthy(model, state, "answered")
            return
        if error.code not in COUNTED or self.failures <= 0 or state.paused_until is not None:
            return  # not the model's fault, or already paused (answers still in flight)
        state.failures += 1
        state.cause = error.message
        if state.failures >= self.failures:
            self._pause(model, state, f"{state.failures} failed answer"
                                      f"{'s' if state.failures != 1 else ''} in a row")

    def paused(self, *, probe: bool = True) -> list[str]:
        """The models out of the draw now. A pause that is over starts its probe (unless
        ``probe`` is false); the model stays out until the probe has answered."""
        now = self.clock()
        out = []
        for model, state in self._state.items():
            if state.paused_until is None:
                continue
            out.append(model)
            if probe and now >= state.paused_until and model not in self._probes:
                task = asyncio.get_running_loop().create_task(self._probe(model))
                self._probes[model] = task
                task.add_done_callback(functools.partial(self._probed, model))
        return out

    def _probed(self, model: str, _task: asyncio.Task[None]) -> None:
        self._probes.pop(model, None)

    def is_paused(self, model: str) -> bool:
        state = self._state.get(model)
        return state is not None and state.paused_until is not None

    async def wait_probes(self) -> None:
        """Return once the probes running now have ended."""
        await asyncio.gather(*self._probes.values(), return_exceptions=True)

    async def aclose(self) -> None:
        for task in self._probes.values():
            task.cancel()
        await self.wait_probes()

    def _pause(self, model: str, state: _State, why: str) -> None:
        seconds = min(self.backoff_s * 2 ** state.pauses, self.backoff_max_s)
        state.pauses += 1
        state.paused_until = self.clock() + seconds
        if self.on_pause is not None:
            self.on_pause(model, True)
        log.warning("model %r paused for new battles for %gs: %s (last error: %s)",
                    model, seconds, why, state.cause)

    def _healthy(self, model: str, state: _State, how: str) -> None:
        was_paused = state.paused_until is not None
        state.failures = state.pauses = 0
        state.paused_until = None
        state.cause = ""
        if was_paused:
            if self.on_pause is not None:
                self.on_pause(model, False)
            log.info("model %r %s again: back in the draw for new battles", model, how)

    async def _probe(self, model: str) -> None:
        state = self._state[model]
        provider = self.providers[model]
        slot = self.slots.for_model(model) if self.slots is not None else None
        try:
            async with slot or contextlib.nullcontext():
                await self._ask(model, provider)
        except ProviderError as exc:
            state.cause = exc.message
        except TimeoutError:
            state.cause = f"{model}: the probe had no answer within {self.probe_timeout_s}s"
        except Exception as exc:  # a provider bug: the model stays paused
            state.cause = f"{model}: the probe failed: {exc!r}"
        else:
            if state.paused_until is not None:
                self._healthy(model, state, "answered the probe")
            return
        if state.paused_until is not None:  # not brought back meanwhile by a real answer
            self._pause(model, state, "the probe failed too")

    async def _ask(self, model: str, provider: Provider) -> None:
        async with asyncio.timeout(self.probe_timeout_s):
            async with contextlib.aclosing(provider.stream(PROBE)) as stream:
                finished = [ev async for ev in stream if isinstance(ev, Finished)]
        if not finished:
            raise errors.ProviderUnavailable(f"{model}: the probe's stream did not end")

