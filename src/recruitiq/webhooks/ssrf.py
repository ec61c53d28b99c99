"""The SSRF guard: subscription URLs may not reach into the operator's own network.

Two checks. At creation, :func:`validate_subscription_url` gives the user a clear 422.
At connect time (production mode), :func:`checked_addresses` resolves the host itself and
refuses forbidden addresses, and the client connects to exactly the addresses it checked,
so a DNS answer that changes between the check and the connection (rebinding) cannot slip
through. What is forbidden is one table of special-purpose ranges, with the IPv6 forms that
wrap an IPv4 address (mapped, NAT64, 6to4, Teredo, compatible) checked by what they wrap:
:mod:`recruitiq.webhooks.special_addresses`.

An allow-listed host or address (``RECRUITIQ_WEBHOOK_ALLOWLIST``: host names or CIDRs) is
exempt from both the address check and the https rule: that is how a self-hosted receiver
on the same private network (e.g. ``http://activepieces:80``) is permitted on purpose.
In development mode nothing is refused except non-http(s) URLs.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from recruitiq.config import Settings
from recruitiq.errors import ValidationFailed
from recruitiq.webhooks.special_addresses import IPAddress, refusal


class SsrfRefused(OSError):
    """A connection the guard refused; the message names the address, never a secret."""


def forbidden_reason(address: IPAddress) -> str | None:
    """Why ``address`` may not be a webhook target, or None when it is public
    (the table of special-purpose ranges: :mod:`recruitiq.webhooks.special_addresses`)."""
    return refusal(address)


class Allowlist:
    def __init__(self, entries: list[str]) -> None:
        self.hosts = {e.lower().rstrip(".") for e in entries if not _as_network(e)}
        self.networks = [n for n in (_as_network(e) for e in entries) if n is not None]

    def allows_host(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.hosts

    def allows_address(self, address: IPAddress) -> bool:
        return any(address in network for network in self.networks)


def _as_network(entry: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return None


def _ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def refusal_for_address(address: IPAddress, allowlist: Allowlist) -> str | None:
    if allowlist.allows_address(address):
        return None
    reason = forbidden_reason(address)
    return None if reason is None else f"{address} is {reason}"


def first_refusal(addresses: Iterable[IPAddress], allowlist: Allowlist) -> str | None:
    """Why the first forbidden one of ``addresses`` is refused, or None when none is."""
    for address in addresses:
        refusal = refusal_for_address(address, allowlist)
        if refusal is not None:
            return refusal
    return None


async def checked_addresses(host: str, port: int, allowlist: Allowlist) -> list[str]:
    """The addresses a connection to ``host`` may use; raises :class:`SsrfRefused` if any
    answer is forbidden (a name with one inside address is refused as a whole)."""
    literal = _ip_literal(host)
    if literal is not None:
        addresses = [literal]
    else:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
    refusal = None if allowlist.allows_host(host) else first_refusal(addresses, allowlist)
    if refusal is not None:
        named = "" if literal is not None else f"{host} resolves to "
        raise SsrfRefused(f"refused by the SSRF guard: {named}{refusal}")
    return [str(address) for address in addresses]


def _resolve_all(host: str) -> list[IPAddress]:
    try:
        infos: list[Any] = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return []
    return [ipaddress.ip_address(info[4][0]) for info in infos]


def validate_subscription_url(url: str, settings: Settings) -> None:
    """Raise ``ValidationFailed(field="url")`` for a URL this deployment will not call.

    A host name that does not resolve right now is accepted: DNS may be briefly down, and
    the connect-time guard checks the address on every attempt anyway.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed("URL must be an absolute http(s) URL", field="url")
    if not settings.is_production:
        return
    host = parts.hostname
    allowlist = Allowlist(settings.webhook_allowlist_entries)
    literal = _ip_literal(host)
    if allowlist.allows_host(host) or (literal is not None and allowlist.allows_address(literal)):
        return
    if parts.scheme != "https":
        raise ValidationFailed("URL must use https in production", field="url")
    refusal = first_refusal([literal] if literal is not None else _resolve_all(host), allowlist)
    if refusal is not None:
        raise ValidationFailed(
            f"URL must point to a public address: {host} is refused ({refusal})", field="url"
        )
