"""A reload mid-stream, in the real browser: the page comes back to the running turn and
the round can still be voted on (the server keeps the turn going for the grace period)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import model
from tests.browser.test_arena_page import ask, pane_text, vote_button, wait_until, wait_votable

pytestmark = pytest.mark.browser

LONG = " ".join(f"Sentence number {i} of a long and patient answer." for i in range(60))


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800},
                                      {"width": 390, "height": 844}], ids=["desktop", "phone"])
def test_a_reload_mid_stream_rejoins_the_running_turn(arena: Any, open_page: Any,
                                                      viewport: dict[str, int]) -> None:
    server = arena([model("zephyr-alpha-7b", script=LONG, delay_s=0.01),
                    model("quokka-beta-13b", script=LONG, delay_s=0.01)], rejoin_grace_s=30)
    page = open_page(server.base_url, viewport=viewport)
    ask(page, "Tell me a long story")
    wait_until(page, "document.querySelector('#pane-a .pane-body').innerText.length > 40")
    assert "Sentence number 59 " not in pane_text(page, "a")  # still streaming
    page.reload()
    wait_votable(page)  # the same round, answered to the end
    for side in ("a", "b"):
        assert "Sentence number 59 of a long and patient answer." in pane_text(page, side)
        assert "Sentence number 0 " in pane_text(page, side)
    vote_button(page, "A is better").click()
    page.wait_for_selector("text=zephyr-alpha-7b")
