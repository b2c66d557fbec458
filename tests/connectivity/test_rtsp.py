"""connectivity.rtsp: our RTSP client against a real gst-rtsp-server and fault peers."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import socket
import struct

import pytest
from PIL import Image

from connectivity.rtsp import (
    FrameResult,
    RtspError,
    grab_first_frame,
    redact_uri,
    rewrite_uri_to_vetted,
)
from connectivity.rtsp_media import Depacketiser, RtpPacket, parse_sdp
from portal.netguard import AddressNotAllowed, VettedAddress
from tests.fakes.fault_peers import (
    BASIC_PASSWORD,
    BASIC_USER,
    DIGEST_PASSWORD,
    DIGEST_USER,
    REDIRECT_CREDENTIALS,
)
from tests.fakes.rtsp_server import AWKWARD_PASSWORD, CLIP_HEIGHT, CLIP_WIDTH, RtspServer

FAULT_TIMEOUT = 1.0
# An outer guard far above every inner timeout: a hang fails the test instead of the run.
GUARD = 30.0


def loopback(port: int) -> VettedAddress:
    return VettedAddress(ip="127.0.0.1", port=port, family=socket.AF_INET, host="127.0.0.1")


def grab(
    port: int,
    path: str = "/",
    *,
    username: str = "",
    password: str = "",
    timeout: float = 5.0,
    keep_jpeg: bool = False,
) -> FrameResult:
    async def run() -> FrameResult:
        return await asyncio.wait_for(
            grab_first_frame(
                address=loopback(port),
                path=path,
                username=username,
                password=password,
                timeout=timeout,
                keep_jpeg=keep_jpeg,
            ),
            GUARD,
        )

    return asyncio.run(run())


def grab_error(port: int, path: str = "/", **kwargs) -> RtspError:
    with pytest.raises(RtspError) as failure:
        grab(port, path, **kwargs)
    return failure.value


def open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


# --- healthy streams -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "codec"),
    [
        (RtspServer.H264_PATH, "h264"),
        (RtspServer.H265_PATH, "h265"),
        (RtspServer.H264_INBAND_PATH, "h264"),
        (RtspServer.H265_INBAND_PATH, "h265"),
    ],
)
def test_it_decodes_the_first_frame_of_a_healthy_stream(rtsp_server, path, codec):
    result = grab(rtsp_server.port, path, username="viewer", password=rtsp_server.users["viewer"])
    assert (result.codec, result.width, result.height) == (codec, CLIP_WIDTH, CLIP_HEIGHT)
    assert result.fps == pytest.approx(25, abs=0.5)
    assert result.ms_to_first_frame > 0
    assert result.jpeg is None
    assert result.uri == f"rtsp://127.0.0.1:{rtsp_server.port}{path}"


def test_a_password_with_url_delimiters_works(rtsp_server):
    result = grab(
        rtsp_server.port, RtspServer.H264_PATH, username="admin", password=AWKWARD_PASSWORD
    )
    assert result.codec == "h264"
    assert AWKWARD_PASSWORD not in result.uri


def test_it_keeps_the_first_frame_as_jpeg_only_when_asked(rtsp_server):
    result = grab(
        rtsp_server.port,
        RtspServer.H265_PATH,
        username="viewer",
        password=rtsp_server.users["viewer"],
        keep_jpeg=True,
    )
    assert result.jpeg is not None
    image = Image.open(io.BytesIO(result.jpeg))
    assert (image.format, image.size) == ("JPEG", (CLIP_WIDTH, CLIP_HEIGHT))


def test_a_wrong_password_is_auth_failed(rtsp_server):
    error = grab_error(rtsp_server.port, RtspServer.H264_PATH, username="viewer", password="not-it")
    assert (error.code, error.status) == ("auth_failed", 401)


def test_no_credentials_for_a_protected_stream_is_auth_failed(rtsp_server):
    assert grab_error(rtsp_server.port, RtspServer.H264_PATH).code == "auth_failed"


def test_an_unknown_path_is_stream_not_found(rtsp_server):
    error = grab_error(
        rtsp_server.port,
        "/Streaming/Channels/101",
        username="viewer",
        password=rtsp_server.users["viewer"],
    )
    assert (error.code, error.status) == ("stream_not_found", 404)


# --- fault peers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("peer", "code"),
    [
        ("silent", "no_response"),
        ("closes", "no_response"),
        ("stall_after_options", "no_response"),
        ("stall_after_play", "no_media"),
        ("http", "not_rtsp"),
        ("garbage", "not_rtsp"),
        ("redirect", "redirect_refused"),
        ("session_limit", "session_limit"),
        ("forbidden_limit", "session_limit"),
        ("mjpeg", "unsupported_codec"),
    ],
)
def test_every_fault_is_classified_within_its_timeout(fault_peers, peer, code):
    error = grab_error(fault_peers[peer], "/live", timeout=FAULT_TIMEOUT)
    assert error.code == code


def test_a_closed_port_is_port_closed(closed_port):
    assert grab_error(closed_port, "/live", timeout=FAULT_TIMEOUT).code == "port_closed"


def test_a_redirect_is_never_followed(fault_peers, redirect_target):
    before = redirect_target.connections()
    error = grab_error(
        fault_peers["redirect"], "/live", username="admin", password="s3cret", timeout=2
    )
    assert error.code == "redirect_refused"
    assert redirect_target.connections() == before == 0
    assert f"127.0.0.1:{redirect_target.port}/live" in error.detail
    assert REDIRECT_CREDENTIALS.split(":")[1] not in error.detail


def test_basic_authentication_is_used_when_it_is_all_the_device_offers(fault_peers):
    authenticated = grab_error(
        fault_peers["basic_auth"], "/live", username=BASIC_USER, password=BASIC_PASSWORD
    )
    assert authenticated.code == "stream_not_found"
    refused = grab_error(fault_peers["basic_auth"], "/live", username=BASIC_USER, password="x")
    assert refused.code == "auth_failed"


def test_digest_with_qop_is_preferred_over_basic(fault_peers):
    authenticated = grab_error(
        fault_peers["digest_qop"], "/live", username=DIGEST_USER, password=DIGEST_PASSWORD
    )
    assert authenticated.code == "stream_not_found"
    refused = grab_error(fault_peers["digest_qop"], "/live", username=DIGEST_USER, password="x")
    assert refused.code == "auth_failed"


# --- hygiene ----------------------------------------------------------------------------------


def test_credentials_never_reach_the_logs_or_the_results(rtsp_server, fault_peers, caplog):
    caplog.set_level(logging.DEBUG)
    secret = "Tr1cky@pa:ss/w#?rd"
    result = grab(
        rtsp_server.port, RtspServer.H264_PATH, username="admin", password=AWKWARD_PASSWORD
    )
    errors = [
        grab_error(rtsp_server.port, RtspServer.H264_PATH, username="viewer", password=secret),
        grab_error(fault_peers["redirect"], "/live", username="viewer", password=secret),
        grab_error(fault_peers["basic_auth"], "/live", username="viewer", password=secret),
        grab_error(
            fault_peers["stall_after_play"],
            "/live",
            username="viewer",
            password=secret,
            timeout=FAULT_TIMEOUT,
        ),
    ]
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "RTSP" in logged
    shown = [logged, result.uri, *(str(error) for error in errors)]
    for text in shown:
        for word in (AWKWARD_PASSWORD, secret, REDIRECT_CREDENTIALS):
            assert word not in text


def test_no_file_descriptors_leak(rtsp_server, fault_peers, closed_port):
    grab(rtsp_server.port, RtspServer.H264_PATH, username="viewer", password="viewer-secret-42")
    before = open_fds()
    for _ in range(3):
        grab(
            rtsp_server.port,
            RtspServer.H265_PATH,
            username="viewer",
            password=rtsp_server.users["viewer"],
        )
        for peer in ("silent", "stall_after_play", "http", "redirect", "closes"):
            grab_error(fault_peers[peer], "/live", timeout=0.5)
        grab_error(closed_port, "/live", timeout=0.5)
    assert open_fds() == before


def test_it_connects_to_the_vetted_ip_and_never_resolves_the_name_again(rtsp_server):
    """A name that no longer resolves (or now resolves elsewhere) changes nothing."""
    address = VettedAddress(
        ip="127.0.0.1", port=rtsp_server.port, family=socket.AF_INET, host="rebound.invalid"
    )

    async def run() -> FrameResult:
        return await grab_first_frame(
            address=address,
            path=RtspServer.H264_PATH,
            username="viewer",
            password=rtsp_server.users["viewer"],
            timeout=5,
        )

    result = asyncio.run(run())
    assert result.codec == "h264"
    assert result.uri == f"rtsp://rebound.invalid:{rtsp_server.port}{RtspServer.H264_PATH}"


def test_an_address_that_fails_vetting_gets_no_connection(settings, redirect_target):
    settings.CONNECTIVITY_ALLOWED_NETWORKS = []
    before = redirect_target.connections()
    with pytest.raises(AddressNotAllowed):
        grab(redirect_target.port, "/live", timeout=FAULT_TIMEOUT)
    assert redirect_target.connections() == before == 0


# --- URIs -------------------------------------------------------------------------------------

CAMERA = VettedAddress(ip="203.0.113.9", port=10554, family=socket.AF_INET, host="cam.example")


@pytest.mark.parametrize(
    ("device_uri", "expected"),
    [
        (
            "rtsp://192.168.1.64:554/Streaming/Channels/101?transportmode=unicast",
            "rtsp://cam.example:10554/Streaming/Channels/101?transportmode=unicast",
        ),
        (
            "rtsp://admin:p@ss:w/rd#1?x@192.168.1.108/cam/realmonitor?channel=1&subtype=0",
            "rtsp://cam.example:10554/cam/realmonitor?channel=1&subtype=0",
        ),
        ("rtsp://10.0.0.5", "rtsp://cam.example:10554/"),
        ("rtsp://[fe80::1]:554/live#frag", "rtsp://cam.example:10554/live"),
        ("/h264/ch1/main/av_stream", "rtsp://cam.example:10554/h264/ch1/main/av_stream"),
    ],
)
def test_a_device_uri_keeps_its_path_but_gets_the_vetted_host(device_uri, expected):
    assert rewrite_uri_to_vetted(device_uri, CAMERA) == expected


def test_an_ipv6_vetted_host_is_bracketed():
    address = VettedAddress(
        ip="2001:4860::1", port=554, family=socket.AF_INET6, host="2001:4860::1"
    )
    assert (
        rewrite_uri_to_vetted("rtsp://10.0.0.5/live", address) == "rtsp://[2001:4860::1]:554/live"
    )


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("rtsp://admin:p@ss:w/rd#1?x@10.0.0.5:554/live", "rtsp://10.0.0.5:554/live"),
        ("rtsp://10.0.0.5/live?channel=1", "rtsp://10.0.0.5/live?channel=1"),
        (
            "rtsp://10.0.0.5:554/user=admin_password=tlJwpbo6_channel=1_stream=0.sdp?real_stream",
            "rtsp://10.0.0.5:554/user=***_password=***_channel=1_stream=0.sdp?real_stream",
        ),
        (
            "rtsp://cam.example/live?username=admin&password=hunter2&ch=1",
            "rtsp://cam.example/live?username=***&password=***&ch=1",
        ),
    ],
)
def test_redacted_uris_carry_no_credentials(uri, expected):
    assert redact_uri(uri) == expected


# --- depacketisation --------------------------------------------------------------------------


def rtp(payload: bytes, *, sequence: int, timestamp: int = 9000, marker: bool = False):
    return RtpPacket(
        payload_type=96, marker=marker, sequence=sequence, timestamp=timestamp, payload=payload
    )


def test_stap_a_and_fu_a_rebuild_h264_nal_units():
    depacketiser = Depacketiser("h264")
    sps, pps = b"\x67\x42\x00\x1e", b"\x68\xce\x06\xe2"
    stap = b"\x18" + struct.pack("!H", len(sps)) + sps + struct.pack("!H", len(pps)) + pps
    idr = b"\x65" + bytes(range(200))
    fu_start = bytes([0x7C, 0x80 | 5]) + idr[1:100]
    fu_end = bytes([0x7C, 0x40 | 5]) + idr[100:]
    assert depacketiser.push(rtp(stap, sequence=1)) == []
    assert depacketiser.push(rtp(fu_start, sequence=2)) == []
    [unit] = depacketiser.push(rtp(fu_end, sequence=3, marker=True))
    assert unit.nals == [sps, pps, idr]


def test_a_lost_fragment_drops_its_nal_unit():
    depacketiser = Depacketiser("h264")
    fu_start = bytes([0x7C, 0x80 | 5]) + b"a" * 10
    fu_end = bytes([0x7C, 0x40 | 5]) + b"c" * 10
    depacketiser.push(rtp(fu_start, sequence=10))
    assert depacketiser.push(rtp(fu_end, sequence=12, marker=True)) == []


def test_h265_aggregation_and_fragmentation_units():
    depacketiser = Depacketiser("h265")
    vps, sps = b"\x40\x01\x0c", b"\x42\x01\x01"
    ap = b"\x60\x01" + struct.pack("!H", 3) + vps + struct.pack("!H", 3) + sps
    idr = b"\x26\x01" + bytes(range(50))  # IDR_W_RADL (19)
    fu_header = bytes([49 << 1, 0x01])
    depacketiser.push(rtp(ap, sequence=1))
    depacketiser.push(rtp(fu_header + bytes([0x80 | 19]) + idr[2:20], sequence=2))
    [unit] = depacketiser.push(
        rtp(fu_header + bytes([0x40 | 19]) + idr[20:], sequence=3, marker=True)
    )
    assert unit.nals == [vps, sps, idr]


def test_an_sdp_without_a_supported_video_codec_is_recognised():
    description = parse_sdp("v=0\r\nm=video 0 RTP/AVP 26\r\na=control:track1\r\n")
    [track] = description.video
    assert (track.codec, track.supported) == ("JPEG", False)
