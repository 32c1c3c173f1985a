"""The page pays for its vote: it solves the battle's proof-of-work (in a worker, while the
answers stream) and shows the human check's widget, served from an origin of its own as a
vendor's is, verified by a local siteverify server. Every vote here is checked through the
API: it exists and it is counted."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from arena.testing.siteverify import LocalSiteverify
from arena.testing.widget import LocalWidget, Vendor
from tests.browser.conftest import shot
from tests.browser.test_arena_page import ask, two_models, vote_button, wait_until, wait_votable

pytestmark = pytest.mark.browser

SECRET = "test-captcha-secret"
POW_TTL_S = 900

# Holds the proof-of-work worker's answer until the test lets it through, and counts the
# workers started and stopped, so a test can vote before the solve is done.
HOLD_POW = """
window.__pow = { started: 0, stopped: 0, held: [], hold: true };
window.__releasePow = () => {
  window.__pow.hold = false;
  for (const deliver of window.__pow.held.splice(0)) deliver();
};
const NativeWorker = window.Worker;
window.Worker = class extends NativeWorker {
  constructor(...args) { super(...args); window.__pow.started += 1; }
  terminate() { window.__pow.stopped += 1; super.terminate(); }
  set onmessage(fn) {
    super.onmessage = (e) => (window.__pow.hold ? window.__pow.held.push(() => fn(e)) : fn(e));
  }
  get onmessage() { return super.onmessage; }
};
"""


class Votes:
    """The page's vote requests, their bodies and the server's answers."""

    def __init__(self, page: Any) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.challenges: list[str] = []  # every pow.challenge the server handed out, in order
        page.on("request", self._request)
        page.on("response", self._response)

    def _request(self, request: Any) -> None:
        if request.method == "POST" and request.url.endswith("/vote"):
            self.bodies.append(json.loads(request.post_data))

    def _response(self, response: Any) -> None:
        req = response.request
        if req.method == "POST" and "/api/battles" in req.url and not req.url.endswith("/vote"):
            try:
                pow_ = response.json().get("pow")
            except Exception:  # noqa: BLE001 - an error body is not ours to judge here
                pow_ = None
            if pow_:
                self.challenges.append(pow_["challenge"])


def battle_id(page: Any) -> str:
    return str(page.evaluate("document.querySelector('#pane-a .turn') && "
                             "sessionStorage.getItem('arena.battle')"))


def counted_via_api(page: Any, server: Any, bid: str) -> None:
    """The battle's vote exists and counts, and the board has counted it."""
    view = page.request.get(f"{server.base_url}/api/battles/{bid}").json()
    assert view["status"] == "voted", view
    assert view["vote"]["counted"] is True, view["vote"]
    deadline = time.monotonic() + 10
    while True:
        board = page.request.get(f"{server.base_url}/api/leaderboard").json()
        if board["totals"]["counted_votes"] >= 1:
            break
        assert time.monotonic() < deadline, board["totals"]
        page.wait_for_timeout(50)


def wait_result(page: Any) -> str:
    page.wait_for_selector("#result:not([hidden])")
    return str(page.inner_text("#result"))


# --- proof-of-work ------------------------------------------------------------------------


def test_the_page_solves_the_pow_and_the_vote_counts(arena: Any, open_page: Any) -> None:
    server = arena(two_models(), pow_difficulty=12)
    page = open_page(server.base_url)
    votes = Votes(page)
    ask(page, "How do I make tea?")
    wait_votable(page)
    bid = battle_id(page)
    vote_button(page, "A is better").click()
    assert "counts toward the leaderboard" in wait_result(page)
    assert len(votes.bodies) == 1
    body = votes.bodies[0]
    assert body["pow_challenge"] == votes.challenges[-1]
    assert body["pow_challenge"].startswith(f"{bid}.12.")
    assert body["pow_nonce"].isdigit()
    assert "captcha_token" not in body
    counted_via_api(page, server, bid)


def test_a_follow_up_brings_a_new_challenge_and_the_stale_solve_stops(
        arena: Any, open_page: Any) -> None:
    server = arena(two_models(), pow_difficulty=12, pow_ttl_s=POW_TTL_S)
    page = open_page(server.base_url, init_script=HOLD_POW)
    votes = Votes(page)
    ask(page, "How do I make tea?")
    wait_votable(page)
    # A challenge is a function of the battle, its difficulty and the second it expires:
    # let the server's clock turn, so the follow-up's challenge is a different one.
    expires = int(votes.challenges[0].split(".")[2])
    while int(time.time()) + POW_TTL_S <= expires:
        page.wait_for_timeout(20)
    ask(page, "And iced tea?")  # the first solve is still held: it must be stopped
    wait_votable(page)
    assert len(votes.challenges) == 2 and votes.challenges[0] != votes.challenges[1]
    assert page.evaluate("window.__pow.started") == 2
    assert page.evaluate("window.__pow.stopped") == 1
    page.evaluate("window.__releasePow()")
    bid = battle_id(page)
    vote_button(page, "B is better").click()
    assert "counts toward the leaderboard" in wait_result(page)
    assert [b["pow_challenge"] for b in votes.bodies] == [votes.challenges[1]]
    counted_via_api(page, server, bid)


