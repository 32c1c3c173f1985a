"""Network keys: IPv4 whole, IPv6 by /64, IPv4-mapped IPv6 as IPv4."""

from __future__ import annotations

import pytest

from arena.integrity.addresses import keyed, network_key


def test_ipv4_is_kept_whole():
    assert network_key("198.51.100.7") == "198.51.100.7"
    assert network_key("198.51.100.8") != network_key("198.51.100.7")


def test_ipv6_is_keyed_by_its_64():
    one = network_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd")
    assert one == "2001:db8:1:2::/64"
    assert network_key("2001:db8:1:2::1") == one  # same /64, another privacy address
    assert network_key("2001:db8:1:3::1") != one  # the next /64 is another network


def test_ipv4_mapped_ipv6_is_its_ipv4():
    assert network_key("::ffff:198.51.100.7") == "198.51.100.7"
    assert network_key("[2001:db8::1]") == "2001:db8::/64"


def test_not_an_address_is_refused():
    with pytest.raises(ValueError):
        network_key("not-an-ip")


def test_keyed_is_an_hmac_of_the_key():
    assert keyed(b"s", "2001:db8::/64") == keyed(b"s", network_key("2001:db8::5"))
    assert keyed(b"s", "198.51.100.7") != keyed(b"t", "198.51.100.7")
    assert "198" not in keyed(b"s", "198.51.100.7")
