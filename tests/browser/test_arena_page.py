"""The arena page (/) in headless Chromium: whole battles by mouse and by keyboard, the
reveal (and nothing named before it), leaks, stop / regenerate, follow-ups, errors,
safe Markdown rendering, and the phone layout."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.browser.conftest import model, shot

pytestmark = pytest.mark.browser

NAMES = ("zephyr-alpha-7b", "quokka-beta-13b")
ANSWER_A = ("## Plan\n\nSteep **green tea** at 80 °C for two minutes.\n\n- Warm the pot\n"
            "- Measure the leaves\n\n```python\nsteep(minutes=2)\n```\n")
ANSWER_B = "Boil water, pour it over the leaves, wait three minutes and enjoy. " * 3


def two_models(delay_s: float = 0.005) -> list[dict[str, Any]]:
    return [model(NAMES[0], script=ANSWER_A, delay_s=delay_s),
            model(NAMES[1], script=ANSWER_B, delay_s=delay_s)]


def ask(page: Any, prompt: str) -> None:
    page.fill("#prompt", prompt)
    page.click("#send")


def wait_votable(page: Any) -> None:
    page.wait_for_selector("#vote:not([disabled])")


def wait_until(page: Any, script: str, timeout_s: float = 10) -> None:
    """Poll a JS expression (page.wait_for_function evaluates strings, which the CSP
    forbids; page.evaluate goes through the devtools protocol instead)."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(script):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {script}")
        page.wait_for_timeout(30)


def pane_text(page: Any, side: str) -> str:
    return page.inner_text(f"#pane-{side} .pane-body")


def vote_button(page: Any, label: str) -> Any:
    return page.locator("#vote").get_by_role("button", name=label)


# Records every server-sent event the page receives. (Chromium keeps no body for an
# event stream the page closed itself, which it does on the "end" event.)
RECORD_SSE = """
const NativeEventSource = window.EventSource;
window.__sse = [];
window.EventSource = class extends NativeEventSource {
  constructor(...args) {
    super(...args);
    for (const type of ["delta", "done", "error", "end"]) {
      this.addEventListener(type, (e) => {
        if (typeof e.data === "string") window.__sse.push(`${type} ${e.data}`);
      });
    }
  }
};
"""


def assert_no_names(page: Any, responses: list[Any]) -> None:
    html = page.content()
    for name in NAMES:
        assert name not in html, f"{name} is on the page before the vote"
    events = page.evaluate("window.__sse")
    assert any(e.startswith("end ") for e in events), events
    for r in responses:
        blob = "\n".join(events) if r.request.resource_type == "eventsource" else r.text()
        blob += " ".join(f"{k}: {v}" for k, v in r.headers.items())
        for name in NAMES:
            assert name not in blob, f"{name} was sent in {r.url} before the vote"


def test_full_battle_by_mouse(arena: Any, open_page: Any) -> None:
    server = arena(two_models())
    page = open_page(server.base_url, init_script=RECORD_SSE)
    responses: list[Any] = []
    page.on("response", lambda r: responses.append(r))
    expect_vote_disabled(page)

    ask(page, "How do I make tea?")
    wait_votable(page)
    assert "green tea" in pane_text(page, "a") + pane_text(page, "b")
    assert page.locator(".pane-name:visible").count() == 0
    assert any("/stream" in r.url for r in responses)
    assert_no_names(page, responses)

    vote_button(page, "A is better").click()
    page.wait_for_selector("#result:not([hidden])")
    revealed = [page.inner_text(f"#pane-{s} .pane-name") for s in "ab"]
    assert sorted(revealed) == sorted(NAMES)
    assert "Your pick" in page.inner_text("#pane-a .pane-head")
    assert "counts toward the leaderboard" in page.inner_text("#result")
    assert page.locator("#vote").is_hidden()

    page.get_by_role("button", name="New round").click()
    assert page.locator(".pane-name:visible").count() == 0
    assert page.locator(".turn").count() == 0
    assert page.evaluate("document.activeElement.id") == "prompt"


def expect_vote_disabled(page: Any) -> None:
    assert page.locator("#vote").get_attribute("disabled") is not None
    for label in ("A is better", "B is better", "Tie", "Both are bad"):
        assert vote_button(page, label).is_disabled()


