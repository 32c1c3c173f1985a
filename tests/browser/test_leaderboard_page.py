"""The leaderboard page (/leaderboard) in headless Chromium: the table, sorting, the
options (style control, category), the SVG charts, totals and downloads."""

from __future__ import annotations

import json
import random
import re
from typing import Any

import pytest

from arena.battles import Pairing
from tests.browser.conftest import model, shot

pytestmark = pytest.mark.browser

MODELS = ["atlas-13b", "borealis-7b", "cirrus-70b", "gossip-7b"]
PROMPTS = ["How do I sort a list in Python? def f(x): return sorted(x)",
           "Plan a weekend in Lisbon", "Who are you?", "Write a haiku about rain",
           "Explain recursion with a JavaScript example", "What should I cook tonight?"]


def board_server(arena: Any, **settings: Any) -> Any:
    roster = [model(MODELS[0], "concise", delay_s=0), model(MODELS[1], "verbose", delay_s=0),
              model(MODELS[2], "markdown", delay_s=0),
              model(MODELS[3], "leaky", maker="Gossip Labs", delay_s=0)]
    pairing = Pairing({m: 1.0 for m in MODELS}, rng=random.Random(7))
    return arena(roster, pairing=pairing, **settings)


def cast_votes(page: Any, base: str, n: int, prompts: list[str] = PROMPTS) -> None:
    """Whole battles through the API with the page's own cookie jar."""
    winners = ["a", "b", "a", "tie", "b", "a", "both_bad", "a", "b", "a"]
    totals = page.request.get(f"{base}/api/leaderboard").json()["totals"]
    before = totals["counted_votes"] + sum(totals["excluded_votes"].values())
    for i in range(n):
        battle = page.request.post(f"{base}/api/battles",
                                   data={"prompt": prompts[i % len(prompts)]}).json()
        stream = page.request.get(f"{base}/api/battles/{battle['id']}/stream").text()
        assert "event: end" in stream
        r = page.request.post(f"{base}/api/battles/{battle['id']}/vote",
                              data={"winner": winners[i % len(winners)]})
        assert r.ok, r.text()
    expected = n + before
    for _ in range(100):  # the board is recomputed in the background after a vote
        totals = page.request.get(f"{base}/api/leaderboard").json()["totals"]
        if totals["counted_votes"] + sum(totals["excluded_votes"].values()) == expected:
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"the leaderboard did not catch up with {n} votes: {totals}")


PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def voted_board_page(arena: Any, open_page: Any, scheme: str, phone: bool, votes: int,
                     prompts: list[str] = PROMPTS) -> tuple[Any, Any]:
    """The leaderboard page, in this scheme and size, of a server that has ``votes``
    votes cast through the arena page: (server, page)."""
    server = board_server(arena)
    page = open_page(server.base_url + "/leaderboard", color_scheme=scheme,
                     **(PHONE if phone else {}))
    cast_votes(page, server.base_url, votes, prompts=prompts)
    return server, page


def serve_board(page: Any, body: Any) -> None:
    """Answer the page's board requests with ``body(route)`` from now on."""
    def serve(route: Any) -> None:
        route.fulfill(status=200, content_type="application/json",
                      body=json.dumps(body(route)))

    page.route("**/api/leaderboard?*", serve)
    page.route("**/api/leaderboard", serve)


