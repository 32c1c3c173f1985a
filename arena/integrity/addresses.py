"""The key of a client address for per-address defences (caps, detection).

One person rarely holds one IPv6 address: a home or phone network is handed a whole /64
and picks new addresses inside it at will (privacy extensions), so an IPv6 client is keyed
by its /64. An IPv4-mapped IPv6 address (``::ffff:198.51.100.7``, what a dual-stack socket
reports for an IPv4 peer) is the IPv4 address it maps. IPv4 is kept whole: a /24 would
merge unrelated customers of one provider.

``network_key`` returns the key in clear; callers hash it with the instance secret before
it is stored (``keyed``), as the arena does for the address itself.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

IPV6_PREFIX = 64


def network_key(ip: str) -> str:
    """``198.51.100.7`` → itself; ``2001:db8:1:2:3:4:5:6`` → ``2001:db8:1:2::/64``;
    ``::ffff:198.51.100.7`` → ``198.51.100.7``. Raises ValueError for a non-address (the
    arena only ever passes addresses it parsed itself)."""
    addr = ipaddress.ip_address(ip.strip().strip("[]"))
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.ipv4_mapped is not None:
            return str(addr.ipv4_mapped)
        return str(ipaddress.IPv6Network((addr, IPV6_PREFIX), strict=False))
    return str(addr)


def keyed(secret: bytes, key: str) -> str:
    """The stored form of a network key: an HMAC with the instance secret, as ``ip_hash``
    keys addresses, so the database never holds an address or a /64 in clear."""
    return hmac.new(secret, key.encode(), hashlib.sha256).hexdigest()[:32]
