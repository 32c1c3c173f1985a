"""``arena serve --workers 2`` with ARENA_ACCESS=invite, as an operator runs it: a link made
by ``arena invite create --uses 10`` and opened by 30 browsers at once lets exactly 10 in,
whichever worker each one reaches."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.access.conftest import SECRET
from tests.battles.test_lease import free_port


async def test_thirty_browsers_race_for_ten_uses(db_url: str, tmp_path: Path,
                                                 fresh_db) -> None:
    port = free_port()
    env = {**os.environ, "ARENA_DATABASE_URL": db_url, "ARENA_DATA_DIR": str(tmp_path),
           "ARENA_ACCESS": "invite", "ARENA_SECRET_KEY": SECRET, "ARENA_LOG_LEVEL": "warning",
           "ARENA_PUBLIC_URL": f"http://127.0.0.1:{port}", "ARENA_DETECTION_INTERVAL_S": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "arena", "serve", "--host", "127.0.0.1",
                             "--port", str(port), "--workers", "2"], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient(timeout=5) as probe:
            while True:
                assert proc.poll() is None, "arena serve exited at start-up"
                with contextlib.suppress(httpx.HTTPError):
                    if (await probe.get(base + "/api/access")).status_code == 200:
                        break
                assert time.monotonic() < deadline, "arena serve did not start"
                await asyncio.sleep(0.2)
        made = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "arena", "invite", "create", "--uses", "10",
                             "--label", "race"], env=env, capture_output=True, text=True)
        assert made.returncode == 0, made.stderr
        link = made.stdout.strip()
        assert link.startswith(base + "/invite/")

        async def open_link() -> tuple[int, str]:
            async with httpx.AsyncClient(timeout=20) as browser:
                r = await browser.post(link, headers={"accept": "application/json"})
                code = r.json()["error"]["code"] if r.status_code == 403 else ""
                if r.status_code == 303:  # the session votes: it is a live one
                    assert (await browser.get(base + "/api/access")).json()["signed_in"]
                return r.status_code, code

        results = await asyncio.gather(*(open_link() for _ in range(30)))
        assert sorted(results) == [(303, "")] * 10 + [(403, "invite_used_up")] * 20
        listed = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "arena", "invite", "list"], env=env,
            capture_output=True, text=True)
        assert "used up" in listed.stdout and "uses 10/10" in listed.stdout
        assert "voters 10" in listed.stdout
    finally:
        proc.terminate()  # uvicorn's parent stops its workers on SIGTERM
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
