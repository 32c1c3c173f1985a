"""The warning under the prompt box: a prompt that asks the models who they are is flagged
before it is sent (such a vote won't count if a model names itself), on desktop and phone,
and the warning goes away for an ordinary prompt and once the prompt is sent."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import model, shot
from tests.browser.test_arena_page import two_models, wait_until

pytestmark = pytest.mark.browser

VISIBLE = "!document.getElementById('prompt-warning').hidden"
HIDDEN = "document.getElementById('prompt-warning').hidden"


@pytest.mark.parametrize("viewport,scheme", [({"width": 1280, "height": 800}, "light"),
                                             ({"width": 390, "height": 844}, "dark")])
def test_an_identity_question_is_warned_about_before_sending(
        arena: Any, open_page: Any, viewport: dict[str, int], scheme: str) -> None:
    server = arena(two_models())
    page = open_page(server.base_url, viewport=viewport, color_scheme=scheme)
    page.fill("#prompt", "Who are you? Claude, ChatGPT, Gemini or Qwen? One word.")
    wait_until(page, VISIBLE)
    assert "won't count" in page.inner_text("#prompt-warning")
    shot(page, f"prompt-warning-{viewport['width']}-{scheme}")
    page.fill("#prompt", "How do I boil an egg?")
    wait_until(page, HIDDEN)
    page.fill("#prompt", "Qui es-tu ?")
    wait_until(page, VISIBLE)
    page.click("#send")
    wait_until(page, HIDDEN)


def test_the_warning_names_no_model(arena: Any, open_page: Any) -> None:
    server = arena([model("zephyr-alpha-7b"), model("quokka-beta-13b")])
    page = open_page(server.base_url)
    page.fill("#prompt", "What's your name?")
    wait_until(page, VISIBLE)
    text = page.inner_text("#prompt-warning").lower()
    assert "zephyr" not in text and "quokka" not in text
