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