def test_leaderboard_after_votes(arena: Any, open_page: Any) -> None:
    server = board_server(arena)
    page = open_page(server.base_url + "/leaderboard")
    page.locator(".empty-state").wait_for()
    assert page.locator("#charts").is_hidden()
    cast_votes(page, server.base_url, 14)
    for _ in range(12):  # make sure one vote was thrown out for a leak
        board = page.request.get(f"{server.base_url}/api/leaderboard").json()
        if board["totals"]["excluded_votes"]:
            break
        cast_votes(page, server.base_url, 1, prompts=["Who are you?"])
    page.reload()
    page.locator("#board-body tr >> nth=1").wait_for()

    api = page.request.get(f"{server.base_url}/api/leaderboard").json()
    rows = page.locator("#board-body tr")
    assert rows.count() == len(api["models"]) >= 3
    assert page.inner_text("#board-body tr >> nth=0 >> td.rank").startswith("1")
    for i in range(rows.count()):
        assert re.fullmatch(r"\+\d+/\u200b?−\d+", rows.nth(i).locator("td.ci").inner_text())
        assert rows.nth(i).locator("td.win-rate").inner_text().endswith("%")
    shown = page.locator("#board-body th.model .model-name").all_inner_texts()
    assert shown == [m["model"] for m in api["models"]]
    # A few votes each, under the default 300: every rating is marked provisional.
    assert all(m["provisional"] for m in api["models"])
    assert page.locator("#board-body th.model .badge.provisional").count() == rows.count()

    totals = page.inner_text("#totals")
    assert str(api["totals"]["counted_votes"]) in totals
    assert api["totals"]["excluded_votes"].get("identity_leak", 0) >= 1
    assert "identity leak" in totals
    assert "Last updated" in page.inner_text("#updated")

    for chart in ("ratings", "winrate", "battles"):
        assert page.locator(f"#chart-{chart} svg").count() == 1
    assert page.locator("#chart-ratings circle").count() == len(api["models"])
    n = len(api["matrices"]["models"])
    assert page.locator("#chart-winrate rect").count() == n * n
    shot(page, "leaderboard-light", full_page=True)

    # Sorting: votes descending, then ascending.
    page.locator("th[data-key=votes] button").click()
    assert page.get_attribute("th[data-key=votes]", "aria-sort") == "descending"
    votes = [int(v) for v in page.locator("#board-body td.votes").all_inner_texts()]
    assert votes == sorted(votes, reverse=True)
    page.locator("th[data-key=votes] button").click()
    votes = [int(v) for v in page.locator("#board-body td.votes").all_inner_texts()]
    assert votes == sorted(votes)
    page.locator("th[data-key=model] button").press("Enter")  # keyboard sorting too
    names = page.locator("#board-body th.model .model-name").all_inner_texts()
    assert names == sorted(names, key=str.lower)

    # Style control and category are sent to the API and kept in the URL.
    with page.expect_response(lambda r: "style_control=true" in r.url) as styled:
        page.check("#style-control")
    assert "style_control=true" in page.url
    if styled.value.ok:
        assert page.locator("#board-body tr").count() == max(1, len(styled.value.json()["models"]))
    else:  # the API refused (or failed): the page says so and keeps the last table
        page.locator("#notice.error").wait_for()
        assert "could not be loaded" in page.inner_text("#notice")
    page.locator("#category option[value=coding]").wait_for(state="attached")
    page.uncheck("#style-control")
    with page.expect_response(lambda r: "category=coding" in r.url) as resp:
        page.select_option("#category", "coding")
    assert resp.value.ok
    assert "category=coding" in page.url
    coded = resp.value.json()
    assert page.locator("#board-body tr").count() == max(1, len(coded["models"]))

    # Downloads follow the chosen options.
    assert "category=coding" in page.get_attribute("#dl-csv", "href")
    page.select_option("#category", "")
    csv = page.request.get(server.base_url + page.get_attribute("#dl-csv", "href"))
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text().strip().splitlines()
    assert lines[0].startswith("rank,model,rating,ci_low,ci_high")
    assert len(lines) == 1 + len(api["models"])
    battles = page.request.get(server.base_url + page.get_attribute("#dl-battles", "href"))
    records = [json.loads(line) for line in battles.text().splitlines()]
    assert len(records) == api["totals"]["counted_votes"]
    assert all("conversation_a" not in r and r["winner"] for r in records)
    as_json = page.request.get(server.base_url + page.get_attribute("#dl-json", "href")).json()
    assert as_json["models"] == api["models"]


