"""The access routes (``ARENA_ACCESS`` invite or sso; see ``arena.access``).

- ``GET /api/access``: what the page needs: the mode and whether this browser may vote.
- ``GET /invite/{token}``: an invite link. It spends nothing (link previews and mail
  scanners open links too): it shows the invite and a button; ``POST`` to the same
  address spends one use and opens the session (cookie ``arena_session``).
- ``GET /auth/login`` → the OpenID provider → ``GET /auth/callback``: sign-in;
  ``POST /auth/logout`` ends this browser's session (invite or sign-in).
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict

from arena.access.oidc import SignInRefused
from arena.access.pages import page, refusal
from arena.access.service import Access
from arena.access.store import InviteProblem
from arena.admin import is_admin_email, session_cookie
from arena.api.admin import set_admin_cookie
from arena.api.deps import SESSION_COOKIE, ServicesDep
from arena.api.openapi import ERROR_RESPONSES
from arena.errors import NotFound
from arena.settings import Settings
from arena.types import AccessMode

router = APIRouter(tags=["access"], responses=ERROR_RESPONSES)


def _access(services: ServicesDep, mode: str | None = None) -> Access:
    access = services.access
    if access is None or (mode is not None and access.mode != mode):
        raise NotFound("This arena does not use this kind of access", code="not_found")
    return access


def set_session_cookie(settings: Settings, response: Response, token: str) -> None:
    response.set_cookie(SESSION_COOKIE, token,
                        max_age=int(settings.access_session_days * 86400), httponly=True,
                        samesite="lax", secure=settings.cookie_secure, path="/")


def base_url(settings: Settings, request: Request) -> str:
    return settings.public_url.rstrip("/") if settings.public_url else str(
        request.base_url).rstrip("/")


class AccessState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: AccessMode
    signed_in: bool  # this browser has a live session (always false when open)
    kind: Literal["invite", "sso"] | None  # what gave the session
    label: str | None  # the invite's label, when an invite gave it
    sign_in_url: str | None  # sso: where the Sign in button goes


@router.get("/api/access", response_model=AccessState)
async def access_state(request: Request, services: ServicesDep) -> AccessState:
    """The access mode and this browser's standing in it (no personal data)."""
    access = services.access
    if access is None:
        return AccessState(mode="open", signed_in=False, kind=None, label=None,
                           sign_in_url=None)
    found = await access.store.session(request.cookies.get(SESSION_COOKIE))
    return AccessState(mode=access.mode, signed_in=found is not None,
                       kind=found.kind if found else None,
                       label=found.label if found else None,
                       sign_in_url="/auth/login" if access.mode == "sso" else None)


# --- invite links ------------------------------------------------------------------------

INVALID_TITLE = "This invite link cannot be used"


@router.get("/invite/{token}", include_in_schema=False)
async def invite_page(token: str, request: Request, services: ServicesDep) -> Response:
    access = _access(services, "invite")
    try:
        invite = await access.store.check_invite(access.keys.invite_id(token))
    except InviteProblem as exc:
        return refusal(request, exc, INVALID_TITLE, link=("/leaderboard", "See the leaderboard"))
    found = await access.store.session(request.cookies.get(SESSION_COOKIE))
    if found is not None and found.invite_id == invite.id:
        return RedirectResponse("/", status_code=303)  # already in: spend nothing
    label = f" ({invite.label})" if invite.label else ""
    return page("You are invited to vote", f"This invite{label} lets this browser vote in "
                "the arena: you compare two anonymous answers and pick the better one. No "
                "account and no e-mail are asked for.", form_action=f"/invite/{token}",
                button="Join the arena")


@router.post("/invite/{token}", include_in_schema=False)
async def invite_use(token: str, request: Request, services: ServicesDep) -> Response:
    access = _access(services, "invite")
    try:
        session, _ = await access.store.use_invite(access.keys.invite_id(token))
    except InviteProblem as exc:
        return refusal(request, exc, INVALID_TITLE, link=("/leaderboard", "See the leaderboard"))
    await access.store.end_session(request.cookies.get(SESSION_COOKIE))  # the old one
    response = RedirectResponse("/", status_code=303)
    set_session_cookie(services.settings, response, session)
    return response


# --- OpenID Connect sign-in --------------------------------------------------------------

SIGN_IN_TITLE = "The sign-in did not work"


@router.get("/auth/login", include_in_schema=False)
async def login(request: Request, services: ServicesDep) -> Response:
    access = _access(services, "sso")
    assert access.oidc is not None
    redirect_uri = base_url(services.settings, request) + "/auth/callback"
    try:
        return await access.oidc.redirect(request, redirect_uri)
    except SignInRefused as exc:
        return refusal(request, exc, SIGN_IN_TITLE, link=("/", "Back to the arena"))


@router.get("/auth/callback", include_in_schema=False)
async def callback(request: Request, services: ServicesDep) -> Response:
    access = _access(services, "sso")
    assert access.oidc is not None
    try:
        person = await access.oidc.finish(request)
    except SignInRefused as exc:
        return refusal(request, exc, SIGN_IN_TITLE, link=("/auth/login", "Sign in again"))
    session = await access.store.sign_in(access.keys.subject_key(person.issuer,
                                                                 person.subject))
    await access.store.end_session(request.cookies.get(SESSION_COOKIE))
    operator = is_admin_email(services.settings, person.email)
    # An operator (ARENA_ADMINS) lands in the console, signed in there too.
    response = RedirectResponse("/admin" if operator else "/", status_code=303)
    set_session_cookie(services.settings, response, session)
    if operator:
        set_admin_cookie(services.settings, response,
                         session_cookie(services.settings, "s", person.email.lower()))
    return response


@router.post("/auth/logout", include_in_schema=False)
async def logout(request: Request, services: ServicesDep) -> Response:
    access = _access(services)
    await access.store.end_session(request.cookies.get(SESSION_COOKIE))
    response: Response = (RedirectResponse("/", status_code=303) if "text/html" in
                          request.headers.get("accept", "")
                          else JSONResponse({"signed_in": False}))
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=services.settings.cookie_secure)
    return response


async def board_access(request: Request, services: ServicesDep) -> None:
    """ARENA_PUBLIC_LEADERBOARD=false with invite/sso: the board's routes need a session
    too. /api/info stays open (the page needs it to draw the sign-in screen)."""
    access = services.access
    if access is None or access.public_board or request.url.path == "/api/info":
        return
    if await access.store.session(request.cookies.get(SESSION_COOKIE)) is None:
        raise access.refusal()


BoardAccess = Depends(board_access)
