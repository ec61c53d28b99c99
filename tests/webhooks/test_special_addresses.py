"""The SSRF guard's table: every special-purpose range refused, tunnelled forms unwrapped,
public addresses (including those right next to each range) allowed."""

from __future__ import annotations

import asyncio
import ipaddress

import pytest

from recruitiq.config import Settings
from recruitiq.errors import ValidationFailed
from recruitiq.webhooks.special_addresses import (
    ALL_REFUSED,
    IPV4_COMPATIBLE,
    IPV4_MAPPED,
    NAT64_WELL_KNOWN,
    TEREDO,
)
from recruitiq.webhooks.ssrf import (
    Allowlist,
    SsrfRefused,
    checked_addresses,
    forbidden_reason,
    validate_subscription_url,
)

PROD = Settings(env="production", secret_key="x" * 40)

PUBLIC_IPV4 = ["8.8.8.8", "1.1.1.1", "93.184.216.34", "11.0.0.1", "100.63.255.255",
               "100.128.0.0", "172.32.0.1", "192.0.3.1", "198.20.0.1", "223.255.255.254"]
PUBLIC_IPV6 = ["2606:4700:4700::1111", "2001:4860:4860::8888", "2a00:1450:4001::200e",
               "2001:200::1", "2620:4f:8001::1", "3fff:1000::1", "2c0f:fb50:4002::1"]
TUNNEL_PREFIXES = (IPV4_MAPPED, NAT64_WELL_KNOWN, TEREDO, IPV4_COMPATIBLE,
                   ipaddress.IPv6Network("2002::/16"))


def _addr(text):
    return ipaddress.ip_address(text)


def _samples(network):
    """First, middle and last address of a range."""
    first, last = int(network.network_address), int(network.broadcast_address)
    cls = type(network.network_address)
    return [cls(first), cls((first + last) // 2), cls(last)]


@pytest.mark.parametrize("entry", ALL_REFUSED, ids=lambda e: str(e.network))
def test_every_special_purpose_range_is_refused_throughout(entry):
    for address in _samples(entry.network):
        assert forbidden_reason(address) is not None, address


@pytest.mark.parametrize("entry", ALL_REFUSED, ids=lambda e: str(e.network))
def test_the_range_is_named_in_the_refusal(entry):
    [_, middle, _] = _samples(entry.network)
    more_specific = [e for e in ALL_REFUSED if middle in e.network and e is not entry
                     and e.network.prefixlen > entry.network.prefixlen]
    if more_specific or any(middle in t for t in TUNNEL_PREFIXES):
        pytest.skip("the middle address belongs to a more specific entry")
    assert forbidden_reason(middle) == entry.name


def _outside_every_range(address):
    if any(address in e.network for e in ALL_REFUSED if e.network.version == address.version):
        return False
    if address.version == 6:
        return address in ipaddress.IPv6Network("2000::/3") and not any(
            address in t for t in TUNNEL_PREFIXES)
    return True


@pytest.mark.parametrize("entry", ALL_REFUSED, ids=lambda e: str(e.network))
def test_public_neighbours_of_each_range_are_allowed(entry):
    network = entry.network
    cls = type(network.network_address)
    top = 2 ** network.max_prefixlen - 1
    neighbours = [cls(int(network.network_address) - 1) if int(network.network_address) else None,
                  cls(int(network.broadcast_address) + 1)
                  if int(network.broadcast_address) < top else None]
    for address in filter(None, neighbours):
        if _outside_every_range(address) and address.is_global:
            assert forbidden_reason(address) is None, address


@pytest.mark.parametrize("text", PUBLIC_IPV4 + PUBLIC_IPV6)
def test_public_addresses_are_allowed(text):
    assert forbidden_reason(_addr(text)) is None


def _refused_ipv4_examples():
    return [str(_samples(e.network)[1]) for e in ALL_REFUSED if e.network.version == 4]


def _wrapped(form, v4):
    n = int(_addr(v4))
    if form == "mapped":
        return ipaddress.IPv6Address((0xFFFF << 32) | n)
    if form == "nat64":
        return ipaddress.IPv6Address(int(NAT64_WELL_KNOWN.network_address) | n)
    if form == "6to4":
        return ipaddress.IPv6Address((0x2002 << 112) | (n << 80) | 1)
    if form == "teredo":  # server 65.54.227.120, client obfuscated (bits flipped)
        return ipaddress.IPv6Address((0x20010000 << 96) | (0x4136E378 << 64) | (n ^ 0xFFFFFFFF))
    assert form == "compatible"
    return ipaddress.IPv6Address(n)


FORMS = ["mapped", "nat64", "6to4", "teredo", "compatible"]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("v4", _refused_ipv4_examples())
def test_tunnelled_forms_of_refused_ipv4_are_refused(form, v4):
    address = _wrapped(form, v4)
    reason = forbidden_reason(address)
    assert reason is not None, address
    if form != "compatible" or int(_addr(v4)) > 1:  # ::0.0.0.1 is ::1, loopback itself
        assert v4 in reason, reason


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("v4", PUBLIC_IPV4)
def test_tunnelled_forms_of_public_ipv4(form, v4):
    """Mapped and NAT64 reach exactly the IPv4 address, 6to4 reaches it through a relay:
    allowed when it is public. Teredo and IPv4-compatible are deprecated: always refused."""
    reason = forbidden_reason(_wrapped(form, v4))
    if form in ("teredo", "compatible"):
        assert reason is not None and v4 in reason
    else:
        assert reason is None, reason


@pytest.mark.parametrize("host", [
    "2002:7f00:1::", "2002:a00:1::", "2002:c0a8:101::1", "2002:a9fe:a9fe::",
    "fec0::1", "fec0:1::2", "feff:ffff::1",
    "2001:0:4136:e378:8000:63bf:80ff:fffe", "::ffff:10.0.0.1", "::127.0.0.1",
    "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "64:ff9b:1::a00:1", "3fff::1", "4000::1",
])
def test_production_refuses_the_issues_examples_at_creation_and_at_connect_time(host):
    with pytest.raises(ValidationFailed) as error:
        validate_subscription_url(f"https://[{host}]/hook", PROD)
    assert error.value.details[0]["field"] == "url"
    with pytest.raises(SsrfRefused, match="refused by the SSRF guard"):
        asyncio.run(checked_addresses(host, 443, Allowlist([])))


def test_an_allowlisted_cidr_still_wins_over_the_table():
    allow = Allowlist(["fec0::/10", "2002:a00::/24"])
    assert asyncio.run(checked_addresses("fec0::1", 443, allow)) == ["fec0::1"]
    assert asyncio.run(checked_addresses("2002:a00:1::", 443, allow)) == ["2002:a00:1::"]