def test_leaderboard_dark_and_phone(arena: Any, open_page: Any) -> None:
    server = board_server(arena)
    page = open_page(server.base_url + "/leaderboard", color_scheme="dark")
    cast_votes(page, server.base_url, 10)
    page.reload()
    page.locator("#chart-winrate svg").wait_for()
    bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert bg != "rgb(255, 255, 255)"
    shot(page, "leaderboard-dark", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "leaderboard-phone", full_page=True)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_on_a_phone_every_column_is_on_screen(arena: Any, open_page: Any, scheme: str) -> None:
    server = board_server(arena)
    page = open_page(server.base_url + "/leaderboard", color_scheme=scheme,
                     viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    cast_votes(page, server.base_url, 10)
    page.reload()
    page.locator("#board-body tr td.ci").first.wait_for()
    shot(page, f"leaderboard-phone-columns-{scheme}", full_page=True)
    wrap = page.evaluate("(() => { const w = document.querySelector('.board-wrap');"
                         " return [w.scrollWidth, w.clientWidth]; })()")
    assert wrap[0] <= wrap[1], wrap  # nothing to scroll sideways to
    for key in ("rank", "model", "rating", "ci", "votes", "win_rate"):
        box = page.locator(f"#board thead th[data-key='{key}']").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (key, box)


def test_a_view_with_votes_but_no_ranked_model_says_so(arena: Any, open_page: Any) -> None:
    server = board_server(arena, min_votes=5)
    page = open_page(server.base_url + "/leaderboard")
    cast_votes(page, server.base_url, 2, prompts=["Plan a weekend in Lisbon"])
    page.reload()
    empty = page.locator(".empty-state")
    empty.wait_for()
    text = empty.inner_text()
    assert "No counted votes yet" not in text
    assert "2 counted votes" in text and "enough" in text
    unlisted = page.inner_text("#unlisted")
    assert "(1 vote;" in unlisted and "1 votes" not in unlisted


def test_downloads_follow_the_view(arena: Any, open_page: Any) -> None:
    server = board_server(arena)
    page = open_page(server.base_url + "/leaderboard")
    cast_votes(page, server.base_url, 6)
    page.reload()
    page.locator("#category option[value='coding']").wait_for(state="attached")
    page.select_option("#category", "coding")
    page.check("#style-control")
    for _ in range(100):
        if "coding" in (page.get_attribute("#dl-battles", "href") or "") and \
                "style" in (page.get_attribute("#dl-csv", "download") or ""):
            break
        page.wait_for_timeout(50)
    names = {link: page.get_attribute(f"#dl-{link}", "download") for link in
             ("json", "csv", "battles")}
    assert names == {"json": "arena-leaderboard-coding-style.json",
                     "csv": "arena-leaderboard-coding-style.csv",
                     "battles": "arena-battles-coding.jsonl"}
    assert page.get_attribute("#dl-battles", "href") == "/api/battles.jsonl?category=coding"
    with page.expect_download() as got:  # the server names the file by the same rule
        page.click("#dl-csv")
    assert got.value.suggested_filename == "arena-leaderboard-coding-style.csv"
    battles = page.request.get(server.base_url + "/api/battles.jsonl?category=coding").text()
    rows = [json.loads(line) for line in battles.splitlines()]
    assert rows and all(r["category_tag"].get("coding") for r in rows)


@pytest.mark.parametrize(("scheme", "phone"), [("light", False), ("dark", False),
                                               ("light", True), ("dark", True)])
def test_rank_spread_and_tiers_are_shown(arena: Any, open_page: Any, scheme: str,
                                         phone: bool) -> None:
    server, page = voted_board_page(arena, open_page, scheme, phone, 12,
                                    prompts=PROMPTS[:2] + PROMPTS[3:])
    real = page.request.get(f"{server.base_url}/api/leaderboard").json()
    assert len(real["models"]) >= 3 and all("rank_spread" in m and "tier" in m
                                            for m in real["models"])
    # The page is given the server's own board with spreads and tiers of a board that is
    # larger than a few test votes can make: three tiers, one certain rank.
    board = json.loads(json.dumps(real))
    designed = [([1, 1], 1), ([2, 3], 2), ([2, 3], 2), ([4, 4], 3)]
    for row, (spread, tier) in zip(board["models"], designed, strict=False):
        row["rank_spread"], row["tier"] = spread, tier
    n = len(board["models"])
    serve_board(page, lambda route: board)
    page.reload()
    page.locator("#board-body tr >> nth=1").wait_for()
    rows = page.locator("#board-body tr")
    assert rows.count() == n
    ranks = rows.locator("td.rank")
    for i, (spread, tier) in enumerate(designed[:n]):
        text = ranks.nth(i).inner_text()
        assert text.startswith(str(board["models"][i]["rank"]))
        assert (f"{spread[0]}–{spread[1]}" in text) == (spread[0] != spread[1]), text
        assert rows.nth(i).get_attribute("data-tier") == str(tier)
    labels = page.locator("#board-body .tier-label").all_inner_texts()
    assert [t.lower() for t in labels] == [f"tier {t}" for t in sorted(
        {t for _, t in designed[:n]})]
    assert page.locator("#board-body tr.tier-start").count() == len(labels) - 1
    assert "plausibly" in page.inner_text("#rank-note")
    if phone:
        wrap = page.evaluate("(() => { const w = document.querySelector('.board-wrap');"
                             " return [w.scrollWidth, w.clientWidth]; })()")
        assert wrap[0] <= wrap[1], wrap
    shot(page, f"leaderboard-tiers-{'phone' if phone else 'desktop'}-{scheme}",
         full_page=phone)
    # Sorted by something else, tiers are no groups: no label, no rule.
    page.click("#board thead th[data-key='votes'] button")
    assert page.locator("#board-body .tier-label").count() == 0
    assert page.locator("#board-body tr.tier-start").count() == 0


@pytest.mark.parametrize(("scheme", "phone"), [("light", False), ("dark", False),
                                               ("light", True), ("dark", True)])
def test_davidson_method_shows_the_tie_parameter(arena: Any, open_page: Any, scheme: str,
                                                 phone: bool) -> None:
    server, page = voted_board_page(arena, open_page, scheme, phone, 12,
                                    prompts=PROMPTS[:2] + PROMPTS[3:])
    page.reload()
    page.locator("#board-body tr >> nth=1").wait_for()
    assert page.locator("#ties-note").is_hidden()  # Bradley–Terry: no tie parameter
    with page.expect_response(lambda r: "method=davidson" in r.url):
        page.select_option("#method", "davidson")
    page.locator("#ties-note").wait_for()
    assert "method=davidson" in page.url
    api = page.request.get(f"{server.base_url}/api/leaderboard?method=davidson").json()
    dv = api["davidson"]
    note = page.inner_text("#ties-note")
    assert f"ν = {dv['nu']:.2f}" in note and f"{dv['draws']} tie" in note, note
    assert f"{100 * dv['tie_rate_at_equal']:.1f}%" in note, note
    shown = page.locator("#board-body th.model .model-name").all_inner_texts()
    assert shown == [m["model"] for m in api["models"]]
    ratings = page.locator("#board-body td.rating").all_inner_texts()
    assert ratings == [str(round(m["rating"])) for m in api["models"]]
    assert page.is_disabled("#style-control")  # style control is Bradley–Terry only
    assert "method=davidson" in page.get_attribute("#dl-csv", "href")
    if phone:
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, f"leaderboard-davidson-{'phone' if phone else 'desktop'}-{scheme}",
         full_page=phone)
    # The URL keeps the choice; back to Bradley–Terry hides the note again.
    page.reload()
    page.locator("#ties-note").wait_for()
    assert page.input_value("#method") == "davidson"
    page.select_option("#method", "bt")
    page.locator("#ties-note").wait_for(state="hidden")
    assert "method=" not in page.url


