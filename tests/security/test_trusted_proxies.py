"""Which address a voter is keyed by: X-Forwarded-For counts only from trusted proxies.

Through a real socket: the peer address the proxy rule starts from is the socket's own."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from tests.conftest import fake, fake_roster, stored_ip_hashes

ROSTER = fake_roster(fake("alpha-1"), fake("beta-2"))


def keyed(ip: str) -> str:
    return hmac.new(b"k" * 32, ip.encode(), hashlib.sha256).hexdigest()[:32]


@pytest.mark.parametrize(("trusted", "forwarded", "expected"), [
    ([], "9.9.9.9", "127.0.0.1"),  # untrusted peer: the header is ignored
    (["127.0.0.1"], "1.2.3.4, 5.6.7.8", "5.6.7.8"),  # right-most untrusted hop
    (["127.0.0.0/8", "10.0.0.0/8"], "1.2.3.4, 10.1.1.1", "1.2.3.4"),  # skip our own proxies
    (["127.0.0.1"], "not-an-ip", "127.0.0.1"),
])
async def test_trusted_proxies(serve, settings, trusted, forwarded, expected):
    s = settings.model_copy(update={"trusted_proxies": trusted, "secret_key": "k" * 32})
    server = await serve(roster=ROSTER, settings=s)
    r = await server.client().post("/api/battles", json={"prompt": "hi"},
                                   headers={"X-Forwarded-For": forwarded})
    assert r.status_code == 201
    assert await stored_ip_hashes(server) == [keyed(expected)]
