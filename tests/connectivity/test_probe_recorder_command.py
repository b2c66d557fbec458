"""``manage.py probe_recorder`` as other tools drive it: a real process, JSON out, exit codes."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from tests.connectivity.conftest import LOW_FPS_PATH, PASSWORD, USERNAME
from tests.fakes.onvif_device import FakeProfile
from tests.fakes.rtsp_server import RtspServer


def run_command(*args: str, stdin: str = "", env: dict[str, str] | None = None):
    return subprocess.run(
        [sys.executable, "manage.py", "probe_recorder", *args],
        input=stdin, capture_output=True, text=True, timeout=300, cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings_test", **(env or {})},
    )  # fmt: skip


def test_a_passing_recorder_prints_the_contract_and_exits_0(make_device, hd_rtsp_server):
    device = make_device(profiles=[FakeProfile(path="/Streaming/Channels/101", height=720)])
    done = run_command(
        "--host", "127.0.0.1", "--onvif-port", str(device.port),
        "--rtsp-port", str(hd_rtsp_server.port), "--username", USERNAME,
        "--password-stdin", "--json", stdin=PASSWORD + "\n",
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert set(data) == {"ok", "result_code", "message", "steps", "device", "streams", "warnings"}
    assert (data["ok"], data["result_code"], data["warnings"]) == (True, "ok", [])
    assert data["message"].startswith("Perekam lolos uji")
    assert set(data["steps"][0]) == {"name", "ok", "ms", "error_code"}
    assert data["device"] == {
        "manufacturer": "HIKVISION",
        "model": "DS-7608NI-K2",
        "firmware": "V4.61.005 build 221116",
        "serial": "DS-7608NI-K20820221116CCRRJ12345678WCVU",
    }
    (stream,) = data["streams"]
    assert set(stream) == {"uri", "codec", "width", "height", "fps"}
    assert stream["uri"] == f"rtsp://127.0.0.1:{hd_rtsp_server.port}/Streaming/Channels/101"
    # The worker logs through the project's logging; no line carries the password.
    assert f"RTSP rtsp://127.0.0.1:{hd_rtsp_server.port}/Streaming/Channels/101" in done.stderr
    assert PASSWORD not in done.stdout + done.stderr


def call(*args: str, stdin: str | None = None) -> tuple[int, dict]:
    """The command in this process (its exit status from SystemExit)."""
    out = io.StringIO()
    status = 0
    extra = {} if stdin is None else {"stdin": io.StringIO(stdin)}
    if stdin is not None:
        args = (*args, "--password-stdin")
    try:
        call_command("probe_recorder", *args, stdout=out, **extra)
    except SystemExit as exit_:
        status = int(exit_.code or 0)
    return status, json.loads(out.getvalue())


def test_a_passing_check_with_notes_lists_their_codes(make_device, rtsp_server):
    # 640x360 H.265 only, and the device clock two minutes off (login still works).
    device = make_device(
        profiles=[FakeProfile(path=RtspServer.H265_PATH, encoding="H265", width=640, height=360)],
        clock_skew=120,
    )
    status, data = call(
        "--host", "127.0.0.1", "--onvif-port", str(device.port),
        "--rtsp-port", str(rtsp_server.port), "--username", USERNAME, "--json",
        stdin=PASSWORD + "\n",
    )  # fmt: skip

    assert status == 0
    assert (data["ok"], data["result_code"]) == (True, "ok_with_warnings")
    assert data["warnings"] == ["h265_only", "low_resolution", "clock_skew"]
    assert "lihat catatan" in data["message"]


def test_a_low_frame_rate_is_a_note_too(hd_rtsp_server):
    status, data = call(
        "--host", "127.0.0.1", "--rtsp-port", str(hd_rtsp_server.port),
        "--username", USERNAME, "--rtsp-path", LOW_FPS_PATH, "--json",
        stdin=PASSWORD + "\n",
    )  # fmt: skip

    assert status == 0
    assert data["warnings"] == ["low_fps"]
    assert data["streams"][0]["fps"] < 10


def test_without_json_the_notes_are_printed_with_their_advice(hd_rtsp_server):
    out = io.StringIO()
    call_command(
        "probe_recorder", "--host", "127.0.0.1", "--rtsp-port", str(hd_rtsp_server.port),
        "--username", USERNAME, "--rtsp-path", LOW_FPS_PATH, "--password-stdin",
        stdin=io.StringIO(PASSWORD + "\n"), stdout=out,
    )  # fmt: skip

    assert "ok_with_warnings" in out.getvalue()
    assert "low_fps: Laju gambar rendah" in out.getvalue()
    assert "naikkan laju gambar" in out.getvalue()


def test_a_failing_recorder_exits_1_with_an_indonesian_message(closed_port):
    status, data = call("--host", "127.0.0.1", "--rtsp-port", str(closed_port), "--json")

    assert status == 1
    assert (data["ok"], data["result_code"]) == (False, "port_closed")
    assert data["warnings"] == []
    assert f"Port {closed_port} tertutup" in data["message"]


def test_loopback_is_refused_unless_the_operator_allows_it(settings):
    settings.CONNECTIVITY_ALLOWED_NETWORKS = []
    status, data = call("--host", "127.0.0.1", "--rtsp-port", "554", "--json")

    assert status == 1
    assert data["result_code"] == "address_not_allowed"
    assert data["steps"] == [
        {
            "name": "resolve",
            "ok": False,
            "ms": data["steps"][0]["ms"],
            "error_code": "address_not_allowed",
        }
    ]


def test_bad_arguments_exit_2():
    assert run_command("--rtsp-port", "554", "--json").returncode == 2  # no --host
    with pytest.raises(CommandError) as error:
        call_command("probe_recorder", "--host", "127.0.0.1", "--rtsp-port", "70000", "--json")
    assert error.value.returncode == 2
    with pytest.raises(CommandError):
        call_command("probe_recorder", "--host", "x", "--brand", "sony", "--json")
