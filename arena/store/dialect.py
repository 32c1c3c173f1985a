"""The one place the store's SQL differs by database: the three hot writes.

On PostgreSQL each hot write is a single statement run outside a transaction
(``AUTOCOMMIT``): a statement is atomic by itself, and BEGIN and COMMIT would be two more
round trips — each of which, on a busy worker, waits a turn of the event loop. SQLite
keeps explicit transactions. Both implementations keep the same promises: a battle is
created with its first turn or not at all; a vote is written only while its battle is
active (else ``already_voted``); a turn's answers are written only by the run that still
holds it as running (a turn swept as stale meanwhile keeps the first word); a dead
runner's turn is settled only while its lease is still expired (a runner that renewed
meanwhile is alive, and wins).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from arena.errors import Conflict
from arena.store.records import AnswerRecord, VoteRecord, utcnow
from arena.tables import answers, battles, settings_table, turns, votes
from arena.types import TurnStatus

_ANSWER_FIELDS = tuple(f.name for f in fields(AnswerRecord))
# An operator's review is never part of the vote as cast.
_REVIEW = ("review", "review_note", "reviewed_at")
_VOTE_FIELDS = tuple(c.name for c in votes.c if c.name not in ("id", "created_at", *_REVIEW))


def _already_voted() -> Conflict:
    return Conflict("This battle has already been voted on", code="already_voted")


DeadSince = tuple[datetime, datetime]
"""(now, legacy_before): a lease that ended before ``now``, or no lease and a claim
before ``legacy_before`` (turns claimed before leases existed)."""


def lease_expired(now: Any, legacy_before: Any) -> ColumnElement[bool]:
    """The condition that a running turn's runner is taken for dead."""
    return or_(turns.c.lease_until < now,
               and_(turns.c.lease_until.is_(None), turns.c.claimed_at < legacy_before))


class Dialect(Protocol):
    """The writes whose fastest form depends on the database."""

    #: The engine reads run on: autocommit checkouts on PostgreSQL (no BEGIN is sent).
    single: AsyncEngine

    def upsert_ignore(self) -> Any: ...

    async def create_battle(self, battle: dict[str, Any], turn: dict[str, Any]) -> int: ...

    async def vote(self, v: VoteRecord) -> None: ...

    async def finish_turn(self, turn_id: int, status: TurnStatus,
                          records: Sequence[AnswerRecord],
                          dead: DeadSince | None = None) -> bool: ...


# The hot statements are built once: SQLAlchemy then finds their compiled form in its
# cache without rebuilding and re-keying a new statement object on every call.
_CLOSE_BATTLE = (update(battles)
                 .where(and_(battles.c.id == bindparam("battle_id"),
                             battles.c.status == "active"))
                 .values(status="voted", updated_at=bindparam("now")))
_INSERT_VOTE = votes.insert()
_SETTLE_TURN = (update(turns)
                .where(and_(turns.c.id == bindparam("turn_id"), turns.c.status == "running"))
                .values(status=bindparam("status"), finished_at=bindparam("now"),
                        partial=null()))
_SETTLE_DEAD_TURN = _SETTLE_TURN.where(lease_expired(bindparam("now"), bindparam("legacy")))
_INSERT_ANSWER = answers.insert()
_INSERT_BATTLE = battles.insert()
_INSERT_TURN = turns.insert().returning(turns.c.id)


