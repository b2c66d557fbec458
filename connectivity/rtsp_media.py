"""SDP parsing, RTP depacketisation (H.264 and H.265) and first-frame decoding.

Private helpers of ``connectivity.rtsp``. Nothing here touches the network; the decoder
(``decode_first_frame``) is a pure function of bytes so it can run in a subprocess.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import struct
from dataclasses import dataclass, field

ANNEXB_START = b"\x00\x00\x00\x01"

# encoding names in a=rtpmap -> our codec names
SUPPORTED_ENCODINGS = {"H264": "h264", "H265": "h265", "HEVC": "h265"}
FFMPEG_DECODERS = {"h264": "h264", "h265": "hevc"}


# --- SDP ------------------------------------------------------------------------------------


@dataclass
class VideoTrack:
    codec: str  # "h264" / "h265", or the SDP encoding name when unsupported
    payload_type: int
    clock_rate: int
    control: str
    fps: float | None
    parameter_sets: list[bytes] = field(default_factory=list)
    supported: bool = True


@dataclass
class SessionDescription:
    session_control: str
    video: list[VideoTrack]
    has_media: bool


def _fmtp_params(value: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for item in value.split(";"):
        key, _, val = item.strip().partition("=")
        if key:
            params[key.strip().lower()] = val.strip()
    return params


def _b64_list(value: str) -> list[bytes]:
    out = []
    for part in value.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            out.append(base64.b64decode(part + "=" * (-len(part) % 4)))
        except (binascii.Error, ValueError):
            continue
    return [nal for nal in out if nal]


def parse_sdp(text: str) -> SessionDescription:
    """Parse the parts of an SDP we need: video tracks, their control, codec and sprops."""
    session_control = ""
    media_blocks: list[list[str]] = []
    current: list[str] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("m="):
            current = [line]
            media_blocks.append(current)
        elif current is not None:
            current.append(line)
        elif line.startswith("a=control:"):
            session_control = line[len("a=control:") :].strip()

    tracks: list[VideoTrack] = []
    for block in media_blocks:
        fields = block[0][2:].split()
        if len(fields) < 4 or fields[0] != "video":
            continue
        payload_types = [int(pt) for pt in fields[3:] if pt.isdigit()]
        rtpmap: dict[int, tuple[str, int]] = {}
        fmtp: dict[int, dict[str, str]] = {}
        control = ""
        fps: float | None = None
        for line in block[1:]:
            if line.startswith("a=rtpmap:"):
                match = re.match(r"a=rtpmap:(\d+)\s+([^/\s]+)/(\d+)", line)
                if match:
                    rtpmap[int(match[1])] = (match[2].upper(), int(match[3]))
            elif line.startswith("a=fmtp:"):
                match = re.match(r"a=fmtp:(\d+)\s+(.*)", line)
                if match:
                    fmtp[int(match[1])] = _fmtp_params(match[2])
            elif line.startswith("a=control:"):
                control = line[len("a=control:") :].strip()
            elif line.startswith(("a=framerate:", "a=x-framerate:")):
                try:
                    fps = float(line.split(":", 1)[1].strip())
                except ValueError:
                    fps = None
        for pt in payload_types:
            encoding, clock = rtpmap.get(pt, ("", 90000))
            if not encoding and pt == 26:
                encoding = "JPEG"
            codec = SUPPORTED_ENCODINGS.get(encoding)
            params = fmtp.get(pt, {})
            sets: list[bytes] = []
            if codec == "h264":
                sets = _b64_list(params.get("sprop-parameter-sets", ""))
            elif codec == "h265":
                for key in ("sprop-vps", "sprop-sps", "sprop-pps"):
                    sets += _b64_list(params.get(key, ""))
            tracks.append(
                VideoTrack(
                    codec=codec or (encoding or f"payload type {pt}"),
                    payload_type=pt,
                    clock_rate=clock or 90000,
                    control=control,
                    fps=fps if fps and fps > 0 else None,
                    parameter_sets=sets,
                    supported=codec is not None,
                )
            )
    return SessionDescription(
        session_control=session_control, video=tracks, has_media=bool(media_blocks)
    )


# --- RTP ------------------------------------------------------------------------------------


@dataclass
class RtpPacket:
    payload_type: int
    marker: bool
    sequence: int
    timestamp: int
    payload: bytes


def parse_rtp(data: bytes) -> RtpPacket | None:
    if len(data) < 12 or data[0] >> 6 != 2:
        return None
    first, second, sequence, timestamp = struct.unpack_from("!BBHI", data)
    offset = 12 + 4 * (first & 0x0F)
    if first & 0x10:  # header extension
        if len(data) < offset + 4:
            return None
        (words,) = struct.unpack_from("!H", data, offset + 2)
        offset += 4 + 4 * words
    end = len(data)
    if first & 0x20 and end > offset:  # padding
        end -= data[-1]
    if offset > end:
        return None
    return RtpPacket(
        payload_type=second & 0x7F,
        marker=bool(second & 0x80),
        sequence=sequence,
        timestamp=timestamp,
        payload=data[offset:end],
    )


def nal_type(codec: str, nal: bytes) -> int:
    if not nal:
        return -1
    return nal[0] & 0x1F if codec == "h264" else (nal[0] >> 1) & 0x3F


def is_parameter_set(codec: str, nal: bytes) -> bool:
    kind = nal_type(codec, nal)
    return kind in (7, 8) if codec == "h264" else kind in (32, 33, 34)


def is_keyframe(codec: str, nal: bytes) -> bool:
    kind = nal_type(codec, nal)
    return kind == 5 if codec == "h264" else 16 <= kind <= 21


@dataclass
class AccessUnit:
    timestamp: int
    nals: list[bytes]


class Depacketiser:
    """Turns RTP payloads into access units (lists of NAL units) for H.264 or H.265.

    H.264 (RFC 6184): single NAL units, STAP-A and FU-A. H.265 (RFC 7798): single NAL
    units, aggregation packets (AP) and fragmentation units (FU), without DONL. An access
    unit ends at the marker bit or when the RTP timestamp changes. A fragment lost in
    transit (sequence gap) drops the NAL unit it belonged to.
    """

    MAX_ACCESS_UNIT = 16 * 1024 * 1024

    def __init__(self, codec: str) -> None:
        self.codec = codec
        self._fragment: bytearray | None = None
        self._nals: list[bytes] = []
        self._size = 0
        self._timestamp: int | None = None
        self._last_sequence: int | None = None

    def push(self, packet: RtpPacket) -> list[AccessUnit]:
        done: list[AccessUnit] = []
        if self._timestamp is not None and packet.timestamp != self._timestamp:
            done += self._finish()
        if self._last_sequence is not None and packet.sequence != (
            (self._last_sequence + 1) & 0xFFFF
        ):
            self._fragment = None  # a fragment went missing
        self._last_sequence = packet.sequence
        self._timestamp = packet.timestamp
        for nal in self._nals_of(packet.payload):
            self._nals.append(nal)
            self._size += len(nal)
        if self._size > self.MAX_ACCESS_UNIT:
            self._nals, self._size, self._fragment = [], 0, None
        if packet.marker:
            done += self._finish()
        return done

    def _finish(self) -> list[AccessUnit]:
        units = []
        if self._nals and self._timestamp is not None:
            units.append(AccessUnit(timestamp=self._timestamp, nals=self._nals))
        self._nals, self._size, self._fragment = [], 0, None
        self._timestamp = None
        return units

    def _nals_of(self, payload: bytes) -> list[bytes]:
        if self.codec == "h264":
            return self._h264(payload)
        return self._h265(payload)

    def _aggregated(self, payload: bytes, offset: int) -> list[bytes]:
        nals = []
        while offset + 2 <= len(payload):
            (size,) = struct.unpack_from("!H", payload, offset)
            offset += 2
            if size == 0 or offset + size > len(payload):
                break
            nals.append(payload[offset : offset + size])
            offset += size
        return nals

    def _fragmented(self, start: bool, end: bool, header: bytes, body: bytes) -> list[bytes]:
        if start:
            self._fragment = bytearray(header)
            self._fragment += body
        elif self._fragment is not None:
            self._fragment += body
        if end and self._fragment is not None:
            nal = bytes(self._fragment)
            self._fragment = None
            return [nal]
        return []

    def _h264(self, payload: bytes) -> list[bytes]:
        if not payload:
            return []
        kind = payload[0] & 0x1F
        if 1 <= kind <= 23:
            return [payload]
        if kind == 24:  # STAP-A
            return self._aggregated(payload, 1)
        if kind == 28 and len(payload) > 2:  # FU-A
            indicator, header = payload[0], payload[1]
            nal_header = bytes([(indicator & 0xE0) | (header & 0x1F)])
            return self._fragmented(
                bool(header & 0x80), bool(header & 0x40), nal_header, payload[2:]
            )
        return []  # STAP-B, MTAP and FU-B need interleaved mode, which we never ask for

    def _h265(self, payload: bytes) -> list[bytes]:
        if len(payload) < 3:
            return []
        kind = (payload[0] >> 1) & 0x3F
        if kind < 48:
            return [payload]
        if kind == 48:  # aggregation packet
            return self._aggregated(payload, 2)
        if kind == 49:  # fragmentation unit
            header = payload[2]
            nal_header = bytes([(payload[0] & 0x81) | ((header & 0x3F) << 1), payload[1]])
            return self._fragmented(
                bool(header & 0x80), bool(header & 0x40), nal_header, payload[3:]
            )
        return []  # PACI


def annexb(nals: list[bytes]) -> bytes:
    return b"".join(ANNEXB_START + nal for nal in nals)


# --- decoding --------------------------------------------------------------------------------


class DecodeError(Exception):
    """The decoder produced no picture from the data it was given."""


@dataclass(frozen=True)
class DecodedFrame:
    width: int
    height: int
    fps: float | None
    jpeg: bytes | None


def decode_first_frame(*, codec: str, data: bytes, keep_jpeg: bool = False) -> DecodedFrame:
    """Decode the first picture of an Annex B byte stream (parameter sets + key frame).

    A pure function of bytes: safe to run in a worker subprocess, where a crash of the
    decoder cannot take a web or task worker down with it.
    """
    import av  # imported here so that the RTSP client loads without FFmpeg
    from av.video.codeccontext import VideoCodecContext

    try:
        context = av.CodecContext.create(FFMPEG_DECODERS[codec], "r")
        if not isinstance(context, VideoCodecContext):
            raise DecodeError(f"{codec} is not a video codec")
    except (KeyError, av.error.FFmpegError) as exc:
        raise DecodeError(f"no decoder for {codec}") from exc
    context.thread_count = 1
    try:
        frames = list(context.decode(av.Packet(data)))
        if not frames:
            frames = list(context.decode(None))
    except av.error.FFmpegError as exc:
        raise DecodeError(f"{codec} decoder: {exc.strerror or type(exc).__name__}") from exc
    if not frames:
        raise DecodeError(f"the {codec} decoder produced no picture")
    frame = frames[0]
    fps: float | None = None
    rate = context.framerate
    if rate and rate.denominator and 0 < float(rate) < 1000:
        fps = float(rate)
    jpeg: bytes | None = None
    if keep_jpeg:
        buffer = io.BytesIO()
        frame.to_image().save(buffer, "JPEG", quality=85)
        jpeg = buffer.getvalue()
    return DecodedFrame(width=frame.width, height=frame.height, fps=fps, jpeg=jpeg)