def test_full_battle_by_keyboard(arena: Any, open_page: Any) -> None:
    server = arena(two_models())
    page = open_page(server.base_url)
    wait_until(page, "document.activeElement.id === 'prompt'")

    page.keyboard.type("First line")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("second line")
    assert page.input_value("#prompt") == "First line\nsecond line"
    assert page.locator(".turn").count() == 0  # Shift+Enter did not send
    page.keyboard.press("Enter")
    wait_votable(page)
    assert "First line\nsecond line" in page.inner_text("#pane-a .turn-prompt")

    # In the prompt box letters are text, not votes.
    page.keyboard.press("Slash")
    page.keyboard.type("b")
    assert page.input_value("#prompt") == "b"
    assert page.locator("#result").is_hidden()
    page.fill("#prompt", "")
    page.keyboard.press("Escape")  # leaves the prompt box for the vote bar
    assert page.evaluate("document.activeElement.dataset.vote") == "a"

    page.keyboard.press("b")
    page.wait_for_selector("#result:not([hidden])")
    assert "You voted: B is better." in page.inner_text("#result")
    assert "Your pick" in page.inner_text("#pane-b .pane-head")
    assert sorted(page.inner_text(f"#pane-{s} .pane-name") for s in "ab") == sorted(NAMES)
    assert page.evaluate("document.activeElement.id") == "new-round"

    page.keyboard.press("n")
    assert page.evaluate("document.activeElement.id") == "prompt"
    assert page.locator(".turn").count() == 0
    page.keyboard.type("Again")
    page.keyboard.press("Enter")
    wait_votable(page)
    page.keyboard.press("3")  # digits work too: 3 = tie
    page.wait_for_selector("#result:not([hidden])")
    assert "You voted: Tie." in page.inner_text("#result")


def test_names_stay_hidden_while_streaming(arena: Any, open_page: Any) -> None:
    server = arena(two_models(delay_s=0.03))
    page = open_page(server.base_url, init_script=RECORD_SSE)
    responses: list[Any] = []
    page.on("response", lambda r: responses.append(r))
    ask(page, "How do I make tea?")
    wait_until(page, "(document.querySelector('#pane-b .answer')?.textContent.length ?? 0) > 20")
    assert page.locator("#stop").is_visible()
    expect_vote_disabled(page)
    shot(page, "arena-mid-stream")
    for name in NAMES:
        assert name not in page.content()
    wait_votable(page)
    assert_no_names(page, responses)


def test_stop_cancels_the_turn_and_regenerate_asks_again(arena: Any, open_page: Any) -> None:
    long = "word " * 200
    server = arena([model(NAMES[0], script=long, delay_s=0.01),
                    model(NAMES[1], script=long, delay_s=0.01)])
    page = open_page(server.base_url)
    ask(page, "Talk for a while")
    wait_until(page, "(document.querySelector('#pane-a .answer')?.textContent.length ?? 0) > 10")
    page.keyboard.press("Escape")
    assert page.locator("#stop").is_hidden()
    expect_vote_disabled(page)
    assert "Stopped" in page.inner_text("#pane-a .pane-status")
    assert page.locator("#regenerate").is_visible()

    battle_id = page.evaluate("sessionStorage.getItem('arena.battle')")
    for _ in range(50):  # the server notices the closed stream and records the turn
        view = page.request.get(f"{server.base_url}/api/battles/{battle_id}").json()
        if view["turns"][-1]["status"] == "incomplete":
            break
        page.wait_for_timeout(100)
    assert view["turns"][-1]["status"] == "incomplete"
    assert view["votable"] is False

    page.click("#regenerate")
    wait_votable(page)
    assert pane_text(page, "a").count("word") == 200
    vote_button(page, "Both are bad").click()
    page.wait_for_selector("#result:not([hidden])")
    assert "counts toward the leaderboard" in page.inner_text("#result")


def test_leaked_battle_is_shown_as_not_counted(arena: Any, open_page: Any) -> None:
    server = arena([model("gossip-7b", "leaky", maker="Gossip Labs"),
                    model("hare-mini", "concise")])
    page = open_page(server.base_url)
    ask(page, "Who are you?")
    wait_votable(page)
    vote_button(page, "Tie").click()
    page.wait_for_selector("#result:not([hidden])")
    result = page.inner_text("#result")
    assert "Not counted" in result
    assert re.search(r"model [AB] named itself", result, re.IGNORECASE)
    leaked = page.locator(".pane.leaked")
    assert leaked.count() == 1
    assert "Named itself" in leaked.inner_text()
    assert "gossip-7b" in leaked.locator(".pane-name").inner_text()
    shot(page, "arena-leak-not-counted")


