"""One guard for every outbound request to a URL someone outside the platform chose (webhooks, Web Push).

A URL is checked twice: statically when it is registered (scheme, host names that are internal by
definition, IP literals in every spelling the C resolver accepts: ``127.1``, ``2130706433``,
``0x7f000001``, ``0177.0.0.1``), and at connect time, when the host is resolved once, *every* answer must
be a public address, and the connection goes to the checked address (the original name stays in ``Host``
and TLS SNI). A resolver that answers public then private (DNS rebinding) therefore never gets a second
say. Redirects are never followed by the guarded client, and each request (a redirect the caller chooses
to follow included) passes through the same check.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence
from urllib.parse import urlsplit

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]

# Names that are internal whatever DNS says: the loopback name and the cloud metadata services.
INTERNAL_NAMES = frozenset({"localhost", "metadata", "metadata.google.internal", "instance-data"})
INTERNAL_SUFFIXES = (".localhost", ".internal", ".local", ".localdomain", ".home.arpa", ".intranet", ".lan")
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class RefusedTarget(ValueError):
    """The URL points (or resolves) to a place the platform must not reach on someone else's behalf."""


async def system_resolver(host: str, port: int) -> Sequence[str]:
    """Every address the operating system's resolver gives for ``host``."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _legacy_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """``host`` read the way ``inet_aton`` reads it (1 to 4 parts, each decimal, 0x-hex or 0-octal; the last
    part fills the remaining bytes), or None when it is not such a number."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    values: list[int] = []
    for part in parts:
        text = part.lower()
        try:
            if text.startswith("0x"):
                value = int(text[2:] or "0", 16)
            elif len(text) > 1 and text.startswith("0"):
                value = int(text[1:], 8)
            else:
                value = int(text, 10) if text.isdigit() else -1
        except ValueError:
            return None
        if value < 0:
            return None
        values.append(value)
    *head, last = values
    if any(v > 255 for v in head) or last >= 256 ** (4 - len(head)):
        return None
    number = last
    for index, value in enumerate(head):
        number += value << (8 * (3 - index))
    return ipaddress.IPv4Address(number)


def literal_address(host: str) -> IPAddress | None:
    """The IP address ``host`` spells (any IPv4 spelling, IPv6 with or without a zone), or None for a name."""
    bare = host.strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        return _legacy_ipv4(bare.rstrip("."))


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: IPAddress) -> bool:
    """Whether ``address`` is a globally routable unicast address (IPv6 carrying an IPv4 is judged by it)."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = _embedded_ipv4(address)
        if inner is not None and not is_public(inner):
            return False
    if isinstance(address, ipaddress.IPv4Address) and address in _CGNAT:
        return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or (isinstance(address, ipaddress.IPv6Address) and address.is_site_local)
    )


def _host_matches(host: str, patterns: Sequence[str]) -> bool:
    return any(host == p or host.endswith("." + p) for p in patterns)


class EgressGuard:
    """Decides whether a user-supplied URL may be called, and to which checked address the call goes.

    ``allow_private`` (development only) lets http:// and internal addresses through unchecked;
    ``allowed_hosts`` (when given) limits the hosts to these names and their subdomains.
    """

    def __init__(
        self,
        *,
        allow_private: bool = False,
        allowed_hosts: Sequence[str] | None = None,
        resolver: Resolver = system_resolver,
    ) -> None:
        self.allow_private = allow_private
        self.allowed_hosts = tuple(h.lower().rstrip(".") for h in allowed_hosts) if allowed_hosts else None
        self._resolver = resolver

    def check_url(self, url: str) -> str:
        """Refuse ``url`` unless it may be called (no DNS here: that is :meth:`resolve`'s, at connect time);
        returns its normalised host."""
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise RefusedTarget("must be an absolute http(s) URL")
        host = parts.hostname.lower().rstrip(".")
        if self.allowed_hosts is not None and not _host_matches(host, self.allowed_hosts):
            raise RefusedTarget("must be one of the allowed hosts")
        if self.allow_private:
            return host
        if parts.scheme != "https":
            raise RefusedTarget("must use https")
        if parts.username is not None or parts.password is not None:
            raise RefusedTarget("must not carry credentials")
        address = literal_address(host)
        if address is not None:
            if not is_public(address):
                raise RefusedTarget("must be a public address")
        elif host in INTERNAL_NAMES or host.endswith(INTERNAL_SUFFIXES) or "." not in host:
            raise RefusedTarget("must be a public address")
        return host

    async def resolve(self, url: str) -> IPAddress:
        """Check ``url``, resolve its host once and return the address to connect to; every address
        the resolver gives must be public (one private answer refuses the lot)."""
        host = self.check_url(url)
        address = literal_address(host)
        if address is not None:
            return address
        port = urlsplit(url).port or (443 if url.lower().startswith("https") else 80)
        try:
            answers = [literal_address(a) for a in await self._resolver(host, port)]
        except OSError as exc:
            raise RefusedTarget("the host does not resolve") from exc
        found = [a for a in answers if a is not None]
        if not found:
            raise RefusedTarget("the host does not resolve")
        if not self.allow_private and not all(is_public(a) for a in found):
            raise RefusedTarget("must be a public address")
        return found[0]


class GuardedTransport(httpx.AsyncBaseTransport):
    """An httpx transport that sends each request to the address its guard checked (Host, SNI kept)."""

    def __init__(self, guard: EgressGuard, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self._guard = guard
        self._inner = inner or httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Check, pin and forward ``request``; raises :class:`RefusedTarget` instead of connecting."""
        host = request.url.host
        address = await self._guard.resolve(str(request.url))
        if literal_address(host) is None:
            request.url = request.url.copy_with(host=str(address))
            if request.url.scheme == "https":
                request.extensions = {**request.extensions, "sni_hostname": host}
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        """Close the inner transport's connections."""
        await self._inner.aclose()


def guarded_client(
    guard: EgressGuard, *, timeout: float, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """An httpx client for user-supplied URLs: every request through ``guard``, no redirects followed,
    no proxy taken from the environment (it would do its own resolution)."""
    return httpx.AsyncClient(
        transport=GuardedTransport(guard, transport),
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
    )