def test_a_vote_before_the_solve_waits_for_it_once(arena: Any, open_page: Any) -> None:
    server = arena(two_models(), pow_difficulty=12)
    page = open_page(server.base_url, init_script=HOLD_POW)
    votes = Votes(page)
    ask(page, "How do I make tea?")
    wait_votable(page)
    bid = battle_id(page)
    vote_button(page, "A is better").click()
    wait_until(page, "document.getElementById('notice').textContent"
                     ".includes('Checking this browser')")
    assert page.locator("#vote").get_attribute("disabled") is not None  # no second vote
    page.locator("body").press("b")
    assert votes.bodies == []
    page.evaluate("window.__releasePow()")
    result = wait_result(page)
    assert "You voted: A is better." in result and "counts toward the leaderboard" in result
    assert len(votes.bodies) == 1 and votes.bodies[0]["winner"] == "a"
    counted_via_api(page, server, bid)


def test_a_refused_pow_is_said_in_plain_words(arena: Any, open_page: Any) -> None:
    server = arena(two_models(), pow_difficulty=12)
    page = open_page(server.base_url)

    def forge(route: Any) -> None:
        body = json.loads(route.request.post_data)
        body["pow_challenge"] = body["pow_challenge"][:-4] + "beef"  # not the server's tag
        route.continue_(post_data=json.dumps(body))

    page.route("**/vote", forge)
    ask(page, "How do I make tea?")
    wait_votable(page)
    vote_button(page, "A is better").click()
    page.wait_for_selector("#notice.error")
    notice = page.inner_text("#notice")
    assert "not recorded" in notice and "did not check out" in notice, notice
    assert "Regenerate (R)" in notice and "proof-of-work" not in notice, notice
    assert page.locator("#result").is_hidden()
    wait_votable(page)  # the voter can try again at once
    page.unroute("**/vote")
    vote_button(page, "A is better").click()  # the challenge was not spent by the refusal
    assert "counts toward the leaderboard" in wait_result(page)


def test_a_reload_keeps_the_challenge(arena: Any, open_page: Any) -> None:
    server = arena(two_models(), pow_difficulty=12)
    page = open_page(server.base_url)
    ask(page, "How do I make tea?")
    wait_votable(page)
    bid = battle_id(page)
    page.reload()
    wait_votable(page)
    vote_button(page, "Tie").click()
    assert "counts toward the leaderboard" in wait_result(page)
    counted_via_api(page, server, bid)


def test_without_workers_the_page_solves_on_its_own_thread(arena: Any, open_page: Any) -> None:
    server = arena(two_models(), pow_difficulty=12)
    page = open_page(server.base_url, init_script="delete window.Worker;")
    votes = Votes(page)
    ask(page, "How do I make tea?")
    wait_votable(page)
    bid = battle_id(page)
    vote_button(page, "A is better").click()
    assert "counts toward the leaderboard" in wait_result(page)
    assert votes.bodies[0]["pow_challenge"] == votes.challenges[-1]
    counted_via_api(page, server, bid)


# --- the human check --------------------------------------------------------------------------