def test_follow_up_turn_before_the_vote(arena: Any, open_page: Any) -> None:
    server = arena(two_models())
    page = open_page(server.base_url)
    ask(page, "How do I make tea?")
    wait_votable(page)
    assert "whole conversation" in page.inner_text("#notice")
    assert "follow-up" in page.get_attribute("#prompt", "placeholder")
    ask(page, "And iced tea?")
    wait_votable(page)
    for side in "ab":
        assert page.locator(f"#pane-{side} .turn").count() == 2
    assert page.inner_text("#pane-b .turn >> nth=1 >> .turn-prompt") == "And iced tea?"
    vote_button(page, "A is better").click()
    page.wait_for_selector("#result:not([hidden])")
    assert sorted(page.inner_text(f"#pane-{s} .pane-name") for s in "ab") == sorted(NAMES)


def test_reload_resumes_the_unvoted_battle(arena: Any, open_page: Any) -> None:
    server = arena(two_models())
    page = open_page(server.base_url)
    ask(page, "How do I make tea?")
    wait_votable(page)
    before = pane_text(page, "b")
    page.reload()
    wait_votable(page)
    assert pane_text(page, "b") == before
    vote_button(page, "B is better").click()
    page.wait_for_selector("#result:not([hidden])")


def test_side_error_is_shown_in_place_without_names(arena: Any, open_page: Any) -> None:
    server = arena([model(NAMES[0], script=ANSWER_A), model(NAMES[1], fail="error")])
    page = open_page(server.base_url)
    ask(page, "How do I make tea?")
    page.wait_for_selector(".answer-error:visible")
    page.wait_for_selector("#regenerate:visible")
    error = page.inner_text(".answer-error:visible")
    assert re.search(r"model [AB]", error, re.IGNORECASE)
    for word in (*NAMES, "fake", "scripted", "HTTP"):
        assert word not in page.content()
    expect_vote_disabled(page)
    assert "cannot be voted on" in page.inner_text("#notice")


def test_demo_mode_banner(arena: Any, open_page: Any) -> None:
    server = arena(two_models(), demo=True)
    page = open_page(server.base_url)
    banner = page.locator("#demo-banner")
    banner.wait_for()
    assert "Demo mode" in banner.inner_text()
    assert "--models" in banner.inner_text()


MARKDOWN = """## Heading two
Some **bold**, *slanted*, ~~gone~~, `inline code` and a [docs link](https://example.org/docs).
A bare https://example.org/bare. link and mail <mailto:someone@example.org>.

- one
- two
  - nested

3. third
4. fourth

> quoted

| Name | Score |
|:-----|------:|
| x    | 1     |

```python
print("hi")
```

---
"""


def test_markdown_renders_with_copy_buttons(arena: Any, open_page: Any) -> None:
    server = arena([model(NAMES[0], script=MARKDOWN), model(NAMES[1], script=MARKDOWN)])
    page = open_page(server.base_url, permissions=["clipboard-read", "clipboard-write"])
    ask(page, "Show me markdown")
    wait_votable(page)
    pane = page.locator("#pane-a .answer")
    assert pane.locator("h4").inner_text() == "Heading two"
    assert pane.locator("strong").inner_text() == "bold"
    assert pane.locator("em").inner_text() == "slanted"
    assert pane.locator("del").inner_text() == "gone"
    assert pane.locator("p code").inner_text() == "inline code"
    links = pane.locator("a")
    assert [links.nth(i).get_attribute("href") for i in range(links.count())] == [
        "https://example.org/docs", "https://example.org/bare", "mailto:someone@example.org"]
    for i in range(links.count()):
        assert links.nth(i).get_attribute("rel") == "noopener noreferrer nofollow"
        assert links.nth(i).get_attribute("target") == "_blank"
    assert pane.locator("ul > li").count() == 3
    assert pane.locator("ul ul > li").inner_text() == "nested"
    assert pane.locator("ol").get_attribute("start") == "3"
    assert pane.locator("blockquote").inner_text() == "quoted"
    assert pane.locator("th.align-left").inner_text() == "Name"
    assert pane.locator("td.align-right").inner_text() == "1"
    assert pane.locator("pre code.language-python").inner_text() == 'print("hi")'
    assert pane.locator("hr").count() == 1

    pane.locator(".copy-code").click()
    assert page.evaluate("navigator.clipboard.readText()") == 'print("hi")'
    page.locator("#pane-b .copy-answer").click()
    assert page.evaluate("navigator.clipboard.readText()") == MARKDOWN
    assert page.locator("#pane-b .copy-answer").inner_text() == "Copied"


