"""Where a webhook may be sent (issue 10, defect 5: server-side request forgery).

A key with the webhooks scope chooses the URL, and the delivery log tells it what answered: aimed at
`127.0.0.1:8001` or at a cloud's metadata address, the dispatcher would map and reach the inside of the
network for it. So a webhook goes only to public addresses: loopback, private, link-local (the metadata
endpoints among them), unspecified, multicast and reserved ones are refused when the webhook is created,
and again at every send, after resolving the name. The send then connects to the very address that was
checked (the URL is rewritten to it, the name kept in `Host` and in TLS's SNI and certificate check), so
a name that answers differently the second time (DNS rebinding) cannot slip through between the check
and the connection. Redirects are never followed (`dispatcher.py`).

`allowed` (LIAISON_NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS) lets development and tests reach their own
receivers on loopback; it is empty by default.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from typing import Any
from urllib.parse import urlsplit, urlunsplit

Address = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network
GetAddrInfo = Callable[..., list[tuple[Any, ...]]]

# Cloud metadata endpoints (AWS, GCP, Azure, OpenStack: 169.254.169.254; AWS over IPv6: fd00:ec2::254).
METADATA = frozenset({ip_address("169.254.169.254"), ip_address("fd00:ec2::254")})
# NAT64's well-known prefix carries an IPv4 address in its last 32 bits.
NAT64 = ip_network("64:ff9b::/96")
REASONS = (
    ("is_unspecified", "unspecified"),
    ("is_loopback", "loopback"),
    ("is_link_local", "link-local"),
    ("is_multicast", "multicast"),
    ("is_private", "private"),
    ("is_reserved", "reserved"),
    ("is_site_local", "site-local"),
)
DEFAULT_PORTS = {"http": 80, "https": 443}


class RefusedDestination(ValueError):
    """The URL leads, or may lead, to an address webhooks may not reach."""


class Unresolvable(OSError):
    """The name has no address now (it may later: a send is tried again)."""


def why_refused(address: Address, allowed: Sequence[Network] = ()) -> str | None:
    """Why `address` may not receive a webhook, or None when it may."""
    if any(address.version == network.version and address in network for network in allowed):
        return None
    if address in METADATA:
        return f"{address} is a cloud metadata address"
    if isinstance(address, IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in NAT64:
            embedded = IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            reason = why_refused(embedded, allowed)
            return f"{address} carries {reason}" if reason else None
    for flag, name in REASONS:
        if getattr(address, flag, False):
            return f"{address} is a {name} address"
    if not address.is_global:
        return f"{address} is not a public address"
    return None


@dataclass(frozen=True)
class Destination:
    """Where to connect (`url`, with the checked address in place of the name) and as whom to appear."""

    url: str
    host_header: str
    sni_hostname: str | None
    address: Address


@dataclass(frozen=True)
class WebhookGuard:
    allowed: Sequence[Network] = ()
    getaddrinfo: GetAddrInfo = socket.getaddrinfo

    def addresses(self, host: str, port: int) -> list[Address]:
        try:
            return [ip_address(host)]
        except ValueError:
            pass
        try:
            infos = self.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise Unresolvable(f"{host} does not resolve: {exc}") from None
        # An IPv6 scope (`fe80::1%eth0`) is not part of the address; fe80::/10 is refused anyway.
        found = [ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
        if not found:
            raise Unresolvable(f"{host} has no address")
        return list(dict.fromkeys(found))

    def check_url(self, url: str) -> None:
        """At creation: refuse a URL whose host is, or resolves to, a refused address. A name that does
        not resolve yet is accepted: every send checks again."""
        try:
            self.resolve(url)
        except Unresolvable:
            return

    def resolve(self, url: str) -> Destination:
        """At send time: resolve once, check every address, and say how to reach the first one."""
        parts = urlsplit(url)
        host, scheme = parts.hostname, parts.scheme.lower()
        if not host or scheme not in DEFAULT_PORTS:
            raise RefusedDestination("the URL must be http(s)://host/...")
        try:
            port = parts.port or DEFAULT_PORTS[scheme]
        except ValueError:
            raise RefusedDestination("the URL's port is not a number from 1 to 65535") from None
        addresses = self.addresses(host, port)
        for address in addresses:
            reason = why_refused(address, self.allowed)
            if reason:
                raise RefusedDestination(f"{host} is refused: {reason}")
        address = addresses[0]
        userinfo, _, hostport = parts.netloc.rpartition("@")
        literal = f"[{address}]" if address.version == 6 else str(address)
        netloc = (f"{userinfo}@" if userinfo else "") + literal + (f":{parts.port}" if parts.port else "")
        return Destination(
            url=urlunsplit((scheme, netloc, parts.path or "/", parts.query, "")),
            host_header=hostport,
            sni_hostname=host if scheme == "https" else None,
            address=address,
        )
