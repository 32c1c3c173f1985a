"""Every state of the arena page has a visible way forward, by touch, mouse and keys, at
desktop and phone sizes: a stopped round, a model that keeps failing, a reload of a round
that cannot be voted on, a round the voter would rather skip. And the page's smaller
promises: focus favours neither side, an empty prompt is answered, example prompts in
the voter's language, both names visible after the vote on a phone, a demo notice that
closes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import model, shot
from tests.browser.test_arena_page import (
    NAMES,
    ask,
    expect_vote_disabled,
    two_models,
    vote_button,
    wait_until,
    wait_votable,
)

pytestmark = pytest.mark.browser

DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
SIZES = pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
LONG = "word " * 400


def press(page: Any, selector: str, size: dict[str, Any]) -> None:
    """A tap on a phone, a mouse click on a desktop."""
    if size is PHONE:
        page.locator(selector).tap()
    else:
        page.locator(selector).click()


def battle_id(page: Any) -> str | None:
    value: str | None = page.evaluate("sessionStorage.getItem('arena.battle')")
    return value


@SIZES
def test_a_stopped_round_can_be_left_by_touch_or_mouse(arena: Any, open_page: Any,
                                                       size: dict[str, Any]) -> None:
    server = arena([model(NAMES[0], script=LONG, delay_s=0.01),
                    model(NAMES[1], script=LONG, delay_s=0.01)])
    page = open_page(server.base_url, **size)
    ask(page, "Talk for a while")
    wait_until(page, "(document.querySelector('#pane-a .answer')?.textContent.length ?? 0) > 10")
    press(page, "#stop", size)
    expect_vote_disabled(page)
    assert page.locator("#skip").is_visible() and page.locator("#regenerate").is_visible()
    assert "new round (N)" in page.inner_text("#notice")  # what it says is on the page
    press(page, "#skip", size)
    assert page.locator(".turn").count() == 0 and battle_id(page) is None
    assert page.locator("#skip").is_hidden()
    ask(page, "Something else")
    wait_until(page, "!document.querySelector('#stop').hidden")


def stuck_round(arena: Any, open_page: Any, size: dict[str, Any], prompt: str) -> Any:
    """A page whose round cannot be voted on: one of its two models is down."""
    server = arena([model(NAMES[0], script="Fine."), model(NAMES[1], fail="error")])
    page = open_page(server.base_url, **size)
    ask(page, prompt)
    page.wait_for_selector("#regenerate:visible")
    return page


@SIZES
def test_with_a_model_that_keeps_failing_a_new_prompt_starts_a_new_round(
        arena: Any, open_page: Any, size: dict[str, Any]) -> None:
    page = stuck_round(arena, open_page, size, "First try")
    first = battle_id(page)
    press(page, "#regenerate", size)  # fails again: the model is down
    page.wait_for_selector("#regenerate:visible")
    assert page.locator("#skip").is_visible()
    ask(page, "Second try")  # not refused: the stuck round is left behind
    wait_until(page, "document.querySelector('#pane-a .turn-prompt')?.textContent === 'Second try'")
    assert battle_id(page) not in (None, first)
    assert "did not finish: regenerate them" not in page.inner_text("#notice")
    assert page.locator("#pane-a .turn").count() == 1


@SIZES
def test_a_reload_does_not_bring_back_a_round_that_cannot_be_voted_on(
        arena: Any, open_page: Any, size: dict[str, Any]) -> None:
    page = stuck_round(arena, open_page, size, "Doomed")
    page.reload()
    page.wait_for_selector("#notice:has-text('set aside')")
    assert page.locator(".turn").count() == 0 and battle_id(page) is None
    assert page.locator("#regenerate").is_hidden()
    assert page.locator("#send").is_enabled()


def test_a_votable_round_can_be_skipped_with_the_mouse_after_a_warning(
        arena: Any, open_page: Any) -> None:
    server = arena(two_models())
    page = open_page(server.base_url)
    ask(page, "How do I make tea?")
    wait_votable(page)
    page.click("#skip")
    assert "not been voted on" in page.inner_text("#notice")
    assert page.locator("#pane-a .turn").count() == 1  # one click only warns
    page.click("#skip")
    assert page.locator(".turn").count() == 0 and battle_id(page) is None


def test_focus_after_sending_favours_neither_side(arena: Any, open_page: Any) -> None:
    server = arena(two_models())
    page = open_page(server.base_url)
    wait_until(page, "document.activeElement.id === 'prompt'")
    page.keyboard.type("How do I make tea?")
    page.keyboard.press("Enter")
    wait_votable(page)
    assert page.evaluate("document.activeElement.id") == "panes"
    for side in "ab":  # neither pane draws a focus frame
        outline = page.evaluate(
            f"getComputedStyle(document.querySelector('#pane-{side} .pane-body')).outlineStyle")
        assert outline == "none"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "none"
    page.keyboard.press("t")  # the shortcuts work from there
    page.wait_for_selector("#result:not([hidden])")


def test_an_empty_prompt_is_answered(arena: Any, open_page: Any) -> None:
    server = arena(two_models())
    page = open_page(server.base_url)
    page.fill("#prompt", "   \n  ")
    page.click("#send")
    page.wait_for_selector("#notice:has-text('the prompt is empty')")
    assert page.locator(".turn").count() == 0


@pytest.mark.parametrize("locale, words", [("fr-FR", "Rédige"), ("de-DE", "Erkläre"),
                                           ("en-US", "Explain")])
def test_example_prompts_in_the_voters_language(arena: Any, open_page: Any, locale: str,
                                                words: str) -> None:
    server = arena(two_models())
    page = open_page(server.base_url, locale=locale)
    examples = page.locator("#examples .example")
    examples.first.wait_for()
    assert examples.count() == 4
    assert words in page.inner_text("#examples")
    text = examples.nth(1).inner_text()
    examples.nth(1).click()
    assert page.input_value("#prompt") == text  # filled to edit, not sent
    assert page.locator(".turn").count() == 0
    page.click("#send")
    wait_votable(page)
    assert page.locator("#examples").is_hidden()


def test_on_a_phone_both_names_show_after_the_vote(arena: Any, open_page: Any) -> None:
    server = arena([model(NAMES[0], "markdown"), model(NAMES[1], "verbose")])
    page = open_page(server.base_url, **PHONE)
    ask(page, "Compare sorting algorithms for a beginner")
    wait_votable(page)
    vote_button(page, "A is better").tap()
    page.wait_for_selector("#result:not([hidden])")
    names = page.locator("#result .result-names")
    box = names.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 844, box  # on screen
    for name in NAMES:
        assert name in names.inner_text()
    new_round = page.locator("#new-round").bounding_box()
    assert new_round["y"] + new_round["height"] <= 844


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_demo_notice_is_small_on_a_phone_and_closes(arena: Any, open_page: Any,
                                                        scheme: str) -> None:
    server = arena(two_models(), demo=True)
    page = open_page(server.base_url, color_scheme=scheme, **PHONE)
    banner = page.locator("#demo-banner")
    banner.wait_for()
    shot(page, f"arena-phone-demo-{scheme}")
    assert banner.bounding_box()["height"] <= 844 * 0.12
    page.locator("#demo-banner .banner-close").tap()
    assert banner.is_hidden()
    page.reload()
    page.wait_for_selector("#examples .example")
    assert banner.is_hidden()  # closed for the rest of the visit
