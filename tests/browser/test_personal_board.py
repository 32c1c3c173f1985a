""""Your board" in headless Chromium: after a vote on the arena page, its link leads to
the leaderboard page's section of the voter's own board, which matches the API; with no
vote, the empty state. Light and dark, desktop and phone width."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import shot
from tests.browser.test_arena_page import ask, vote_button, wait_votable
from tests.browser.test_leaderboard_page import board_server, cast_votes

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots-personal")
PROMPTS = ["Plan a weekend in Lisbon", "Write a haiku about rain",
           "What should I cook tonight?", "Explain recursion with a JavaScript example"]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def keep(page: Any, name: str, **kwargs: Any) -> None:
    path = shot(page, name, **kwargs)
    SHOTS.mkdir(exist_ok=True)
    shutil.copy(path, SHOTS / path.name)


def signed(v: float) -> str:
    r = round(v)
    return "0" if r == 0 else (f"+{r}" if r > 0 else f"−{-r}")


@pytest.mark.parametrize(("scheme", "phone"), [("light", False), ("dark", True)])
def test_your_board_after_a_vote(arena: Any, open_page: Any, scheme: str, phone: bool) -> None:
    server = board_server(arena)
    base = server.base_url
    other = open_page(base + "/leaderboard")
    cast_votes(other, base, 10, prompts=PROMPTS)  # someone else's votes: the public board

    size = PHONE if phone else {}
    page = open_page(base + "/", color_scheme=scheme, **size)
    ask(page, "Plan a weekend in Lisbon")
    wait_votable(page)
    vote_button(page, "A is better").click()
    page.wait_for_selector("#result:not([hidden])")
    link = page.locator("#result a.your-board")
    assert link.inner_text() == "Your board"
    assert link.get_attribute("href") == "/leaderboard#mine"
    keep(page, f"personal-arena-result-{scheme}")
    cast_votes(page, base, 5, prompts=PROMPTS)  # more of this voter's own votes

    link.click()
    page.wait_for_url("**/leaderboard#mine")
    page.locator("#mine-body tr >> nth=0").wait_for()
    page.wait_for_timeout(300)  # the public board above it is drawn; #mine stays in view
    top = page.evaluate("document.getElementById('mine').getBoundingClientRect().top")
    assert -2 <= top < page.viewport_size["height"], top  # (sub-pixel scrolling)
    assert page.url.endswith("/leaderboard#mine")
    mine = page.request.get(f"{base}/api/me/leaderboard").json()
    theirs = other.request.get(f"{base}/api/me/leaderboard").json()
    assert mine["votes"] + mine["left_out"] == 6 and theirs["votes"] == 10
    assert mine != theirs
    rows = page.locator("#mine-body tr")
    assert rows.count() == len(mine["models"]) >= 2
    assert page.locator("#mine-body th.model").all_inner_texts() == [
        m["model"] for m in mine["models"]]
    assert page.locator("#mine-body td.difference").all_inner_texts() == [
        signed(m["difference"]) for m in mine["models"]]
    assert page.locator("#mine-body td.votes").all_inner_texts() == [
        str(m["votes"]) for m in mine["models"]]
    assert page.locator("#mine-body td.public-rank").all_inner_texts() == [
        str(m["public_rank"]) for m in mine["models"]]
    summary = page.inner_text("#mine-summary")
    assert f"From your {mine['votes']} counted vote" in summary
    assert "Rank correlation with the public board" in summary
    if phone:
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        box = page.locator("#mine-wrap").bounding_box()
        assert box is not None and box["x"] + box["width"] <= 390
    page.locator("#mine").scroll_into_view_if_needed()
    keep(page, f"personal-board-{scheme}{'-phone' if phone else ''}")
    page.locator("#mine").screenshot(path=str(SHOTS / f"personal-section-{scheme}.png"))


def test_no_vote_shows_the_empty_state(arena: Any, open_page: Any) -> None:
    server = board_server(arena)
    page = open_page(server.base_url + "/leaderboard#mine", color_scheme="dark", **PHONE)
    page.locator("#mine-summary", has_text="No counted votes of yours yet").wait_for()
    assert page.locator("#mine-wrap").is_hidden()
    assert page.locator("#mine-body tr").count() == 0
    # Linked as #mine, the section is scrolled into view once the page has drawn.
    page.wait_for_timeout(300)
    top = page.evaluate("document.getElementById('mine').getBoundingClientRect().top")
    assert -2 <= top < 844, top
    keep(page, "personal-empty-dark-phone")
