"""The sign-in screens in the real browser: with ARENA_ACCESS=sso, a visitor sees "Sign
in", goes through the real OpenID provider (tests/oidc) and comes back able to vote, then
signs out; with ARENA_ACCESS=invite, a visitor without a link is told to ask for one, and
opening a link lets the browser vote. The page's strict CSP applies throughout."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest

from arena.access import AccessKeys, AccessStore
from arena.db import make_engine
from arena.store.records import utcnow
from tests.access.conftest import SECRET
from tests.access.oidc_provider import CLIENT_ID, CLIENT_SECRET, running_provider
from tests.browser.conftest import free_socket

pytestmark = pytest.mark.browser


def ask_and_vote(page: Any) -> None:
    page.fill("#prompt", "Say something kind.")
    page.click("#send")
    page.wait_for_selector("#vote:not([disabled])")
    page.click("button[data-vote='a']")
    page.wait_for_selector("#result:not([hidden])")


def test_sso_sign_in_vote_and_sign_out(gated, open_page):
    sock = free_socket()
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with running_provider([f"{base}/auth/callback"]) as provider:
        server = gated(sock, access="sso", oidc_issuer=provider.issuer,
                       oidc_client_id=CLIENT_ID, oidc_client_secret=CLIENT_SECRET,
                       oidc_allowed_domains=["school.example"])
        assert server.base_url == base
        page = open_page(base + "/")
        page.wait_for_selector("#sign-in:not([hidden])")
        assert "organisation" in page.text_content("#sign-in-text")
        assert page.is_hidden("#dock") and page.is_hidden("#sign-out")
        page.click("#sign-in-button")
        # The provider's own login page (another origin): choose the account.
        page.wait_for_selector("#account")
        assert page.url.startswith(provider.issuer)
        page.select_option("#account", "alice")
        page.click("#sign-in")
        page.wait_for_url(base + "/")
        page.wait_for_selector("#sign-out:not([hidden])")
        assert page.is_hidden("#sign-in")
        ask_and_vote(page)
        assert "alpha-1" in page.text_content("#result-text") or \
            "beta-2" in page.text_content("#result-text")
        page.click("#sign-out-button")
        page.wait_for_url(base + "/")
        page.wait_for_selector("#sign-in:not([hidden])")

        # Someone from another domain is refused, with the reason on the page.
        other = open_page(base + "/")
        other.click("#sign-in-button")
        other.wait_for_selector("#account")
        other.select_option("#account", "mallory")
        other.click("#sign-in")
        other.wait_for_selector("#access-message")
        assert other.get_attribute("#access-message", "data-code") == "email_domain_not_allowed"
        other.goto(base + "/")
        other.wait_for_selector("#sign-in:not([hidden])")


def test_invite_screen_and_link(gated, open_page):
    sock = free_socket()
    server = gated(sock, access="invite")
    page = open_page(server.base_url + "/")
    page.wait_for_selector("#sign-in:not([hidden])")
    assert "invite link" in page.text_content("#sign-in-text")
    assert page.is_hidden("#sign-in-button")

    async def invite() -> str:  # as `arena invite create` does: on an engine of its own
        engine = make_engine(server.app.state.services.settings.resolved_database_url())
        try:
            made = await AccessStore(engine).create_invite(
                label="Class 4B", max_uses=1, expires_at=utcnow() + timedelta(days=1))
        finally:
            await engine.dispose()
        return AccessKeys(SECRET).invite_token(made.id)

    with ThreadPoolExecutor(1) as pool:  # Playwright's loop runs in this thread
        token = pool.submit(asyncio.run, invite()).result()
    page.goto(f"{server.base_url}/invite/{token}")
    assert "Class 4B" in page.text_content("#access-message")
    page.click("#access-go")
    page.wait_for_url(server.base_url + "/")
    page.wait_for_selector("#prompt")
    assert page.is_hidden("#sign-in") and page.is_hidden("#sign-out")
    ask_and_vote(page)
    # The link is used up: another browser is told so, on a page.
    other = open_page(f"{server.base_url}/invite/{token}")
    assert other.get_attribute("#access-message", "data-code") == "invite_used_up"
    # The public board is readable without a session; the personal board says why not.
    other.goto(server.base_url + "/leaderboard")
    other.wait_for_selector("#mine-summary:has-text('invite link')")
