"""The operator console in the browser: the sign-in form, a wrong token refused in
words, then the votes under review with an override and its reason, which shows in the
audit log; the battle browser's search; sign-out. Screenshots desktop and phone."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from tests.browser.conftest import free_socket, model, shot
from tests.browser.test_arena_page import ask, vote_button, wait_votable
from tests.browser.test_sign_in import ask_and_vote

pytestmark = pytest.mark.browser

TOKEN = secrets.token_urlsafe(32)
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_sign_in_review_a_vote_and_search(arena: Any, open_page: Any, phone: bool) -> None:
    server = arena([model("alpha-7b", script="Tea: steep it."),
                    model("beta-13b", script="Tea: boil it.")], admin_token=TOKEN)
    voter = open_page(server.base_url)
    for prompt in ("How do I make tea?", "How do I make coffee?"):
        ask(voter, prompt)
        wait_votable(voter)
        vote_button(voter, "A is better").click()
        voter.locator("#result:not([hidden])").wait_for()
        voter.get_by_role("button", name="New round").click()

    page = open_page(server.base_url + "/admin", **(PHONE if phone else {}))
    page.locator("#login:not([hidden])").wait_for()
    assert page.locator("#console").is_hidden()
    page.fill("#login-name", "Ada")
    page.fill("#login-token", "not-the-token")
    page.get_by_role("button", name="Sign in").click()
    page.locator("#notice.error").wait_for()
    assert "not the console's token" in page.inner_text("#notice")
    page.fill("#login-token", TOKEN)
    page.get_by_role("button", name="Sign in").click()
    page.locator("#console:not([hidden])").wait_for()
    assert page.inner_text("#who") == "Signed in as token:Ada."
    page.locator("#register-table tbody tr").nth(1).wait_for()
    assert page.locator("#register-table tbody tr").count() == 2

    # No vote is excluded yet; the battle browser finds the coffee battle.
    assert page.locator("#votes-table tbody tr").count() == 0
    page.fill("#battles-q", "coffee")
    page.get_by_role("button", name="Search").click()
    page.locator("#battles-count", has_text="1 battle matches").wait_for()
    row = page.locator("#battles-table tbody tr")
    assert row.count() == 1 and "coffee" in row.inner_text()
    row.get_by_role("button", name="Show battle").click()
    detail = page.locator("#battle-detail:not([hidden])")
    detail.wait_for()
    assert "How do I make coffee?" in detail.inner_text()

    # Exclude that vote from its row, with a reason: it is then under review.
    row.locator("select").select_option("excluded")
    row.locator("input").fill("a test vote")
    row.get_by_role("button", name="Apply").click()
    vote = page.locator("#votes-table tbody tr")
    vote.first.wait_for()
    assert vote.count() == 1 and "excluded" in vote.inner_text()
    # Count it after all, from the review list's own form: a pinned vote stays listed.
    vote.locator("select").select_option("counted")
    vote.locator("input").fill("counted after all")
    vote.get_by_role("button", name="Apply").click()
    audit = page.locator("#audit-table tbody tr")
    audit.nth(1).wait_for()
    page.locator("#audit-table tbody tr", has_text="counted after all").wait_for()
    assert audit.count() == 2
    assert "token:Ada" in audit.first.inner_text()
    page.locator("#votes-table tbody tr", has_text="pinned counted").wait_for()
    assert page.locator("#votes-table tbody tr").count() == 1

    # Pause a model live, with a reason: the register says so, the audit log too.
    model_row = page.locator("#register-table tbody tr", has_text="alpha-7b")
    model_row.get_by_label("State of alpha-7b").select_option("paused")
    model_row.get_by_label("Reason for alpha-7b", exact=True).fill("its server is down")
    model_row.get_by_role("button", name="Apply").click()
    page.locator("#register-table tbody tr", has_text="paused by an operator").wait_for()
    page.locator("#audit-table tbody tr", has_text="model.control").wait_for()
    assert "alpha-7b" in page.request.get(server.base_url + "/api/info").json()[
        "paused_models"]
    # And a live setting: beta-13b's system prompt, from its Settings form.
    beta = page.locator("#register-table tbody tr", has_text="beta-13b")
    beta.locator("summary", has_text="Settings").click()
    beta.get_by_label("System prompt of beta-13b").fill("Answer in French.")
    beta.get_by_label("Reason for the settings of beta-13b").fill("a French persona")
    beta.get_by_role("button", name="Save").click()
    page.locator("#audit-table tbody tr", has_text="a French persona").wait_for()
    models = page.request.get(server.base_url + "/api/admin/register").json()["models"]
    assert next(m for m in models if m["model"] == "beta-13b")["overrides"] == {
        "system_prompt": "Answer in French."}
    width = page.evaluate("document.documentElement.clientWidth")
    if not phone:
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    shot(page, f"console-{'phone' if phone else 'desktop'}", full_page=True)

    page.get_by_role("button", name="Sign out").click()
    page.locator("#login:not([hidden])").wait_for()
    page.reload()
    page.locator("#login:not([hidden])").wait_for()  # the session is gone


def test_invite_links_from_the_console(gated: Any, open_page: Any) -> None:
    """ARENA_ACCESS=invite: the console makes a link for a class, a pupil joins with it
    and votes, the console shows the use, and withdrawing it ends the pupil's session."""
    server = gated(free_socket(), access="invite", admin_token=TOKEN)
    page = open_page(server.base_url + "/admin")
    page.fill("#login-name", "Ada")
    page.fill("#login-token", TOKEN)
    page.get_by_role("button", name="Sign in").click()
    page.locator("#invites:not([hidden])").wait_for()
    page.fill("#invite-label", "Class 4B")
    page.fill("#invite-uses", "30")
    page.get_by_role("button", name="Make a link").click()
    link = page.locator("#invite-new .share-link")
    link.wait_for()
    url = link.inner_text()
    assert url.startswith(f"{server.base_url}/invite/")
    row = page.locator("#invites-table tbody tr", has_text="Class 4B")
    assert "0 of 30" in row.inner_text() and "open" in row.inner_text()

    pupil = open_page(url)
    assert "Class 4B" in pupil.text_content("#access-message")
    pupil.click("#access-go")
    pupil.wait_for_url(server.base_url + "/")
    ask_and_vote(pupil)

    page.reload()
    row = page.locator("#invites-table tbody tr", has_text="Class 4B")
    row.wait_for()
    assert "1 of 30" in row.inner_text()
    shot(page, "console-invites", full_page=True)
    row.get_by_role("button", name="Withdraw the invite Class 4B").click()
    page.locator("#invites-table tbody tr", has_text="revoked").wait_for()
    page.locator("#audit-table tbody tr", has_text="invite.revoke").wait_for()
    pupil.reload()
    pupil.wait_for_selector("#sign-in:not([hidden])")  # its session ended with the link
