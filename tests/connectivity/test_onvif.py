"""The ONVIF client on its own: pinned to the vetted address, hardened, contained."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import textwrap

import pytest
from django.conf import settings

from connectivity.onvif import OnvifClient, OnvifError, process_state_preserved
from portal.netguard import resolve_and_vet
from tests.connectivity.conftest import PASSWORD, USERNAME


async def _address(port: int):
    return (await resolve_and_vet("127.0.0.1", port, timeout=2))[0]


def _run(port: int, password: str = PASSWORD):
    async def calls():
        async with OnvifClient(
            address=await _address(port), username=USERNAME, password=password, timeout=3
        ) as client:
            info = await client.device_information()
            media = await client.discover_media()
            profiles = await client.profiles()
            snapshot = await client.snapshot_uri(profiles[0].token)
            return info, media, snapshot

    return asyncio.run(calls())


def test_device_addresses_are_moved_onto_the_vetted_address(make_device):
    device = make_device(lan_host="192.168.1.64", lan_onvif_port=80)
    info, media, snapshot = _run(device.port)

    assert info.manufacturer == "HIKVISION"
    assert media == f"http://127.0.0.1:{device.port}/onvif/Media"
    assert snapshot == f"http://127.0.0.1:{device.port}/onvif-http/snapshot?Profile_1"


def test_a_wrong_password_is_reported_as_auth_failed(make_device):
    device = make_device()
    with pytest.raises(OnvifError) as error:
        _run(device.port, password="salah")

    assert error.value.code == "auth_failed"


def test_a_request_to_any_other_address_is_refused_before_connecting(redirect_target):
    async def stray_request():
        address = await _address(redirect_target.port)
        client = OnvifClient(address=address, username="u", password="p", timeout=2)
        try:
            # The pinned connector refuses a URL that names another port.
            client.device_xaddr = f"http://127.0.0.1:{redirect_target.port + 1}/onvif"
            await client.clock_skew()
        finally:
            await client.close()

    before = redirect_target.connections()
    with pytest.raises(OnvifError) as error:
        asyncio.run(stray_request())

    assert error.value.code == "not_onvif"
    assert redirect_target.connections() == before


def test_proxy_variables_do_not_reroute_the_probe(monkeypatch, make_device):
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9/")
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9/")
    device = make_device()
    info, _media, _snapshot = _run(device.port)

    assert info.model == "DS-7608NI-K2"
    assert os.environ["http_proxy"] == "http://127.0.0.1:9/"


def test_importing_the_onvif_library_leaves_the_process_alone():
    """onvif-zeep-async configures the root logger at import and drops proxy variables;
    a fresh interpreter shows that ours puts both back."""
    script = textwrap.dedent(
        """
        import json, logging, os
        os.environ["http_proxy"] = "http://proxy.example:3128"
        os.environ["HTTPS_PROXY"] = "http://proxy.example:3128"
        from connectivity import onvif
        onvif._onvif_client()
        print(json.dumps({
            "http_proxy": os.environ.get("http_proxy"),
            "HTTPS_PROXY": os.environ.get("HTTPS_PROXY"),
            "root_handlers": len(logging.getLogger().handlers),
            "root_level": logging.getLogger().level,
        }))
        """
    )
    output = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True, text=True, check=True, cwd=settings.BASE_DIR,
    )  # fmt: skip
    state = json.loads(output.stdout)

    assert state == {
        "http_proxy": "http://proxy.example:3128",
        "HTTPS_PROXY": "http://proxy.example:3128",
        "root_handlers": 0,
        "root_level": logging.WARNING,
    }


def test_the_guard_restores_proxy_variables_that_something_removed(monkeypatch):
    monkeypatch.setenv("https_proxy", "http://proxy.example:3128")
    handlers = list(logging.getLogger().handlers)
    with process_state_preserved():
        os.environ.pop("https_proxy")
        logging.getLogger().addHandler(logging.StreamHandler())
        logging.getLogger().setLevel(logging.DEBUG)

    assert os.environ["https_proxy"] == "http://proxy.example:3128"
    assert logging.getLogger().handlers == handlers
