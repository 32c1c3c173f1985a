"""The leaderboard page's "Ratings over time" chart in headless Chromium: the empty state,
a real snapshot taken by the server's daily job, and a designed month of history (more
models than the chart draws, one that joined late, one missing for some days) in light
and dark, at desktop and phone width."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from arena.schemas import BoardHistory
from tests.browser.conftest import shot
from tests.browser.test_leaderboard_page import board_server, cast_votes

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_empty_then_the_first_real_snapshot(arena: Any, open_page: Any) -> None:
    server = board_server(arena, history_interval_s=0.1)
    page = open_page(server.base_url + "/leaderboard")
    empty = page.locator("#chart-history .history-empty")
    empty.wait_for()
    assert "History starts after the first daily snapshot" in empty.inner_text()
    assert page.locator("#history-legend li").count() == 0
    shot(page.locator("#history"), "history-empty")
    cast_votes(page, server.base_url, 12)
    for _ in range(100):  # the job looks every 0.1 s; the board has models now
        body = page.request.get(f"{server.base_url}/api/leaderboard/history").json()
        if body["snapshots"]:
            break
        page.wait_for_timeout(50)
    assert [s["kind"] for s in body["snapshots"]] == ["daily"]
    page.reload()
    page.locator("#chart-history svg .history-point >> nth=0").wait_for()
    names = [m["model"] for m in body["models"]]
    assert page.locator("#history-legend li").all_inner_texts() == names
    assert page.locator("#chart-history .history-series").count() == len(names)
    # One snapshot: a point with its interval as a whisker, no line and no band yet.
    assert page.locator("#chart-history .history-series .whisker").count() == len(names)
    assert page.locator("#chart-history .history-series .line").count() == 0
    titles = page.locator("#chart-history .history-point title").all_text_contents()
    top = body["models"][0]["points"][0]
    assert titles[0].startswith(f"{names[0]}, ") and f"rank {top['rank']}" in titles[0]
    # The permalink to cite, and the download to check it with.
    cite = page.locator("#history-cite")
    assert "the board of" in cite.inner_text() and "arena history verify" in cite.inner_text()
    snap = body["snapshots"][0]
    assert cite.locator("a").first.get_attribute("href") == snap["permalink"]
    kept = page.request.get(server.base_url + snap["permalink"]).json()
    assert kept["counted_votes"] == snap["counted_votes"] and len(kept["votes_sha256"]) == 64
    assert cite.locator("a").nth(1).get_attribute("href") == (
        f"/api/battles.jsonl?snapshot={snap['id']}")
    shot(page.locator("#history"), "history-first-snapshot")


START = datetime(2026, 11, 1, 0, 5, tzinfo=UTC)
NAMES = ["atlas-13b", "borealis-7b", "cirrus-70b", "late-joiner", "gapped-9b", "delta-3b",
         "echo-1b", "foxtrot-2b", "golf-8b", "hotel-4b"]


def designed_history() -> dict[str, Any]:
    """30 daily snapshots of 10 models: late-joiner listed from day 10, gapped-9b not
    listed on days 12-14; intervals narrowing as votes grow."""
    snaps, series = [], {n: [] for n in NAMES}
    for day in range(30):
        at = (START + timedelta(days=day)).isoformat(timespec="seconds")
        listed = [n for n in NAMES if not (n == "late-joiner" and day < 10)
                  and not (n == "gapped-9b" and 12 <= day <= 14)]
        for place, n in enumerate(listed):
            k = NAMES.index(n)
            rating = 1120 - 25 * k + 12 * ((day * (k + 3)) % 7 - 3) / 3 + (day if k == 3 else 0)
            half = 140 / (1 + day / 6)
            series[n].append({"taken_at": at, "rating": round(rating, 1),
                              "ci_low": round(rating - half, 1),
                              "ci_high": round(rating + half, 1), "votes": 10 + 9 * day,
                              "rank": place + 1})
        snaps.append({"taken_at": at, "kind": "daily", "day": at[:10],
                      "last_vote_id": 40 * (day + 1), "counted_votes": 38 * (day + 1),
                      "models": len(listed), "id": day + 1,
                      "permalink": f"/api/leaderboard/snapshots/{day + 1}"})
    body = {"variant": "default", "snapshots": snaps,
            "models": [{"model": n, "points": series[n]} for n in NAMES], "truncated": False}
    BoardHistory.model_validate(body)  # the page is given what the server can send
    return body


@pytest.mark.parametrize(("scheme", "phone"), [("light", False), ("dark", False),
                                               ("light", True), ("dark", True)])
def test_a_month_of_history(arena: Any, open_page: Any, scheme: str, phone: bool) -> None:
    server = board_server(arena)
    body = designed_history()

    def serve(route: Any) -> None:
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    page = open_page(server.base_url + "/leaderboard", color_scheme=scheme,
                     **(PHONE if phone else {}))
    page.route("**/api/leaderboard/history*", serve)
    page.reload()
    page.locator("#chart-history svg .history-series >> nth=0").wait_for()
    chart = page.locator("#chart-history")
    assert chart.locator(".history-series").count() == 8  # the top 8 of 10
    legend = page.locator("#history-legend li").all_inner_texts()
    assert legend[:8] == NAMES[:8] and "top 8 of 10 models" in legend[8]
    late, gapped = chart.locator(".series-3"), chart.locator(".series-4")
    assert late.locator(".history-point").count() == 20  # from day 10 only
    assert gapped.locator(".line").count() == 2 and gapped.locator(".band").count() == 2
    assert chart.locator(".series-0 .line").count() == 1
    # The colours are the theme's: dark mode lightens the lines for a dark surface.
    stroke = page.evaluate("getComputedStyle(document.querySelector("
                           "'#chart-history .series-0 .line')).stroke")
    assert stroke == ("rgb(126, 162, 255)" if scheme == "dark" else "rgb(47, 91, 211)")
    axis = chart.locator(".axis-label").all_text_contents()
    assert "Nov 1" in axis and "Nov 30" in axis
    if phone:
        fits = page.evaluate("(() => { const c = document.querySelector('#chart-history');"
                             " return [c.scrollWidth, c.clientWidth]; })()")
        assert fits[0] <= fits[1], fits
    shot(page.locator("#history"), f"history-month-{'phone' if phone else 'desktop'}-{scheme}")
    if phone:  # the whole page: the chart in its place below the board's charts
        shot(page, f"history-month-phone-{scheme}-page", full_page=True)
