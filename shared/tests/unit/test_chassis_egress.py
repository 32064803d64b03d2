"""The outbound guard (chassis/egress.py): every spelling of an internal address, DNS rebinding, redirects."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

import httpx
import pytest

from motcua_shared.chassis.egress import (
    EgressGuard,
    RefusedTarget,
    guarded_client,
    is_public,
    literal_address,
)

INTERNAL_HOSTS = [
    "127.0.0.1",
    "127.1",
    "2130706433",
    "0x7f000001",
    "0177.0.0.1",
    "0x7f.0.0.1",
    "169.254.169.254",
    "169.254.43518",
    "2852039166",
    "0",
    "0.0.0.0",
    "10.0.0.8",
    "172.16.3.4",
    "192.168.1.1",
    "100.64.0.1",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "198.18.0.1",
    "[::1]",
    "[::]",
    "[fe80::1]",
    "[fc00::1]",
    "[ff02::1]",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "[::ffff:169.254.169.254]",
    "[2002:7f00:1::]",
    "[64:ff9b::a9fe:a9fe]",
    "localhost",
    "localhost.",
    "LOCALHOST",
    "api.localhost",
    "metadata.google.internal",
    "metadata.google.internal.",
    "metadata",
    "printer.local",
    "intranet",
]


@pytest.mark.parametrize("host", INTERNAL_HOSTS)
def test_every_spelling_of_an_internal_address_is_refused(host: str) -> None:
    with pytest.raises(RefusedTarget):
        EgressGuard().check_url(f"https://{host}/hook")


@pytest.mark.parametrize(
    ("spelling", "meant"),
    [
        ("127.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("169.254.43518", "169.254.169.254"),
        ("2852039166", "169.254.169.254"),
        ("0", "0.0.0.0"),
        ("::ffff:127.0.0.1", "::ffff:127.0.0.1"),
    ],
)
def test_legacy_spellings_are_read_as_the_resolver_reads_them(spelling: str, meant: str) -> None:
    assert literal_address(spelling) == ipaddress.ip_address(meant)


def test_names_and_out_of_range_numbers_are_not_addresses() -> None:
    for host in ("example.vn", "1.2.3.4.5", "256.1.1.1", "0x1g", "1..2", "4294967296"):
        assert literal_address(host) is None


@pytest.mark.parametrize("host", ["203.113.131.1", "8.8.8.8", "[2001:4860:4860::8888]", "dichvucong.gov.vn"])
def test_public_addresses_and_names_pass_the_static_check(host: str) -> None:
    assert EgressGuard().check_url(f"https://{host}/hook")


def test_the_scheme_credentials_and_allowed_hosts_are_checked() -> None:
    guard = EgressGuard()
    for url in (
        "http://dichvucong.gov.vn/h",
        "ftp://dichvucong.gov.vn/h",
        "https:///h",
        "https://u:p@x.vn/h",
    ):
        with pytest.raises(RefusedTarget):
            guard.check_url(url)
    push = EgressGuard(allowed_hosts=["fcm.googleapis.com", "notify.windows.com"])
    assert push.check_url("https://fcm.googleapis.com/fcm/send/x") == "fcm.googleapis.com"
    assert push.check_url("https://wns2-by3p.notify.windows.com/w/x")
    for url in ("https://evil.example/fcm.googleapis.com", "https://fcm.googleapis.com.evil.example/x"):
        with pytest.raises(RefusedTarget):
            push.check_url(url)


def test_development_lets_internal_addresses_through() -> None:
    assert EgressGuard(allow_private=True).check_url("http://127.0.0.1:9000/h") == "127.0.0.1"


def test_an_address_is_public_only_when_globally_routable_unicast() -> None:
    assert is_public(ipaddress.ip_address("203.113.131.1"))
    assert is_public(ipaddress.ip_address("2001:4860:4860::8888"))
    assert not is_public(ipaddress.ip_address("::ffff:10.0.0.1"))
    assert not is_public(ipaddress.ip_address("100.127.255.255"))


class ScriptedResolver:
    """Answers each look-up with the next scripted list of addresses (the way a rebinding DNS server does)."""

    def __init__(self, *answers: Sequence[str]) -> None:
        self._answers = list(answers)
        self.calls: list[str] = []

    async def __call__(self, host: str, port: int) -> Sequence[str]:
        self.calls.append(host)
        return self._answers.pop(0)


class Recorder:
    """The network behind the guard: records what reached it."""

    def __init__(self, response: httpx.Response | None = None) -> None:
        self.seen: list[httpx.Request] = []
        self._response = response or httpx.Response(204)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        return self._response


async def test_the_connection_goes_to_the_checked_address_with_the_original_host_and_sni() -> None:
    resolver = ScriptedResolver(["93.184.216.34"])
    network = Recorder()
    client = guarded_client(EgressGuard(resolver=resolver), timeout=5, transport=httpx.MockTransport(network))
    response = await client.post("https://hooks.example.vn/in", content=b"{}")
    assert response.status_code == 204
    [sent] = network.seen
    assert sent.url.host == "93.184.216.34"
    assert sent.headers["host"] == "hooks.example.vn"
    assert sent.extensions["sni_hostname"] == "hooks.example.vn"
    assert resolver.calls == ["hooks.example.vn"]


async def test_dns_rebinding_is_refused_and_never_connects() -> None:
    resolver = ScriptedResolver(["93.184.216.34"], ["127.0.0.1"], ["93.184.216.34", "169.254.169.254"])
    network = Recorder()
    client = guarded_client(EgressGuard(resolver=resolver), timeout=5, transport=httpx.MockTransport(network))
    assert (await client.post("https://rebind.example.vn/in")).status_code == 204
    for _ in range(2):
        with pytest.raises(RefusedTarget):
            await client.post("https://rebind.example.vn/in")
    assert [r.url.host for r in network.seen] == ["93.184.216.34"]
    assert len(resolver.calls) == 3


async def test_names_that_do_not_resolve_are_refused() -> None:
    async def nothing(host: str, port: int) -> Sequence[str]:
        raise OSError("no such host")

    with pytest.raises(RefusedTarget):
        await EgressGuard(resolver=nothing).resolve("https://gone.example.vn/")


async def test_redirects_are_not_followed_and_a_followed_hop_is_checked_again() -> None:
    resolver = ScriptedResolver(["93.184.216.34"], ["93.184.216.34"])
    network = Recorder(httpx.Response(302, headers={"location": "https://2852039166/latest/meta-data/"}))
    client = guarded_client(EgressGuard(resolver=resolver), timeout=5, transport=httpx.MockTransport(network))
    response = await client.post("https://hooks.example.vn/in")
    assert response.status_code == 302
    assert len(network.seen) == 1
    with pytest.raises(RefusedTarget):
        await client.get("https://hooks.example.vn/in", follow_redirects=True)
    assert [r.url.host for r in network.seen] == ["93.184.216.34", "93.184.216.34"]
