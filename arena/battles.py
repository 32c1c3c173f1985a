"""The battle service: pairing, running both streams, recording, and the vote rules.

No FastAPI here. A turn is run by a ``TurnRun`` task owned by this service, not by the
HTTP request: the request only subscribes to its events. So a client that disconnects
cancels the run (the last subscriber leaving), the run's own cancellation handler still
records the partial answers as ``incomplete``, and a second subscriber (a reload) joins
the same run instead of starting the models twice. Across workers the database decides
who runs a turn (``Store.claim_turn``); others wait for it to finish and replay it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from arena import errors
from arena.errors import BadRequest, Conflict, Forbidden, NotFound, ProviderError
from arena.identity import IdentityChecker
from arena.moderation import Moderator
from arena.providers.base import ChatRequest, Delta, Finished, Message, Provider
from arena.ranking.categories import detect_categories
from arena.ranking.style import conv_metadata
from arena.settings import ModelConfig, Roster, Settings
from arena.store import AnswerRecord, BattleRecord, Store, TurnView, VoteRecord, utcnow

log = logging.getLogger("arena.battles")

WINNERS = ("a", "b", "tie", "both_bad")
_BATTLE_ID = re.compile(r"[0-9a-f]{32}\Z")
SIDES = ("a", "b")
Event = tuple[str, dict[str, Any]]

# Finish reasons differ by provider ("end_turn" is Anthropic's); normalise them so the
# pre-vote stream cannot tell providers apart.
_FINISH = {"stop": "stop", "end_turn": "stop", "stop_sequence": "stop", "length": "length",
           "max_tokens": "length", "content_filter": "filtered", "refusal": "filtered"}

_PUBLIC_ERRORS: dict[str, type[ProviderError]] = {
    cls.code: cls for cls in (errors.ProviderError, errors.ProviderAuthError,
                              errors.ProviderRateLimited, errors.ProviderTimeout,
                              errors.ProviderBadRequest, errors.ProviderUnavailable)}


def public_error(code: str | None, side: str) -> str:
    if code == "incomplete":
        return f"model {side.upper()}'s answer was interrupted; regenerate to try again"
    cls = _PUBLIC_ERRORS.get(code or "", errors.ProviderError)
    return cls("").public_message(side)


@dataclass(frozen=True, slots=True)
class Pair:
    model_a: str
    model_b: str
    propensity: float  # probability of drawing this unordered pair


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def clean_model_text(text: str) -> str:
    """What an upstream sent, storable on every database: no NUL, no lone surrogate."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    return text if _encodable(text) else text.encode("utf-8", "replace").decode("utf-8")


class Pairing:
    """Weighted pair choice: first model ∝ weight, second ∝ weight among the rest, sides
    shuffled. ``propensity`` is the exact probability of the unordered pair, which the
    ranking uses for inverse-propensity weighting."""

    def __init__(self, weights: Mapping[str, float], rng: random.Random | None = None) -> None:
        self.weights = {m: w for m, w in weights.items() if w > 0}
        if len(self.weights) < 2:
            raise errors.ConfigError("at least two models with weight > 0 are needed")
        self.total = sum(self.weights.values())
        self.rng = rng or secrets.SystemRandom()

    def probability(self, x: str, y: str) -> float:
        wx, wy, t = self.weights[x], self.weights[y], self.total
        return wx / t * wy / (t - wx) + wy / t * wx / (t - wy)

    def pick(self) -> Pair:
        names = list(self.weights)
        first = self.rng.choices(names, weights=[self.weights[n] for n in names])[0]
        rest = [n for n in names if n != first]
        second = self.rng.choices(rest, weights=[self.weights[n] for n in rest])[0]
        a, b = (first, second) if self.rng.random() < 0.5 else (second, first)
        return Pair(a, b, self.probability(a, b))


@dataclass(frozen=True, slots=True)
class VoteOutcome:
    model_a: str
    model_b: str
    counted: bool
    excluded_reason: str | None
    leak_side: str | None
    explanation: str | None


