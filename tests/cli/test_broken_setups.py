"""Every command against every broken set-up an operator meets: one line that says what
to do, a non-zero exit, no traceback, and nothing created by a command that only reads.

Each case runs the real ``arena`` command in a subprocess, in an empty directory with its
own ``HOME``, so the default database location is exercised as a user would meet it.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

HOSTED_WITHOUT_KEY = """
[[models]]
name = "deepseek-chat"
provider = "openai"
base_url = "https://api.deepseek.com/v1"
"""
BAD_PERSONA = """
[[models]]
name = "a"
provider = "fake"
model = "no-such-persona"
"""
BAD_FAIL_OPTION = """
[[models]]
name = "a"
provider = "fake"
model = "concise"
options = {fail = "explode"}
"""
SECOND = """
[[models]]
name = "b"
provider = "fake"
model = "concise"
"""


@dataclass
class Run:
    code: int
    out: str
    err: str
    created: list[str] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port  # closed again: nothing listens there


def clean_env(home: Path, **env: str) -> dict[str, str]:
    """This process's environment without the arena's settings, with its own ``HOME``."""
    home.mkdir(exist_ok=True)
    full = {k: v for k, v in os.environ.items() if not k.startswith(("ARENA_", "XDG_"))}
    full.update({"HOME": str(home), "PYTHONWARNINGS": "ignore"}, **env)
    return full


def openai_model(name: str, port: int) -> str:
    """A roster entry for an OpenAI-compatible server on this machine."""
    return (f'[[models]]\nname = "{name}"\nprovider = "openai"\n'
            f'base_url = "http://127.0.0.1:{port}/v1"\n')


def arena(tmp_path: Path, *argv: str, env: dict[str, str] | None = None) -> Run:
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    full = clean_env(home, **(env or {}))
    cwd.mkdir(exist_ok=True)
    before = set(cwd.rglob("*")) | set(home.rglob("*"))
    done = subprocess.run([sys.executable, "-m", "arena", *argv], cwd=cwd, env=full,
                          capture_output=True, text=True, timeout=120)
    after = set(cwd.rglob("*")) | set(home.rglob("*"))
    return Run(done.returncode, done.stdout, done.stderr,
               sorted(str(p.relative_to(tmp_path)) for p in after - before))


def assert_one_line(run: Run, *said: str) -> None:
    assert run.code != 0, run
    assert "Traceback" not in run.err + run.out, run.err
    lines = [line for line in run.err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("arena: error: "), run.err
    for words in said:
        assert words in lines[0], lines[0]


@pytest.mark.parametrize("roster, said", [
    (HOSTED_WITHOUT_KEY, "api_key_env"),
    (BAD_PERSONA, "unknown fake persona 'no-such-persona'"),
    (BAD_FAIL_OPTION, "option 'fail' must be one of"),
], ids=["hosted-without-key", "bad-persona", "bad-fail-option"])
@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["models", "check"]])
def test_a_bad_roster_is_one_line_for_every_command(tmp_path, roster, said, command):
    path = tmp_path / "models.toml"
    path.write_text(roster + SECOND)
    run = arena(tmp_path, *command, "--models", str(path))
    assert_one_line(run, said)
    assert "open http" not in run.err  # it did not claim to be serving
    assert run.created == []  # nor did it make a database before failing


READERS = [["db", "check"], ["export", "battles.jsonl"], ["votes", "review"]]


@pytest.mark.parametrize("command", READERS, ids=lambda c: " ".join(c))
def test_read_only_commands_never_create_a_database(tmp_path, command):
    run = arena(tmp_path, *command)
    assert_one_line(run, "no arena database at", "arena db upgrade")
    assert str(tmp_path / "home" / ".local/share/arena/arena.db") in run.err
    assert run.created == []


@pytest.mark.parametrize("command", READERS, ids=lambda c: " ".join(c))
def test_a_database_never_migrated_is_named(tmp_path, command):
    empty = tmp_path / "empty.db"
    empty.touch()
    run = arena(tmp_path, *command, env={"ARENA_DATABASE_URL": f"sqlite:///{empty}"})
    assert_one_line(run, "holds no arena tables", "arena db upgrade")
    assert empty.stat().st_size == 0


@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["db", "upgrade"], *READERS],
                         ids=lambda c: " ".join(c))
def test_postgresql_down_is_one_line(tmp_path, command):
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/arena"
    run = arena(tmp_path, *command, env={"ARENA_DATABASE_URL": url})
    assert_one_line(run, "cannot be opened", "is the database server running")


@pytest.mark.db
@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["db", "check"]],
                         ids=lambda c: " ".join(c))
def test_a_missing_postgresql_database_is_one_line(tmp_path, postgres, command):
    if postgres.url is None:
        pytest.skip(postgres.problem or "needs PostgreSQL (ARENA_TEST_DATABASE_URL)")
    missing = make_url(postgres.url).set(database=f"arena_missing_{secrets.token_hex(4)}")
    url = missing.render_as_string(hide_password=False).replace("+asyncpg", "")
    run = arena(tmp_path, *command, env={"ARENA_DATABASE_URL": url})
    assert_one_line(run, "does not exist", "createdb")


def test_redis_down_stops_serve_with_one_line(tmp_path):
    run = arena(tmp_path, "serve", "--port", "0",
                env={"ARENA_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})
    assert_one_line(run, "Redis at", "cannot be reached")


def migrated(tmp_path: Path) -> dict[str, str]:
    env = {"ARENA_DATABASE_URL": f"sqlite:///{tmp_path / 'arena.db'}"}
    assert arena(tmp_path, "db", "upgrade", env=env).code == 0
    return env


def test_export_into_a_missing_folder_or_an_unknown_format(tmp_path):
    env = migrated(tmp_path)
    assert_one_line(arena(tmp_path, "export", "no/such/folder/b.jsonl", env=env),
                    "there is no folder no/such/folder", "create it first")
    assert_one_line(arena(tmp_path, "export", "battles.csv", env=env),
                    "cannot tell the format", "--format")
    assert_one_line(arena(tmp_path, "export", ".", env=env), "it is a folder")


def test_export_writes_the_format_its_extension_or_format_says(tmp_path):
    env = migrated(tmp_path)
    cwd = tmp_path / "cwd"
    assert arena(tmp_path, "export", "all.json", env=env).code == 0
    assert (cwd / "all.json").read_text().lstrip().startswith("[")
    assert arena(tmp_path, "export", "all.jsonl", env=env).code == 0
    assert (cwd / "all.jsonl").read_text() == ""  # no battles: no lines, not "[]"
    assert arena(tmp_path, "export", "forced.jsonl", "--format", "json", env=env).code == 0
    assert (cwd / "forced.jsonl").read_text().lstrip().startswith("[")


def test_models_check_tells_refused_from_timed_out(tmp_path):
    listening = socket.socket()  # accepts connections and never answers
    listening.bind(("127.0.0.1", 0))
    listening.listen(8)
    try:
        roster = tmp_path / "models.toml"
        roster.write_text(openai_model("refused", free_port())
                          + openai_model("silent", listening.getsockname()[1]) + SECOND)
        run = arena(tmp_path, "models", "check", "--models", str(roster), "--timeout", "3",
                    env={"ARENA_MAX_RETRIES": "0"})
    finally:
        listening.close()
    assert run.code == 1 and "Traceback" not in run.err
    lines = {line.split()[1]: line for line in run.out.splitlines()}
    assert lines["refused"].startswith("FAILED") and "connection refused" in lines["refused"]
    assert lines["silent"].startswith("FAILED") and "connection refused" not in lines["silent"]
    assert "within 3 s" in lines["silent"] or "no answer in time" in lines["silent"]
    assert lines["b"].startswith("ok")
    assert "2 of 3" not in run.err and "1 of 3 models answered" in run.err


def test_help_has_no_markup_every_option_is_explained_and_version_exists(tmp_path):
    from arena.cli import build_parser

    top = arena(tmp_path, "--help")
    assert top.code == 0 and "``" not in top.out
    version = arena(tmp_path, "--version")
    assert version.code == 0 and version.out.startswith("arena ")

    def walk(parser: object, path: str) -> list[str]:
        import argparse

        assert isinstance(parser, argparse.ArgumentParser)
        missing = []
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    missing += walk(child, f"{path} {name}")
            elif not action.help and not isinstance(action, argparse._HelpAction):
                missing.append(f"{path} {'/'.join(action.option_strings) or action.dest}")
        return missing

    assert walk(build_parser(), "arena") == []


def test_serve_warns_at_start_about_a_model_server_that_is_down(tmp_path):
    roster = tmp_path / "models.toml"
    roster.write_text(openai_model("local-llama", free_port()) + SECOND)
    env = clean_env(tmp_path / "home", ARENA_DATABASE_URL=f"sqlite:///{tmp_path / 'a.db'}")
    proc = subprocess.Popen([sys.executable, "-m", "arena", "serve", "--port", str(free_port()),
                             "--models", str(roster)], env=env, cwd=tmp_path,
                            stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    watchdog = threading.Timer(60, proc.kill)  # never hang the suite on a stuck start
    watchdog.start()
    try:
        assert proc.stderr is not None
        for line in proc.stderr:  # up to the line that says it serves
            lines.append(line)
            if "arena: open http" in line:
                break
    finally:
        watchdog.cancel()
        proc.terminate()
        proc.wait(timeout=30)
    warnings = [line for line in lines if line.startswith("arena: warning:")]
    assert len(warnings) == 1, lines
    assert "'local-llama'" in warnings[0] and "connection refused" in warnings[0]
    assert "'b'" not in warnings[0]  # the fake model has no server to check
    assert any("arena: open http" in line for line in lines)  # it still starts
