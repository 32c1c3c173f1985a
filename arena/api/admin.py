"""The operator console's API (``/api/admin/*``): sign-in, votes under review with an
operator's override, the battle browser, the register of every model ever tested, and
the audit log. Every route but sign-in answers 401 without an operator (``arena/admin.py``);
the console is off (403 ``console_off``) until ``ARENA_ADMIN_TOKEN`` is set."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from arena.access import Invite
from arena.access.service import Access
from arena.admin import ADMIN_COOKIE, SESSION_S, Admin, authorize, check_token, session_cookie
from arena.api.deps import Services, ServicesDep, SettingsDep, StoreDep
from arena.api.leaderboard import json_response
from arena.api.openapi import ERROR_RESPONSES
from arena.errors import BadRequest, Conflict, NotFound
from arena.schemas import (
    AdminBattle,
    AdminBattles,
    AdminInvite,
    AdminInvites,
    AdminLogin,
    AdminMe,
    AdminRefusal,
    AdminRefusals,
    AdminVote,
    AdminVotes,
    AuditLog,
    AuditRow,
    InviteIn,
    ModelControlIn,
    NewInvite,
    PublicModel,
    PublicModels,
    Register,
    RegisterEntry,
    ReviewIn,
    RevokeIn,
)
from arena.settings import Settings
from arena.store import ReviewedVote, Store
from arena.store.admin import CONTROL_FIELDS
from arena.store.records import utcnow
from arena.types import EXCLUDED_REASONS, Review

router = APIRouter(prefix="/api/admin", tags=["admin"], responses=ERROR_RESPONSES)


async def require_admin(request: Request, settings: SettingsDep) -> Admin:
    auth = request.headers.get("authorization", "")
    bearer = auth[7:].strip() if auth[:7].lower() == "bearer " else None
    return authorize(settings, cookie=request.cookies.get(ADMIN_COOKIE), bearer=bearer)


AdminDep = Annotated[Admin, Depends(require_admin)]


@router.post("/login", response_model=AdminMe)
async def login(body: AdminLogin, response: Response, settings: SettingsDep) -> AdminMe:
    """Sign in with the console's token and your name: a session cookie for 12 hours."""
    check_token(settings, body.token)
    set_admin_cookie(settings, response, session_cookie(settings, "t", body.name))
    return AdminMe(actor=f"token:{body.name}")


def set_admin_cookie(settings: Settings, response: Response, value: str) -> None:
    response.set_cookie(ADMIN_COOKIE, value, max_age=SESSION_S, httponly=True,
                        samesite="strict", secure=settings.cookie_secure, path="/")


@router.post("/logout", status_code=204, response_class=Response)
async def logout() -> Response:
    out = Response(status_code=204)
    out.delete_cookie(ADMIN_COOKIE, path="/")
    return out


@router.get("/me", response_model=AdminMe)
async def me(admin: AdminDep) -> AdminMe:
    return AdminMe(actor=admin.actor)


def _vote(v: ReviewedVote) -> AdminVote:
    return AdminVote(battle_id=v.battle_id, created_at=v.created_at.isoformat(timespec="seconds"),
                     model_a=v.model_a, model_b=v.model_b, winner=v.winner, counted=v.counted,
                     excluded_reason=v.excluded_reason, review=v.review,
                     review_note=v.review_note, voter=v.voter_key[:12],
                     address=v.ip_hash[:12] if v.ip_hash else None)


