"""The battle service: the calls a voter makes, and the rules a vote must pass.

No FastAPI here. A battle's turns are run by ``TurnRun`` tasks this service starts and
keeps track of; across workers the database decides who runs a turn
(``Store.claim_turn``), and others wait for it to finish and replay it. A runner holds
a lease on its turn; when it stops renewing (its worker was killed), a reader waiting on
the turn or the sweep every worker runs once a lease settles the turn as incomplete,
keeping the text streamed so far and judging it like any other answer.

(About 430 lines on purpose: the rules of a battle — who may call what, in which state —
are read together. Pairing, fan-out and the turn runner are modules of their own.)
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import math
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from arena import errors
from arena.battles.controls import ModelControls
from arena.battles.fanout import Event
from arena.battles.health import ModelHealth
from arena.battles.pairing import PairChoice, build_pairing
from arena.battles.turns import SideCall, TurnRun, encodable
from arena.errors import BadRequest, Conflict, Forbidden, NotFound
from arena.identity import IdentityChecker
from arena.integrity.caps import CapDecision
from arena.integrity.gate import VoteGate, VoteProof
from arena.moderation import Moderator
from arena.ops.metrics import Metrics
from arena.periodic import Periodic
from arena.providers.base import ChatRequest, Message, Provider
from arena.providers.limits import Slots
from arena.ranking.categories import detect_categories
from arena.ranking.style import conv_metadata
from arena.settings import Roster, Settings
from arena.store import (
    AnswerRecord,
    BattleRecord,
    DeadTurn,
    Store,
    TurnState,
    TurnView,
    VoteRecord,
    utcnow,
)
from arena.types import SIDES, WINNERS, ExcludedReason, LeakSide, Side, Winner

_BATTLE_ID = re.compile(r"[0-9a-f]{32}\Z")
log = logging.getLogger("arena.battles")


@dataclass(frozen=True, slots=True)
class VoteOutcome:
    model_a: str
    model_b: str
    counted: bool
    excluded_reason: ExcludedReason | None
    leak_side: LeakSide | None
    explanation: str | None


_FRESH_KEPT = 10_000  # battles created but not yet streamed, per worker


class BattleService:
    def __init__(self, *, store: Store, roster: Roster, providers: Mapping[str, Provider],
                 identity: IdentityChecker, settings: Settings,
                 pairing: PairChoice | None = None, moderator: Moderator | None = None,
                 gate: VoteGate | None = None, metrics: Metrics | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.roster = roster
        self.providers = providers
        self.identity = identity
        self.settings = settings
        self.pairing = pairing or build_pairing(
            {m.name: m.weight for m in roster.models}, settings.pairing,
            floor=settings.pairing_floor, top=settings.pairing_top)
        self.moderator = moderator
        self.gate = gate or VoteGate.free()
        self.metrics = metrics or Metrics([m.name for m in roster.models])
        self.slots = Slots(roster.models)
        self.health = ModelHealth(
            providers, failures=settings.health_failures, backoff_s=settings.health_backoff_s,
            backoff_max_s=settings.health_backoff_max_s,
            probe_timeout_s=min(settings.request_timeout_s, settings.answer_timeout_s),
            slots=self.slots, clock=clock, on_pause=self.metrics.paused)
        # Models an operator paused or retired in the console (every worker, within
        # ARENA_ROSTER_REFRESH_S); the app starts and stops its refresh.
        self.controls = ModelControls(store, roster, settings.roster_refresh_s,
                                      on_weights=self.pairing.set_weights)
        self._runs: dict[int, TurnRun] = {}
        # Battles this worker just created, until their first stream: that stream (on
        # this worker, the usual case) can then skip reading the battle back.
        self._fresh: OrderedDict[str, BattleRecord] = OrderedDict()
        self._sweeper = Periodic(settings.turn_lease_s, self.sweep_dead_turns,
                                 "the sweep for dead runners' turns")

    # --- helpers ---------------------------------------------------------------------

    @staticmethod
    def build_request(battle: BattleRecord, side: Side, turn: TurnView) -> ChatRequest:
        """Each side sees only its own history: earlier prompts and its own answers. The
        roster's and the settings' defaults (max tokens, system prompt, temperature) are
        the provider's to apply, in one place (``arena.providers._common.call_params``)."""
        messages: list[Message] = []
        for t in battle.turns:
            if t.idx >= turn.idx:
                break
            answer = t.answers.get(side)
            messages.append(Message("user", t.prompt))
            messages.append(Message("assistant", answer.text if answer else ""))
        messages.append(Message("user", turn.prompt))
        return ChatRequest(messages=tuple(messages))

    def _turn_run(self, battle: BattleRecord, turn: TurnView) -> TurnRun:
        names = {"a": battle.model_a, "b": battle.model_b}
        calls = {s: SideCall(model=names[s], provider=self.providers[names[s]],
                             request=self.controls.request(
                                 names[s], self.build_request(battle, s, turn)),
                             slot=self.slots.for_model(names[s])) for s in SIDES}
        return TurnRun(battle_id=battle.id, turn=turn, calls=calls,
                       prompts=[t.prompt for t in battle.turns], store=self.store,
                       identity=self.identity, answer_timeout_s=self.settings.answer_timeout_s,
                       flush_s=self.settings.stream_flush_ms / 1000,
                       lease_s=self.settings.turn_lease_s,
                       rejoin_grace_s=self.settings.rejoin_grace_s,
                       on_answer=self.health.record, metrics=self.metrics)

    async def _check_prompt(self, prompt: str, *, voter_key: str, ip_hash: str | None,
                            battle_id: str | None = None) -> str:
        if not isinstance(prompt, str) or not prompt.strip():
            raise BadRequest("The prompt is empty; type a question first", code="empty_prompt")
        if "\x00" in prompt or not encodable(prompt):
            # PostgreSQL text cannot hold NUL, and a lone surrogate is not UTF-8: refuse
            # both the same way on every database.
            raise BadRequest("The prompt contains characters that are not text (NUL or a "
                             "lone surrogate); remove them and send it again",
                             code="invalid_prompt")
        if len(prompt) > self.settings.max_prompt_chars:
            raise BadRequest(f"The prompt is {len(prompt)} characters; the limit is "
                             f"{self.settings.max_prompt_chars}", code="prompt_too_long")
        if self.moderator is not None:
            try:
                await self.moderator.check(prompt)  # a refused prompt never reaches the models
            except errors.ArenaError as exc:
                if exc.code == "prompt_refused":  # kept for the console's review
                    await self.store.add_refusal(voter_key=voter_key, ip_hash=ip_hash,
                                                 battle_id=battle_id, prompt=prompt,
                                                 reason=exc.message)
                raise
        return prompt

    def _categories(self, a: str, b: str, prompts: Sequence[str]) -> list[str]:
        tags = set(self.roster.by_name(a).categories) & set(self.roster.by_name(b).categories)
        return sorted(set(detect_categories(list(prompts), turns=len(prompts))) | tags)

    async def _owned(self, battle_id: str, voter_key: str) -> BattleRecord:
        # Ids are 32 hex digits; anything else is not looked up at all (a NUL would even
        # be an error in PostgreSQL rather than a miss).
        battle = await self.store.get_battle(battle_id) if _BATTLE_ID.match(battle_id) else None
        if battle is None:
            raise NotFound("No such battle; start a new one", code="battle_not_found")
        if not secrets.compare_digest(battle.voter_key, voter_key):
            raise Forbidden("This battle belongs to another voter", code="not_your_battle")
        return battle

    # --- the calls -------------------------------------------------------------------

    async def start(self, prompt: str, *, voter_key: str, ip_hash: str | None) -> BattleRecord:
        prompt = await self._check_prompt(prompt, voter_key=voter_key, ip_hash=ip_hash)
        pair = self.pairing.pick([*self.health.paused(), *self.controls.out()])
        battle_id = secrets.token_hex(16)
        battle = await self.store.create_battle(
            battle_id=battle_id, voter_key=voter_key, ip_hash=ip_hash, model_a=pair.model_a,
            model_b=pair.model_b, propensity=pair.propensity, prompt=prompt,
            categories=self._categories(pair.model_a, pair.model_b, [prompt]))
        self._fresh[battle_id] = battle
        if len(self._fresh) > _FRESH_KEPT:
            self._fresh.popitem(last=False)
        self.metrics.battle_started()
        return battle

    async def view(self, battle_id: str, voter_key: str) -> BattleRecord:
        return await self._owned(battle_id, voter_key)

    async def add_turn(self, battle_id: str, prompt: str, *, voter_key: str) -> BattleRecord:
        # A follow-up's refusal is kept with its battle (which holds the address).
        prompt = await self._check_prompt(prompt, voter_key=voter_key, ip_hash=None,
                                          battle_id=battle_id[:32])
        battle = await self._owned(battle_id, voter_key)
        self._require_open(battle)
        latest = battle.latest
        if latest is not None and latest.status != "done":
            self._require_finished(latest)
            raise Conflict("The last answers did not complete; regenerate them first",
                           code="battle_failed")
        if battle.turn_count >= self.settings.max_turns:
            raise Conflict(f"A battle has at most {self.settings.max_turns} turns; vote, then "
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
            raise Conflict("Nothing to regenerate yet", code="not_answered")
        self._require_finished(latest)
        await self.store.regenerate(battle_id, latest)
        return await self.view(battle_id, voter_key)

    async def stop(self, battle_id: str, *, voter_key: str) -> BattleRecord:
        """Stop the running turn on purpose (a closed stream alone waits out the rejoin
        grace). A turn this worker does not run is left to that worker's grace period."""
        battle = await self._owned(battle_id, voter_key)
        self._require_open(battle)
        latest = battle.latest
        run = self._runs.get(latest.id) if latest is not None else None
        if run is not None:
            await run.stop()
        return await self.view(battle_id, voter_key)

    @staticmethod
    def _require_open(battle: BattleRecord) -> None:
        if battle.status != "active":
            raise Conflict("This battle has already been voted on; start a new round",
                           code="already_voted")

    @staticmethod
    def _require_finished(turn: TurnView) -> None:
        if turn.status == "pending":
            raise Conflict("The answers have not been generated yet; open the stream first",
                           code="not_answered")
        if turn.status == "running":
            raise Conflict("The answers are still streaming; wait for both to finish",
                           code="still_streaming")

    async def stream(self, battle_id: str, *, voter_key: str) -> AsyncGenerator[Event, None]:
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
            run = self._turn_run(battle, turn)
            run.start()
            claimed = False
            try:
                claimed = await self.store.claim_turn(turn.id,
                                                      lease_s=self.settings.turn_lease_s)
            finally:
                if not claimed:
                    await run.abandon()
            if claimed:
                self._runs[turn.id] = run
                self.metrics.run_started()
                run.launch(functools.partial(self._forget, turn.id))
                return run.subscribe()
        if battle is fresh:  # claimed meanwhile (a second tab, another worker): the real state
            return await self.stream(battle_id, voter_key=voter_key)
        joined = self._runs.get(turn.id)
        if joined is not None:
            return joined.subscribe()
        return self._replay(battle_id, voter_key, turn.id)

    def _forget(self, turn_id: int) -> None:
        if self._runs.pop(turn_id, None) is not None:
            self.metrics.run_ended()

    async def _replay(self, battle_id: str, voter_key: str,
                      turn_id: int) -> AsyncGenerator[Event, None]:
        # Another worker runs this turn: wait for it to settle, then replay from the store.
        # A runner that stops renewing its lease is dead: its turn is settled here.
        deadline = time.monotonic() + self.settings.answer_timeout_s + 30
        while (state := await self.store.turn_state(turn_id)) is not None and \
                state.status in ("pending", "running"):
            if state.status == "running" and self._lease_over(state):
                await self.sweep_dead_turns(turn_id=turn_id)
            elif time.monotonic() > deadline:
                break
            await asyncio.sleep(0.25)
        battle = await self._owned(battle_id, voter_key)
        turn = next(t for t in battle.turns if t.id == turn_id)
        for side in SIDES:
            ans = turn.answers.get(side)
            if ans and ans.text:
                yield "delta", {"side": side, "text": ans.text}
            if ans and ans.status == "done":
                yield "done", {"side": side, "finish_reason": ans.finish_reason or "stop"}
            else:
                code = errors.public_code(ans.error_code if ans else errors.INCOMPLETE)
                yield "error", {"side": side, "code": code,
                                "message": errors.public_message(code, side)}
        yield "end", {"turn": turn.idx, "status": turn.status,
                      "votable": turn.status == "done", "replayed": True}

    async def vote(self, battle_id: str, winner: Winner, *, voter_key: str,
                   ip_hash: str | None, proof: VoteProof | None = None,
                   remote_ip: str | None = None, identity: str | None = None) -> VoteOutcome:
        """``ip_hash`` is the keyed address network (what the caps count per address);
        ``proof`` is what the page paid (human check, proof-of-work) when the gate asks;
        ``identity`` an invited or signed-in voter's (capped as itself, not per address).
        A refused vote is counted by its code (the metrics)."""
        try:
            return await self._vote(battle_id, winner, voter_key=voter_key, ip_hash=ip_hash,
                                    proof=proof, remote_ip=remote_ip, identity=identity)
        except errors.ArenaError as exc:
            self.metrics.vote_refused(exc.code)
            raise

    async def _vote(self, battle_id: str, winner: Winner, *, voter_key: str,
                    ip_hash: str | None, proof: VoteProof | None,
                    remote_ip: str | None, identity: str | None) -> VoteOutcome:
        if winner not in WINNERS:
            raise BadRequest(f"Winner must be one of {', '.join(WINNERS)}", code="bad_winner")
        if not _BATTLE_ID.match(battle_id):
            raise NotFound("No such battle; start a new one", code="battle_not_found")
        outcome: list[VoteOutcome] = []
        charged: list[CapDecision] = []

        async def decide(battle: BattleRecord | None) -> VoteRecord:
            # On the battle as the store read it; the write is conditional on it still
            # being open. The rules first, then the price, then the caps.
            record, result = self._vote_record(battle, battle_id, winner, voter_key, ip_hash)
            await self.gate.verify(battle_id, proof or VoteProof(), remote_ip)
            if record.counted:
                cap = await self.gate.charge(
                    voter=voter_key, network=ip_hash,
                    read_votes=functools.partial(self.store.read_votes, voter_key),
                    identity=identity)
                charged.append(cap)
                if not cap.counted:
                    record.counted, record.excluded_reason = False, "vote_cap"
                    result = dataclasses.replace(result, counted=False,
                                                 excluded_reason="vote_cap")
            outcome.append(result)
            return record

        try:
            stored = await self.store.record_vote(battle_id, decide)
        except Conflict:
            # Another vote of this battle was written first: this one is not stored, so
            # it must not use up the voter's or the address's allowance either.
            for cap in charged:
                await self.gate.refund(cap, voter=voter_key, network=ip_hash,
                                       identity=identity)
            raise
        self.metrics.vote(winner, stored.excluded_reason, bool(stored.too_fast))
        return outcome[0]

    def _vote_record(self, battle: BattleRecord | None, battle_id: str, winner: Winner,
                     voter_key: str, ip_hash: str | None) -> tuple[VoteRecord, VoteOutcome]:
        """Every rule a vote must pass, in order; the row to store and what to answer."""
        if battle is None:
            raise NotFound("No such battle; start a new one", code="battle_not_found")
        if not secrets.compare_digest(battle.voter_key, voter_key):
            raise Forbidden("This battle belongs to another voter", code="not_your_battle")
        self._require_open(battle)
        latest = battle.latest
        assert latest is not None
        self._require_finished(latest)
        if latest.status == "incomplete":
            raise Conflict("The answers were interrupted; regenerate them before voting",
                           code="incomplete")
        if latest.status != "done":
            raise Conflict("A model failed to answer, so this battle cannot be voted on; "
                           "regenerate or start a new round", code="battle_failed")
        leak_side = _leak_side(battle)
        counted = leak_side is None
        reason: ExcludedReason | None = None if counted else "identity_leak"
        prompts = [t.prompt for t in battle.turns]
        texts = {s: [t.text(s) for t in battle.turns] for s in SIDES}
        now = utcnow()
        seconds = (now - latest.finished_at).total_seconds() if latest.finished_at else None
        too_fast = None
        if latest.claimed_at is not None:  # reading starts with the first streamed words
            words = sum(len(a.text.split()) for a in latest.answers.values())
            reading_s = (now - latest.claimed_at).total_seconds()
            too_fast = reading_s < max(1.0, words / self.settings.fast_vote_words_per_s)
        record = VoteRecord(
            battle_id=battle_id, voter_key=voter_key, ip_hash=ip_hash,
            model_a=battle.model_a, model_b=battle.model_b, winner=winner, counted=counted,
            excluded_reason=reason, leak_side=leak_side,
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
        return record, VoteOutcome(battle.model_a, battle.model_b, counted, reason, leak_side,
                                   explanation)

    # --- dead runners ------------------------------------------------------------------

    def _lease_over(self, state: TurnState) -> bool:
        now = utcnow()
        if state.lease_until is not None:
            return state.lease_until < now
        legacy = now - timedelta(seconds=self.settings.stale_turn_s)
        return state.claimed_at is not None and state.claimed_at < legacy

    async def sweep_dead_turns(self, *, turn_id: int | None = None) -> int:
        """Settle as ``incomplete`` every running turn (or just ``turn_id``) whose runner
        stopped renewing its lease, with the text it had streamed, each answer judged for
        leaks. Turns this worker runs itself are left alone: their runner is alive even if
        a stalled event loop let a renewal slip. Returns how many were settled here."""
        now = utcnow()
        legacy = now - timedelta(seconds=self.settings.stale_turn_s)
        settled = 0
        for dead in await self.store.dead_turns(now=now, legacy_before=legacy,
                                                turn_id=turn_id):
            if dead.id in self._runs:
                continue
            records = await self._dead_answers(dead)
            if await self.store.settle_dead_turn(dead.id, records, now=now,
                                                 legacy_before=legacy):
                settled += 1
                log.warning("turn %s of battle %s: its runner stopped renewing its lease; "
                            "marked incomplete", dead.id, dead.battle_id)
        return settled

    async def _dead_answers(self, dead: DeadTurn) -> list[AnswerRecord]:
        battle = await self.store.get_battle(dead.battle_id)
        prompts = [t.prompt for t in battle.turns if t.idx <= dead.idx] if battle else []
        records = []
        for side in SIDES:
            text = dead.partial[side]
            leak = (self.identity.check(dead.models[side], answers=[text], prompts=prompts)
                    if text else None)
            records.append(AnswerRecord(side=side, model=dead.models[side], text=text,
                                        status="incomplete", error_code=errors.INCOMPLETE,
                                        leak_term=leak.term if leak else None))
        return records

    def start_sweeper(self) -> None:
        """Look for dead runners' turns once a lease, for as long as the service runs."""
        self._sweeper.start()

    async def shutdown(self) -> None:
        """Cancel runs in flight; each records its partial answers as incomplete."""
        await self._sweeper.stop()
        runs = [r.task for r in self._runs.values() if r.task]
        for t in runs:
            t.cancel()
        await asyncio.gather(*runs, return_exceptions=True)
        await self.health.aclose()


def _leak_side(battle: BattleRecord) -> LeakSide | None:
    a, b = "a" in battle.leaks, "b" in battle.leaks
    return "ab" if a and b else "a" if a else "b" if b else None
