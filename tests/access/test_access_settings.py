"""Start-up refuses a gated arena whose secret or sign-in settings are missing or weak."""

from __future__ import annotations

import pytest

from arena.errors import ConfigError
from arena.settings import Settings, check_access
from tests.access.conftest import SECRET

SSO = {"access": "sso", "secret_key": SECRET, "oidc_issuer": "https://id.example.org",
       "oidc_client_id": "arena", "oidc_client_secret": "s3cret",
       "oidc_allowed_domains": ["school.example"]}


def test_open_needs_nothing():
    check_access(Settings(access="open"))


@pytest.mark.parametrize("secret", ["", "changeme", "short-but-random-7f3", "a" * 40,
                                    "secret" + "0" * 30])
def test_weak_or_missing_secrets_are_refused(secret):
    with pytest.raises(ConfigError, match="ARENA_SECRET_KEY"):
        check_access(Settings(access="invite", secret_key=secret))


def test_a_strong_secret_passes():
    check_access(Settings(access="invite", secret_key=SECRET))


@pytest.mark.parametrize("missing", ["oidc_issuer", "oidc_client_id", "oidc_client_secret",
                                     "oidc_allowed_domains"])
def test_sso_names_what_is_missing(missing):
    settings = Settings(**{**SSO, missing: [] if missing == "oidc_allowed_domains" else ""})
    with pytest.raises(ConfigError, match=f"ARENA_{missing.upper()}"):
        check_access(settings)


def test_sso_checks_its_values():
    check_access(Settings(**SSO))
    check_access(Settings(**{**SSO, "oidc_allowed_domains": ["*"]}))
    for bad, what in (({"oidc_issuer": "id.example.org"}, "ARENA_OIDC_ISSUER"),
                      ({"oidc_allowed_domains": ["@school"]}, "ARENA_OIDC_ALLOWED_DOMAINS"),
                      ({"oidc_scopes": "email"}, "ARENA_OIDC_SCOPES"),
                      ({"public_url": "arena.example.org/x"}, "ARENA_PUBLIC_URL")):
        with pytest.raises(ConfigError, match=what):
            check_access(Settings(**{**SSO, **bad}))


def test_the_app_refuses_to_start_half_configured():
    from arena.app import create_app
    from tests.access.conftest import ROSTER

    with pytest.raises(ConfigError, match="ARENA_OIDC_ISSUER"):
        create_app(Settings(**{**SSO, "oidc_issuer": ""}), roster=ROSTER)