class SqliteDialect:
    """Explicit transactions, one statement each."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.single = engine

    def upsert_ignore(self) -> Any:
        return sqlite.insert(settings_table)

    async def create_battle(self, battle: dict[str, Any], turn: dict[str, Any]) -> int:
        async with self.engine.begin() as conn:
            await conn.execute(_INSERT_BATTLE, battle)
            turn_id: int = (await conn.execute(
                _INSERT_TURN, {"battle_id": battle["id"], **turn})).scalar_one()
        return turn_id

    async def vote(self, v: VoteRecord) -> None:
        now = utcnow()
        async with self.engine.begin() as conn:
            res = await conn.execute(_CLOSE_BATTLE, {"battle_id": v.battle_id, "now": now})
            if res.rowcount != 1:
                raise _already_voted()
            try:
                await conn.execute(_INSERT_VOTE, {**{k: getattr(v, k) for k in _VOTE_FIELDS},
                                                  "created_at": now})
            except IntegrityError:
                raise _already_voted() from None

    async def finish_turn(self, turn_id: int, status: TurnStatus,
                          records: Sequence[AnswerRecord],
                          dead: DeadSince | None = None) -> bool:
        now = utcnow()
        params: dict[str, Any] = {"turn_id": turn_id, "status": status, "now": now}
        if dead is not None:
            params["now"], params["legacy"] = dead
        async with self.engine.begin() as conn:
            res = await conn.execute(_SETTLE_TURN if dead is None else _SETTLE_DEAD_TURN,
                                     params)
            if res.rowcount != 1:
                return False  # settled elsewhere (or its runner renewed): keep the first word
            for r in records:
                await conn.execute(_INSERT_ANSWER, {
                    "turn_id": turn_id, **{k: getattr(r, k) for k in _ANSWER_FIELDS},
                    "created_at": now})
        return True


def _pg_create_battle() -> Any:
    """The battle and its first turn in one statement (one round trip)."""
    made = (battles.insert()
            .values({c.name: bindparam("b_" + c.name, type_=c.type) for c in battles.c})
            .returning(battles.c.id).cte("made"))
    cols = [c for c in turns.c
            if c.name not in ("id", "claimed_at", "finished_at", "lease_until", "partial")]
    return (turns.insert()
            .from_select([c.name for c in cols],
                         select(*[made.c.id if c.name == "battle_id"
                                  else bindparam("t_" + c.name, type_=c.type) for c in cols])
                         .select_from(made))
            .returning(turns.c.id))


def _pg_vote() -> Any:
    """Close the battle and insert the vote in one statement. The insert feeds on the row
    the update returned, so a battle that is no longer active writes nothing at all
    (``voted`` = 0); one statement is atomic."""
    # Every parameter is named "p_…": SQLAlchemy turns execute parameters named like a
    # column into SET columns of a DML CTE that has no explicit values. Constants are
    # written into the SQL (literal_column), not bound.
    closed = (update(battles)
              .where(and_(battles.c.id == bindparam("p_battle_id"),
                          battles.c.status == literal_column("'active'")))
              .values(status=literal_column("'voted'"), updated_at=bindparam("p_created_at"))
              .returning(battles.c.id).cte("closed"))
    cols = [c for c in votes.c if c.name != "id" and c.name not in _REVIEW]
    ins = (votes.insert()
           .from_select([c.name for c in cols],
                        select(*[closed.c.id if c.name == "battle_id"
                                 else bindparam("p_" + c.name, type_=c.type) for c in cols])
                        .select_from(closed))
           .returning(votes.c.id).cte("ins"))
    return select(select(func.count()).select_from(ins).scalar_subquery().label("voted"))


def _pg_finish_turn(n: int, dead: bool = False) -> Any:
    """Settle a running turn and insert its ``n`` answers in one statement; a turn that is
    no longer running (swept as stale meanwhile) gets no answers, as on SQLite. ``dead``:
    only while its lease is still expired."""
    cond = and_(turns.c.id == bindparam("p_turn_id"),
                turns.c.status == literal_column("'running'"))
    if dead:
        cond = and_(cond, lease_expired(bindparam("p_dead_now"), bindparam("p_legacy")))
    settled = (update(turns).where(cond)
               .values(status=bindparam("p_status"), finished_at=bindparam("p_now"),
                       partial=null())
               .returning(turns.c.id).cte("settled"))
    types = {c.name: c.type for c in answers.c}
    rows = [select(settled.c.id,
                   *[bindparam(f"p{i}_{k}", type_=types[k]) for k in _ANSWER_FIELDS],
                   bindparam("p_now", type_=types["created_at"]))
            .select_from(settled) for i in range(n)]
    return answers.insert().from_select(["turn_id", *_ANSWER_FIELDS, "created_at"],
                                        union_all(*rows) if n > 1 else rows[0])


class PostgresDialect:
    """Single statements on autocommit connections."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        # The same pool, each checkout in autocommit mode (asyncpg: no BEGIN is sent).
        self.single = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._create = _pg_create_battle()
        self._vote = _pg_vote()
        self._finish: dict[tuple[int, bool], Any] = {}

    def upsert_ignore(self) -> Any:
        return postgresql.insert(settings_table)

    async def create_battle(self, battle: dict[str, Any], turn: dict[str, Any]) -> int:
        async with self.single.connect() as conn:
            turn_id: int = (await conn.execute(self._create, {
                **{"b_" + k: v for k, v in battle.items()},
                **{"t_" + k: v for k, v in turn.items()}})).scalar_one()
        return turn_id

    async def vote(self, v: VoteRecord) -> None:
        params = {"p_" + k: getattr(v, k) for k in _VOTE_FIELDS}
        params["p_created_at"] = utcnow()
        try:
            async with self.single.connect() as conn:
                voted = (await conn.execute(self._vote, params)).first()
        except IntegrityError:
            voted = None
        if voted is None or voted.voted != 1:
            raise _already_voted()

    async def finish_turn(self, turn_id: int, status: TurnStatus,
                          records: Sequence[AnswerRecord],
                          dead: DeadSince | None = None) -> bool:
        if not records and dead is None:
            # Nothing to insert: the plain conditional update is already one statement.
            async with self.single.connect() as conn:
                res = await conn.execute(_SETTLE_TURN,
                                         {"turn_id": turn_id, "status": status, "now": utcnow()})
            return bool(res.rowcount == 1)
        # One statement: a transaction of five round trips held its connection across
        # five turns of a busy event loop, and when many answers ended together the
        # pool ran dry for everyone else.
        params: dict[str, Any] = {"p_turn_id": turn_id, "p_status": status, "p_now": utcnow()}
        if dead is not None:
            params["p_dead_now"], params["p_legacy"] = dead
        for i, r in enumerate(records):
            params.update({f"p{i}_{k}": getattr(r, k) for k in _ANSWER_FIELDS})
        key = (len(records), dead is not None)
        stmt = self._finish.get(key)
        if stmt is None:
            stmt = self._finish[key] = _pg_finish_turn(*key)
        async with self.single.connect() as conn:
            res = await conn.execute(stmt, params)
        # The insert feeds on the settled row: answers written means the turn was settled.
        return bool(res.rowcount == len(records))


def dialect_for(engine: AsyncEngine) -> Dialect:
    if engine.dialect.name == "postgresql":
        return PostgresDialect(engine)
    return SqliteDialect(engine)
