"""The store: every read and write of the arena's tables, each write one transaction.

Routes and the battle service never open transactions themselves. The rules that must
hold under concurrency (one vote per battle, one runner per turn, a bounded number of
turns) are enforced here with conditional UPDATEs and unique constraints, so they hold
across any number of app workers sharing the database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, literal_column, select, union_all, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from arena.errors import Conflict
from arena.tables import answers, battles, pair_counts, settings_table, turns, votes

FINISHED_TURN = ("done", "failed", "incomplete")


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(dt: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    if dt is None or dt.tzinfo is not None:
        return dt
    return dt.replace(tzinfo=UTC)


@dataclass(slots=True)
class AnswerRecord:
    side: str
    model: str
    text: str
    status: str  # done | error | incomplete
    error_code: str | None = None
    finish_reason: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    ttft_ms: float | None = None
    total_ms: float | None = None
    leak_term: str | None = None


@dataclass(slots=True)
class TurnView:
    id: int
    idx: int
    attempt: int
    prompt: str
    status: str
    finished_at: datetime | None
    claimed_at: datetime | None = None
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(slots=True)
class BattleRecord:
    id: str
    voter_key: str
    model_a: str
    model_b: str
    propensity: float
    status: str
    turn_count: int
    categories: list[str]
    created_at: datetime
    turns: list[TurnView]  # latest attempt of each turn, in order
    vote: dict[str, Any] | None
    leaks: dict[str, str] = field(default_factory=dict)  # side → first term it gave away

    @property
    def latest(self) -> TurnView | None:
        return self.turns[-1] if self.turns else None


@dataclass(slots=True)
class VoteRecord:
    battle_id: str
    voter_key: str
    ip_hash: str | None
    model_a: str
    model_b: str
    winner: str
    counted: bool
    excluded_reason: str | None
    leak_side: str | None
    propensity: float
    turns: int
    conv_metadata: dict[str, Any] | None
    categories: list[str]
    seconds_to_vote: float | None
    too_fast: bool | None = None


def _labelled(table: Any, prefix: str) -> list[Any]:
    return [c.label(prefix + c.name) for c in table.c]


def _prefixed(row: Any, prefix: str) -> dict[str, Any]:
    n = len(prefix)
    return {k[n:]: v for k, v in row._mapping.items() if k.startswith(prefix)}


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


def _upsert(dialect: str):  # noqa: ANN202 - returns a dialect's insert construct
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


_COUNT_COLUMN = {"a": "wins_a", "b": "wins_b", "tie": "ties", "both_bad": "both_bad"}


def _bump_pair(dialect: str, winner: str) -> Any:
    """The aggregate upsert for one kind of outcome: +1 in its column of the pair's row."""
    col = _COUNT_COLUMN[winner]
    zero = {c: 0 for c in _COUNT_COLUMN.values()}
    stmt = _upsert(dialect)(pair_counts).values(
        model_a=bindparam("model_a"), model_b=bindparam("model_b"), **{**zero, col: 1})
    return stmt.on_conflict_do_update(index_elements=["model_a", "model_b"],
                                      set_={col: getattr(pair_counts.c, col) + 1})


# The hot statements are built once: SQLAlchemy then finds their compiled form in its
# cache without rebuilding and re-keying a new statement object on every call.
_CLOSE_BATTLE = (update(battles)
                 .where(and_(battles.c.id == bindparam("battle_id"),
                             battles.c.status == "active"))
                 .values(status="voted", updated_at=bindparam("now")))
_INSERT_VOTE = votes.insert()
_CLAIM_TURN = (update(turns)
               .where(and_(turns.c.id == bindparam("turn_id"), turns.c.status == "pending"))
               .values(status="running", claimed_at=bindparam("now")))
_SETTLE_TURN = (update(turns)
                .where(and_(turns.c.id == bindparam("turn_id"), turns.c.status == "running"))
                .values(status=bindparam("status"), finished_at=bindparam("now")))
_INSERT_ANSWER = answers.insert()
_INSERT_BATTLE = battles.insert()
_VOTE_FIELDS = tuple(c.name for c in votes.c if c.name not in ("id", "created_at"))
_INSERT_TURN = turns.insert().returning(turns.c.id)


def _pg_create_battle() -> Any:
    """PostgreSQL: the battle and its first turn in one statement (one round trip)."""
    made = (battles.insert()
            .values({c.name: bindparam("b_" + c.name, type_=c.type) for c in battles.c})
            .returning(battles.c.id).cte("made"))
    cols = [c for c in turns.c if c.name not in ("id", "claimed_at", "finished_at")]
    return (turns.insert()
            .from_select([c.name for c in cols],
                         select(*[made.c.id if c.name == "battle_id"
                                  else bindparam("t_" + c.name, type_=c.type) for c in cols])
                         .select_from(made))
            .returning(turns.c.id))


