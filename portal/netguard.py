"""SSRF-safe networking: the only way the project opens sockets to user-supplied hosts.

A citizen types a host name; the server connects to it. Everything that connects to
such a host goes through this module:

1. ``resolve_and_vet(host, port, timeout=...)`` resolves the name **once** and vets every
   address it resolves to (and the port). Decimal, octal and short IPv4 forms such as
   ``2130706433``, ``0177.0.0.1`` or ``127.1`` are handed to the system resolver like any
   name and judged by the address they resolve to.
2. ``open_vetted_connection(address, timeout=...)`` connects to the vetted IP itself (never
   to the name again), so a DNS answer that changes between vetting and connecting
   (rebinding) cannot move the connection somewhere else.

What is refused (``vet_ip``) does not rely on ``ipaddress``'s ``is_global`` alone, which
calls multicast, NAT64, 6to4 and others global. IPv6 must lie in global unicast
``2000::/3`` and outside the special-purpose blocks listed below; IPv4 must lie outside
the special-purpose blocks; and both must be ``is_global`` too. The server's own addresses
(its interfaces, and ``CONNECTIVITY_OWN_ADDRESSES`` for public addresses
that NAT hides from the interfaces) are refused as well.

Operators open private networks only explicitly with ``CONNECTIVITY_ALLOWED_NETWORKS``
(CIDRs). An allowed network overrides every rule except the cloud metadata addresses,
which are never reachable. IPv4-mapped IPv6 (``::ffff:127.0.0.1``) is not "inside"
``127.0.0.0/8``: to allow it an operator has to list the IPv6 form.

Ports must be in ``CONNECTIVITY_ALLOWED_PORTS``. When
``CONNECTIVITY_ANY_PORT_IN_ALLOWED_NETWORKS`` is true, any port is accepted for a host
whose addresses all lie inside ``CONNECTIVITY_ALLOWED_NETWORKS`` (the tests use it for
loopback listeners on random ports; production leaves it off).

``check_rate(user_id, host)`` applies the per-user and per-target-host rate limits.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import functools
import hashlib
import ipaddress
import logging
import socket
import struct
import time
from dataclasses import dataclass
from typing import Final

from django.conf import settings

from portal import ratelimit

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


# --- errors -----------------------------------------------------------------------------


class NetGuardError(Exception):
    """Base of every refusal; ``code`` is the probe result code."""

    code: str = "address_not_allowed"

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.code)
        self.detail = detail


class DnsFailed(NetGuardError):
    code = "dns_failed"

    def __init__(self, host: str, reason: str = "") -> None:
        super().__init__(f"{host!r} does not resolve" + (f" ({reason})" if reason else ""))
        self.host = host


class AddressNotAllowed(NetGuardError):
    code = "address_not_allowed"

    def __init__(self, ip: str) -> None:
        super().__init__(f"address {ip} is not allowed")
        self.ip = ip


class PortNotAllowed(NetGuardError):
    code = "port_not_allowed"

    def __init__(self, port: int) -> None:
        super().__init__(f"port {port} is not allowed")
        self.port = port


class RateLimited(NetGuardError):
    code = "rate_limited"

    def __init__(self, scope: str, retry_after: int) -> None:
        super().__init__(f"too many checks for this {scope}; retry in {retry_after} s")
        self.scope = scope
        self.retry_after = retry_after


# --- vetted addresses ---------------------------------------------------------------------


@dataclass(frozen=True)
class VettedAddress:
    """An address that passed vetting: connect to ``ip``, show ``host`` to people."""

    ip: str
    port: int
    family: socket.AddressFamily
    host: str


# --- address rules ------------------------------------------------------------------------

_net = ipaddress.ip_network

# IANA IPv4 special-purpose registry (RFC 6890 and successors) plus multicast and class E.
_BLOCKED_V4: Final = tuple(
    _net(cidr)
    for cidr in (
        "0.0.0.0/8",  # "this network", includes the unspecified address
        "10.0.0.0/8",  # private
        "100.64.0.0/10",  # shared address space (CGNAT); holds 100.100.100.200 too
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local; holds 169.254.169.254 too
        "172.16.0.0/12",  # private
        "192.0.0.0/24",  # IETF protocol assignments (incl. 192.0.0.192 Oracle metadata)
        "192.0.2.0/24",  # TEST-NET-1 (documentation)
        "192.88.99.0/24",  # 6to4 relay anycast (deprecated)
        "192.168.0.0/16",  # private
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # TEST-NET-2
        "203.0.113.0/24",  # TEST-NET-3
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, includes 255.255.255.255
    )
)

# IPv6: only global unicast is ever allowed, minus the special blocks inside it. The blocks
# outside 2000::/3 are listed as well so that the list documents itself.
_GLOBAL_UNICAST_V6: Final = _net("2000::/3")
_BLOCKED_V6: Final = tuple(
    _net(cidr)
    for cidr in (
        "::/128",  # unspecified
        "::1/128",  # loopback
        "::/96",  # IPv4-compatible (deprecated)
        "::ffff:0:0/96",  # IPv4-mapped
        "::ffff:0:0:0/96",  # IPv4-translated (SIIT)
        "64:ff9b::/96",  # NAT64 well-known prefix
        "64:ff9b:1::/48",  # NAT64 local-use
        "100::/64",  # discard-only
        "2001::/23",  # IETF protocol assignments: Teredo 2001::/32, benchmarking, ORCHID
        "2001:db8::/32",  # documentation
        "2002::/16",  # 6to4
        "3fff::/20",  # documentation (RFC 9637)
        "5f00::/16",  # SRv6 SIDs
        "fc00::/7",  # unique local (incl. fd00:ec2::254 AWS metadata)
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated)
        "ff00::/8",  # multicast
    )
)

# Cloud metadata endpoints: refused even inside CONNECTIVITY_ALLOWED_NETWORKS.
METADATA_ADDRESSES: Final = frozenset(
    ipaddress.ip_address(ip)
    for ip in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean ...
        "169.254.170.2",  # AWS ECS task metadata
        "169.254.169.123",  # AWS time sync
        "169.254.169.253",  # AWS DNS
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud
        "fd00:ec2::254",  # AWS IPv6 metadata
        "fd00:ec2::23",  # AWS IPv6 DNS
        "fd00:ec2::123",  # AWS IPv6 time sync
    )
)

_OWN_ADDRESSES_TTL: Final = 60.0
_own_cache: tuple[float, frozenset[IPAddress]] = (0.0, frozenset())


def _parse_ip(ip: str | IPAddress) -> IPAddress | None:
    if isinstance(ip, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return ip
    try:
        return ipaddress.ip_address(str(ip).strip())
    except ValueError:
        return None


def is_special_purpose(ip: IPAddress) -> bool:
    """True for every address that is not plain global unicast (before any allowlist)."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return True
        if ip not in _GLOBAL_UNICAST_V6 or any(ip in net for net in _BLOCKED_V6):
            return True
    elif any(ip in net for net in _BLOCKED_V4):
        return True
    # Belt and braces: never admit what ipaddress itself calls non-global.
    return not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_unspecified