PAYLOAD = """# Hi <script>window.__pwned=1</script>
<img src=x onerror="window.__pwned=1"> <svg onload="window.__pwned=1"></svg>
[click me](javascript:window.__pwned=1) [caps](JaVaScRiPt:window.__pwned=1)
[tab](java\tscript:window.__pwned=1) [data](data:text/html,<script>window.__pwned=1</script>)
<a href="javascript:window.__pwned=1">raw</a> </div></div></section></main>
<script>window.__pwned=1</script><iframe src="javascript:window.__pwned=1"></iframe>
![pixel](https://example.invalid/pixel.png) ![js](javascript:window.__pwned=1)
`<script>window.__pwned=1</script>` <style>body{display:none}</style>

| <img src=x onerror=window.__pwned=1> | <b onmouseover="window.__pwned=1">bold</b> |
|---|---|
| </td></tr></table><script>window.__pwned=1</script> | [x](javascript:window.__pwned=1) |

```html
<script>window.__pwned=1</script></code></pre><img src=x onerror=window.__pwned=1>
```
"""


def test_model_output_and_prompt_never_run(arena: Any, open_page: Any) -> None:
    # One model streams the payload, the other echoes the prompt, which is the payload too.
    server = arena([model(NAMES[0], script=PAYLOAD), model(NAMES[1], "echo")])
    page = open_page(server.base_url)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    ask(page, PAYLOAD)
    wait_votable(page)
    page.mouse.move(400, 400)
    page.hover("#pane-a .answer")
    page.wait_for_timeout(200)

    assert page.evaluate("typeof window.__pwned") == "undefined"
    panes = page.locator(".pane")
    assert panes.locator("script, img, svg, iframe, style, object, embed").count() == 0
    assert panes.locator("[onerror], [onload], [onmouseover], [src]").count() == 0
    hrefs = page.eval_on_selector_all(".pane a", "els => els.map(a => a.getAttribute('href'))")
    assert all(re.match(r"^(https?:|mailto:)", h) for h in hrefs), hrefs
    for side in "ab":
        text = pane_text(page, side)
        assert "<script>window.__pwned=1</script>" in text  # shown as text
        assert "click me" in text  # the words of a refused link stay
    assert page.locator(".turn-prompt").first.inner_text() == PAYLOAD.strip("\n") or \
        "<img src=x" in page.locator(".turn-prompt").first.inner_text()
    assert page.locator("#pane-a .answer .image-link").first.get_attribute(
        "href") == "https://example.invalid/pixel.png"
    assert all(urlparse(u).hostname == "127.0.0.1" for u in requests), requests
    assert page.locator("body").is_visible()
    vote_button(page, "Tie").click()  # the page still works after all that
    page.wait_for_selector("#result:not([hidden])")
    assert page.evaluate("typeof window.__pwned") == "undefined"


def test_phone_layout(arena: Any, open_page: Any) -> None:
    server = arena([model(NAMES[0], "markdown"), model(NAMES[1], "verbose")])
    page = open_page(server.base_url, viewport={"width": 390, "height": 844},
                     is_mobile=True, has_touch=True, device_scale_factor=2)
    ask(page, "Compare sorting algorithms for a beginner")
    wait_votable(page)
    a = page.locator("#pane-a").bounding_box()
    b = page.locator("#pane-b").bounding_box()
    assert b["y"] >= a["y"] + a["height"] - 1, (a, b)
    assert a["width"] <= 390 and b["width"] <= 390
    for scroll in (0, 10_000):
        page.evaluate(f"window.scrollTo(0, {scroll})")
        box = page.locator("#vote").bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 844, box
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "arena-phone")
    vote_button(page, "A is better").tap()
    page.wait_for_selector("#result:not([hidden])")
    box = page.locator("#new-round").bounding_box()
    assert box["y"] + box["height"] <= 844
    shot(page, "arena-phone-revealed")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_reveal_screenshots(arena: Any, open_page: Any, scheme: str) -> None:
    server = arena([model(NAMES[0], "markdown"), model(NAMES[1], "verbose")])
    page = open_page(server.base_url, color_scheme=scheme)
    ask(page, "Explain Python decorators with an example")
    wait_votable(page)
    vote_button(page, "B is better").click()
    page.wait_for_selector("#result:not([hidden])")
    shot(page, f"arena-revealed-{scheme}")
