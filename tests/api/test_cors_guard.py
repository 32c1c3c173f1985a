"""CORS is opened with credentials (the voter cookie), so a wildcard origin is refused at
start-up with a message that says what to write instead."""

from __future__ import annotations

import pytest

from arena.app import create_app
from arena.errors import ConfigError
from arena.settings import Settings
from tests.conftest import fake, fake_roster

ROSTER = fake_roster(fake("alpha-1"), fake("beta-2"))


def test_a_wildcard_origin_is_refused_when_settings_are_read(monkeypatch):
    monkeypatch.setenv("ARENA_CORS_ORIGINS", '["*"]')
    with pytest.raises(ConfigError, match="list the real origins") as info:
        Settings()
    assert 'ARENA_CORS_ORIGINS=["*"]' in info.value.message


def test_a_wildcard_origin_is_refused_by_create_app(settings):
    # model_copy skips validators: create_app checks again
    s = settings.model_copy(update={"cors_origins": ["https://arena.example", "*"]})
    with pytest.raises(ConfigError, match="list the real origins"):
        create_app(s, roster=ROSTER)


@pytest.mark.parametrize("origin", ["https://arena.example/", "arena.example",
                                    "https://*.example.org", "https://arena.example/page"])
def test_what_can_never_match_an_origin_is_refused(monkeypatch, origin):
    monkeypatch.setenv("ARENA_CORS_ORIGINS", f'["{origin}"]')
    with pytest.raises(ConfigError, match="scheme://host"):
        Settings()


def test_real_origins_are_accepted(monkeypatch):
    monkeypatch.setenv("ARENA_CORS_ORIGINS", '["https://arena.example", "http://127.0.0.1:8080"]')
    assert Settings().cors_origins == ["https://arena.example", "http://127.0.0.1:8080"]


def test_the_cli_reports_it_without_a_traceback(monkeypatch, capsys):
    from arena.cli import main

    monkeypatch.setenv("ARENA_CORS_ORIGINS", '["*"]')
    assert main(["db", "upgrade"]) == 2
    err = capsys.readouterr().err
    assert "list the real origins" in err and "Traceback" not in err