@functools.lru_cache(maxsize=8)
def _parse_networks(cidrs: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


def allowed_networks() -> tuple[IPNetwork, ...]:
    return _parse_networks(tuple(getattr(settings, "CONNECTIVITY_ALLOWED_NETWORKS", ())))


def in_allowed_network(ip: str | IPAddress) -> bool:
    parsed = _parse_ip(ip)
    if parsed is None:
        return False
    return any(parsed.version == net.version and parsed in net for net in allowed_networks())


def _interface_addresses() -> set[IPAddress]:
    found: set[IPAddress] = set()
    # IPv4 interface addresses (Linux SIOCGIFADDR).
    with contextlib.suppress(OSError):
        for _index, name in socket.if_nameindex():
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                try:
                    packed = fcntl.ioctl(
                        sock.fileno(), 0x8915, struct.pack("256s", name.encode()[:15])
                    )
                except OSError:
                    continue
                found.add(ipaddress.IPv4Address(packed[20:24]))
    # IPv6 interface addresses.
    with contextlib.suppress(OSError, ValueError), open("/proc/net/if_inet6") as lines:
        for line in lines:
            hexaddr = line.split()[0]
            found.add(ipaddress.IPv6Address(int(hexaddr, 16)))
    return found


def own_addresses() -> frozenset[IPAddress]:
    """The server's own addresses (cached for a minute) plus CONNECTIVITY_OWN_ADDRESSES."""
    global _own_cache
    stamp, addresses = _own_cache
    now = time.monotonic()
    if now - stamp > _OWN_ADDRESSES_TTL or not addresses:
        addresses = frozenset(_interface_addresses())
        _own_cache = (now, addresses)
    extra = {
        parsed
        for item in getattr(settings, "CONNECTIVITY_OWN_ADDRESSES", ())
        if (parsed := _parse_ip(item)) is not None
    }
    return addresses | extra


def vet_ip(ip: str | IPAddress) -> bool:
    """True when the probe may connect to this (canonical, numeric) address.

    Non-canonical strings (``127.1``, ``0177.0.0.1``) are not addresses here: they are
    refused; ``resolve_and_vet`` turns them into the address they stand for first.
    """
    parsed = _parse_ip(ip)
    if parsed is None:
        return False
    if parsed in METADATA_ADDRESSES:
        return False
    if in_allowed_network(parsed):
        return True
    if is_special_purpose(parsed):
        return False
    return parsed not in own_addresses()


def assert_ip_allowed(ip: str | IPAddress) -> None:
    if not vet_ip(ip):
        raise AddressNotAllowed(str(ip))


def port_allowed(port: int, *, ips: list[str] | tuple[str, ...] = ()) -> bool:
    if not 0 < port < 65536:
        return False
    if port in getattr(settings, "CONNECTIVITY_ALLOWED_PORTS", ()):
        return True
    return bool(
        ips
        and getattr(settings, "CONNECTIVITY_ANY_PORT_IN_ALLOWED_NETWORKS", False)
        and all(in_allowed_network(ip) for ip in ips)
    )


# --- resolution ---------------------------------------------------------------------------


def _normalise_host(host: str) -> str:
    name = (host or "").strip()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if name.endswith(".") and not name.endswith(".."):
        name = name[:-1]
    return name.lower()


_FORBIDDEN_HOST_CHARACTERS: Final = frozenset(" \t\r\n/\\@?#%&=;,'\"<>`|")


async def resolve_and_vet(host: str, port: int, *, timeout: float) -> list[VettedAddress]:
    """Resolve ``host`` once and return its addresses, all vetted.

    Raises ``DnsFailed`` when the name does not resolve within ``timeout``,
    ``PortNotAllowed`` for a port outside the allowlist, and ``AddressNotAllowed`` when any
    address it resolves to is refused (a name that mixes public and private addresses is
    either misconfigured or an attack, so the whole name is refused).
    """
    name = _normalise_host(host)
    if (
        not name
        or len(name) > 253
        or any(ch in _FORBIDDEN_HOST_CHARACTERS for ch in name)
        or any(ord(ch) < 32 for ch in name)
    ):
        raise DnsFailed(host, "not a host name")
    if not isinstance(port, int) or not 0 < port < 65536:
        raise PortNotAllowed(port)
    may_bypass_ports = bool(
        getattr(settings, "CONNECTIVITY_ANY_PORT_IN_ALLOWED_NETWORKS", False) and allowed_networks()
    )
    if not may_bypass_ports and not port_allowed(port):
        raise PortNotAllowed(port)

    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(timeout):
            infos = await loop.getaddrinfo(
                name, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
            )
    except TimeoutError as exc:
        raise DnsFailed(host, "timed out") from exc
    except (OSError, UnicodeError, ValueError) as exc:
        raise DnsFailed(host, type(exc).__name__) from exc

    addresses: list[VettedAddress] = []
    seen: set[str] = set()
    for family, _type, _proto, _canon, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        ip = str(sockaddr[0])
        if family == socket.AF_INET6 and len(sockaddr) >= 4 and sockaddr[3]:
            raise AddressNotAllowed(f"{ip}%{sockaddr[3]}")
        if ip in seen:
            continue
        seen.add(ip)
        addresses.append(VettedAddress(ip=ip, port=port, family=family, host=name))
    if not addresses:
        raise DnsFailed(host, "no addresses")
    for address in addresses:
        assert_ip_allowed(address.ip)
    if not port_allowed(port, ips=[a.ip for a in addresses]):
        raise PortNotAllowed(port)
    return addresses


async def open_vetted_connection(
    address: VettedAddress, *, timeout: float, limit: int = 2**16
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Open a TCP connection to ``address.ip`` (numeric only, no DNS).

    The address is vetted again (it may have been built by hand). Connection errors
    propagate unchanged: ``ConnectionRefusedError`` (port closed), ``TimeoutError``
    (nothing answered within ``timeout``), other ``OSError``.
    """
    assert_ip_allowed(address.ip)
    if not port_allowed(address.port, ips=[address.ip]):
        raise PortNotAllowed(address.port)
    async with asyncio.timeout(timeout):
        return await asyncio.open_connection(
            address.ip,
            address.port,
            family=address.family,
            flags=socket.AI_NUMERICHOST,
            limit=limit,
        )


# --- rate limits --------------------------------------------------------------------------


def _count(key: str, *, limit: int, window: int, scope: str) -> None:
    try:
        ratelimit.hit(f"netguard:{key}", limit=limit, window=window, scope=scope)
    except ratelimit.RateLimitExceeded as exceeded:
        raise RateLimited(scope, exceeded.retry_after) from None


def check_rate(user_id: int | str | None, host: str) -> None:
    """Record one check by ``user_id`` against ``host``; raise ``RateLimited`` when over.

    Limits are fixed windows in the cache: ``CONNECTIVITY_RATE_LIMIT_PER_USER`` and
    ``CONNECTIVITY_RATE_LIMIT_PER_HOST`` checks per ``CONNECTIVITY_RATE_LIMIT_WINDOW``
    seconds (0 disables a limit). Scheduled re-checks pass ``user_id=None``: only the host
    limit applies to them.
    """
    window = max(1, int(getattr(settings, "CONNECTIVITY_RATE_LIMIT_WINDOW", 600)))
    if user_id is not None:
        _count(
            f"user:{user_id}",
            limit=int(getattr(settings, "CONNECTIVITY_RATE_LIMIT_PER_USER", 30)),
            window=window,
            scope="user",
        )
    digest = hashlib.sha256(_normalise_host(host).encode()).hexdigest()[:32]
    _count(
        f"host:{digest}",
        limit=int(getattr(settings, "CONNECTIVITY_RATE_LIMIT_PER_HOST", 20)),
        window=window,
        scope="host",
    )
