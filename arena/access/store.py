"""The database half of ``arena.access``: invites, the identities they and sign-ins give,
and sessions. Every decision is one statement or one transaction in the database, so any
number of workers (and the ``arena invite`` command) see the same state at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from arena.access.keys import (
    INVITE_ID_RE,
    SESSION_TOKEN_RE,
    new_invite_id,
    new_invite_voter_key,
    new_session_token,
    session_id,
)
from arena.errors import ArenaError
from arena.store.admin import add_audit
from arena.store.records import aware, maybe_aware, utcnow
from arena.tables import access_sessions, access_voters, invites, votes

Kind = Literal["invite", "sso"]


class InviteProblem(ArenaError):
    """An invite link that cannot be used: forged, unknown, expired, used up or revoked."""

    code = "invite_invalid"
    status = 403


@dataclass(frozen=True, slots=True)
class Invite:
    id: str
    label: str | None
    max_uses: int | None
    uses: int
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    sessions: int = 0  # identities it gave (list only)
    votes: int = 0  # votes those identities cast (list only)

    def problem(self, now: datetime) -> InviteProblem | None:
        if self.revoked_at is not None:
            return InviteProblem("This invite link was withdrawn by the organiser; ask them "
                                 "for a new one", code="invite_revoked")
        if self.expires_at <= now:
            return InviteProblem("This invite link has expired; ask your organiser for a "
                                 "new one", code="invite_expired")
        if self.max_uses is not None and self.uses >= self.max_uses:
            return InviteProblem("This invite link has been used as many times as it "
                                 "allows; ask your organiser for a new one",
                                 code="invite_used_up")
        return None


@dataclass(frozen=True, slots=True)
class SessionVoter:
    voter_key: str
    kind: Kind
    label: str | None  # the invite's label, when an invite gave it
    invite_id: str | None = None


def _invite(r: Any, sessions: int = 0, n_votes: int = 0) -> Invite:
    return Invite(id=r.id, label=r.label, max_uses=r.max_uses, uses=r.uses,
                  created_at=aware(r.created_at), expires_at=aware(r.expires_at),
                  revoked_at=maybe_aware(r.revoked_at), sessions=sessions, votes=n_votes)


FORGED = InviteProblem("This invite link is not valid (it was mistyped, cut short or "
                       "forged); ask your organiser for the link again", code="invite_invalid")


class AccessStore:
    def __init__(self, engine: AsyncEngine, session_days: float = 30.0) -> None:
        self.engine = engine
        self.session_lifetime = timedelta(days=session_days)
        self._insert = (postgresql.insert if engine.dialect.name == "postgresql"
                        else sqlite.insert)

    # --- invites (the CLI's side) ---------------------------------------------------------

    async def create_invite(self, *, label: str | None, max_uses: int | None,
                            expires_at: datetime, actor: str | None = None) -> Invite:
        """A new invite; with ``actor`` (the console) audited in the same transaction."""
        invite = Invite(id=new_invite_id(), label=label or None, max_uses=max_uses, uses=0,
                        created_at=utcnow(), expires_at=expires_at, revoked_at=None)
        async with self.engine.begin() as conn:
            await conn.execute(invites.insert().values(
                id=invite.id, label=invite.label, max_uses=max_uses, uses=0,
                created_at=invite.created_at, expires_at=expires_at, revoked_at=None))
            if actor is not None:
                await add_audit(conn, actor=actor, action="invite.create", target=invite.id,
                                before=None, after={"label": invite.label,
                                                    "max_uses": max_uses,
                                                    "expires_at": expires_at.isoformat()},
                                note=None)
        return invite

    async def invite(self, invite_id: str) -> Invite | None:
        if not INVITE_ID_RE.match(invite_id):
            return None
        async with self.engine.connect() as conn:
            r = (await conn.execute(select(invites).where(invites.c.id == invite_id))).first()
        return None if r is None else _invite(r)

    async def list_invites(self) -> list[Invite]:
        """Every invite, newest first, with the identities it gave and their votes."""
        gave = (select(access_voters.c.invite_id, func.count().label("n"))
                .group_by(access_voters.c.invite_id).subquery())
        cast = (select(access_voters.c.invite_id, func.count(votes.c.id).label("n"))
                .join(votes, votes.c.voter_key == access_voters.c.voter_key)
                .group_by(access_voters.c.invite_id).subquery())
        async with self.engine.connect() as conn:
            rows = (await conn.execute(
                select(invites, func.coalesce(gave.c.n, 0).label("gave"),
                       func.coalesce(cast.c.n, 0).label("cast"))
                .outerjoin(gave, gave.c.invite_id == invites.c.id)
                .outerjoin(cast, cast.c.invite_id == invites.c.id)
                .order_by(invites.c.created_at.desc(), invites.c.id))).all()
        return [_invite(r, int(r.gave), int(r.cast)) for r in rows]

    async def revoke_invite(self, invite_id: str, *, actor: str | None = None,
                            note: str | None = None) -> Invite | None:
        """Withdraw an invite: it opens no more sessions, and the sessions it opened end
        (their identities' votes stay as they are). With ``actor`` (the console), a
        revocation that happened is audited in the same transaction."""
        async with self.engine.begin() as conn:
            done = await conn.execute(update(invites).where(invites.c.id == invite_id,
                                                            invites.c.revoked_at.is_(None))
                                      .values(revoked_at=utcnow()))
            if actor is not None and done.rowcount:
                await add_audit(conn, actor=actor, action="invite.revoke", target=invite_id,
                                before={"revoked": False}, after={"revoked": True}, note=note)
        return await self.invite(invite_id)

    # --- invites (the voter's side) -------------------------------------------------------

    async def check_invite(self, invite_id: str | None) -> Invite:
        """The invite, if it may still be used; else the InviteProblem saying why not."""
        found = None if invite_id is None else await self.invite(invite_id)
        if found is None:
            raise FORGED
        problem = found.problem(utcnow())
        if problem is not None:
            raise problem
        return found

    async def use_invite(self, invite_id: str | None) -> tuple[str, SessionVoter]:
        """Spend one use of the invite and open a session for a new identity: (the
        session's cookie token, its voter). The use is one conditional UPDATE: of two
        workers racing for the last use exactly one is granted it."""
        if invite_id is None:
            raise FORGED
        now = utcnow()
        spend = (update(invites)
                 .where(invites.c.id == invite_id, invites.c.revoked_at.is_(None),
                        invites.c.expires_at > now,
                        or_(invites.c.max_uses.is_(None), invites.c.uses < invites.c.max_uses))
                 .values(uses=invites.c.uses + 1))
        voter_key = new_invite_voter_key()
        token = new_session_token()
        async with self.engine.begin() as conn:
            if (await conn.execute(spend)).rowcount != 1:
                r = (await conn.execute(select(invites).where(invites.c.id == invite_id))
                     ).first()
                raise (FORGED if r is None else _invite(r).problem(now) or FORGED)
            label = (await conn.execute(select(invites.c.label)
                                        .where(invites.c.id == invite_id))).scalar_one()
            await conn.execute(access_voters.insert().values(
                voter_key=voter_key, kind="invite", invite_id=invite_id, created_at=now))
            await conn.execute(access_sessions.insert().values(
                id=session_id(token), voter_key=voter_key, created_at=now,
                expires_at=now + self.session_lifetime))
        return token, SessionVoter(voter_key, "invite", label, invite_id)

    # --- sign-in --------------------------------------------------------------------------

    async def sign_in(self, voter_key: str) -> str:
        """Open a session for a signed-in subject's identity (created on its first
        sign-in); the session's cookie token."""
        now = utcnow()
        token = new_session_token()
        async with self.engine.begin() as conn:
            await conn.execute(self._insert(access_voters).values(
                voter_key=voter_key, kind="sso", invite_id=None, created_at=now)
                .on_conflict_do_nothing(index_elements=["voter_key"]))
            await conn.execute(access_sessions.insert().values(
                id=session_id(token), voter_key=voter_key, created_at=now,
                expires_at=now + self.session_lifetime))
        return token

    # --- sessions -------------------------------------------------------------------------

    async def session(self, token: str | None) -> SessionVoter | None:
        """The voter of a live session (not expired, its invite not withdrawn), or None.
        One indexed read per request."""
        if not token or not SESSION_TOKEN_RE.match(token):
            return None
        async with self.engine.connect() as conn:
            r = (await conn.execute(
                select(access_voters.c.voter_key, access_voters.c.kind, invites.c.label,
                       access_voters.c.invite_id)
                .select_from(access_sessions.join(
                    access_voters, access_voters.c.voter_key == access_sessions.c.voter_key)
                    .outerjoin(invites, invites.c.id == access_voters.c.invite_id))
                .where(access_sessions.c.id == session_id(token),
                       access_sessions.c.expires_at > utcnow(),
                       or_(access_voters.c.kind == "sso",
                           and_(invites.c.id.is_not(None), invites.c.revoked_at.is_(None))))
            )).first()
        if r is None:
            return None
        kind: Kind = "sso" if r.kind == "sso" else "invite"
        return SessionVoter(r.voter_key, kind, r.label, r.invite_id)

    async def end_session(self, token: str | None) -> None:
        if not token or not SESSION_TOKEN_RE.match(token):
            return
        async with self.engine.begin() as conn:
            await conn.execute(delete(access_sessions)
                               .where(access_sessions.c.id == session_id(token)))

    async def forget_expired_sessions(self) -> int:
        async with self.engine.begin() as conn:
            gone = await conn.execute(delete(access_sessions)
                                      .where(access_sessions.c.expires_at <= utcnow()))
        return int(gone.rowcount or 0)

    async def identified_voters(self) -> set[str]:
        """Every voter key an invite or a sign-in gave (the detection job's newcomers are
        cookies only)."""
        async with self.engine.connect() as conn:
            return set((await conn.execute(select(access_voters.c.voter_key))).scalars())
