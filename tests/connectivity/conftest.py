"""Fixtures for the connectivity tests: fake ONVIF devices, an HD RTSP server, the pool."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

import av
import pytest

from connectivity import isolation
from connectivity.probe import ProbeResult, ProbeTarget
from tests.fakes.onvif_device import FakeDeviceHost, FakeOnvifConfig, FakeOnvifDevice
from tests.fakes.rtsp_server import (
    AWKWARD_PASSWORD,
    SERVE_SCRIPT,
    SYSTEM_PYTHON,
    RtspServer,
    stop_server,
)

# The fake ONVIF devices and the RTSP server share one account, with a password
# full of URL delimiters.
USERNAME = "admin"
PASSWORD = AWKWARD_PASSWORD

HD_PATHS = ("/Streaming/Channels/101", "/stream1")
# 720p H.264 at 5 frames per second: passes, with the low frame rate note.
LOW_FPS_PATH = "/low-fps"


@pytest.fixture(scope="session", autouse=True)
def _probe_pool_stops_at_the_end() -> Iterator[None]:
    yield
    isolation.shutdown()


@pytest.fixture(scope="session")
def onvif_host() -> Iterator[FakeDeviceHost]:
    host = FakeDeviceHost()
    try:
        yield host
    finally:
        host.close()


@pytest.fixture
def make_device(onvif_host: FakeDeviceHost) -> Callable[..., FakeOnvifDevice]:
    def make(**config: object) -> FakeOnvifDevice:
        values = {"username": USERNAME, "password": PASSWORD, **config}
        return onvif_host.add(FakeOnvifConfig(**values))  # type: ignore[arg-type]

    return make


def _make_hd_clip(path: Path, fps: int = 25) -> Path:
    """Two seconds of 1280x720 H.264 at ``fps`` frames per second, a key frame every second."""
    with av.open(str(path), "w", format="matroska") as container:
        stream = container.add_stream(
            "libx264", rate=fps, options={"bf": "0", "g": str(fps), "preset": "ultrafast"}
        )
        stream.width, stream.height, stream.pix_fmt = 1280, 720, "yuv420p"
        stream.time_base = Fraction(1, fps)
        for index in range(2 * fps):
            frame = av.VideoFrame(1280, 720, "yuv420p")
            for plane in frame.planes:
                plane.update(bytes([(index * 5) % 256]) * plane.buffer_size)
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


@pytest.fixture(scope="session")
def hd_rtsp_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RtspServer]:
    """gst-rtsp-server with a 720p clip mounted at brand paths (Hikvision, Tapo), and a
    5 fps 720p clip at ``LOW_FPS_PATH``."""
    clips = tmp_path_factory.mktemp("hd-clip")
    clip = _make_hd_clip(clips / "hd.mkv")
    low_fps_clip = _make_hd_clip(clips / "hd-5fps.mkv", fps=5)
    config = {
        "users": {USERNAME: PASSWORD},
        "mounts": {
            **{path: {"file": str(clip), "codec": "h264"} for path in HD_PATHS},
            LOW_FPS_PATH: {"file": str(low_fps_clip), "codec": "h264"},
        },
    }
    process = subprocess.Popen(
        [SYSTEM_PYTHON, str(SERVE_SCRIPT), json.dumps(config)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=sys.stderr,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    server = RtspServer(port=int(json.loads(line)["port"]), users=config["users"], process=process)
    try:
        yield server
    finally:
        stop_server(server)


def target(**values: object) -> ProbeTarget:
    defaults: dict[str, object] = {
        "host": "127.0.0.1",
        "username": USERNAME,
        "password": PASSWORD,
        "brand": "hikvision",
    }
    return ProbeTarget(**{**defaults, **values})  # type: ignore[arg-type]


def probe(**values: object) -> ProbeResult:
    """One probe through the isolated worker pool, as the task runs it."""
    return isolation.run_isolated(target(**values))


def step_codes(result: ProbeResult) -> dict[str, str]:
    return {step.name: step.error_code for step in result.steps}
