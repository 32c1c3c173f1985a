"""The store: every read and write of the arena's tables, each write one transaction.

Routes, the battle service, the leaderboard and the export never touch tables or the
engine themselves. The rules that must hold under concurrency (one vote per battle, one
runner per turn, a bounded number of turns) are enforced here with conditional UPDATEs
and unique constraints, so they hold across any number of app workers sharing the
database. Records go in and come out as the dataclasses of ``arena.store.records``.

(About 400 lines on purpose: one class is the one door to the tables. The dialect
difference lives in ``dialect.py``, the integrity checks in ``check.py`` and the detection
verdicts in ``verdicts.py``; what is left is one short method per read or write.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select, true, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from arena.errors import Conflict
from arena.integrity.counters import SqlCounters
from arena.store import admin, history, sharing, tally, verdicts
from arena.store.check import find_problems
from arena.store.dialect import dialect_for, lease_expired
from arena.store.records import (
    AnswerRecord,
    BattleActivity,
    BattleRecord,
    BoardSnapshot,
    Conversation,
    CountedVote,
    DeadTurn,
    JudgedVote,
    OwnVote,
    Problem,
    ReviewedVote,
    StoredBattle,
    TurnState,
    TurnView,
    VerdictChange,
    VoteRecord,
    VoteTotals,
    VoteView,
    aware,
    maybe_aware,
    utcnow,
)
from arena.tables import answers, battles, settings_table, turns, votes
from arena.types import SIDES, ExcludedReason, Review, Side, TurnStatus


def _labelled(table: Any, prefix: str) -> list[Any]:
    return [c.label(prefix + c.name) for c in table.c]


# A battle with its turns (every attempt), their answers and its vote: one round trip.
_LOAD_BATTLE = (
    select(*_labelled(battles, "b_"), *_labelled(turns, "t_"), *_labelled(answers, "a_"),
           *_labelled(votes, "v_"))
    .select_from(battles)
    .outerjoin(turns, turns.c.battle_id == battles.c.id)
    .outerjoin(answers, answers.c.turn_id == turns.c.id)
    .outerjoin(votes, votes.c.battle_id == battles.c.id)
    .where(battles.c.id == bindparam("battle_id"))
    .order_by(turns.c.idx, turns.c.attempt, answers.c.id))
_CLAIM_TURN = (update(turns)
               .where(and_(turns.c.id == bindparam("turn_id"), turns.c.status == "pending"))
               .values(status="running", claimed_at=bindparam("now"),
                       lease_until=bindparam("lease")))
# One statement per renewal, the lease and the text so far together, never per token.
_RENEW_TURN = (update(turns)
               .where(and_(turns.c.id == bindparam("turn_id"), turns.c.status == "running"))
               .values(lease_until=bindparam("lease"), partial=bindparam("text")))
_TURN_STATE = select(turns.c.status, turns.c.lease_until, turns.c.claimed_at).where(
    turns.c.id == bindparam("turn_id"))


def _answer(row: Row[Any]) -> AnswerRecord:
    return AnswerRecord(
        side=row.a_side, model=row.a_model, text=row.a_text, status=row.a_status,
        error_code=row.a_error_code, finish_reason=row.a_finish_reason,
        input_tokens=row.a_input_tokens, output_tokens=row.a_output_tokens,
        ttft_ms=row.a_ttft_ms, total_ms=row.a_total_ms, leak_term=row.a_leak_term)


def _vote(row: Row[Any]) -> VoteView | None:
    if row.v_id is None:
        return None
    return VoteView(id=row.v_id, winner=row.v_winner, model_a=row.v_model_a,
                    model_b=row.v_model_b, counted=row.v_counted,
                    excluded_reason=row.v_excluded_reason, leak_side=row.v_leak_side,
                    created_at=aware(row.v_created_at))


class Store:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._dialect = dialect_for(engine)
        self._single = self._dialect.single

    async def instance_value(self, key: str, default: str) -> str:
        """The deployment-wide value of ``key``; the first worker to ask stores ``default``
        and every other worker (and every restart) reads that same value back."""
        stmt = self._dialect.upsert_ignore().values(key=key, value=default)
        async with self.engine.begin() as conn:
            await conn.execute(stmt.on_conflict_do_nothing(index_elements=["key"]))
            value: str = (await conn.execute(select(settings_table.c.value)
                                             .where(settings_table.c.key == key))).scalar_one()
        return value

    # --- battles and turns -----------------------------------------------------------

    async def create_battle(self, *, battle_id: str, voter_key: str, ip_hash: str | None,
                            model_a: str, model_b: str, propensity: float, prompt: str,
                            categories: Sequence[str]) -> BattleRecord:
        """Insert the battle and its first turn; return it as ``get_battle`` would."""
        now = utcnow()
        battle = {"id": battle_id, "voter_key": voter_key, "ip_hash": ip_hash,
                  "model_a": model_a, "model_b": model_b, "propensity": propensity,
                  "status": "active", "turn_count": 1, "categories": list(categories),
                  "created_at": now, "updated_at": now}
        turn = {"idx": 0, "attempt": 0, "prompt": prompt, "status": "pending",
                "created_at": now}
        turn_id = await self._dialect.create_battle(battle, turn)
        first = TurnView(id=turn_id, idx=0, attempt=0, prompt=prompt, status="pending",
                         finished_at=None)
        return BattleRecord(id=battle_id, voter_key=voter_key, model_a=model_a,
                            model_b=model_b, propensity=propensity, status="active",
                            turn_count=1, categories=list(categories), created_at=now,
                            turns=[first], vote=None, attempts=[first])

    async def get_battle(self, battle_id: str) -> BattleRecord | None:
        async with self._single.connect() as conn:
            return await self._load_battle(conn, battle_id)

    async def _load_battle(self, conn: AsyncConnection, battle_id: str) -> BattleRecord | None:
        rows = (await conn.execute(_LOAD_BATTLE, {"battle_id": battle_id})).all()
        if not rows:
            return None
        attempts: dict[int, TurnView] = {}  # turn id → view, every attempt
        latest: dict[int, TurnView] = {}  # idx → latest attempt (rows ordered by attempt)
        leaks: dict[Side, str] = {}
        for row in rows:
            tid = row.t_id
            if tid is None:
                continue
            view = attempts.get(tid)
            if view is None:
                view = attempts[tid] = TurnView(
                    id=tid, idx=row.t_idx, attempt=row.t_attempt, prompt=row.t_prompt,
                    status=row.t_status, finished_at=maybe_aware(row.t_finished_at),
                    claimed_at=maybe_aware(row.t_claimed_at))
                latest[view.idx] = view
            if row.a_id is not None:
                # Any attempt the voter was shown may have given its model away.
                if row.a_leak_term is not None:
                    leaks.setdefault(row.a_side, row.a_leak_term)
                view.answers[row.a_side] = _answer(row)
        b = rows[0]
        return BattleRecord(
            id=b.b_id, voter_key=b.b_voter_key, model_a=b.b_model_a, model_b=b.b_model_b,
            propensity=b.b_propensity, status=b.b_status, turn_count=b.b_turn_count,
            categories=list(b.b_categories or []), created_at=aware(b.b_created_at),
            turns=[latest[i] for i in sorted(latest)], vote=_vote(b), leaks=leaks,
            attempts=list(attempts.values()))

    async def add_turn(self, battle_id: str, *, expected_turns: int, prompt: str,
                       categories: Sequence[str]) -> None:
        """Append turn number ``expected_turns``; refuses if anyone else moved first."""
        now = utcnow()
        async with self.engine.begin() as conn:
            res = await conn.execute(
                update(battles)
                .where(and_(battles.c.id == battle_id, battles.c.status == "active",
                            battles.c.turn_count == expected_turns))
                .values(turn_count=expected_turns + 1, updated_at=now,
                        categories=list(categories)))
            if res.rowcount != 1:
                raise Conflict("The battle changed meanwhile; reload it", code="battle_changed")
            await conn.execute(turns.insert().values(
                battle_id=battle_id, idx=expected_turns, attempt=0, prompt=prompt,
                status="pending", created_at=now))

    async def regenerate(self, battle_id: str, turn: TurnView) -> None:
        now = utcnow()
        async with self.engine.begin() as conn:
            res = await conn.execute(
                update(battles)
                .where(and_(battles.c.id == battle_id, battles.c.status == "active"))
                .values(updated_at=now))
            if res.rowcount != 1:
                raise Conflict("This battle has already been voted on", code="already_voted")
            try:
                await conn.execute(turns.insert().values(
                    battle_id=battle_id, idx=turn.idx, attempt=turn.attempt + 1,
                    prompt=turn.prompt, status="pending", created_at=now))
            except IntegrityError:
                raise Conflict("The answers are already being regenerated",
                               code="battle_changed") from None

    async def claim_turn(self, turn_id: int, *, lease_s: float) -> bool:
        """Move a pending turn to running, holding a lease of ``lease_s``. True for exactly
        one caller, on any worker."""
        now = utcnow()
        async with self._single.begin() as conn:  # autocommit on PostgreSQL: one statement
            res = await conn.execute(_CLAIM_TURN, {"turn_id": turn_id, "now": now,
                                                   "lease": now + timedelta(seconds=lease_s)})
            return res.rowcount == 1

    async def renew_turn(self, turn_id: int, *, lease_s: float,
                         partial: Mapping[Side, str]) -> bool:
        """Extend a running turn's lease and store each side's text so far, in one
        statement. False when the turn is no longer running (settled, or swept)."""
        lease = utcnow() + timedelta(seconds=lease_s)
        async with self._single.begin() as conn:
            res = await conn.execute(_RENEW_TURN, {"turn_id": turn_id, "lease": lease,
                                                   "text": dict(partial)})
            return res.rowcount == 1

    async def finish_turn(self, turn_id: int, status: TurnStatus,
                          records: Sequence[AnswerRecord]) -> bool:
        """Settle a running turn with its answers; False (nothing written) when it was no
        longer running."""
        return await self._dialect.finish_turn(turn_id, status, records)

    async def settle_dead_turn(self, turn_id: int, records: Sequence[AnswerRecord], *,
                               now: datetime, legacy_before: datetime) -> bool:
        """Settle a turn whose runner died as ``incomplete`` with ``records``, only while it
        is still running with its lease expired (as ``dead_turns`` found it): a runner
        that renewed meanwhile is alive and keeps its turn."""
        return await self._dialect.finish_turn(turn_id, "incomplete", records,
                                               dead=(now, legacy_before))

    async def turn_state(self, turn_id: int) -> TurnState | None:
        async with self._single.connect() as conn:
            row = (await conn.execute(_TURN_STATE, {"turn_id": turn_id})).first()
        if row is None:
            return None
        return TurnState(status=row.status, lease_until=maybe_aware(row.lease_until),
                         claimed_at=maybe_aware(row.claimed_at))

    async def dead_turns(self, *, now: datetime, legacy_before: datetime,
                         turn_id: int | None = None) -> list[DeadTurn]:
        """Running turns whose lease ran out before ``now`` (or, claimed before leases
        existed, with a claim older than ``legacy_before``), with the text streamed so far."""
        cond = and_(turns.c.status == "running", lease_expired(now, legacy_before))
        if turn_id is not None:
            cond = and_(cond, turns.c.id == turn_id)
        async with self._single.connect() as conn:
            rows = (await conn.execute(
                select(turns.c.id, turns.c.battle_id, turns.c.idx, turns.c.partial,
                       battles.c.model_a, battles.c.model_b)
                .join(battles, battles.c.id == turns.c.battle_id).where(cond))).all()
        return [DeadTurn(id=r.id, battle_id=r.battle_id, idx=r.idx,
                         models={"a": r.model_a, "b": r.model_b},
                         partial={s: str((r.partial or {}).get(s, "")) for s in SIDES})
                for r in rows]

    # --- votes -------------------------------------------------------------------------

    async def record_vote(self, battle_id: str,
                          decide: Callable[[BattleRecord | None], Awaitable[VoteRecord]],
                          ) -> VoteRecord:
        """Read the battle, let ``decide`` check it (it raises to refuse), then write the
        vote and the battle's status at once, or nothing. The write is conditional on the
        battle still being active, so a vote racing this one gets ``already_voted``.
        ``decide`` is awaited outside any transaction (it may ask a verifier or a counter)."""
        v = await decide(await self.get_battle(battle_id))
        await self._dialect.vote(v)
        return v

    async def read_votes(self, voter_key: str) -> int:
        """The voter's votes that were not too fast (one indexed count): what makes a
        cookie established for the vote caps."""
        async with self._single.connect() as conn:
            n = (await conn.execute(select(func.count()).select_from(votes).where(
                votes.c.voter_key == voter_key, votes.c.too_fast.is_(False)))).scalar()
        return int(n or 0)

    def counters(self) -> SqlCounters:
        """Shared counters (vote caps, spent proof-of-work) in this database."""
        return SqlCounters(self.engine)

    async def check(self) -> list[Problem]:
        """Every broken invariant of the votes (``arena db check``); empty when all hold."""
        async with self.engine.connect() as conn:
            return await find_problems(conn)

    # --- reading for the leaderboard and the export --------------------------------------

    async def newest_vote_id(self) -> int:
        """The vote *version*: one indexed ``max(id)``, cheap at any size."""
        async with self._single.connect() as conn:
            newest = (await conn.execute(select(func.max(votes.c.id)))).scalar()
        return int(newest or 0)

    async def counted_votes(self, after_id: int = 0, up_to_id: int | None = None, *,
                            with_manipulated: bool = False) -> list[CountedVote]:
        """Counted votes with ``after_id < id <= up_to_id``, oldest first;
        ``with_manipulated`` adds the votes the detection job judged manipulated (not
        those an operator pinned excluded), marked ``counted=False``, for down-weighting."""
        which: Any = votes.c.counted.is_(True)
        if with_manipulated:
            which = or_(which, and_(votes.c.excluded_reason == "manipulation",
                                    votes.c.review.is_(None)))
        cond = and_(which, votes.c.id > after_id)
        if up_to_id is not None:
            cond = and_(cond, votes.c.id <= up_to_id)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(
                select(votes.c.id, votes.c.model_a, votes.c.model_b, votes.c.winner,
                       votes.c.propensity, votes.c.conv_metadata, votes.c.categories,
                       votes.c.created_at, votes.c.turns, votes.c.voter_key,
                       votes.c.ip_hash, votes.c.counted, votes.c.battle_id)
                .where(cond).order_by(votes.c.id))).all()
        return [CountedVote(id=r.id, model_a=r.model_a, model_b=r.model_b, winner=r.winner,
                            propensity=r.propensity, conv_metadata=r.conv_metadata,
                            categories=list(r.categories or []),
                            created_at=aware(r.created_at), turns=r.turns,
                            voter_key=r.voter_key, ip_hash=r.ip_hash, counted=r.counted,
                            battle_id=r.battle_id)
                for r in rows]

    async def own_votes(self, voter_key: str) -> list[OwnVote]:
        """The voter's votes as it was told of them, oldest first (its personal board's
        data): all but its leaks, the one exclusion a vote's answer tells. A cap and a
        probation are told as counted (``TOLD_AS_COUNTED``), and the detection job's
        verdicts and an operator's come later and are never told; a board without those
        votes would tell a scripted voter its cap, or that it was caught. Only voted
        battles have a vote, so no unrevealed pairing is read."""
        kept = or_(votes.c.excluded_reason.is_(None),
                   votes.c.excluded_reason != "identity_leak")
        async with self.engine.connect() as conn:
            rows = (await conn.execute(
                select(votes.c.id, votes.c.model_a, votes.c.model_b, votes.c.winner)
                .where(votes.c.voter_key == voter_key, kept)
                .order_by(votes.c.id))).all()
        return [OwnVote(id=r.id, model_a=r.model_a, model_b=r.model_b, winner=r.winner)
                for r in rows]

    # --- the board over time -----------------------------------------------------------

    async def add_snapshot(self, snapshot: BoardSnapshot) -> int | None:
        """Store a snapshot of the board; None (nothing written) when it is a daily one
        and that day's snapshot of that board is already stored (by any worker)."""
        return await history.add_snapshot(self.engine, snapshot)

    async def has_snapshot(self, variant: str, day: date) -> bool:
        return await history.has_snapshot(self._single, variant, day)

    async def snapshots(self, variant: str, *, since: datetime | None = None,
                        until: datetime | None = None, limit: int = 366) -> list[BoardSnapshot]:
        """The newest ``limit`` snapshots taken in ``[since, until]``, oldest first."""
        return await history.snapshots(self._single, variant, since=since, until=until,
                                       limit=limit)

    async def snapshot(self, variant: str, *, snapshot_id: int | None = None,
                       day: date | None = None) -> BoardSnapshot | None:
        """One snapshot: by id, or the daily one of ``day``; None when there is none."""
        return await history.snapshot(self._single, variant, snapshot_id=snapshot_id, day=day)

    # --- the operator console -----------------------------------------------------------

    async def audit_log(self, *, limit: int = 100, offset: int = 0) -> list[admin.AuditEntry]:
        return await admin.audit_log(self._single, limit=limit, offset=offset)

    async def search_battles(self, *, q: str | None = None, model: str | None = None,
                             status: str | None = None, category: str | None = None,
                             limit: int = 50, offset: int = 0,
                             ) -> tuple[list[admin.BattleRow], int]:
        return await admin.search_battles(self._single, q=q, model=model, status=status,
                                          category=category, limit=limit, offset=offset)

    async def model_uses(self) -> list[admin.ModelUse]:
        return await admin.model_uses(self._single)

    async def add_refusal(self, *, voter_key: str, ip_hash: str | None,
                          battle_id: str | None, prompt: str, reason: str) -> None:
        """Keep a prompt the moderation hook refused, for the console."""
        await admin.add_refusal(self._single, voter_key=voter_key, ip_hash=ip_hash,
                                battle_id=battle_id, prompt=prompt, reason=reason)

    async def refusals(self, *, limit: int = 100, offset: int = 0) -> list[admin.Refusal]:
        return await admin.refusals(self._single, limit=limit, offset=offset)

    async def model_controls(self) -> dict[str, admin.ModelControl]:
        """The operators' live controls, by model."""
        return await admin.model_controls(self._single)

    async def set_model_control(self, model: str, changes: dict[str, Any], *, note: str,
                                actor: str) -> admin.ModelControl:
        return await admin.set_model_control(self.engine, model, changes, note=note,
                                             actor=actor)

    # --- shared battles ----------------------------------------------------------------

    async def share_battle(self, battle_id: str, slug: str) -> str:
        """Share the battle (under ``slug`` if it is not shared yet): its slug."""
        return await sharing.share(self.engine, battle_id, slug)

    async def shared_slug(self, battle_id: str) -> str | None:
        return await sharing.slug_of(self._single, battle_id)

    async def shared_battle(self, slug: str) -> BattleRecord | None:
        """The battle shared under ``slug``, or None."""
        battle_id = await sharing.battle_of(self._single, slug)
        return None if battle_id is None else await self.get_battle(battle_id)

    async def unshare_battle(self, battle_id: str) -> bool:
        return await sharing.unshare(self.engine, battle_id)

    # --- anti-rigging: the detection job's reads and verdicts, operator pins ------------

    async def judged_votes(self) -> list[JudgedVote]:
        """Every vote the detection job may judge (counted, or out as manipulated)."""
        return await verdicts.judged_votes(self.engine)

    async def battle_activity(self) -> BattleActivity:
        return await verdicts.battle_activity(self.engine)

    async def apply_verdicts(self, judged: Sequence[JudgedVote], manipulated: set[int],
                             judged_up_to: int = 0,
                             held: frozenset[int] | set[int] = frozenset()) -> VerdictChange:
        return await verdicts.apply_verdicts(self.engine, judged, manipulated, judged_up_to,
                                             held)

    async def verdict_state(self) -> tuple[int, int]:
        """(``verdicts_version``, bumped by every change of a verdict or a pin — old votes
        changed their count —, and the newest vote id the detection job has judged)."""
        return await verdicts.verdict_state(self._single)

    async def set_review(self, battle_id: str, review: Review | None,
                         note: str, *, actor: str | None = None) -> ReviewedVote:
        """Pin a vote (``None``: unpin); with ``actor``, audited in the same transaction."""
        return await verdicts.set_review(self.engine, battle_id, review, note, actor=actor)

    async def reviews(self, reason: ExcludedReason | None = None,
                      limit: int = 100) -> list[ReviewedVote]:
        return await verdicts.reviews(self.engine, reason, limit)

    async def vote_totals(self, up_to_id: int | None = None) -> VoteTotals:
        """Votes counted and excluded (by reason), of those with ``id <= up_to_id``: the
        leaderboard asks for the same votes its board was computed from."""
        by_kind = select(votes.c.counted, votes.c.excluded_reason, func.count())
        newest = select(func.max(votes.c.id))
        if up_to_id is not None:
            by_kind = by_kind.where(votes.c.id <= up_to_id)
            newest = newest.where(votes.c.id <= up_to_id)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(
                by_kind.group_by(votes.c.counted, votes.c.excluded_reason))).all()
            last = (await conn.execute(newest)).scalar()
        counted = sum(n for c, _, n in rows if c)
        excluded: dict[str, int] = {}
        for c, reason, n in rows:
            if not c:
                excluded[reason or "unknown"] = excluded.get(reason or "unknown", 0) + n
        return VoteTotals(counted_votes=counted, excluded_votes=excluded,
                          last_vote_id=int(last or 0))

    async def vote_states(self) -> VoteTotals:
        """Every stored vote now, counted or by reason excluded (``/metrics``)."""
        return await tally.vote_states(self.engine)

    async def battle_records(self, *, include_excluded: bool, with_conversations: bool = True,
                             up_to_vote_id: int | None = None) -> list[StoredBattle]:
        """Voted battles, oldest vote first (only votes up to ``up_to_vote_id`` when given:
        a board snapshot's). Without conversations it is one query (the public download);
        with them (the voters' prompts and both answers) three, whatever the size."""
        cond: Any = true() if include_excluded else votes.c.counted.is_(True)
        if up_to_vote_id is not None:
            cond = and_(cond, votes.c.id <= up_to_vote_id)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(votes).where(cond).order_by(votes.c.id))).all()
            convs = (await _conversations(conn, select(votes.c.battle_id).where(cond))
                     if with_conversations else {})
        out = []
        for v in rows:
            conv = convs.get(v.battle_id, {"a": [], "b": []}) if with_conversations else None
            out.append(StoredBattle(
                battle_id=v.battle_id, model_a=v.model_a, model_b=v.model_b,
                winner=v.winner, counted=v.counted, excluded_reason=v.excluded_reason,
                propensity=v.propensity, turns=v.turns, conv_metadata=v.conv_metadata,
                categories=list(v.categories or []), created_at=aware(v.created_at),
                conversation_a=conv["a"] if conv is not None else None,
                conversation_b=conv["b"] if conv is not None else None))
        return out


