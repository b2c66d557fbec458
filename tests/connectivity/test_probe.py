"""The probe against real peers on loopback: a fake ONVIF device, gst-rtsp-server, fault peers.

Every probe here runs in the isolated worker pool, exactly as a task runs it.
"""

from __future__ import annotations

import pytest

from tests.connectivity.conftest import PASSWORD, probe, step_codes
from tests.fakes.onvif_device import FakeProfile


def test_a_healthy_recorder_behind_nat_passes_with_a_decoded_frame(make_device, rtsp_server):
    device = make_device(
        profiles=[FakeProfile(path="/h264", width=640, height=360)],
        lan_host="192.168.1.64",
        rtsp_port=554,
    )
    result = probe(onvif_port=device.port, rtsp_port=rtsp_server.port)

    assert result.result_code == "ok_with_warnings"
    assert result.warnings == ["low_resolution"]
    assert [s.name for s in result.steps] == [
        "resolve", "tcp_onvif", "tcp_rtsp", "onvif_time", "onvif_device_info",
        "onvif_services", "onvif_profiles", "onvif_stream_uri", "onvif_snapshot_uri",
        "rtsp_first_frame",
    ]  # fmt: skip
    assert all(s.ok for s in result.steps)
    assert result.device["manufacturer"] == "HIKVISION"
    assert result.device["serial"].startswith("DS-7608NI")
    assert result.device["channel_count"] == 1
    (stream,) = result.streams
    # The LAN address in the stream URI was replaced by the vetted address; path kept.
    assert stream.uri == f"rtsp://127.0.0.1:{rtsp_server.port}/h264"
    assert (stream.codec, stream.width, stream.height) == ("h264", 640, 360)
    assert stream.fps == pytest.approx(25, rel=0.2)
    assert result.ms_to_first_frame is not None
    assert result.jpeg is None


def test_a_720p_h264_recorder_passes_without_warnings(make_device, hd_rtsp_server):
    device = make_device(profiles=[FakeProfile(path="/Streaming/Channels/101", height=720)])
    result = probe(onvif_port=device.port, rtsp_port=hd_rtsp_server.port)

    assert result.result_code == "ok"
    assert result.warnings == []
    assert (result.streams[0].width, result.streams[0].height) == (1280, 720)


def test_the_first_frame_jpeg_comes_back_only_when_asked(make_device, hd_rtsp_server):
    result = probe(rtsp_port=hd_rtsp_server.port, brand="tapo", keep_jpeg=True)

    assert result.result_code == "ok"
    assert result.jpeg is not None and result.jpeg[:2] == b"\xff\xd8"


def test_an_h265_only_recorder_passes_with_a_warning(make_device, rtsp_server):
    device = make_device(profiles=[FakeProfile(path="/h265", encoding="H265")])
    result = probe(onvif_port=device.port, rtsp_port=rtsp_server.port)

    assert result.result_code == "ok_with_warnings"
    assert "h265_only" in result.warnings
    assert result.streams[0].codec in ("h265", "hevc")


def test_an_old_device_without_get_services_is_read_through_get_capabilities(
    make_device, rtsp_server
):
    device = make_device(get_services=False, profiles=[FakeProfile(path="/h264")])
    result = probe(onvif_port=device.port, rtsp_port=rtsp_server.port)

    assert result.ok
    assert device.calls["GetCapabilities"] == 1


def test_without_onvif_the_brand_paths_find_the_stream(hd_rtsp_server):
    result = probe(rtsp_port=hd_rtsp_server.port, brand="tapo")

    assert result.result_code == "ok"
    assert "tcp_onvif" not in step_codes(result)
    assert result.streams[0].uri.endswith("/stream1")


def test_an_unknown_brand_tries_every_brand_in_order(hd_rtsp_server):
    result = probe(rtsp_port=hd_rtsp_server.port, brand="generic")

    assert result.ok
    assert result.streams[0].uri.endswith("/Streaming/Channels/101")