def _pg_vote(winner: str) -> Any:
    """PostgreSQL: close the battle, insert the vote and bump the pair's aggregate in one
    statement. Each step feeds on the rows of the one before, so a battle that is no
    longer active writes nothing at all (``voted`` = 0); one statement is atomic."""
    # Every parameter is named "p_…": SQLAlchemy turns execute parameters named like a
    # column into SET columns of a DML CTE that has no explicit values. Constants are
    # written into the SQL (literal_column), not bound.
    col = _COUNT_COLUMN[winner]
    one, zero = literal_column("1"), literal_column("0")
    closed = (update(battles)
              .where(and_(battles.c.id == bindparam("p_battle_id"),
                          battles.c.status == literal_column("'active'")))
              .values(status=literal_column("'voted'"), updated_at=bindparam("p_created_at"))
              .returning(battles.c.id).cte("closed"))
    cols = [c for c in votes.c if c.name != "id"]
    cast = {c.name: c.type for c in cols}
    ins = (votes.insert()
           .from_select([c.name for c in cols],
                        select(*[closed.c.id if c.name == "battle_id"
                                 else bindparam("p_" + c.name, type_=c.type) for c in cols])
                        .select_from(closed))
           .returning(votes.c.id, votes.c.counted).cte("ins"))
    counts = list(_COUNT_COLUMN.values())
    bump = (postgresql.insert(pair_counts)
            .from_select(["model_a", "model_b", *counts],
                         select(bindparam("p_model_a", type_=cast["model_a"]),
                                bindparam("p_model_b", type_=cast["model_b"]),
                                *[one if c == col else zero for c in counts])
                         .select_from(ins).where(ins.c.counted))
            .on_conflict_do_update(index_elements=["model_a", "model_b"],
                                   set_={col: pair_counts.c[col] + one})
            .returning(pair_counts.c.model_a).cte("bump"))
    return select(select(func.count()).select_from(ins).scalar_subquery().label("voted"),
                  select(func.count()).select_from(bump).scalar_subquery().label("bumped"))


_ANSWER_FIELDS = ("side", "model", "text", "status", "error_code", "finish_reason",
                  "input_tokens", "output_tokens", "ttft_ms", "total_ms", "leak_term")


def _pg_finish_turn(n: int) -> Any:
    """PostgreSQL: settle a running turn and insert its ``n`` answers in one statement; a
    turn that is no longer running (swept as stale meanwhile) gets no answers, as in the
    two-step version: the first word stands."""
    settled = (update(turns)
               .where(and_(turns.c.id == bindparam("p_turn_id"),
                           turns.c.status == literal_column("'running'")))
               .values(status=bindparam("p_status"), finished_at=bindparam("p_now"))
               .returning(turns.c.id).cte("settled"))
    types = {c.name: c.type for c in answers.c}
    rows = [select(settled.c.id,
                   *[bindparam(f"p{i}_{k}", type_=types[k]) for k in _ANSWER_FIELDS],
                   bindparam("p_now", type_=types["created_at"]))
            .select_from(settled) for i in range(n)]
    return answers.insert().from_select(["turn_id", *_ANSWER_FIELDS, "created_at"],
                                        union_all(*rows) if n > 1 else rows[0])


