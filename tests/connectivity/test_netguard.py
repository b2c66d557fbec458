"""portal.netguard: which addresses and ports the probe may reach, and how often."""

from __future__ import annotations

import asyncio
import ipaddress
import socket

import pytest
from django.core.cache import cache
from django.test import override_settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from portal import netguard
from portal.netguard import (
    AddressNotAllowed,
    DnsFailed,
    PortNotAllowed,
    RateLimited,
    VettedAddress,
    check_rate,
    open_vetted_connection,
    resolve_and_vet,
    vet_ip,
)

NOTHING_ALLOWED = override_settings(CONNECTIVITY_ALLOWED_NETWORKS=[])


def resolve(host: str, port: int = 554) -> list[VettedAddress]:
    return asyncio.run(resolve_and_vet(host, port, timeout=3))


# --- an independent oracle ------------------------------------------------------------------
# Written from the IANA special-purpose address registries as first-last pairs (not
# CIDRs, not ipaddress properties) so that it shares nothing with the implementation.

_V4_FORBIDDEN = [
    ("0.0.0.0", "0.255.255.255"),
    ("10.0.0.0", "10.255.255.255"),
    ("100.64.0.0", "100.127.255.255"),
    ("127.0.0.0", "127.255.255.255"),
    ("169.254.0.0", "169.254.255.255"),
    ("172.16.0.0", "172.31.255.255"),
    ("192.0.0.0", "192.0.0.255"),
    ("192.0.2.0", "192.0.2.255"),
    ("192.88.99.0", "192.88.99.255"),
    ("192.168.0.0", "192.168.255.255"),
    ("198.18.0.0", "198.19.255.255"),
    ("198.51.100.0", "198.51.100.255"),
    ("203.0.113.0", "203.0.113.255"),
    ("224.0.0.0", "255.255.255.255"),
]
_V6_FORBIDDEN_INSIDE_GLOBAL_UNICAST = [
    ("2001::", "2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff"),
    ("2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"),
    ("2002::", "2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
    ("3fff::", "3fff:0fff:ffff:ffff:ffff:ffff:ffff:ffff"),
]
_V6_GLOBAL_UNICAST = ("2000::", "3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")


def _as_int(text: str) -> int:
    return int.from_bytes(
        socket.inet_pton(socket.AF_INET6 if ":" in text else socket.AF_INET, text), "big"
    )


def oracle_allows(ip: str) -> bool:
    value = _as_int(ip)
    if ":" in ip:
        low, high = map(_as_int, _V6_GLOBAL_UNICAST)
        if not low <= value <= high:
            return False
        ranges = _V6_FORBIDDEN_INSIDE_GLOBAL_UNICAST
    else:
        ranges = _V4_FORBIDDEN
    return not any(_as_int(lo) <= value <= _as_int(hi) for lo, hi in ranges)


FORBIDDEN_NETWORKS = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",
    "240.0.0.0/4",
    "::/96",
    "::ffff:0:0/96",
    "64:ff9b::/96",
    "64:ff9b:1::/48",
    "100::/64",
    "2001::/32",
    "2001:2::/48",
    "2001:db8::/32",
    "2002::/16",
    "5f00::/16",
    "fc00::/7",
    "fe80::/10",
    "ff00::/8",
]


@st.composite
def forbidden_addresses(draw: st.DrawFn) -> str:
    network = ipaddress.ip_network(draw(st.sampled_from(FORBIDDEN_NETWORKS)))
    offset = draw(st.integers(min_value=0, max_value=network.num_addresses - 1))
    return str(network.network_address + offset)


@st.composite
def ipv4_embedded_in_ipv6(draw: st.DrawFn) -> str:
    """Any IPv4 address (public ones too) wrapped in an IPv6 transition form."""
    v4 = draw(st.integers(min_value=0, max_value=2**32 - 1))
    form = draw(st.sampled_from(["mapped", "compatible", "nat64", "nat64-local", "6to4"]))
    prefix = {
        "mapped": 0xFFFF << 32,
        "compatible": 0,
        "nat64": 0x0064_FF9B << 96,
        "nat64-local": 0x0064_FF9B_0001 << 80,
        "6to4": 0x2002 << 112,
    }[form]
    value = prefix | (v4 << 80 if form == "6to4" else v4)
    return str(ipaddress.IPv6Address(value))


any_ipv4 = st.integers(min_value=0, max_value=2**32 - 1).map(
    lambda n: str(ipaddress.IPv4Address(n))
)
any_ipv6 = st.integers(min_value=0, max_value=2**128 - 1).map(
    lambda n: str(ipaddress.IPv6Address(n))
)
global_unicast_ipv6 = st.integers(min_value=0x2000 << 112, max_value=(0x4000 << 112) - 1).map(
    lambda n: str(ipaddress.IPv6Address(n))
)