def test_a_custom_path_pasted_as_a_whole_uri_is_used_on_the_vetted_address(rtsp_server):
    result = probe(
        rtsp_port=rtsp_server.port,
        rtsp_path=f"rtsp://admin:{PASSWORD}@192.168.1.64:554/h264",
    )

    assert result.ok
    assert result.streams[0].uri == f"rtsp://127.0.0.1:{rtsp_server.port}/h264"


def test_a_wrong_path_gives_stream_not_found(rtsp_server):
    result = probe(rtsp_port=rtsp_server.port, brand="dahua")

    assert result.result_code == "stream_not_found"
    assert step_codes(result)["rtsp_first_frame"] == "stream_not_found"


def test_a_wrong_onvif_password_gives_auth_failed(make_device, rtsp_server):
    device = make_device()
    result = probe(onvif_port=device.port, rtsp_port=rtsp_server.port, password="salah")

    assert result.result_code == "auth_failed"
    assert step_codes(result)["onvif_device_info"] == "auth_failed"
    assert device.auth_failures == 1


def test_a_wrong_rtsp_password_gives_auth_failed(rtsp_server):
    result = probe(rtsp_port=rtsp_server.port, rtsp_path="/h264", password="salah")

    assert result.result_code == "auth_failed"


def test_a_refused_login_with_a_wrong_device_clock_gives_clock_skew(make_device, rtsp_server):
    device = make_device(clock_skew=3600)
    result = probe(onvif_port=device.port, rtsp_port=rtsp_server.port)

    assert result.result_code == "clock_skew"
    assert result.detail["skew"] == pytest.approx(3600, abs=5)


def test_a_web_page_on_the_onvif_port_gives_not_onvif(make_device, rtsp_server):
    device = make_device(mode="http_page")
    result = probe(onvif_port=device.port, rtsp_port=rtsp_server.port)

    assert result.result_code == "not_onvif"
    assert result.detail["port"] == device.port


def test_an_onvif_answer_with_an_external_entity_is_refused_unparsed(make_device, rtsp_server):
    device = make_device(mode="xxe")
    result = probe(onvif_port=device.port, rtsp_port=rtsp_server.port)

    assert result.result_code == "not_onvif"


def test_an_onvif_redirect_is_not_followed(make_device, rtsp_server, redirect_target):
    before = redirect_target.connections()
    device = make_device(
        mode="redirect", redirect_to=f"http://127.0.0.1:{redirect_target.port}/onvif"
    )
    result = probe(onvif_port=device.port, rtsp_port=rtsp_server.port)

    assert result.result_code == "not_onvif"
    assert redirect_target.connections() == before


def test_a_closed_onvif_port_is_named(closed_port, rtsp_server):
    result = probe(onvif_port=closed_port, rtsp_port=rtsp_server.port)

    assert result.result_code == "port_closed"
    assert result.detail["port"] == closed_port
    assert step_codes(result) == {"resolve": "", "tcp_onvif": "port_closed", "tcp_rtsp": ""}


def test_a_closed_rtsp_port_is_named(closed_port):
    result = probe(rtsp_port=closed_port)

    assert result.result_code == "port_closed"
    assert result.detail["port"] == closed_port


def test_a_host_that_does_not_resolve_gives_dns_failed():
    result = probe(host="kamera-yang-tidak-ada.invalid", rtsp_port=554)

    assert result.result_code == "dns_failed"


@pytest.mark.parametrize(
    ("peer", "code"),
    [
        ("session_limit", "session_limit"),
        ("forbidden_limit", "session_limit"),
        ("stall_after_play", "no_media"),
        ("mjpeg", "unsupported_codec"),
        ("http", "not_rtsp"),
    ],
)
def test_rtsp_faults_are_classified(fault_peers, peer, code):
    result = probe(rtsp_port=fault_peers[peer], rtsp_path="/live")

    assert result.result_code == code
    assert step_codes(result)["rtsp_first_frame"] == code


def test_an_rtsp_redirect_is_refused_and_its_target_never_contacted(fault_peers, redirect_target):
    before = redirect_target.connections()
    result = probe(rtsp_port=fault_peers["redirect"], rtsp_path="/live")

    assert result.result_code == "redirect_refused"
    assert redirect_target.connections() == before
