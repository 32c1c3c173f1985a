"""The real OpenID provider of the sign-in tests: tests/oidc/provider.mjs (node-oidc-provider,
pinned by tests/oidc/package-lock.json; ``npm ci --prefix tests/oidc`` installs it), run
as a child process on a free loopback port for one test, and stopped after it."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

PROVIDER_DIR = Path(__file__).resolve().parents[1] / "oidc"
CLIENT_ID = "arena-test"
CLIENT_SECRET = "provider-side-secret-of-the-arena-client"


@dataclass
class OpenIdProvider:
    issuer: str
    process: subprocess.Popen[str]

    def tamper(self, how: str) -> None:
        """The provider's next token response carries a wrong ID token (see provider.mjs)."""
        r = httpx.post(f"{self.issuer}/test/tamper", data={"how": how}, timeout=5)
        assert r.status_code == 200, r.text


def node_or_skip() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the sign-in tests need it for the real OpenID "
                    "provider (tests/oidc)")
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.fail("the test OpenID provider is not installed: run npm ci --prefix tests/oidc")
    return node


@contextlib.contextmanager
def running_provider(redirect_uris: list[str], *,
                     conform: bool = False) -> Iterator[OpenIdProvider]:
    """``conform``: the provider keeps the e-mail claims out of the ID token (UserInfo
    only)."""
    node = node_or_skip()
    env = {**os.environ, "OIDC_CLIENT_ID": CLIENT_ID, "OIDC_CLIENT_SECRET": CLIENT_SECRET,
           "OIDC_REDIRECT_URIS": ",".join(redirect_uris), "OIDC_CONFORM": "1" if conform else ""}
    with tempfile.TemporaryFile(mode="w+") as log:  # a file, not a pipe: it never fills up
        proc = subprocess.Popen([node, "provider.mjs"], cwd=PROVIDER_DIR, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=log)
        lines: queue.Queue[str] = queue.Queue()
        out = proc.stdout
        assert out is not None
        threading.Thread(target=lambda: lines.put(out.readline()), daemon=True).start()
        try:
            try:
                first = lines.get(timeout=30)
            except queue.Empty:
                first = ""
            if not first:
                proc.kill()
                proc.wait(5)
                log.seek(0)
                raise RuntimeError(f"the test OpenID provider did not start: {log.read()}")
            yield OpenIdProvider(issuer=json.loads(first)["issuer"], process=proc)
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