@given(forbidden_addresses())
@hypothesis_settings(max_examples=400)
def test_vetting_never_admits_an_address_from_a_forbidden_range(ip):
    with NOTHING_ALLOWED:
        assert not vet_ip(ip)


@given(ipv4_embedded_in_ipv6())
@hypothesis_settings(max_examples=300)
def test_vetting_never_admits_ipv4_wrapped_in_ipv6(ip):
    with NOTHING_ALLOWED:
        assert not vet_ip(ip)


@given(st.one_of(any_ipv4, any_ipv6, global_unicast_ipv6))
@hypothesis_settings(max_examples=600)
def test_vetting_agrees_with_the_independent_oracle(ip):
    with NOTHING_ALLOWED:
        if ipaddress.ip_address(ip) in netguard.own_addresses():
            assert not vet_ip(ip)
        else:
            assert vet_ip(ip) == oracle_allows(ip)


@given(
    st.sampled_from(["127.0.0.1", "10.0.0.1", "192.168.1.64", "169.254.169.254", "0.0.0.0"]),
    st.sampled_from(["decimal", "octal", "hex", "short"]),
)
@hypothesis_settings(max_examples=40, deadline=None)
def test_numeric_spellings_are_judged_by_the_address_they_stand_for(ip, spelling):
    a, b, c, d = (int(part) for part in ip.split("."))
    host = {
        "decimal": str((a << 24) | (b << 16) | (c << 8) | d),
        "octal": ".".join(f"0{int(part):o}" for part in ip.split(".")),
        "hex": ".".join(f"0x{int(part):x}" for part in ip.split(".")),
        "short": f"{a}.{(b << 16) | (c << 8) | d}",
    }[spelling]
    with NOTHING_ALLOWED, pytest.raises(AddressNotAllowed) as refused:
        resolve(host)
    assert refused.value.ip == ip
    assert refused.value.code == "address_not_allowed"


# --- named rules -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ip",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.31.255.254",
        "192.168.1.64",
        "100.64.0.1",
        "169.254.169.254",
        "224.0.0.251",
        "255.255.255.255",
        "0.0.0.0",
        "240.0.0.1",
        "198.18.0.1",
        "192.0.2.10",
        "::",
        "::1",
        "::ffff:8.8.8.8",
        "::8.8.8.8",
        "64:ff9b::808:808",
        "64:ff9b:1::808:808",
        "2002:808:808::1",
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",
        "5f00::1",
        "fd00:ec2::254",
        "fe80::1",
        "ff02::1",
        "2001:db8::1",
        "100.100.100.200",
    ],
)
def test_it_refuses_addresses_that_are_not_plain_global_unicast(ip):
    with NOTHING_ALLOWED:
        assert not vet_ip(ip)
        with pytest.raises(AddressNotAllowed):
            netguard.assert_ip_allowed(ip)


@pytest.mark.parametrize("ip", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "2a00:1450::1"])
def test_it_admits_public_addresses(ip):
    with NOTHING_ALLOWED:
        assert vet_ip(ip)


def test_it_refuses_text_that_is_not_a_canonical_address():
    assert not vet_ip("127.1")
    assert not vet_ip("2130706433")
    assert not vet_ip("not an address")


def test_an_allowed_network_opens_loopback_but_not_its_ipv4_mapped_form(settings):
    settings.CONNECTIVITY_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    assert vet_ip("127.0.0.1")
    assert not vet_ip("::ffff:127.0.0.1")
    assert not vet_ip("10.0.0.1")


def test_cloud_metadata_stays_refused_even_inside_an_allowed_network(settings):
    settings.CONNECTIVITY_ALLOWED_NETWORKS = ["169.254.0.0/16", "fd00::/8", "100.64.0.0/10"]
    assert vet_ip("169.254.1.1")
    assert not vet_ip("169.254.169.254")
    assert not vet_ip("fd00:ec2::254")
    assert not vet_ip("100.100.100.200")


def test_it_refuses_the_servers_own_addresses(settings):
    settings.CONNECTIVITY_ALLOWED_NETWORKS = []
    settings.CONNECTIVITY_OWN_ADDRESSES = ["93.184.216.34"]
    assert not vet_ip("93.184.216.34")
    assert vet_ip("93.184.216.35")


def test_it_knows_the_addresses_of_its_own_interfaces():
    assert ipaddress.ip_address("127.0.0.1") in netguard.own_addresses()


# --- resolution ------------------------------------------------------------------------------


def test_a_name_that_resolves_to_loopback_is_refused(settings):
    settings.CONNECTIVITY_ALLOWED_NETWORKS = []
    with pytest.raises(AddressNotAllowed) as refused:
        resolve("localhost")
    assert refused.value.ip == "127.0.0.1"


