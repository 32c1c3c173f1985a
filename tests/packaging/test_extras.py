"""PostgreSQL and Redis are extras (``arena[postgres]``, ``arena[redis]``): a URL that needs
a missing one fails at start-up naming the install, not with a traceback from a worker.

Each case runs the real ``arena`` command in a child process whose imports of the driver
fail (a meta-path finder that refuses it, as if the extra had never been installed).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BLOCKED_RUN = """
import sys

class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == {blocked!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None

sys.meta_path.insert(0, Refuse())
from arena.cli import main
sys.exit(main({argv!r}))
"""


def run_without(blocked: str, argv: list[str], env: dict[str, str],
                cwd: Path) -> subprocess.CompletedProcess[str]:
    code = BLOCKED_RUN.format(blocked=blocked, argv=argv)
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("ARENA_")}
    child_env.update(env)
    return subprocess.run([sys.executable, "-c", code], env=child_env, cwd=cwd,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("argv", [["serve", "--port", "1"], ["db", "upgrade"]])
def test_postgres_url_without_asyncpg_names_the_extra(tmp_path: Path, argv: list[str]) -> None:
    done = run_without("asyncpg", argv, {
        "ARENA_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/arena_never_used",
        "ARENA_DATA_DIR": str(tmp_path)}, tmp_path)
    assert done.returncode == 2, done.stderr
    assert ("arena: error: PostgreSQL needs the asyncpg driver: pip install 'arena[postgres]'"
            in done.stderr)
    assert "Traceback" not in done.stderr


def test_redis_url_without_redis_names_the_extra(tmp_path: Path) -> None:
    done = run_without("redis", ["serve", "--port", "1"], {
        "ARENA_REDIS_URL": "redis://127.0.0.1:6379/0", "ARENA_DATA_DIR": str(tmp_path)},
        tmp_path)
    assert done.returncode == 2, done.stderr
    assert ("arena: error: ARENA_REDIS_URL needs the redis client: pip install 'arena[redis]'"
            in done.stderr)
    assert "Traceback" not in done.stderr


def test_sqlite_needs_neither_extra(tmp_path: Path) -> None:
    # Both refused at once: the SQLite default must not import either.
    code = BLOCKED_RUN.replace("name.split(\".\")[0] == {blocked!r}",
                               "name.split(\".\")[0] in ('asyncpg', 'redis')")
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("ARENA_")}
    child_env["ARENA_DATA_DIR"] = str(tmp_path)
    done = subprocess.run([sys.executable, "-c", code.format(argv=["db", "upgrade"])],
                          env=child_env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert "database at revision" in done.stdout
