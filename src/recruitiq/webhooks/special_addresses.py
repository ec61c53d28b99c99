"""Every address range a webhook may not target, and the tunnelled forms unwrapped.

The ranges are the IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890 and its
updates, as of 2026), the multicast ranges, IPv4's reserved 240/4 and, for IPv6, everything
outside global unicast (``2000::/3``, the only block IANA allocates from). A range the
registry calls "globally reachable" is refused too when it is anycast infrastructure (AS112,
AMT, PCP and TURN anycast, the 6to4 relay): no customer's receiver lives there.

Some IPv6 addresses carry an IPv4 address that a connection ends up reaching. Those are
checked by what they wrap: an IPv4-mapped address (``::ffff:a.b.c.d``) and a NAT64 address
of the well-known prefix (``64:ff9b::a.b.c.d``, what DNS64 answers on an IPv6-only network)
are exactly the IPv4 address; a 6to4 address (``2002:AABB:CCDD::``) is refused when the IPv4
address it embeds is. Teredo (``2001::/32``) and the deprecated IPv4-compatible form
(``::a.b.c.d``) are always refused, naming what they wrap.

``ipaddress``'s ``is_global`` is the backstop for anything a newer registry adds before
this table does.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class SpecialRange:
    network: IPNetwork
    name: str


def _ranges(*entries: tuple[str, str]) -> tuple[SpecialRange, ...]:
    return tuple(SpecialRange(ipaddress.ip_network(cidr), name) for cidr, name in entries)


# Most specific first: the first match names the refusal.
IPV4_REFUSED = _ranges(
    ("0.0.0.0/8", "a 'this network' address"),
    ("10.0.0.0/8", "a private address"),
    ("100.64.0.0/10", "a carrier-grade NAT (shared) address"),
    ("127.0.0.0/8", "a loopback address"),
    ("169.254.0.0/16", "a link-local address (cloud metadata lives here)"),
    ("172.16.0.0/12", "a private address"),
    ("192.0.0.0/24", "an IETF protocol assignment (PCP and TURN anycast, DS-Lite, NAT64)"),
    ("192.0.2.0/24", "a documentation address (TEST-NET-1)"),
    ("192.31.196.0/24", "an AS112 anycast address"),
    ("192.52.193.0/24", "an AMT anycast address"),
    ("192.88.99.0/24", "the deprecated 6to4 relay anycast address"),
    ("192.168.0.0/16", "a private address"),
    ("192.175.48.0/24", "an AS112 direct delegation address"),
    ("198.18.0.0/15", "a benchmarking address"),
    ("198.51.100.0/24", "a documentation address (TEST-NET-2)"),
    ("203.0.113.0/24", "a documentation address (TEST-NET-3)"),
    ("224.0.0.0/4", "a multicast address"),
    ("255.255.255.255/32", "the broadcast address"),
    ("240.0.0.0/4", "a reserved address"),
)

IPV4_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")
NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")
TEREDO = ipaddress.IPv6Network("2001::/32")
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")

IPV6_REFUSED = _ranges(
    ("::/128", "the unspecified address"),
    ("::1/128", "a loopback address"),
    ("64:ff9b:1::/48", "a local-use IPv4/IPv6 translation address"),
    ("100::/64", "a discard-only address"),
    ("100:0:0:1::/64", "a dummy IPv6 prefix address"),
    ("2001:2::/48", "a benchmarking address"),
    ("2001:10::/28", "a deprecated ORCHID address"),
    ("2001:20::/28", "an ORCHIDv2 address"),
    ("2001::/23", "an IETF protocol assignment (AMT, AS112, PCP and TURN anycast, drone IDs)"),
    ("2001:db8::/32", "a documentation address"),
    ("2620:4f:8000::/48", "an AS112 direct delegation address"),
    ("3fff::/20", "a documentation address"),
    ("5f00::/16", "a segment routing (SRv6) SID"),
    ("fc00::/7", "a unique local (private) address (cloud metadata lives here)"),
    ("fe80::/10", "a link-local address"),
    ("fec0::/10", "a deprecated site-local address"),
    ("ff00::/8", "a multicast address"),
)

ALL_REFUSED: tuple[SpecialRange, ...] = IPV4_REFUSED + IPV6_REFUSED


def _listed(address: IPAddress) -> str | None:
    table = IPV4_REFUSED if address.version == 4 else IPV6_REFUSED
    for entry in table:
        if address in entry.network:
            return entry.name
    return None


def _wrapped_reason(inner: ipaddress.IPv4Address) -> str:
    reason = refusal(inner)
    return f"wrapping {inner}" + ("" if reason is None else f", {reason}")


def refusal(address: IPAddress) -> str | None:
    """Why ``address`` may not be a webhook target, or None when it is a public address."""
    if isinstance(address, ipaddress.IPv6Address):
        return _ipv6_refusal(address)
    listed = _listed(address)
    if listed is not None:
        return listed
    return None if address.is_global else "not a public address"


def _ipv6_refusal(address: ipaddress.IPv6Address) -> str | None:
    if address in IPV4_MAPPED or address in NAT64_WELL_KNOWN:
        # The connection reaches exactly the IPv4 address (the host's stack, or NAT64).
        inner = _low_ipv4(address)
        reason = refusal(inner)
        form = "an IPv4-mapped" if address in IPV4_MAPPED else "a NAT64"
        return None if reason is None else f"{form} address wrapping {inner}, {reason}"
    if address in TEREDO:  # inside 2001::/23, but named for what it wraps
        server, client = address.teredo or (_low_ipv4(address), _low_ipv4(address))
        return f"a Teredo tunnel address ({_wrapped_reason(client)}; server {server})"
    listed = _listed(address)
    if listed is not None:
        return listed
    if address in IPV4_COMPATIBLE:
        return f"a deprecated IPv4-compatible address ({_wrapped_reason(_low_ipv4(address))})"
    embedded = address.sixtofour
    if embedded is not None:
        reason = refusal(embedded)
        if reason is not None:
            return f"a 6to4 address wrapping {embedded}, {reason}"
    if address not in GLOBAL_UNICAST:
        return "a reserved address (outside IPv6 global unicast, 2000::/3)"
    return None if address.is_global else "not a public address"


def _low_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address:
    return ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)