@router.get("/votes", response_model=AdminVotes)
async def votes_under_review(
        admin: AdminDep, store: StoreDep,
        reason: Annotated[str | None, Query(description="only this exclusion reason")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> AdminVotes:
    """Excluded votes (all, or of one reason) and every vote an operator pinned, newest
    first, with the voters and addresses behind them (as pseudonyms)."""
    if reason is not None and reason not in EXCLUDED_REASONS:
        raise BadRequest(f"The reason must be one of {', '.join(EXCLUDED_REASONS)}",
                         code="bad_reason")
    found = await store.reviews(reason, limit=limit)
    return AdminVotes(votes=[_vote(v) for v in found],
                      totals=(await store.vote_totals()).as_dict())


@router.post("/votes/{battle_id}", response_model=AdminVote)
async def review_vote(battle_id: str, body: ReviewIn, admin: AdminDep,
                      store: StoreDep) -> AdminVote:
    """Pin a vote counted or excluded, or give it back to the detection job (``auto``),
    with a written reason; the change and its audit row are one transaction."""
    review: Review | None = None if body.review == "auto" else body.review
    return _vote(await store.set_review(battle_id, review, body.note.strip(),
                                        actor=admin.actor))


@router.get("/battles", response_model=AdminBattles)
async def battles(
        admin: AdminDep, store: StoreDep,
        q: Annotated[str | None, Query(max_length=200, description="text in any prompt")] = None,
        model: Annotated[str | None, Query(max_length=100)] = None,
        status: Annotated[str | None, Query(
            max_length=40, description="active, voted, counted, or an exclusion reason")] = None,
        category: Annotated[str | None, Query(max_length=100)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> AdminBattles:
    """The battle browser: newest first, filtered by prompt text, model, status and
    category."""
    if status and status not in ("active", "voted", "counted", *EXCLUDED_REASONS):
        raise BadRequest("The status must be active, voted, counted or an exclusion reason ("
                         f"{', '.join(EXCLUDED_REASONS)})", code="bad_status")
    rows, total = await store.search_battles(q=q or None, model=model or None,
                                             status=status or None, category=category or None,
                                             limit=limit, offset=offset)
    return AdminBattles(total=total, battles=[AdminBattle(
        id=r.id, created_at=r.created_at.isoformat(timespec="seconds"), model_a=r.model_a,
        model_b=r.model_b, status=r.status, turns=r.turns, categories=r.categories,
        prompt=r.prompt, winner=r.winner,  # type: ignore[arg-type]  # stored as validated
        counted=r.counted, excluded_reason=r.excluded_reason,  # type: ignore[arg-type]
    ) for r in rows])


@router.get("/battles/{battle_id}")
async def battle(battle_id: str, admin: AdminDep, store: StoreDep) -> Response:
    """One battle whole: every attempt of every turn, both answers with their status and
    leak, the vote with its real count and reason."""
    b = await store.get_battle(battle_id) if len(battle_id) <= 64 else None
    if b is None:
        raise NotFound("No such battle", code="battle_not_found")
    return json_response({
        "id": b.id, "model_a": b.model_a, "model_b": b.model_b, "status": b.status,
        "categories": b.categories, "created_at": b.created_at.isoformat(timespec="seconds"),
        "voter": b.voter_key[:12], "leaks": b.leaks,
        "vote": None if b.vote is None else {
            "winner": b.vote.winner, "counted": b.vote.counted,
            "excluded_reason": b.vote.excluded_reason, "leak_side": b.vote.leak_side,
            "created_at": b.vote.created_at.isoformat(timespec="seconds")},
        "attempts": [{"turn": t.idx, "attempt": t.attempt, "prompt": t.prompt,
                      "status": t.status,
                      "answers": {side: {"model": a.model, "text": a.text, "status": a.status,
                                         "error_code": a.error_code,
                                         "finish_reason": a.finish_reason}
                                  for side, a in t.answers.items()}}
                     for t in b.attempts],
    })


@router.get("/register", response_model=Register)
async def register(admin: AdminDep, store: StoreDep, services: ServicesDep) -> Register:
    """Every model ever tested, with its dates and votes: the roster's models (even those
    never in a battle yet) and the retired ones, which stay listed."""
    return Register(models=await register_entries(store, services))


async def register_entries(store: Store, services: Services) -> list[RegisterEntry]:
    """The register's rows (the console's, and the public list's before it drops notes)."""
    uses = {u.model: u for u in await store.model_uses()}
    paused = services.battles.health.paused(probe=False)
    controls = await store.model_controls()
    entries: list[RegisterEntry] = []
    in_roster = {m.name: m for m in services.roster.models}
    for name in sorted(set(uses) | set(in_roster)):
        u = uses.get(name)
        m = in_roster.get(name)
        c = controls.get(name)
        control = c.state if c is not None and c.state != "active" else None
        weight = c.weight if c is not None and c.weight is not None else (m.weight if m else 0)
        state = ("retired" if m is None or control == "retired"
                 else "paused" if name in paused or control == "paused"
                 else "weight_zero" if weight == 0 else "active")
        overrides = ({k: v for k, v in c.as_dict().items() if k != "state" and v is not None}
                     if c is not None else {})
        entries.append(RegisterEntry(
            model=name, state=state,  # type: ignore[arg-type]  # one of the four above
            codename=m.codename if m else None, unveiled=bool(m and m.unveiled),
            control=control, control_note=c.note if c else None, overrides=overrides,
            weight=weight,
            first_battle=u.first_battle.isoformat(timespec="seconds") if u else None,
            last_battle=u.last_battle.isoformat(timespec="seconds") if u else None,
            battles=u.battles if u else 0, votes=u.votes if u else 0,
            counted_votes=u.counted_votes if u else 0))
    return entries


public_router = APIRouter(prefix="/api", tags=["leaderboard"], responses=ERROR_RESPONSES)


@public_router.get("/models", response_model=PublicModels)
async def public_models(store: StoreDep, services: ServicesDep) -> PublicModels:
    """Every model this arena has tested, with its first and last battle and its votes:
    retired models stay listed rather than vanishing. Public names only (a codename while
    it is veiled), and no operator's notes. Gated like the board (ARENA_PUBLIC_LEADERBOARD,
    the app includes this router with the board's dependency)."""
    entries = await register_entries(store, services)
    public = services.roster.public
    by_name: dict[str, PublicModel] = {}
    for e in entries:
        state = {"retired": "retired", "paused": "paused"}.get(e.state, "active")
        if e.state == "weight_zero":
            state = "retired"
        by_name[public(e.model)] = PublicModel(
            model=public(e.model), state=state,  # type: ignore[arg-type]
            first_battle=e.first_battle[:10] if e.first_battle else None,
            last_battle=e.last_battle[:10] if e.last_battle else None,
            battles=e.battles, votes=e.votes)
    return PublicModels(models=sorted(by_name.values(), key=lambda m: m.model))


@router.post("/models/{name}", response_model=RegisterEntry)
async def control_model(name: str, body: ModelControlIn, admin: AdminDep, store: StoreDep,
                        services: ServicesDep) -> RegisterEntry:
    """Change a roster model live, with a written reason: its state (paused or retired:
    out of new battles; active: back), weight, token limit, temperature or system prompt
    (a field given as null goes back to the roster's value; a field left out stays). On
    this worker at once and on every other within ``ARENA_ROSTER_REFRESH_S``; running
    battles finish as they began, its board stays. Audited, before and after."""
    if name not in {m.name for m in services.roster.models}:
        raise NotFound(f"No model {name[:100]!r} in the roster", code="model_not_found")
    changes = {k: getattr(body, k) for k in body.model_fields_set if k in CONTROL_FIELDS}
    if not changes:
        raise BadRequest("Nothing to change: give state, weight, max_tokens, temperature "
                         "or system_prompt", code="nothing_to_change")
    await store.set_model_control(name, changes, note=body.note.strip(), actor=admin.actor)
    await services.battles.controls.refresh()  # this worker at once
    return next(e for e in await register_entries(store, services) if e.model == name)


@router.get("/refusals", response_model=AdminRefusals)
async def refusals(admin: AdminDep, store: StoreDep,
                   limit: Annotated[int, Query(ge=1, le=1000)] = 200,
                   offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> AdminRefusals:
    """The prompts the moderation hook refused (``ARENA_MODERATION``), newest first: they
    never reached a model."""
    return AdminRefusals(refusals=[AdminRefusal(
        id=r.id, at=r.at.isoformat(timespec="seconds"), voter=r.voter_key[:12],
        address=r.ip_hash[:12] if r.ip_hash else None, battle_id=r.battle_id,
        prompt=r.prompt, reason=r.reason)
        for r in await store.refusals(limit=limit, offset=offset)])


@router.get("/audit", response_model=AuditLog)
async def audit(admin: AdminDep, store: StoreDep,
                limit: Annotated[int, Query(ge=1, le=1000)] = 200,
                offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> AuditLog:
    """Every console action, newest first: who, what, when, before and after."""
    return AuditLog(entries=[AuditRow(
        id=e.id or 0, at=e.at.isoformat(timespec="seconds"), actor=e.actor, action=e.action,
        target=e.target, before=e.before, after=e.after, note=e.note)
        for e in await store.audit_log(limit=limit, offset=offset)])


# --- invites (ARENA_ACCESS=invite) --------------------------------------------------------


def _invites(services: Services) -> Access:
    if services.access is None:
        raise Conflict("Invite links need ARENA_ACCESS=invite (this arena is open to anyone)",
                       code="invites_off")
    return services.access


def _invite_view(i: Invite) -> AdminInvite:
    problem = i.problem(utcnow())
    state = ("open" if problem is None else
             {"invite_revoked": "revoked", "invite_expired": "expired"}.get(problem.code,
                                                                             "used_up"))
    return AdminInvite(id=i.id, label=i.label, state=state,  # type: ignore[arg-type]
                       uses=i.uses, max_uses=i.max_uses, voters=i.sessions, votes=i.votes,
                       created_at=i.created_at.isoformat(timespec="seconds"),
                       expires_at=i.expires_at.isoformat(timespec="seconds"))


@router.get("/invites", response_model=AdminInvites)
async def invites(admin: AdminDep, services: ServicesDep) -> AdminInvites:
    """Every invite link, newest first, with its uses, voters and their votes."""
    access = _invites(services)
    return AdminInvites(mode=access.mode,
                        invites=[_invite_view(i) for i in await access.store.list_invites()])


@router.post("/invites", status_code=201, response_model=NewInvite)
async def create_invite(body: InviteIn, admin: AdminDep, services: ServicesDep,
                        request: Request) -> NewInvite:
    """A new signed invite link (as ``arena invite create``), audited."""
    access = _invites(services)
    invite = await access.store.create_invite(
        label=(body.label or "").strip() or None, max_uses=body.uses,
        expires_at=utcnow() + timedelta(days=body.expires_days), actor=admin.actor)
    base = (services.settings.public_url or str(request.base_url)).rstrip("/")
    return NewInvite(invite=_invite_view(invite),
                     url=f"{base}/invite/{access.keys.invite_token(invite.id)}")


@router.post("/invites/{invite_id}/revoke", response_model=AdminInvite)
async def revoke_invite(invite_id: str, body: RevokeIn, admin: AdminDep,
                        services: ServicesDep) -> AdminInvite:
    """Withdraw an invite: no one joins with it any more and its sessions end (their votes
    stay); audited."""
    access = _invites(services)
    found = await access.store.revoke_invite(invite_id, actor=admin.actor, note=body.note)
    if found is None:
        raise NotFound("No such invite", code="invite_not_found")
    return _invite_view(found)
