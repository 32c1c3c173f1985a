"""What the page says when a model's server is busy or down: a side waiting for a slot
on its server shows "Waiting for the model…"; with fewer than two models answering the
page shows the server's 503 message."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import model
from tests.browser.test_arena_page import ask, wait_until, wait_votable

pytestmark = pytest.mark.browser

TEXT = " ".join(f"Sentence {i} of a patient answer." for i in range(25))
ONE_SLOT = {"base_url": "http://127.0.0.1:9/v1", "max_concurrency": 1}  # the fake ignores it


def test_a_side_waiting_for_its_server_says_so(arena: Any, open_page: Any) -> None:
    server = arena([{**model("zephyr-alpha-7b", script=TEXT, delay_s=0.01), **ONE_SLOT},
                    {**model("quokka-beta-13b", script=TEXT, delay_s=0.01), **ONE_SLOT}])
    page = open_page(server.base_url)
    ask(page, "Tell me a story")
    wait_until(page, "[...document.querySelectorAll('.pane-status')].some("
                     "(e) => e.textContent === 'Waiting for the model…')")
    wait_votable(page)  # the waiting side answers once the other is done
    statuses = page.eval_on_selector_all(".pane-status", "els => els.map(e => e.textContent)")
    assert statuses == ["Done", "Done"]


def test_fewer_than_two_models_answering_is_said_on_the_page(arena: Any,
                                                             open_page: Any) -> None:
    server = arena([model("zephyr-alpha-7b"), model("quokka-beta-13b", fail="error")],
                   health_failures=1)
    page = open_page(server.base_url)
    ask(page, "How do I make tea?")
    page.wait_for_selector(".answer-error:visible")  # the one failure pauses that model
    page.focus("#pane-a .pane-body")
    page.keyboard.press("n")  # a new round
    ask(page, "How do I make coffee?")
    wait_until(page, "document.querySelector('#notice').innerText.includes("
                     "'Fewer than two models are answering right now')")
