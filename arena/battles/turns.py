"""Running one turn: both sides' upstream calls, their events fanned out, the answers stored.

A ``TurnRun`` owns its task, not the HTTP request that started it: a request only
subscribes to its events. A second subscriber (another tab) joins the same run instead of
starting the models twice; a reader that leaves and comes back within the grace period (a
reload, a phone that lost its connection) rejoins it and is sent everything so far. Only
a run nobody reads for the whole grace period is cancelled, and its own cancellation
handler still records the partial answers as ``incomplete``. It is handed everything it
uses (each side's provider and request, the store, the identity checker, the time
limit), so it never reaches back into the service that made it.

While it runs, it holds a lease on its turn in the database and renews it every third of
the lease, writing both sides' text so far in the same statement; a worker killed
mid-stream stops renewing, and any other worker then settles the turn as ``incomplete``
with that text (``BattleService.sweep_dead_turns``). Every answer it stores is judged by
the identity checker, whatever its status: a voter saw the partial text of a failed or
cut answer too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from dataclasses import dataclass

from arena import errors
from arena.battles.fanout import Event, Fanout
from arena.errors import ProviderError
from arena.identity import IdentityChecker
from arena.ops.metrics import Metrics
from arena.providers.base import ChatRequest, Delta, Finished, Provider
from arena.store import AnswerRecord, Store, TurnView
from arena.types import SIDES, Side, TurnStatus

log = logging.getLogger("arena.battles")


def encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def clean_model_text(text: str) -> str:
    """What an upstream sent, storable on every database: no NUL, no lone surrogate."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    return text if encodable(text) else text.encode("utf-8", "replace").decode("utf-8")


@dataclass(frozen=True, slots=True)
class SideCall:
    """What one side of a turn sends, and to whom."""

    model: str
    provider: Provider
    request: ChatRequest
    # The slots of the model's server (``arena.providers.limits``); None: not limited.
    slot: asyncio.Semaphore | None = None