@pytest.fixture
def human_check(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``human_check(vendor=..., accept=...)`` → (settings for ``arena``, widget, siteverify)."""
    started: list[Any] = []
    monkeypatch.setenv("ARENA_CAPTCHA_SECRET", SECRET)

    def start(vendor: Vendor = "turnstile", accept: bool = True,
              script: str = "ok") -> tuple[dict[str, Any], LocalWidget, LocalSiteverify]:
        widget = LocalWidget(vendor=vendor).start()
        sv = LocalSiteverify(secret=SECRET, tokens=widget.tokens() if accept else set()).start()
        started.extend([widget, sv])
        settings = {"captcha_verify_url": sv.url, "captcha_site_key": "site-key-123",
                    "captcha_script_url": widget.script_url if script == "ok"
                    else widget.missing_url}
        return settings, widget, sv

    yield start
    for s in started:
        s.stop()


def tick(page: Any) -> None:
    page.get_by_label("I am human").check()
    wait_until(page, "document.getElementById('human-check').classList.contains('is-done')")


@pytest.mark.parametrize("vendor", ["turnstile", "hcaptcha", "grecaptcha"])
def test_the_human_check_is_shown_ticked_and_sent(
        arena: Any, open_page: Any, human_check: Any, vendor: Vendor) -> None:
    settings, widget, sv = human_check(vendor)
    server = arena(two_models(), **settings)
    page = open_page(server.base_url)
    votes = Votes(page)
    page.get_by_label("I am human").wait_for()
    assert page.evaluate(f"window.{vendor}.sitekeys()") == ["site-key-123"]
    ask(page, "How do I make tea?")
    wait_votable(page)
    bid = battle_id(page)

    vote_button(page, "A is better").click()  # not ticked: explained, nothing sent
    page.wait_for_selector("#notice.error")
    assert "human check" in page.inner_text("#notice")
    assert "human check" in page.inner_text("#human-check-hint")
    assert votes.bodies == [] and sv.requests == []
    assert page.locator("#result").is_hidden()

    tick(page)
    assert "human check" not in page.inner_text("#notice")  # the explanation went with it
    shot(page, f"human-check-{vendor}")
    vote_button(page, "A is better").click()
    assert "counts toward the leaderboard" in wait_result(page)
    assert votes.bodies == [{"winner": "a", "captcha_token": "tok-1"}]
    assert [(r["secret"], r["response"]) for r in sv.requests] == [(SECRET, "tok-1")]
    counted_via_api(page, server, bid)
    # Tokens are single-use: the widget was reset, and the next round asks for a new one.
    assert not page.get_by_label("I am human").is_checked()
    page.get_by_role("button", name="New round").click()
    ask(page, "And coffee?")
    wait_votable(page)
    page.keyboard.press("Escape")
    page.locator("body").press("t")
    page.wait_for_selector("#notice.error")
    assert len(votes.bodies) == 1
    tick(page)
    vote_button(page, "Tie").click()
    wait_result(page)
    assert votes.bodies[-1] == {"winner": "tie", "captcha_token": "tok-2"}


def test_a_refused_token_is_said_and_the_widget_reset(
        arena: Any, open_page: Any, human_check: Any) -> None:
    settings, _, sv = human_check(accept=False)
    server = arena(two_models(), **settings)
    page = open_page(server.base_url)
    ask(page, "How do I make tea?")
    wait_votable(page)
    tick(page)
    vote_button(page, "B is better").click()
    page.wait_for_selector("#notice.error")
    notice = page.inner_text("#notice")
    assert "not recorded" in notice and "human check did not pass" in notice, notice
    assert page.locator("#result").is_hidden()
    assert not page.get_by_label("I am human").is_checked()
    assert len(sv.requests) == 1


def test_a_widget_that_fails_to_load_is_said_and_the_page_still_works(
        arena: Any, open_page: Any, human_check: Any) -> None:
    settings, _, sv = human_check(script="missing")
    server = arena(two_models(), **settings)
    page = open_page(server.base_url)
    votes = Votes(page)
    page.wait_for_selector("#human-check.is-broken")
    assert "could not be loaded" in page.inner_text("#human-check-hint")
    assert "could not be loaded" in page.inner_text("#notice")
    ask(page, "How do I make tea?")
    wait_votable(page)
    assert "green tea" in page.inner_text("#pane-a .pane-body") + page.inner_text(
        "#pane-b .pane-body")
    vote_button(page, "A is better").click()
    page.wait_for_selector("#notice.error")
    assert "could not be loaded" in page.inner_text("#notice")
    assert votes.bodies == [] and sv.requests == []


# --- both ------------------------------------------------------------------------------------


def test_pow_and_human_check_together(arena: Any, open_page: Any, human_check: Any) -> None:
    settings, _, sv = human_check()
    server = arena(two_models(), pow_difficulty=12, **settings)
    page = open_page(server.base_url)
    votes = Votes(page)
    ask(page, "How do I make tea?")
    wait_votable(page)
    bid = battle_id(page)
    vote_button(page, "Both are bad").click()
    page.wait_for_selector("#notice.error")
    assert votes.bodies == []
    tick(page)
    vote_button(page, "Both are bad").click()
    assert "counts toward the leaderboard" in wait_result(page)
    (body,) = votes.bodies
    assert body["captcha_token"] == "tok-1"
    assert body["pow_challenge"] == votes.challenges[-1] and body["pow_nonce"].isdigit()
    assert len(sv.requests) == 1
    counted_via_api(page, server, bid)