def coalesce(events: list[Event]) -> list[Event]:
    """One delta event per side for each run of its text: a side's deltas are joined up to
    its next other event (``done``, ``error``), even when the other side's events come in
    between, so each side's own order is kept."""
    out: list[Event] = []
    open_: dict[str, tuple[int, list[str]]] = {}  # side → (index in out, texts)

    def close(side: str) -> None:
        i, texts = open_.pop(side)
        if len(texts) > 1:
            out[i] = ("delta", {"side": side, "text": "".join(texts)})

    for name, data in events:
        side = data.get("side")
        if name == "delta":
            if side in open_:
                open_[side][1].append(data["text"])
                continue
            open_[side] = (len(out), [data["text"]])
        elif side in open_:
            close(side)
        out.append((name, data))
    for side in list(open_):
        close(side)
    return out


class _Reader:
    """One subscriber's buffer. Text that arrives within ``flush_s`` of the last send waits
    for a timer and then goes out with whatever else came meanwhile; an urgent event (a
    side's first delta, ``done``, ``error``, ``end``) wakes the reader at once."""

    __slots__ = ("buffer", "wake", "flush_s", "sent_at", "timer", "loop")

    def __init__(self, flush_s: float) -> None:
        # Kept: on Python 3.11 each get_running_loop() is a getpid() system call, and
        # put() runs once per streamed chunk.
        self.loop = asyncio.get_running_loop()
        self.buffer: list[Event] = []
        self.wake = asyncio.Event()
        self.flush_s = flush_s
        self.sent_at = -1e9
        self.timer: asyncio.TimerHandle | None = None

    def put(self, ev: Event, urgent: bool) -> None:
        self.buffer.append(ev)
        if urgent or not self.flush_s:
            self.wake.set()
        elif self.timer is None and not self.wake.is_set():
            loop = self.loop
            self.timer = loop.call_at(max(loop.time(), self.sent_at + self.flush_s),
                                      self.wake.set)

    async def take(self) -> list[Event]:
        await self.wake.wait()
        self.wake.clear()
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        batch, self.buffer = self.buffer, []
        self.sent_at = self.loop.time()
        return batch