@pytest.mark.parametrize(
    "host",
    ["2130706433", "0177.0.0.1", "127.1", "0x7f.1", "[::1]", "::ffff:127.0.0.1", "0", "10.1"],
)
def test_numeric_forms_of_internal_addresses_are_refused(settings, host):
    settings.CONNECTIVITY_ALLOWED_NETWORKS = []
    with pytest.raises(AddressNotAllowed):
        resolve(host)


def test_an_operator_allowed_network_lets_loopback_through():
    [address] = resolve("localhost")
    assert address == VettedAddress(
        ip="127.0.0.1", port=554, family=socket.AF_INET, host="localhost"
    )


@pytest.mark.parametrize(
    "host", ["nonexistent.invalid", "", "   ", "evil.example@127.0.0.1", "a/b", "x" * 300]
)
def test_names_that_do_not_resolve_fail_with_dns_failed(host):
    with pytest.raises(DnsFailed) as failed:
        resolve(host)
    assert failed.value.code == "dns_failed"


def test_a_port_outside_the_allowlist_is_refused_for_a_public_address():
    with pytest.raises(PortNotAllowed) as refused:
        resolve("8.8.8.8", port=22)
    assert refused.value.code == "port_not_allowed"
    assert resolve("8.8.8.8", port=554)[0].ip == "8.8.8.8"


@pytest.mark.parametrize("port", [0, -1, 65536])
def test_impossible_ports_are_refused(port):
    with pytest.raises(PortNotAllowed):
        resolve("127.0.0.1", port=port)


def test_any_port_inside_allowed_networks_only_when_the_setting_says_so(settings):
    assert resolve("127.0.0.1", port=45678)[0].port == 45678
    settings.CONNECTIVITY_ANY_PORT_IN_ALLOWED_NETWORKS = False
    with pytest.raises(PortNotAllowed):
        resolve("127.0.0.1", port=45678)


# --- connecting ------------------------------------------------------------------------------


def test_it_refuses_to_connect_to_a_hand_made_address_that_was_never_vetted(settings):
    settings.CONNECTIVITY_ALLOWED_NETWORKS = []
    for ip in ("127.0.0.1", "169.254.169.254"):
        address = VettedAddress(ip=ip, port=554, family=socket.AF_INET, host=ip)
        with pytest.raises(AddressNotAllowed):
            asyncio.run(open_vetted_connection(address, timeout=1))


def test_it_connects_to_the_vetted_ip_and_nothing_else():
    listener = socket.create_server(("127.0.0.1", 0))
    try:
        [address] = resolve("localhost", port=listener.getsockname()[1])

        async def exchange() -> bytes:
            _reader, writer = await open_vetted_connection(address, timeout=2)
            writer.write(b"ping")
            await writer.drain()
            writer.close()
            await writer.wait_closed()
            return b"sent"

        assert asyncio.run(exchange()) == b"sent"
        conn, peer = listener.accept()
        with conn:
            assert conn.recv(4) == b"ping"
            assert peer[0] == "127.0.0.1"
    finally:
        listener.close()


def test_a_closed_port_raises_connection_refused(closed_port):
    [address] = resolve("127.0.0.1", port=closed_port)
    with pytest.raises(ConnectionRefusedError):
        asyncio.run(open_vetted_connection(address, timeout=2))


# --- rate limits -----------------------------------------------------------------------------


@pytest.fixture
def rate_limits(settings):
    cache.clear()
    settings.CONNECTIVITY_RATE_LIMIT_PER_USER = 3
    settings.CONNECTIVITY_RATE_LIMIT_PER_HOST = 2
    settings.CONNECTIVITY_RATE_LIMIT_WINDOW = 600
    yield
    cache.clear()


@pytest.mark.usefixtures("rate_limits")
def test_a_user_is_limited_across_hosts():
    check_rate(1, "a.example")
    check_rate(1, "b.example")
    check_rate(1, "c.example")
    with pytest.raises(RateLimited) as limited:
        check_rate(1, "d.example")
    assert limited.value.code == "rate_limited"
    assert limited.value.scope == "user"
    assert 0 < limited.value.retry_after <= 600


@pytest.mark.usefixtures("rate_limits")
def test_a_target_host_is_limited_across_users():
    check_rate(1, "dvr.example")
    check_rate(2, "DVR.example.")
    with pytest.raises(RateLimited) as limited:
        check_rate(None, "dvr.example")
    assert limited.value.scope == "host"
    check_rate(3, "other.example")


def test_a_zero_limit_switches_the_limit_off(settings):
    settings.CONNECTIVITY_RATE_LIMIT_PER_USER = 0
    settings.CONNECTIVITY_RATE_LIMIT_PER_HOST = 0
    for _ in range(50):
        check_rate(1, "dvr.example")