@pytest.mark.parametrize(("scheme", "phone"), [("light", False), ("dark", True)])
def test_fragility_and_influential_voters_are_shown(arena: Any, open_page: Any, scheme: str,
                                                    phone: bool) -> None:
    server, page = voted_board_page(arena, open_page, scheme, phone, 12,
                                    prompts=PROMPTS[:2] + PROMPTS[3:])
    real = page.request.get(f"{server.base_url}/api/leaderboard").json()
    models = [m["model"] for m in real["models"]]
    frag = real["fragility"]
    assert [p["above"] for p in frag["pairs"]] == models[:-1]
    assert all(p["votes"] is None or p["votes"] >= 1 for p in frag["pairs"])
    # The page is given the server's own board with one pair a handful of votes decides
    # and one that many do, as a larger arena would have.
    board = json.loads(json.dumps(real))
    pairs = board["fragility"]["pairs"]
    pairs[0]["votes"], pairs[-1]["votes"] = 2, 400
    board["fragility"]["fragile"] = True
    board["influence"]["voters"] = [{"id": "3fa9c2", "votes": 7, "share": 0.125,
                                     "max_elo_change": 31.5}]
    serve_board(page, lambda route: board)
    page.reload()
    page.locator("#fragility-body tr >> nth=0").wait_for()
    rows = page.locator("#fragility-body tr")
    assert rows.count() == len(pairs)
    first = rows.nth(0).inner_text()
    assert pairs[0]["above"] in first and pairs[0]["below"] in first
    assert "1–2" in first and "fragile" in first.lower()
    assert rows.nth(0).get_attribute("class") == "fragile"
    assert "fragile" not in rows.nth(len(pairs) - 1).inner_text().lower()
    total = board["totals"]["battles"]
    assert f"400 of {total}" in rows.nth(len(pairs) - 1).inner_text()
    voters = page.locator("#influence-list li").all_inner_texts()
    assert voters == ["3fa9c2…: 7 votes (12.5% of the weight), moves a rating by up to "
                      "32 Elo"], voters
    if phone:
        wrap = page.evaluate("(() => { const w = document.querySelector('#fragility "
                             ".board-wrap'); return [w.scrollWidth, w.clientWidth]; })()")
        assert wrap[0] <= wrap[1], wrap
    page.locator("#fragility").scroll_into_view_if_needed()
    shot(page, f"leaderboard-fragility-{'phone' if phone else 'desktop'}-{scheme}",
         full_page=phone)
    # Elo has no fragility: the section goes.
    board.pop("fragility")
    page.reload()
    page.locator("#board-body tr >> nth=0").wait_for()
    assert page.locator("#fragility").is_hidden()


