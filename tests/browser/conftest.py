"""Browser-test fixtures: a real arena server in a background thread, and headless
Chromium driven by Playwright's sync API.

The tests here are plain ``def`` functions (never inside an asyncio loop, which the sync
API refuses). The server sends the pages' one strict Content-Security-Policy header (no
inline script, no inline style attributes, same-origin everything); any violation, console
error, dialog or uncaught page error fails the test, so the pages stay CSP-clean under the
policy they really get.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from arena.app import create_app
from arena.settings import Settings, parse_roster
from tests.access.conftest import SECRET
from tests.conftest import TEST_DB_ENV, ThreadServer, reset_database

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--disable-quic"]
SCREENSHOTS = Path(__file__).parent / "screenshots"


def model(name: str, persona: str = "concise", **options: Any) -> dict[str, Any]:
    """A roster entry for the scripted fake provider."""
    return {"name": name, "provider": "fake", "model": persona,
            "options": {"delay_s": 0.005, **options}}


@pytest.fixture
def arena(db_url: str, tmp_path: Path) -> Iterator[Any]:
    """``arena([model(...), ...])`` starts a server with that roster; stopped afterwards.

    On SQLite each server of a test gets a file of its own (arena0.db, arena1.db, …). On
    PostgreSQL (ARENA_TEST_DATABASE_URL) they all share the session's database, emptied
    before each start, so every server starts from nothing, as on SQLite, whatever the
    test before left there; a test must not go on using an earlier server's data after
    starting another one (none does)."""
    servers: list[ThreadServer] = []
    postgres = bool(os.environ.get(TEST_DB_ENV))

    def start(models: list[dict[str, Any]], *, demo: bool = False, pairing: Any = None,
              **settings: Any) -> ThreadServer:
        url = db_url if postgres else f"sqlite:///{tmp_path / f'arena{len(servers)}.db'}"
        cfg = Settings(**{"database_url": url, "data_dir": tmp_path, "bootstrap_rounds": 20,
                          "min_votes": 0, "detection_interval_s": 0,  # as in tests/conftest.py
                          "leaderboard_refresh_s": 0.05, "demo_delay_s": 0.0,
                          "request_timeout_s": 5, "answer_timeout_s": 20, **settings})
        if postgres:
            # In a thread of its own: Playwright's sync API keeps an event loop marked as
            # running in this one, so asyncio.run() would refuse here.
            with ThreadPoolExecutor(1) as pool:
                pool.submit(asyncio.run, reset_database(cfg)).result()
        roster = parse_roster({"models": models, "demo": demo}, source="browser test roster")
        server = ThreadServer(create_app(cfg, roster=roster, pairing=pairing)).start()
        servers.append(server)
        return server

    yield start
    for s in servers:
        s.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("browser tests need Debian's chromium at /usr/bin/chromium "
                    "(apt-get install -y chromium); CI installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


class PageProblems:
    """Everything that went wrong in a page: errors, CSP violations, dialogs."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []

    def watch(self, page: Any) -> None:
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        page.on("console", self._console)
        page.on("dialog", self._dialog)

    def _console(self, msg: Any) -> None:
        text = msg.text
        if msg.type == "error" and not _expected_console_error(text):
            self.errors.append(f"console error: {text}")
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.errors.append(f"CSP: {text}")

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


def _expected_console_error(text: str) -> bool:
    # A refused API call (409, 404) is logged by the browser; the page handles it.
    return "Failed to load resource" in text


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:
    """``open_page(url, viewport=..., color_scheme=...)`` → a Playwright page in a fresh
    context (its own voter cookie). The server's strict CSP header applies; a violation
    fails the test."""
    contexts: list[Any] = []
    problems = PageProblems()

    def open_(url: str, *, viewport: dict[str, int] | None = None,
              color_scheme: str = "light", init_script: str | None = None,
              **context_args: Any) -> Any:
        ctx = browser.new_context(viewport=viewport or {"width": 1280, "height": 800},
                                  color_scheme=color_scheme, **context_args)
        ctx.set_default_timeout(10_000)
        contexts.append(ctx)
        page = ctx.new_page()
        problems.watch(page)
        page.add_init_script("document.addEventListener('securitypolicyviolation', e => "
                             "console.warn('Content Security Policy violation: ' + "
                             "e.violatedDirective));")
        if init_script:
            page.add_init_script(init_script)
        page.goto(url)
        return page

    yield open_
    for ctx in contexts:
        ctx.close()
    assert not problems.errors, problems.errors
    assert not problems.dialogs, problems.dialogs


def shot(page: Any, name: str, **kwargs: Any) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), **kwargs)
    return path


# --- a gated arena (ARENA_ACCESS=invite|sso): test_sign_in, test_console -------------

class BoundServer(ThreadServer):
    """A ThreadServer on a socket bound before the app exists: its address is the
    redirect URI the provider must know before the arena (which needs the provider's
    issuer) is built."""

    def __init__(self, app: Any, sock: socket.socket) -> None:
        super().__init__(app)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]},
                                       daemon=True)


@pytest.fixture
def gated(db_url: str, tmp_path: Path) -> Iterator[Any]:
    servers: list[ThreadServer] = []

    def start(sock: socket.socket, **settings: Any) -> ThreadServer:
        cfg = Settings(**{"database_url": db_url, "data_dir": tmp_path, "bootstrap_rounds": 20,
                          "min_votes": 0, "detection_interval_s": 0, "demo_delay_s": 0.0,
                          "leaderboard_refresh_s": 0.05, "secret_key": SECRET, **settings})
        if os.environ.get(TEST_DB_ENV):
            with ThreadPoolExecutor(1) as pool:  # Playwright's loop runs in this thread
                pool.submit(asyncio.run, reset_database(cfg)).result()
        roster = parse_roster({"models": [model("alpha-1"), model("beta-2")]})
        server = BoundServer(create_app(cfg, roster=roster), sock).start()
        servers.append(server)
        return server

    yield start
    for s in servers:
        s.stop()


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock
