"""A real RTSP server on loopback for the tests (Debian's GStreamer gst-rtsp-server).

The clips are made here with PyAV (H.264 with libx264, H.265 with libx265, no B-frames, a
key frame every second) and served by ``gst_rtsp_serve.py`` running under Debian's
``/usr/bin/python3`` (the Debian packages are listed in ``bin/system-packages.txt``).
Authentication is Digest. Use the ``rtsp_server`` fixture (session-scoped)::

    def test_it_decodes(rtsp_server):
        rtsp_server.port, rtsp_server.users["viewer"], rtsp_server.H264_PATH
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import pytest
from PIL import Image, ImageDraw

SYSTEM_PYTHON = "/usr/bin/python3"
SERVE_SCRIPT = Path(__file__).with_name("gst_rtsp_serve.py")

CLIP_WIDTH = 640
CLIP_HEIGHT = 360
CLIP_FPS = 25
CLIP_SECONDS = 3

# A password with every character that breaks naive URL handling.
AWKWARD_PASSWORD = "p@ss:w/rd#1?x"


@dataclass
class RtspServer:
    port: int
    users: dict[str, str]
    process: subprocess.Popen = field(repr=False)

    H264_PATH = "/h264"
    H265_PATH = "/h265"
    H264_INBAND_PATH = "/h264-inband"
    H265_INBAND_PATH = "/h265-inband"


def make_clip(path: Path, *, codec: str) -> Path:
    """Encode a short test pattern (moving box over a noisy gradient) into Matroska."""
    encoder = {"h264": "libx264", "h265": "libx265"}[codec]
    options = (
        {"bf": "0", "g": str(CLIP_FPS), "preset": "ultrafast", "tune": "zerolatency"}
        if codec == "h264"
        else {
            "preset": "ultrafast",
            "x265-params": f"bframes=0:keyint={CLIP_FPS}:log-level=error",
        }
    )
    # Noise makes key frames realistically large (tens of kB), so that they travel as
    # fragmentation units (FU-A / FU) like a camera's do.
    gradient = Image.linear_gradient("L").resize((CLIP_WIDTH, CLIP_HEIGHT))
    noise = Image.effect_noise((CLIP_WIDTH, CLIP_HEIGHT), 48)
    background = Image.blend(gradient, noise, 0.5).convert("RGB")
    with av.open(str(path), "w", format="matroska") as container:
        stream = container.add_stream(encoder, rate=CLIP_FPS, options=options)
        stream.width = CLIP_WIDTH
        stream.height = CLIP_HEIGHT
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, CLIP_FPS)
        for index in range(CLIP_FPS * CLIP_SECONDS):
            image = background.copy()
            x = (index * 8) % (CLIP_WIDTH - 80)
            ImageDraw.Draw(image).rectangle((x, 140, x + 80, 220), fill=(220, 40, 40))
            frame = av.VideoFrame.from_image(image)
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def start_server(clips_dir: Path, *, users: dict[str, str]) -> RtspServer:
    h264 = make_clip(clips_dir / "clip-h264.mkv", codec="h264")
    h265 = make_clip(clips_dir / "clip-h265.mkv", codec="h265")
    config = {
        "users": users,
        "mounts": {
            RtspServer.H264_PATH: {"file": str(h264), "codec": "h264"},
            RtspServer.H265_PATH: {"file": str(h265), "codec": "h265"},
            RtspServer.H264_INBAND_PATH: {"file": str(h264), "codec": "h264", "inband": True},
            RtspServer.H265_INBAND_PATH: {"file": str(h265), "codec": "h265", "inband": True},
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
    if not line:
        process.wait(timeout=5)
        raise RuntimeError(
            "gst-rtsp-server did not start; are the Debian packages of "
            "bin/system-packages.txt installed?"
        )
    return RtspServer(port=int(json.loads(line)["port"]), users=users, process=process)


def stop_server(server: RtspServer) -> None:
    if server.process.stdin:
        server.process.stdin.close()
    try:
        server.process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=5)
    if server.process.stdout:
        server.process.stdout.close()


@pytest.fixture(scope="session")
def rtsp_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RtspServer]:
    users = {"viewer": "viewer-secret-42", "admin": AWKWARD_PASSWORD}
    server = start_server(tmp_path_factory.mktemp("rtsp-clips"), users=users)
    try:
        yield server
    finally:
        stop_server(server)