class Store:
    """On PostgreSQL the hot paths are single statements run outside a transaction
    (``AUTOCOMMIT``): a statement is atomic by itself, and BEGIN and COMMIT would be two
    more round trips — each of which, on a busy worker, waits a turn of the event loop.
    SQLite keeps explicit transactions."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._bump = {w: _bump_pair(self.dialect, w) for w in _COUNT_COLUMN}
        self._pg = self.dialect == "postgresql"
        # The same pool, each checkout in autocommit mode (asyncpg: no BEGIN is sent).
        self._single = engine.execution_options(isolation_level="AUTOCOMMIT") \
            if self._pg else engine
        if self._pg:
            self._pg_create = _pg_create_battle()
            self._pg_votes = {w: _pg_vote(w) for w in _COUNT_COLUMN}
            self._pg_finish: dict[int, Any] = {}

    async def instance_value(self, key: str, default: str) -> str:
        """The deployment-wide value of ``key``; the first worker to ask stores ``default``
        and every other worker (and every restart) reads that same value back."""
        stmt = _upsert(self.dialect)(settings_table).values(key=key, value=default)
        async with self.engine.begin() as conn:
            await conn.execute(stmt.on_conflict_do_nothing(index_elements=["key"]))
            return (await conn.execute(select(settings_table.c.value)
                                       .where(settings_table.c.key == key))).scalar_one()

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
        if self._pg:
            async with self._single.connect() as conn:
                turn_id = (await conn.execute(self._pg_create, {
                    **{"b_" + k: v for k, v in battle.items()},
                    **{"t_" + k: v for k, v in turn.items()}})).scalar_one()
        else:
            async with self.engine.begin() as conn:
                await conn.execute(_INSERT_BATTLE, battle)
                turn_id = (await conn.execute(_INSERT_TURN,
                                              {"battle_id": battle_id, **turn})).scalar_one()
        first = TurnView(id=turn_id, idx=0, attempt=0, prompt=prompt, status="pending",
                         finished_at=None)
        return BattleRecord(id=battle_id, voter_key=voter_key, model_a=model_a,
                            model_b=model_b, propensity=propensity, status="active",
                            turn_count=1, categories=list(categories), created_at=now,
                            turns=[first], vote=None)

    async def get_battle(self, battle_id: str) -> BattleRecord | None:
        async with self._single.connect() as conn:
            return await self._load_battle(conn, battle_id)

    async def _load_battle(self, conn: AsyncConnection, battle_id: str) -> BattleRecord | None:
        rows = (await conn.execute(_LOAD_BATTLE, {"battle_id": battle_id})).all()
        if not rows:
            return None
        b = _prefixed(rows[0], "b_")
        attempts: dict[int, TurnView] = {}  # turn id → view, every attempt
        latest: dict[int, TurnView] = {}  # idx → latest attempt (rows ordered by attempt)
        leaks: dict[str, str] = {}
        for row in rows:
            tid = row.t_id
            if tid is None:
                continue
            view = attempts.get(tid)
            if view is None:
                view = attempts[tid] = TurnView(
                    id=tid, idx=row.t_idx, attempt=row.t_attempt, prompt=row.t_prompt,
                    status=row.t_status, finished_at=aware(row.t_finished_at),
                    claimed_at=aware(row.t_claimed_at))
                latest[view.idx] = view
            if row.a_id is not None:
                # Any attempt the voter was shown may have given its model away.
                if row.a_leak_term is not None:
                    leaks.setdefault(row.a_side, row.a_leak_term)
                view.answers[row.a_side] = _prefixed(row, "a_")
        vote = _prefixed(rows[0], "v_") if rows[0].v_id is not None else None
        return BattleRecord(
            id=b["id"], voter_key=b["voter_key"], model_a=b["model_a"], model_b=b["model_b"],
            propensity=b["propensity"], status=b["status"], turn_count=b["turn_count"],
            categories=list(b["categories"] or []), created_at=aware(b["created_at"]),
            turns=[latest[i] for i in sorted(latest)], vote=vote, leaks=leaks)

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
                raise Conflict("the battle changed meanwhile; reload it", code="battle_changed")
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
                raise Conflict("this battle has already been voted on", code="already_voted")
            try:
                await conn.execute(turns.insert().values(
                    battle_id=battle_id, idx=turn.idx, attempt=turn.attempt + 1,
                    prompt=turn.prompt, status="pending", created_at=now))
            except IntegrityError:
                raise Conflict("the answers are already being regenerated",
                               code="battle_changed") from None

    async def claim_turn(self, turn_id: int) -> bool:
        """Move a pending turn to running. True for exactly one caller, on any worker."""
        async with self._single.begin() as conn:  # autocommit on PostgreSQL: one statement
            res = await conn.execute(_CLAIM_TURN, {"turn_id": turn_id, "now": utcnow()})
            return res.rowcount == 1

    async def finish_turn(self, turn_id: int, status: str,
                          records: Sequence[AnswerRecord]) -> None:
        now = utcnow()
        if self._pg and records:
            # One statement: a transaction of five round trips held its connection across
            # five turns of a busy event loop, and when many answers ended together the
            # pool ran dry for everyone else.
            params: dict[str, Any] = {"p_turn_id": turn_id, "p_status": status, "p_now": now}
            for i, r in enumerate(records):
                params.update({f"p{i}_{k}": getattr(r, k) for k in _ANSWER_FIELDS})
            stmt = self._pg_finish.get(len(records))
            if stmt is None:
                stmt = self._pg_finish[len(records)] = _pg_finish_turn(len(records))
            async with self._single.connect() as conn:
                await conn.execute(stmt, params)
            return
        async with self.engine.begin() as conn:
            res = await conn.execute(_SETTLE_TURN,
                                     {"turn_id": turn_id, "status": status, "now": now})
            if res.rowcount != 1:
                return  # already settled elsewhere (e.g. swept as stale); keep the first word
            for r in records:
                await conn.execute(_INSERT_ANSWER, {
                    "turn_id": turn_id, **{k: getattr(r, k) for k in _ANSWER_FIELDS},
                    "created_at": now})

    async def turn_status(self, turn_id: int) -> str | None:
        async with self._single.connect() as conn:
            return (await conn.execute(
                select(turns.c.status).where(turns.c.id == turn_id))).scalar()

    async def sweep_stale_turns(self, older_than_s: float) -> int:
        """Turns left running by a worker that died are marked incomplete."""
        cutoff = utcnow() - timedelta(seconds=older_than_s)
        async with self.engine.begin() as conn:
            res = await conn.execute(
                update(turns).where(and_(turns.c.status == "running",
                                         turns.c.claimed_at < cutoff))
                .values(status="incomplete", finished_at=utcnow()))
            return res.rowcount

    # --- votes -------------------------------------------------------------------------

    async def record_vote(self, battle_id: str,
                          decide: Callable[[BattleRecord | None], VoteRecord]) -> VoteRecord:
        """Read the battle, let ``decide`` check it (it raises to refuse), then write the
        vote, the battle's status and the aggregates at once, or nothing: one transaction
        on SQLite, one statement on PostgreSQL. The write is conditional on the battle
        still being active, so a vote racing this one gets ``already_voted``."""
        v = decide(await self.get_battle(battle_id))
        if not self._pg:
            async with self.engine.begin() as conn:
                await self._write_vote(conn, v)
            return v
        params = {"p_" + k: getattr(v, k) for k in _VOTE_FIELDS}
        params["p_created_at"] = utcnow()
        try:
            async with self._single.connect() as conn:
                voted = (await conn.execute(self._pg_votes[v.winner], params)).first()
        except IntegrityError:
            voted = None
        if voted is None or voted.voted != 1:
            raise Conflict("this battle has already been voted on", code="already_voted")
        return v

    async def _write_vote(self, conn: AsyncConnection, v: VoteRecord) -> None:
        now = utcnow()
        res = await conn.execute(_CLOSE_BATTLE, {"battle_id": v.battle_id, "now": now})
        if res.rowcount != 1:
            raise Conflict("this battle has already been voted on", code="already_voted")
        try:
            await conn.execute(_INSERT_VOTE, {**{k: getattr(v, k) for k in _VOTE_FIELDS},
                                              "created_at": now})
        except IntegrityError:
            raise Conflict("this battle has already been voted on",
                           code="already_voted") from None
        if v.counted:
            await conn.execute(self._bump[v.winner],
                               {"model_a": v.model_a, "model_b": v.model_b})

    # --- reading for the leaderboard -----------------------------------------------------

    async def counted_votes(self, after_id: int = 0,
                            up_to_id: int | None = None) -> list[dict[str, Any]]:
        """Counted votes with ``after_id < id <= up_to_id``, oldest first."""
        cond = and_(votes.c.counted.is_(True), votes.c.id > after_id)
        if up_to_id is not None:
            cond = and_(cond, votes.c.id <= up_to_id)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(
                select(votes.c.id, votes.c.model_a, votes.c.model_b, votes.c.winner,
                       votes.c.propensity, votes.c.conv_metadata, votes.c.categories,
                       votes.c.created_at, votes.c.turns)
                .where(cond).order_by(votes.c.id))).all()
        return [dict(r._mapping) for r in rows]

    async def pair_totals(self) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(pair_counts))).all()
        return [dict(r._mapping) for r in rows]

    async def vote_totals(self, up_to_id: int | None = None) -> dict[str, Any]:
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
        return {"counted_votes": counted, "excluded_votes": excluded, "last_vote_id": last or 0}

    async def recount(self) -> list[dict[str, Any]]:
        """Differences between ``pair_counts`` and a recount of the votes table."""
        async with self.engine.connect() as conn:
            rows = (await conn.execute(
                select(votes.c.model_a, votes.c.model_b, votes.c.winner, func.count())
                .where(votes.c.counted.is_(True))
                .group_by(votes.c.model_a, votes.c.model_b, votes.c.winner))).all()
            stored = (await conn.execute(select(pair_counts))).all()
        expected: dict[tuple[str, str], dict[str, int]] = {}
        for a, b, w, n in rows:
            cell = expected.setdefault((a, b), {"wins_a": 0, "wins_b": 0, "ties": 0,
                                                "both_bad": 0})
            cell[_COUNT_COLUMN[w]] += n
        diffs = []
        seen = set()
        for s in stored:
            key = (s.model_a, s.model_b)
            seen.add(key)
            got = {k: getattr(s, k) for k in ("wins_a", "wins_b", "ties", "both_bad")}
            want = expected.get(key, {"wins_a": 0, "wins_b": 0, "ties": 0, "both_bad": 0})
            if got != want:
                diffs.append({"pair": list(key), "stored": got, "recount": want})
        for key, want in expected.items():
            if key not in seen:
                diffs.append({"pair": list(key), "stored": None, "recount": want})
        return diffs

    async def export_votes(self) -> list[dict[str, Any]]:
        """Every vote with its battle's prompts, for ``arena export``."""
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(votes).order_by(votes.c.id))).all()
        return [dict(r._mapping) for r in rows]