class TurnRun:
    """Runs one turn for both sides concurrently and fans its events out."""

    def __init__(self, service: BattleService, battle: BattleRecord, turn: TurnView) -> None:
        self.service = service
        self.battle = battle
        self.turn = turn
        self.events: list[Event] = []
        self.readers: set[_Reader] = set()
        self.started_sides: set[str] = set()
        self.finished = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self.sides: dict[str, asyncio.Task[AnswerRecord]] = {}

    def start(self) -> None:
        """Send both upstream requests. Their events wait in ``events`` until a reader
        subscribes; nothing is written to the store until ``run``."""
        self.sides = {s: asyncio.create_task(self._side(s)) for s in SIDES}

    async def abandon(self) -> None:
        """Drop a run whose turn another request claimed: stop the upstream calls and
        write nothing, since the turn belongs to that other run."""
        for t in self.sides.values():
            t.cancel()
        await asyncio.gather(*self.sides.values(), return_exceptions=True)

    def publish(self, name: str, data: dict[str, Any]) -> None:
        ev = (name, data)
        self.events.append(ev)
        urgent = name != "delta" or data["side"] not in self.started_sides
        if name == "delta":
            self.started_sides.add(data["side"])
        for reader in self.readers:
            reader.put(ev, urgent)

    async def subscribe(self) -> AsyncIterator[Event]:
        reader = _Reader(self.service.settings.stream_flush_ms / 1000)
        for ev in self.events:
            reader.put(ev, True)
        self.readers.add(reader)
        try:
            while True:
                batch = await reader.take()
                for ev in coalesce(batch):
                    yield ev
                if batch and batch[-1][0] == "end":
                    return
        finally:
            self.readers.discard(reader)
            if not self.readers and self.task and not self.task.done():
                self.task.cancel()  # nobody is reading: stop paying for the upstream calls

    async def run(self) -> None:
        """Await the sides ``start`` began, store the turn and publish its end."""
        sides = self.sides
        try:
            records = [await sides[s] for s in SIDES]
        except asyncio.CancelledError:
            for t in sides.values():
                t.cancel()
            partial = await asyncio.gather(*sides.values(), return_exceptions=True)
            records = [r if isinstance(r, AnswerRecord) else self._partial(s)
                       for s, r in zip(SIDES, partial, strict=True)]
            for r in records:
                if r.status != "done":
                    r.status, r.error_code = "incomplete", r.error_code or "incomplete"
            with contextlib.suppress(Exception):
                await self.service.store.finish_turn(self.turn.id, "incomplete", records)
            self.finished.set()
            raise
        status = "done" if all(r.status == "done" for r in records) else "failed"
        try:
            await self.service.store.finish_turn(self.turn.id, status, records)
        except Exception:  # the DB is down: the turn stays running until swept as stale
            log.exception("could not record turn %s", self.turn.id)
            status = "failed"
        self.publish("end", {"turn": self.turn.idx, "status": status,
                             "votable": status == "done"})
        self.finished.set()

    def _partial(self, side: str) -> AnswerRecord:
        text = "".join(d["text"] for n, d in self.events if n == "delta" and d["side"] == side)
        return AnswerRecord(side=side, model=self._model(side).name, text=text,
                            status="incomplete", error_code="incomplete")

    def _model(self, side: str) -> ModelConfig:
        name = self.battle.model_a if side == "a" else self.battle.model_b
        return self.service.roster.by_name(name)

    async def _side(self, side: str) -> AnswerRecord:
        cfg = self._model(side)
        provider = self.service.providers[cfg.name]
        request = self.service.build_request(cfg, self.battle, side, self.turn)
        chunks: list[str] = []
        finished: Finished | None = None
        error: ProviderError | None = None
        started = time.perf_counter()
        first: float | None = None
        try:
            async with asyncio.timeout(self.service.settings.answer_timeout_s):
                async with contextlib.aclosing(provider.stream(request)) as stream:
                    async for ev in stream:
                        if isinstance(ev, Delta):
                            text = clean_model_text(ev.text)
                            if text:
                                if first is None:
                                    first = time.perf_counter() - started
                                chunks.append(text)
                                self.publish("delta", {"side": side, "text": text})
                        elif isinstance(ev, Finished):
                            finished = ev
        except ProviderError as exc:
            error = exc
        except TimeoutError:
            error = errors.ProviderTimeout(f"{cfg.name}: no full answer within "
                                           f"{self.service.settings.answer_timeout_s}s")
        except Exception as exc:  # a provider bug must not take the other side down
            log.exception("provider %s failed unexpectedly", cfg.name)
            error = errors.ProviderUnavailable(f"{cfg.name}: {exc!r}")
        text = "".join(chunks)
        total_ms = (time.perf_counter() - started) * 1000
        ttft_ms = first * 1000 if first is not None else None
        if error is not None:
            log.warning("battle %s side %s (%s): %s", self.battle.id, side, cfg.name, error)
            self.publish("error", {"side": side, "code": error.code,
                                   "message": error.public_message(side)})
            return AnswerRecord(side=side, model=cfg.name, text=text, status="error",
                                error_code=error.code, ttft_ms=ttft_ms, total_ms=total_ms)
        reason = _FINISH.get((finished.finish_reason or "stop") if finished else "stop", "stop")
        leak = self.service.identity.check(
            cfg.name, answers=[text], prompts=[t.prompt for t in self.battle.turns])
        self.publish("done", {"side": side, "finish_reason": reason})
        return AnswerRecord(
            side=side, model=cfg.name, text=text, status="done", finish_reason=reason,
            input_tokens=finished.input_tokens if finished else None,
            output_tokens=finished.output_tokens if finished else None,
            ttft_ms=ttft_ms, total_ms=total_ms, leak_term=leak.term if leak else None)


_FRESH_KEPT = 10_000  # battles created but not yet streamed, per worker


