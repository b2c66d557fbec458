"""Faults that take time or kill the worker: silent peers and a real crash."""

from __future__ import annotations

import os

import pytest

from connectivity import isolation
from tests.connectivity.conftest import probe, step_codes, target
from tests.fakes.onvif_device import FakeProfile


@pytest.fixture
def short_timeouts(settings):
    settings.CONNECTIVITY_STEP_TIMEOUT = 1.0
    settings.CONNECTIVITY_FRAME_TIMEOUT = 1.5


def test_a_silent_onvif_port_gives_no_response_at_its_step_timeout(
    short_timeouts, make_device, rtsp_server
):
    device = make_device(mode="silent")
    result = probe(onvif_port=device.port, rtsp_port=rtsp_server.port)

    assert result.result_code == "no_response"
    assert step_codes(result)["onvif_time"] == "no_response"
    assert result.steps[-1].ms < 3000


def test_a_silent_rtsp_port_gives_no_response(short_timeouts, fault_peers):
    result = probe(rtsp_port=fault_peers["silent"], rtsp_path="/live")

    assert result.result_code == "no_response"
    assert step_codes(result)["rtsp_first_frame"] == "no_response"


def test_a_stall_after_play_gives_no_media(short_timeouts, fault_peers):
    result = probe(rtsp_port=fault_peers["stall_after_play"], rtsp_path="/live")

    assert result.result_code == "no_media"


def test_a_crashing_probe_fails_only_its_own_check(
    settings, make_device, rtsp_server, hd_rtsp_server
):
    """The worker running the crashing check aborts (a real SIGABRT, like a segfault in
    FFmpeg); the healthy check that shared the worker is re-run alone and passes."""
    settings.CONNECTIVITY_PROBE_WORKERS = 1
    settings.CONNECTIVITY_TEST_ABORT_TARGETS = [f"127.0.0.1:{rtsp_server.port}"]
    healthy = make_device(profiles=[FakeProfile(path="/Streaming/Channels/101", height=720)])
    results = {}
    isolation.run_many(
        [
            ("crashing", target(rtsp_port=rtsp_server.port, rtsp_path="/h264")),
            ("healthy", target(onvif_port=healthy.port, rtsp_port=hd_rtsp_server.port)),
        ],
        concurrency=2,
        on_result=results.__setitem__,
    )

    assert results["crashing"].result_code == "probe_crashed"
    assert results["crashing"].detail["exit"] == -6  # SIGABRT
    assert results["healthy"].result_code == "ok"
    # The pool carries on.
    assert probe(rtsp_port=hd_rtsp_server.port, brand="tapo").result_code == "ok"


def test_steps_reach_the_caller_as_they_finish(rtsp_server):
    seen: list[list[str]] = []
    isolation.run_isolated(
        target(rtsp_port=rtsp_server.port, rtsp_path="/h264"),
        on_steps=lambda steps: seen.append([s.name for s in steps]),
    )

    assert seen == [
        ["resolve"],
        ["resolve", "tcp_rtsp"],
        ["resolve", "tcp_rtsp", "rtsp_first_frame"],
    ]


def _open_fds() -> dict[str, int]:
    """Open descriptors in this process and in each probe worker."""
    counts = {"self": len(os.listdir("/proc/self/fd"))}
    for worker in isolation.pool().workers:
        counts[str(worker.proc.pid)] = len(os.listdir(f"/proc/{worker.proc.pid}/fd"))
    return counts


def test_probes_leak_no_file_descriptors(rtsp_server, fault_peers, closed_port):
    targets = [
        target(rtsp_port=rtsp_server.port, rtsp_path="/h264"),
        target(rtsp_port=fault_peers["http"], rtsp_path="/live"),
        target(rtsp_port=closed_port),
    ]
    isolation.run_many(enumerate(targets), concurrency=3, on_result=lambda *_: None)
    before = _open_fds()
    for _ in range(3):
        isolation.run_many(enumerate(targets), concurrency=3, on_result=lambda *_: None)

    assert _open_fds() == before