class TurnRun:
    """Runs one turn for both sides concurrently and fans its events out."""

    def __init__(self, *, battle_id: str, turn: TurnView, calls: Mapping[Side, SideCall],
                 prompts: Sequence[str], store: Store, identity: IdentityChecker,
                 answer_timeout_s: float, flush_s: float, lease_s: float,
                 rejoin_grace_s: float = 0.0,
                 on_answer: Callable[[str, ProviderError | None], None] | None = None,
                 metrics: Metrics | None = None) -> None:
        self.battle_id = battle_id
        self.turn = turn
        self.calls = calls
        self.prompts = list(prompts)  # every prompt of the battle, for the leak check
        self.store = store
        self.identity = identity
        self.answer_timeout_s = answer_timeout_s
        self.lease_s = lease_s
        self.rejoin_grace_s = rejoin_grace_s
        self.on_answer = on_answer  # each answer that ended: the model's health counts it
        self.metrics = metrics  # each answer that ended and each turn's end are counted
        self._orphaned: asyncio.TimerHandle | None = None  # the cancel a rejoin would stop
        self.chunks: dict[Side, list[str]] = {s: [] for s in SIDES}  # each side's text so far
        self.fanout = Fanout(flush_s, on_idle=self._idle)
        self.started_sides: set[str] = set()
        self.finished = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self.sides: dict[Side, asyncio.Task[AnswerRecord]] = {}

    def start(self) -> None:
        """Send both upstream requests. Their events wait in the fan-out until a reader
        subscribes; nothing is written to the store until ``launch``."""
        self.sides = {s: asyncio.create_task(self._side(s)) for s in SIDES}

    async def abandon(self) -> None:
        """Drop a run whose turn another request claimed: stop the upstream calls and
        write nothing, since the turn belongs to that other run."""
        for t in self.sides.values():
            t.cancel()
        await asyncio.gather(*self.sides.values(), return_exceptions=True)

    def launch(self, done: Callable[[], None]) -> None:
        """The turn is ours (claimed): run it to the end in its own task."""
        self.task = asyncio.create_task(self._run())
        self.task.add_done_callback(lambda _t: done())

    def subscribe(self) -> AsyncGenerator[Event, None]:
        if self._orphaned is not None:  # a reader came back in time: the run goes on
            self._orphaned.cancel()
            self._orphaned = None
        return self.fanout.subscribe()

    def _idle(self) -> None:
        """The last reader left. A reload or a dropped phone connection comes back within
        the grace period and rejoins; a run nobody reads for that long is cancelled, to
        stop paying for the upstream calls."""
        if not self.task or self.task.done():
            return
        if self.rejoin_grace_s <= 0:
            self.task.cancel()
        elif self._orphaned is None:
            self._orphaned = asyncio.get_running_loop().call_later(
                self.rejoin_grace_s, self._abandoned)

    async def stop(self) -> None:
        """The voter pressed Stop: cancel now, whoever still reads, and return once the
        partial answers are recorded as ``incomplete``."""
        if self._orphaned is not None:
            self._orphaned.cancel()
            self._orphaned = None
        if self.task is not None and not self.task.done():
            self.task.cancel()
            await asyncio.wait([self.task])

    def _abandoned(self) -> None:
        self._orphaned = None
        if not self.fanout.readers and self.task and not self.task.done():
            self.task.cancel()

    def _publish(self, name: str, data: dict[str, object]) -> None:
        urgent = name != "delta" or data["side"] not in self.started_sides
        if name == "delta":
            self.started_sides.add(str(data["side"]))
        self.fanout.publish((name, data), urgent=urgent)

    async def _run(self) -> None:
        """Await the sides ``start`` began, store the turn and publish its end."""
        sides = self.sides
        lease = asyncio.create_task(self._keep_lease())
        try:
            records = [await sides[s] for s in SIDES]
        except asyncio.CancelledError:
            for t in (*sides.values(), lease):
                t.cancel()
            *partial, _ = await asyncio.gather(*sides.values(), lease, return_exceptions=True)
            records = [r if isinstance(r, AnswerRecord) else self._partial(s)
                       for s, r in zip(SIDES, partial, strict=True)]
            for r in records:
                if r.status != "done":
                    r.status = "incomplete"
                    r.error_code = r.error_code or errors.INCOMPLETE
            with contextlib.suppress(Exception):
                await self.store.finish_turn(self.turn.id, "incomplete", self._judged(records))
            if self.metrics is not None:
                self.metrics.turn_ended("incomplete")
            self.finished.set()
            raise
        lease.cancel()
        await asyncio.gather(lease, return_exceptions=True)
        status: TurnStatus = "done" if all(r.status == "done" for r in records) else "failed"
        try:
            await self.store.finish_turn(self.turn.id, status, self._judged(records))
        except Exception:  # the DB is down: the lease runs out and the turn is swept
            log.exception("could not record turn %s", self.turn.id)
            status = "failed"
        if self.metrics is not None:
            self.metrics.turn_ended(status)
        self.fanout.close(("end", {"turn": self.turn.idx, "status": status,
                                   "votable": status == "done"}))
        self.finished.set()

    def _judged(self, records: list[AnswerRecord]) -> list[AnswerRecord]:
        """Every answer a voter was shown, finished or not, is checked for a leak."""
        for r in records:
            if r.leak_term is None and r.text:
                leak = self.identity.check(r.model, answers=[r.text], prompts=self.prompts)
                r.leak_term = leak.term if leak else None
        return records

    async def _keep_lease(self) -> None:
        """Renew the turn's lease with both sides' text so far, every third of the lease,
        until cancelled. A failed renewal is retried at the next beat; the lease is long
        enough to miss one."""
        every = self.lease_s / 3
        while True:
            await asyncio.sleep(every)
            text = {s: "".join(c) for s, c in self.chunks.items()}
            try:
                held = await self.store.renew_turn(self.turn.id, lease_s=self.lease_s,
                                                   partial=text)
            except Exception:
                log.warning("could not renew the lease of turn %s", self.turn.id,
                            exc_info=True)
                continue
            if not held:  # settled by a sweep meanwhile: its answers are already written
                log.warning("turn %s was taken for dead while it ran", self.turn.id)
                return

    def _partial(self, side: Side) -> AnswerRecord:
        return AnswerRecord(side=side, model=self.calls[side].model,
                            text="".join(self.chunks[side]), status="incomplete",
                            error_code=errors.INCOMPLETE)

    async def _side(self, side: Side) -> AnswerRecord:
        """One side's answer, once its server has a free slot. While it waits the reader
        is told so (``waiting``, the side only). The wait is not part of the answer: the
        answer timeout and the time to first token start once the slot is taken (a wait is
        itself bounded by the answer timeouts of the requests ahead of it)."""
        slot = self.calls[side].slot
        if slot is None:
            return await self._answer(side)
        if slot.locked():
            self._publish("waiting", {"side": side})
        async with slot:
            return await self._answer(side)

    async def _answer(self, side: Side) -> AnswerRecord:
        call = self.calls[side]
        chunks = self.chunks[side]
        finished: Finished | None = None
        error: ProviderError | None = None
        started = time.perf_counter()
        first: float | None = None
        try:
            async with asyncio.timeout(self.answer_timeout_s):
                async with contextlib.aclosing(call.provider.stream(call.request)) as stream:
                    async for ev in stream:
                        if isinstance(ev, Delta):
                            text = clean_model_text(ev.text)
                            if text:
                                if first is None:
                                    first = time.perf_counter() - started
                                chunks.append(text)
                                self._publish("delta", {"side": side, "text": text})
                        elif isinstance(ev, Finished):
                            finished = ev
        except ProviderError as exc:
            error = exc
        except TimeoutError:
            error = errors.ProviderTimeout(f"{call.model}: no full answer within "
                                           f"{self.answer_timeout_s}s")
        except Exception as exc:  # a provider bug must not take the other side down
            log.exception("provider %s failed unexpectedly", call.model)
            error = errors.ProviderUnavailable(f"{call.model}: {exc!r}")
        text = "".join(chunks)
        total_ms = (time.perf_counter() - started) * 1000
        ttft_ms = first * 1000 if first is not None else None
        if self.on_answer is not None:
            self.on_answer(call.model, error)
        if self.metrics is not None:
            self.metrics.answer(call.model, error_code=error.code if error else None,
                                total_s=total_ms / 1000, first_token_s=first)
        if error is not None:
            log.warning("battle %s side %s (%s): %s", self.battle_id, side, call.model, error)
            # One public code before the vote; the real one is stored with the answer.
            self._publish("error", {"side": side, "code": errors.public_code(error.code),
                                    "message": errors.public_message(errors.PUBLIC_CODE,
                                                                     side)})
            return AnswerRecord(side=side, model=call.model, text=text, status="error",
                                error_code=error.code, ttft_ms=ttft_ms, total_ms=total_ms)
        reason = (finished.finish_reason if finished else None) or "stop"
        self._publish("done", {"side": side, "finish_reason": reason})
        return AnswerRecord(
            side=side, model=call.model, text=text, status="done", finish_reason=reason,
            input_tokens=finished.input_tokens if finished else None,
            output_tokens=finished.output_tokens if finished else None,
            ttft_ms=ttft_ms, total_ms=total_ms)
