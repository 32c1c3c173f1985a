"""The human check against a real local siteverify server: success, a wrong token, a wrong
secret, and a verifier that is down (fail closed)."""

from __future__ import annotations

import pytest

from arena.errors import ConfigError
from arena.integrity.captcha import CaptchaFailed, CaptchaPolicy, CaptchaVerifier
from arena.testing.siteverify import LocalSiteverify


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TEST_CAPTCHA_SECRET", "s3cret")
    return "s3cret"


async def test_accepts_the_right_token_and_sends_the_protocols_form(secret: str):
    with LocalSiteverify(secret=secret, tokens={"good"}) as sv:
        verifier = CaptchaVerifier(CaptchaPolicy(verify_url=sv.url,
                                                 secret_env="TEST_CAPTCHA_SECRET"))
        try:
            await verifier.verify("good", "198.51.100.7")
        finally:
            await verifier.aclose()
    assert sv.requests == [{"secret": "s3cret", "response": "good", "remoteip": "198.51.100.7"}]


async def test_refuses_a_wrong_or_missing_token(secret: str):
    with LocalSiteverify(secret=secret, tokens={"good"}) as sv:
        verifier = CaptchaVerifier(CaptchaPolicy(verify_url=sv.url,
                                                 secret_env="TEST_CAPTCHA_SECRET"))
        try:
            with pytest.raises(CaptchaFailed, match="did not pass") as info:
                await verifier.verify("forged")
            assert info.value.to_json()["error"]["code"] == "captcha_failed"
            with pytest.raises(CaptchaFailed, match="complete the human check"):
                await verifier.verify("")
        finally:
            await verifier.aclose()


async def test_refuses_when_the_secret_is_wrong(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TEST_CAPTCHA_SECRET", "not-it")
    with LocalSiteverify(secret="s3cret", tokens={"good"}) as sv:
        verifier = CaptchaVerifier(CaptchaPolicy(verify_url=sv.url,
                                                 secret_env="TEST_CAPTCHA_SECRET"))
        try:
            with pytest.raises(CaptchaFailed):
                await verifier.verify("good")
        finally:
            await verifier.aclose()


async def test_a_verifier_that_is_down_fails_closed(secret: str):
    sv = LocalSiteverify(secret=secret, tokens={"good"}).start()
    url = sv.url
    sv.stop()  # nothing listens there any more
    verifier = CaptchaVerifier(CaptchaPolicy(verify_url=url, secret_env="TEST_CAPTCHA_SECRET",
                                             timeout_s=2))
    try:
        with pytest.raises(CaptchaFailed, match="could not be verified"):
            await verifier.verify("good")
    finally:
        await verifier.aclose()


def test_a_missing_secret_is_a_config_error(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("TEST_CAPTCHA_SECRET", raising=False)
    with pytest.raises(ConfigError, match="TEST_CAPTCHA_SECRET"):
        CaptchaVerifier(CaptchaPolicy(verify_url="http://127.0.0.1:9/siteverify",
                                      secret_env="TEST_CAPTCHA_SECRET"))
