"""`arena models check` says which models the running arena has paused, beside its own
live answer from each model; with no arena answering it says nothing about pauses."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from tests.battles.test_health import DOWN, GOOD, Clock, start_failing
from tests.conftest import fake_roster

ROSTER_TOML = """
[[models]]
name = "good-1"
provider = "fake"
model = "concise"
[[models]]
name = "good-2"
provider = "fake"
model = "verbose"
[[models]]
name = "down-1"
provider = "fake"
model = "concise"
options = {fail = "error"}
"""


def models_check(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    roster = tmp_path / "models.toml"
    roster.write_text(ROSTER_TOML)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARENA_")}
    env["HOME"] = str(tmp_path)
    return subprocess.run([sys.executable, "-m", "arena", "models", "check", "--models",
                           str(roster), *argv], capture_output=True, text=True, env=env,
                          timeout=120)


async def test_models_check_lists_what_the_running_arena_paused(serve, settings, tmp_path):
    server, _ = await start_failing(serve, settings, fake_roster(*GOOD, DOWN), Clock())
    done = await asyncio.to_thread(models_check, tmp_path, "--arena", server.base_url)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    lines = done.stdout.splitlines()
    assert [line.split()[1] for line in lines if line.startswith("PAUSED")] == ["down-1:"]
    assert any(line.startswith("FAILED  down-1") for line in lines)
    assert "2 of 3 models answered; 1 paused in the running arena" in done.stderr


async def test_without_a_running_arena_no_pause_is_claimed(tmp_path):
    done = await asyncio.to_thread(models_check, tmp_path, "--arena", "http://127.0.0.1:9")
    assert not any(line.startswith("PAUSED") for line in done.stdout.splitlines())
    assert done.stderr.strip().endswith("2 of 3 models answered")
