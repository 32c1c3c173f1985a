"""Roster validation and settings: every mistake gets a message saying how to fix it."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from arena.errors import ConfigError
from arena.providers.registry import known_providers
from arena.settings import Settings, load_roster, normalize_database_url


def roster(tmp_path, text: str):
    p = tmp_path / "models.toml"
    p.write_text(text)
    return load_roster(p, known_providers=known_providers(), environ={"KEY": "x"})


def test_example_roster_is_valid():
    r = load_roster("data/models.example.toml", known_providers=known_providers(),
                    environ={"OPENAI_API_KEY": "k", "ANTHROPIC_API_KEY": "k"})
    assert {m.provider for m in r.models} >= {"openai", "anthropic"}
    assert any(m.base_url and "127.0.0.1" in m.base_url or m.base_url and "localhost" in
               m.base_url for m in r.models)


def test_roster_defaults(tmp_path):
    r = roster(tmp_path, '[[models]]\nname="a"\nprovider="fake"\nmodel="echo"\n'
                         '[[models]]\nname="b"\nprovider="fake"\nmodel="echo"\nweight=2\n')
    assert r.models[0].upstream_model == "echo" and r.models[0].weight == 1.0
    assert r.models[1].weight == 2.0


@pytest.mark.parametrize(("text", "needle"), [
    ("", "no models"),
    ("[[models]]\nname='a'\nprovider='fake'\n", "at least two models"),
    ("[[models]]\nname='a'\nprovider='fake'\n[[models]]\nname='a'\nprovider='fake'\n",
     "appears twice"),
    ("[[models]]\nname='a'\nprovider='gemini'\n[[models]]\nname='b'\nprovider='fake'\n",
     "unknown provider 'gemini'; use one of anthropic, fake, openai"),
    ("[[models]]\nname='a'\nprovider='fake'\ncolour=1\n[[models]]\nname='b'\nprovider='fake'\n",
     "model #1 ('a'), key 'colour': unknown key"),
    ("[[models]]\nprovider='fake'\n[[models]]\nname='b'\nprovider='fake'\n",
     "model #1, key 'name': this key is required"),
    ("[[models]]\nname='a'\nprovider='fake'\nweight=-1\n[[models]]\nname='b'\nprovider='fake'\n",
     "key 'weight'"),
    ("[[models]]\nname='a'\nprovider='fake'\napi_key_env='MISSING_KEY'\n"
     "[[models]]\nname='b'\nprovider='fake'\n",
     "model 'a' needs MISSING_KEY — set it or remove the model from"),
    ("models = [", "not valid TOML"),
])
def test_roster_errors_say_how_to_fix(tmp_path, text, needle):
    with pytest.raises(ConfigError) as e:
        roster(tmp_path, text)
    assert needle in e.value.message


def test_missing_roster_file():
    with pytest.raises(ConfigError, match="cannot read the roster"):
        load_roster("/nonexistent/models.toml")


@pytest.mark.parametrize(("url", "expected"), [
    ("sqlite:///data/arena.db", "sqlite+aiosqlite:///data/arena.db"),
    ("sqlite+aiosqlite:////tmp/x.db", "sqlite+aiosqlite:////tmp/x.db"),
    ("postgresql://u@h/db", "postgresql+asyncpg://u@h/db"),
    ("postgres://u@h/db", "postgresql+asyncpg://u@h/db"),
    ("postgresql+psycopg://u@h/db", "postgresql+asyncpg://u@h/db"),
])
def test_database_urls(url, expected):
    assert normalize_database_url(url) == expected


def test_bad_database_url():
    with pytest.raises(ConfigError, match="unsupported database"):
        normalize_database_url("mysql://x/y")
    with pytest.raises(ConfigError, match="not a URL"):
        normalize_database_url("arena.db")


def test_default_database_is_one_per_user_whatever_the_directory(monkeypatch, tmp_path):
    for name in ("ARENA_DATABASE_URL", "ARENA_DATA_DIR", "XDG_DATA_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    expected = f"sqlite+aiosqlite:///{tmp_path}/home/.local/share/arena/arena.db"
    assert Settings().resolved_database_url() == expected
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert Settings().resolved_database_url() == expected
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert Settings().resolved_database_url() == f"sqlite+aiosqlite:///{tmp_path}/xdg/arena/arena.db"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")  # the XDG rule: absolute only
    assert Settings().resolved_database_url() == expected
    monkeypatch.setenv("ARENA_DATA_DIR", str(tmp_path / "mine"))
    assert Settings().resolved_database_url() == f"sqlite+aiosqlite:///{tmp_path}/mine/arena.db"


def test_every_setting_is_in_the_readme_table():
    readme = Path("README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Configuration"):readme.index("## HTTP API")]
    missing = [f"ARENA_{name.upper()}" for name in Settings.model_fields
               if f"`ARENA_{name.upper()}`" not in table]
    assert missing == [], f"add these to the README's configuration table: {missing}"


def test_the_prior_setting_defaults_to_the_ranking_prior():
    from arena.ranking import bt

    assert Settings().prior_sd == bt.PRIOR_SD_ELO


def test_the_pairing_setting_is_read_and_a_bad_one_says_what_to_write(monkeypatch):
    assert Settings().pairing == "weighted"  # today's behaviour unless asked
    monkeypatch.setenv("ARENA_PAIRING", "active")
    monkeypatch.setenv("ARENA_PAIRING_FLOOR", "0.25")
    s = Settings()
    assert (s.pairing, s.pairing_floor, s.pairing_top) == ("active", 0.25, 10)
    monkeypatch.setenv("ARENA_PAIRING", "greedy")
    with pytest.raises(ConfigError, match="ARENA_PAIRING: 'greedy' is not a pairing; use "
                                          "weighted .* or active"):
        Settings()
    monkeypatch.setenv("ARENA_PAIRING", "active")
    monkeypatch.setenv("ARENA_PAIRING_FLOOR", "0")  # no floor: some pair could never meet
    with pytest.raises(ValidationError, match="pairing_floor"):
        Settings()
