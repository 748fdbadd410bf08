"""Where a source's crawl may send requests: the hosts and ports it names, never an internal address it
did not name. Scrapy-free; ``crawler/guard_middleware.py`` applies it to every request and redirect hop.

A URL is allowed when:

- its scheme is http or https;
- its host is one of the source's ``allowed_domains`` (or a subdomain of one), as Scrapy's off-site check;
- its port is one the source names in one of its URLs (start URLs, feeds, sitemaps; a URL without a port
  names its scheme's), or on a public host the scheme's default: a redirect to another port of an allowed
  host (an admin console, a database) is refused;
- its host is not a loopback, link-local, private or otherwise internal address (``localhost``,
  ``127.0.0.1``, ``169.254.169.254``, ``10.x``, ``[::1]``, ``[::ffff:a9fe:a9fe]``, ``2852039166``...) unless
  the source names that very host. The tests' local sites are on 127.0.0.1 and their sources name it.

``address_refusal`` checks an address a host name resolved to (the response's peer), so an allowed name
that resolves to an internal address is refused too.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}
# Host names that mean this machine whatever DNS says.
_LOCAL_NAMES = re.compile(r"^(?:localhost|localhost\.localdomain|ip6-localhost|ip6-loopback)$|\.localhost$")
# What inet_aton accepts besides dotted quads: 2852039166, 0xa9fea9fe, 0251.0376.0251.0376, 169.254.43518
_NUMERIC_HOST = re.compile(r"^(?:0x[0-9a-f]+|[0-9]+)(?:\.(?:0x[0-9a-f]+|[0-9]+)){0,3}$", re.IGNORECASE)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def host_address(host: str) -> IPAddress | None:
    """The IP address a URL host spells (IPv4 in any form a resolver accepts, IPv6 with or without
    brackets, an IPv4-mapped IPv6 address as its IPv4 address), None for a name."""
    host = host.strip("[]").rstrip(".").lower()
    try:
        address: IPAddress = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        if not _NUMERIC_HOST.match(host):
            return None
        try:
            address = ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            return embedded
    return address


def internal_kind(address: IPAddress) -> str | None:
    """What makes an address internal (not a public internet host), None for a public one."""
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_unspecified:
        return "unspecified"
    if address.is_multicast:
        return "multicast"
    if address.is_private or address.is_reserved or not address.is_global:
        return "private"
    return None


def _a(kind: str) -> str:
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"


@dataclass(frozen=True)
class FetchPolicy:
    """The hosts and ports of one source. ``named_hosts`` are the hosts its URLs and ``allowed_domains``
    spell out: only those may be internal addresses."""

    domains: tuple[str, ...]
    ports: frozenset[int]
    named_hosts: frozenset[str]

    @classmethod
    def for_source(cls, allowed_domains: Iterable[str], urls: Iterable[str]) -> FetchPolicy:
        domains = tuple(d.lower().strip(".") for d in allowed_domains if d)
        ports: set[int] = set()
        hosts = set(domains)
        for url in urls:
            parts = urlsplit(url)
            if parts.hostname:
                hosts.add(parts.hostname.lower().rstrip("."))
            try:
                port = parts.port or _DEFAULT_PORTS.get(parts.scheme.lower())
            except ValueError:
                continue
            if port is not None:
                ports.add(port)
        return cls(domains, frozenset(ports), frozenset(hosts))

    def in_domains(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return any(host == d or host.endswith("." + d) for d in self.domains)

    def refusal(self, url: str) -> str | None:
        """Why a request to ``url`` is refused, None when it is allowed."""
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").rstrip(".")
            port = parts.port
        except ValueError as exc:
            return f"not a valid URL ({exc})"
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS:
            return f"{scheme or 'no'} scheme: only http and https are fetched"
        if not host:
            return "no host"
        internal = self._internal(host)
        if internal and host.lower() not in self.named_hosts:
            return f"{host} is {_a(internal)} address the source does not name"
        if not self.in_domains(host):
            return f"host {host} is not one of the source's allowed domains"
        effective = port or _DEFAULT_PORTS[scheme]
        # The web's own ports are fine on a public host (http -> https); an internal host only on its ports.
        if effective not in self.ports and (internal or port not in (None, _DEFAULT_PORTS[scheme])):
            return f"port {effective} of {host} is not a port the source names"
        return None

    def is_offsite(self, url: str) -> bool:
        """A URL outside the allowed domains (a plain link elsewhere, left to Scrapy's off-site filter)."""
        try:
            host = urlsplit(url).hostname or ""
        except ValueError:
            return False
        return bool(host) and not self.in_domains(host)

    def address_refusal(self, host: str, address: str) -> str | None:
        """Why a response from ``host`` at ``address`` (where its name resolved to) is refused."""
        host = host.lower().rstrip(".")
        if host in self.named_hosts:
            return None
        ip = host_address(address)
        kind = internal_kind(ip) if ip is not None else None
        if kind:
            return f"{host} resolved to {address}, {_a(kind)} address the source does not name"
        return None

    @staticmethod
    def _internal(host: str) -> str | None:
        if _LOCAL_NAMES.search(host.lower()):
            return "loopback"
        address = host_address(host)
        return internal_kind(address) if address is not None else None


def length_problem(body: bytes, content_length: str | None) -> str | None:
    """Why a response body as transferred cannot be stored, None when it can: shorter or longer than its
    Content-Length (a connection cut mid-body). A compressed stream cut off, broken or inflating past the
    size limit is found where it is inflated, once (crawler/compression.py)."""
    if content_length is not None and content_length.strip().isdigit():
        declared = int(content_length.strip())
        if declared != len(body):
            return f"truncated: Content-Length {declared:,} but {len(body):,} bytes received"
    return None