class BattleService:
    def __init__(self, *, store: Store, roster: Roster, providers: Mapping[str, Provider],
                 identity: IdentityChecker, settings: Settings,
                 pairing: Pairing | None = None, moderator: Moderator | None = None) -> None:
        self.store = store
        self.roster = roster
        self.providers = providers
        self.identity = identity
        self.settings = settings
        self.pairing = pairing or Pairing({m.name: m.weight for m in roster.models})
        self.moderator = moderator
        self._runs: dict[int, TurnRun] = {}
        # Battles this worker just created, until their first stream: that stream (on
        # this worker, the usual case) can then skip reading the battle back.
        self._fresh: OrderedDict[str, BattleRecord] = OrderedDict()

    # --- helpers ---------------------------------------------------------------------

    def build_request(self, cfg: ModelConfig, battle: BattleRecord, side: str,
                      turn: TurnView) -> ChatRequest:
        """Each side sees only its own history: earlier prompts and its own answers."""
        messages: list[Message] = []
        for t in battle.turns:
            if t.idx >= turn.idx:
                break
            messages.append(Message("user", t.prompt))
            messages.append(Message("assistant", t.answers.get(side, {}).get("text", "")))
        messages.append(Message("user", turn.prompt))
        return ChatRequest(messages=tuple(messages),
                           max_tokens=cfg.max_tokens or self.settings.max_tokens,
                           system_prompt=cfg.system_prompt, temperature=cfg.temperature)

    async def _check_prompt(self, prompt: str) -> str:
        if not isinstance(prompt, str) or not prompt.strip():
            raise BadRequest("the prompt is empty; type a question first", code="empty_prompt")
        if "\x00" in prompt or not _encodable(prompt):
            # PostgreSQL text cannot hold NUL, and a lone surrogate is not UTF-8: refuse
            # both the same way on every database.
            raise BadRequest("the prompt contains characters that are not text (NUL or a "
                             "lone surrogate); remove them and send it again",
                             code="invalid_prompt")
        if len(prompt) > self.settings.max_prompt_chars:
            raise BadRequest(f"the prompt is {len(prompt)} characters; the limit is "
                             f"{self.settings.max_prompt_chars}", code="prompt_too_long")
        if self.moderator is not None:
            await self.moderator.check(prompt)  # a refused prompt never reaches the models
        return prompt

    def _categories(self, a: str, b: str, prompts: Sequence[str]) -> list[str]:
        tags = set(self.roster.by_name(a).categories) & set(self.roster.by_name(b).categories)
        return sorted(set(detect_categories(list(prompts), turns=len(prompts))) | tags)

    async def _owned(self, battle_id: str, voter_key: str) -> BattleRecord:
        # Ids are 32 hex digits; anything else is not looked up at all (a NUL would even
        # be an error in PostgreSQL rather than a miss).
        battle = await self.store.get_battle(battle_id) if _BATTLE_ID.match(battle_id) else None
        if battle is None:
            raise NotFound("no such battle; start a new one", code="battle_not_found")
        if not secrets.compare_digest(battle.voter_key, voter_key):
            raise Forbidden("this battle belongs to another voter", code="not_your_battle")
        return battle

    # --- the calls -------------------------------------------------------------------

    async def start(self, prompt: str, *, voter_key: str, ip_hash: str | None) -> BattleRecord:
        prompt = await self._check_prompt(prompt)
        pair = self.pairing.pick()
        battle_id = secrets.token_hex(16)
        battle = await self.store.create_battle(
            battle_id=battle_id, voter_key=voter_key, ip_hash=ip_hash, model_a=pair.model_a,
            model_b=pair.model_b, propensity=pair.propensity, prompt=prompt,
            categories=self._categories(pair.model_a, pair.model_b, [prompt]))
        self._fresh[battle_id] = battle
        if len(self._fresh) > _FRESH_KEPT:
            self._fresh.popitem(last=False)
        return battle

    async def view(self, battle_id: str, voter_key: str) -> BattleRecord:
        return await self._owned(battle_id, voter_key)

    async def add_turn(self, battle_id: str, prompt: str, *, voter_key: str) -> BattleRecord:
        prompt = await self._check_prompt(prompt)
        battle = await self._owned(battle_id, voter_key)
        self._require_open(battle)
        latest = battle.latest
        if latest is not None and latest.status != "done":
            self._require_finished(latest)
            raise Conflict("the last answers did not complete; regenerate them first",
                           code="battle_failed")
        if battle.turn_count >= self.settings.max_turns:
            raise Conflict(f"a battle has at most {self.settings.max_turns} turns; vote, then "
                           "start a new round", code="too_many_turns")
        prompts = [t.prompt for t in battle.turns] + [prompt]
        await self.store.add_turn(battle_id, expected_turns=battle.turn_count, prompt=prompt,
                                  categories=self._categories(battle.model_a, battle.model_b,
                                                              prompts))
        return await self.view(battle_id, voter_key)

    async def regenerate(self, battle_id: str, *, voter_key: str) -> BattleRecord:
        battle = await self._owned(battle_id, voter_key)
        self._require_open(battle)
        latest = battle.latest
        if latest is None:
            raise Conflict("nothing to regenerate yet", code="not_answered")
        self._require_finished(latest)
        await self.store.regenerate(battle_id, latest)
        return await self.view(battle_id, voter_key)

    @staticmethod
    def _require_open(battle: BattleRecord) -> None:
        if battle.status != "active":
            raise Conflict("this battle has already been voted on; start a new round",
                           code="already_voted")

    @staticmethod
    def _require_finished(turn: TurnView) -> None:
        if turn.status == "pending":
            raise Conflict("the answers have not been generated yet; open the stream first",
                           code="not_answered")
        if turn.status == "running":
            raise Conflict("the answers are still streaming; wait for both to finish",
                           code="still_streaming")

    async def stream(self, battle_id: str, *, voter_key: str) -> AsyncIterator[Event]:
        """Events of the latest turn: runs it, joins the run, or replays it."""
        fresh = self._fresh.pop(battle_id, None)
        if fresh is not None and secrets.compare_digest(fresh.voter_key, voter_key):
            # Created here moments ago, with nothing but its first turn: the claim below is
            # what decides, exactly as for a battle read back from the store.
            battle = fresh
        else:
            battle = await self._owned(battle_id, voter_key)
        turn = battle.latest
        assert turn is not None  # a battle is created with its first turn
        if turn.status == "pending" and turn.id not in self._runs:
            # The upstream requests go out while the store settles the claim, so the
            # claim's round trip is not added to the time to first token. Nothing reaches
            # the reader before the claim is won; a lost claim cancels them, writes nothing.
            # Only a turn that reads as pending is started, so replaying the stream of an
            # answered battle never calls a model.
            run = TurnRun(self, battle, turn)
            run.start()
            claimed = False
            try:
                claimed = await self.store.claim_turn(turn.id)
            finally:
                if not claimed:
                    await run.abandon()
            if claimed:
                self._runs[turn.id] = run
                run.task = asyncio.create_task(run.run())
                run.task.add_done_callback(lambda _t, tid=turn.id: self._runs.pop(tid, None))
                return run.subscribe()
        if battle is fresh:  # claimed meanwhile (a second tab, another worker): the real state
            return await self.stream(battle_id, voter_key=voter_key)
        run = self._runs.get(turn.id)
        if run is not None:
            return run.subscribe()
        return self._replay(battle_id, voter_key, turn.id)

    async def _replay(self, battle_id: str, voter_key: str, turn_id: int) -> AsyncIterator[Event]:
        # Another worker runs this turn: wait for it to settle, then replay from the store.
        deadline = time.monotonic() + self.settings.answer_timeout_s + 30
        while (await self.store.turn_status(turn_id)) in ("pending", "running"):
            if time.monotonic() > deadline:
                await self.store.sweep_stale_turns(self.settings.answer_timeout_s + 30)
                break
            await asyncio.sleep(0.25)
        battle = await self._owned(battle_id, voter_key)
        turn = next(t for t in battle.turns if t.id == turn_id)
        for side in SIDES:
            ans = turn.answers.get(side)
            if ans and ans["text"]:
                yield "delta", {"side": side, "text": ans["text"]}
            if ans and ans["status"] == "done":
                yield "done", {"side": side, "finish_reason": ans["finish_reason"] or "stop"}
            else:
                code = ans["error_code"] if ans else "incomplete"
                yield "error", {"side": side, "code": code or "provider_error",
                                "message": public_error(code, side)}
        yield "end", {"turn": turn.idx, "status": turn.status,
                      "votable": turn.status == "done", "replayed": True}

    async def vote(self, battle_id: str, winner: str, *, voter_key: str,
                   ip_hash: str | None) -> VoteOutcome:
        if winner not in WINNERS:
            raise BadRequest(f"winner must be one of {', '.join(WINNERS)}", code="bad_winner")
        if not _BATTLE_ID.match(battle_id):
            raise NotFound("no such battle; start a new one", code="battle_not_found")
        outcome: list[VoteOutcome] = []

        def decide(battle: BattleRecord | None) -> VoteRecord:
            # Runs inside the vote's transaction, on the battle as that transaction reads it.
            record, result = self._vote_record(battle, battle_id, winner, voter_key, ip_hash)
            outcome.append(result)
            return record

        await self.store.record_vote(battle_id, decide)
        return outcome[0]

    def _vote_record(self, battle: BattleRecord | None, battle_id: str, winner: str,
                     voter_key: str, ip_hash: str | None) -> tuple[VoteRecord, VoteOutcome]:
        """Every rule a vote must pass, in order; the row to store and what to answer."""
        if battle is None:
            raise NotFound("no such battle; start a new one", code="battle_not_found")
        if not secrets.compare_digest(battle.voter_key, voter_key):
            raise Forbidden("this battle belongs to another voter", code="not_your_battle")
        self._require_open(battle)
        latest = battle.latest
        assert latest is not None
        self._require_finished(latest)
        if latest.status == "incomplete":
            raise Conflict("the answers were interrupted; regenerate them before voting",
                           code="incomplete")
        if latest.status != "done":
            raise Conflict("a model failed to answer, so this battle cannot be voted on; "
                           "regenerate or start a new round", code="battle_failed")
        leak_side = "".join(s for s in SIDES if s in battle.leaks) or None
        counted = leak_side is None
        prompts = [t.prompt for t in battle.turns]
        texts = {s: [t.answers.get(s, {}).get("text", "") for t in battle.turns] for s in SIDES}
        now = utcnow()
        seconds = (now - latest.finished_at).total_seconds() if latest.finished_at else None
        too_fast = None
        if latest.claimed_at is not None:  # reading starts with the first streamed words
            words = sum(len(a.get("text", "").split()) for a in latest.answers.values())
            reading_s = (now - latest.claimed_at).total_seconds()
            too_fast = reading_s < max(1.0, words / self.settings.fast_vote_words_per_s)
        record = VoteRecord(
            battle_id=battle_id, voter_key=voter_key, ip_hash=ip_hash,
            model_a=battle.model_a, model_b=battle.model_b, winner=winner, counted=counted,
            excluded_reason=None if counted else "identity_leak", leak_side=leak_side,
            propensity=battle.propensity, turns=len(battle.turns),
            conv_metadata=conv_metadata(texts["a"], texts["b"], prompts),
            categories=battle.categories,
            seconds_to_vote=None if seconds is None or math.isnan(seconds) else seconds,
            too_fast=too_fast)
        explanation = None
        if leak_side:
            who = " and ".join(f"model {s.upper()}" for s in leak_side)
            explanation = (f"{who} named {'itself' if len(leak_side) == 1 else 'themselves'}, "
                           "so this vote is not counted in the leaderboard")
        return record, VoteOutcome(battle.model_a, battle.model_b, counted,
                                   None if counted else "identity_leak", leak_side, explanation)

    async def shutdown(self) -> None:
        """Cancel runs in flight; each records its partial answers as incomplete."""
        runs = [r.task for r in self._runs.values() if r.task]
        for t in runs:
            t.cancel()
        await asyncio.gather(*runs, return_exceptions=True)
