"""The pages inside the package: served with the server's one CSP (no policy of their own in
a meta tag), and a missing page directory or page stops the start, naming what is missing."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from arena.app import WEB_DIR, WEB_PAGES, create_app, mount_web
from arena.errors import ConfigError
from arena.security import CSP
from arena.settings import Settings


async def test_pages_carry_the_servers_csp_and_no_meta_policy(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://arena.test") as client:
        for path in ("/", "/leaderboard"):
            res = await client.get(path)
            assert res.status_code == 200, path
            assert res.headers["content-security-policy"] == CSP
            assert "Content-Security-Policy" not in res.text, path
        js = await client.get("/static/page.js")
        assert js.status_code == 200
        assert js.text == (WEB_DIR / "page.js").read_text()


def test_a_missing_page_directory_stops_the_start(tmp_path: Path) -> None:
    missing = tmp_path / "web"
    with pytest.raises(ConfigError, match=f"no directory {missing}"):
        mount_web(FastAPI(), missing)


@pytest.mark.parametrize("page", WEB_PAGES)
def test_a_missing_page_stops_the_start(tmp_path: Path, page: str) -> None:
    web = tmp_path / "web"
    shutil.copytree(WEB_DIR, web)
    (web / page).unlink()
    with pytest.raises(ConfigError, match=f"{page} missing from {web}"):
        mount_web(FastAPI(), web)


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


async def test_an_unknown_address_is_a_page_for_a_browser_and_json_for_a_client(
        tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://arena.test") as client:
        page = await client.get("/leaderbord", headers={"Accept": BROWSER_ACCEPT})
        script = await client.get("/leaderbord")
        api = await client.get("/api/nope", headers={"Accept": BROWSER_ACCEPT})
        static = await client.get("/static/nope.js", headers={"Accept": BROWSER_ACCEPT})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "Page not found" in page.text and 'href="/"' in page.text
    assert page.headers["content-security-policy"] == CSP
    for res in (script, api):  # a script, and anything under /api/, keeps the JSON shape
        assert res.status_code == 404
        assert res.json()["error"]["code"] == "not_found"
    assert static.status_code == 404
