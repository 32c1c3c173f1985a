"""Sharing a battle in the browser (ARENA_SHARE_BATTLES on): after the vote the result
offers "Share this battle"; its link opens a page anyone can read — both conversations
rendered as in the arena, the models and the pick — and "Stop sharing" turns the link
into a clear message. A prompt with an e-mail address is refused, saying why. Screenshots
in light and dark, desktop and phone."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import model, shot
from tests.browser.test_arena_page import ANSWER_A, ANSWER_B, NAMES, ask, vote_button, wait_votable

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def voted(page: Any, prompt: str) -> None:
    ask(page, prompt)
    wait_votable(page)
    vote_button(page, "A is better").click()
    page.locator("#result:not([hidden])").wait_for()


@pytest.mark.parametrize(("scheme", "phone"), [("light", False), ("dark", True)])
def test_share_open_and_stop(arena: Any, open_page: Any, scheme: str, phone: bool) -> None:
    server = arena([model(NAMES[0], script=ANSWER_A), model(NAMES[1], script=ANSWER_B)],
                   share_battles=True)
    page = open_page(server.base_url, color_scheme=scheme, **(PHONE if phone else {}))
    voted(page, "How do I make tea?")
    winner = page.locator("#pane-a .pane-name").inner_text()
    page.get_by_role("button", name="Share this battle").click()
    link = page.locator("#result .share-link")
    link.wait_for()
    url = link.inner_text()
    assert url.startswith(f"{server.base_url}/b/")
    shot(page.locator("#result"), f"share-offered-{scheme}{'-phone' if phone else ''}")

    reader = open_page(url, color_scheme=scheme, **(PHONE if phone else {}))
    reader.locator("#panes:not([hidden])").wait_for()
    summary = reader.locator("#shared-summary").inner_text()
    assert f"the voter picked {winner} (A)" in summary
    assert set(NAMES) == {reader.locator(f"#pane-{s} .pane-name").inner_text() for s in "ab"}
    assert reader.locator(".pane.winner .pane-name").inner_text() == winner
    assert reader.locator(".turn-prompt").first.inner_text() == "How do I make tea?"
    # The answers are rendered Markdown, as in the arena: a heading, a list, code.
    tea = "#pane-a" if "green tea" in reader.inner_text("#pane-a") else "#pane-b"
    assert reader.locator(f"{tea} .md h4").inner_text() == "Plan"  # shifted: the page owns h1-h2
    assert reader.locator(f"{tea} .md li").count() == 2
    assert reader.locator(f"{tea} pre code").count() == 1
    reader.context.grant_permissions(["clipboard-read", "clipboard-write"])
    reader.locator(f"{tea} .copy-code").click()  # the code block's own copy button works
    assert reader.evaluate("navigator.clipboard.readText()") == "steep(minutes=2)"
    width = reader.evaluate("document.documentElement.clientWidth")
    assert reader.evaluate("document.documentElement.scrollWidth") <= width
    shot(reader, f"shared-page-{scheme}{'-phone' if phone else ''}", full_page=True)

    page.get_by_role("button", name="Stop sharing").click()
    page.get_by_role("button", name="Share this battle").wait_for()
    reader.reload()
    error = reader.locator("#shared-error:not([hidden])")
    error.wait_for()
    assert "No shared battle here" in error.inner_text()
    assert reader.locator("#panes").is_hidden()


def test_a_prompt_with_an_email_is_not_shared(arena: Any, open_page: Any) -> None:
    server = arena([model(NAMES[0], script=ANSWER_A), model(NAMES[1], script=ANSWER_B)],
                   share_battles=True)
    page = open_page(server.base_url)
    voted(page, "Write to ana@example.org that the tea is ready")
    page.get_by_role("button", name="Share this battle").click()
    refused = page.locator("#result .share-refused")
    refused.wait_for()
    assert "e-mail address" in refused.inner_text()


def test_no_offer_when_sharing_is_off(arena: Any, open_page: Any) -> None:
    server = arena([model(NAMES[0], script=ANSWER_A), model(NAMES[1], script=ANSWER_B)])
    page = open_page(server.base_url)
    voted(page, "How do I make tea?")
    assert page.locator("#result .share-battle").count() == 0