@pytest.mark.parametrize(("scheme", "phone"), [("light", False), ("dark", False),
                                               ("light", True), ("dark", True)])
def test_side_effect_and_side_control_are_shown(arena: Any, open_page: Any, scheme: str,
                                                phone: bool) -> None:
    server, page = voted_board_page(arena, open_page, scheme, phone, 8)
    real = page.request.get(f"{server.base_url}/api/leaderboard").json()
    assert set(real["side"]) == {"elo", "ci", "a_win_share", "battles"}
    assert real["side_control"] is False
    # The server's own board, with the side effect of a board larger than a few test
    # votes make; side_control is echoed from the request, as the server does.
    board = json.loads(json.dumps(real))
    board["side"] = {"elo": 12.3, "ci": [4.1, 20.4], "a_win_share": 0.5341, "battles": 412}
    serve_board(page, lambda route: {**board, "side_control":
                                     "side_control=true" in route.request.url})
    page.reload()
    note = page.locator("#side-effect")
    note.wait_for()
    text = note.inner_text()
    assert text.startswith("Side A (left) advantage: +12 Elo [+4, +20]"), text
    assert "53.4% of the decided votes (412 battles)" in text
    assert "Tick Side control" in text
    assert "clear" in (note.get_attribute("class") or "")  # the interval excludes 0
    if phone:
        wrap = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert wrap
    shot(page, f"leaderboard-side-{'phone' if phone else 'desktop'}-{scheme}", full_page=phone)
    # The toggle asks for side control, keeps it in the URL and the page says so.
    with page.expect_response(lambda r: "side_control=true" in r.url):
        page.check("#side-control")
    assert "side_control=true" in page.url
    page.locator("#side-effect", has_text="adjusted for it").wait_for()
    assert "side" in (page.get_attribute("#dl-csv", "download") or "")
    if not phone:
        shot(page, f"leaderboard-side-controlled-{scheme}")
    # Online Elo has no side term: the toggle is disabled and not sent.
    with page.expect_request(lambda r: "method=elo" in r.url) as elo:
        page.select_option("#method", "elo")
    assert "side_control" not in elo.value.url
    assert page.is_disabled("#side-control")
    assert "side_control" not in page.url
    # An interval across 0 reads as no clear bias.
    board["side"] = {"elo": -3.2, "ci": [-9.0, 2.6], "a_win_share": 0.49, "battles": 300}
    with page.expect_request(lambda r: "side_control=true" in r.url):
        page.select_option("#method", "bt")  # the box is still ticked: sent again
    page.uncheck("#side-control")
    page.locator("#side-effect", has_text="no clear side bias").wait_for()
    assert "clear" not in (page.get_attribute("#side-effect", "class") or "").split()
    assert page.inner_text("#side-effect").startswith("Side A (left) advantage: −3 Elo [−9, +3]")