async def _conversations(conn: AsyncConnection, voted: Any) -> dict[str, dict[Side, Conversation]]:
    """Battle id → both sides' conversations (latest attempt of each turn), for every
    battle ``voted`` (a subquery of battle ids) selects: two queries, whatever the size."""
    rows = (await conn.execute(
        select(turns.c.id, turns.c.battle_id, turns.c.idx, turns.c.prompt)
        .where(turns.c.battle_id.in_(voted))
        .order_by(turns.c.battle_id, turns.c.idx, turns.c.attempt))).all()
    latest: dict[str, dict[int, Any]] = {}
    for r in rows:  # ordered by attempt, so the last one of each turn wins
        latest.setdefault(r.battle_id, {})[r.idx] = r
    texts = {(a.turn_id, a.side): a.text for a in (await conn.execute(
        select(answers.c.turn_id, answers.c.side, answers.c.text)
        .join(turns, turns.c.id == answers.c.turn_id)
        .where(turns.c.battle_id.in_(voted)))).all()}
    out: dict[str, dict[Side, Conversation]] = {}
    for battle_id, by_idx in latest.items():
        conv: dict[Side, Conversation] = {"a": [], "b": []}
        for idx in sorted(by_idx):
            t = by_idx[idx]
            for side in SIDES:
                conv[side].append({"role": "user", "content": t.prompt})
                conv[side].append({"role": "assistant",
                                   "content": texts.get((t.id, side), "")})
        out[battle_id] = conv
    return out
