"""Our own RTSP client: open a stream on a vetted socket and decode its first video frame.

FFmpeg's RTSP client follows 3xx redirects and opens sockets by itself, so it never
touches the network here. This module speaks RTSP on a socket opened by
``portal.netguard.open_vetted_connection`` (to an IP that passed vetting), asks for RTP
over the same TCP connection (interleaved), depacketises H.264 or H.265, and hands the
Annex B bytes of the first key frame to PyAV's decoder (``rtsp_media.decode_first_frame``,
a pure function of bytes that can run in a worker subprocess).

- Redirects (3xx) are never followed: ``RtspError("redirect_refused")``.
- Credentials go only into the ``Authorization`` header (Digest preferred, Basic when it
  is all the device offers); never into logs, error details or returned URIs.
- The whole exchange is bounded by ``timeout``: each step waits only for what is left.
  A peer that never answers the handshake is ``no_response``; one that completes PLAY and
  then sends no usable key frame is ``no_media``.
- To decode in a worker subprocess, pass ``decoder=``: an async callable that runs
  ``decode_first_frame(codec=..., data=..., keep_jpeg=...)`` there and returns its
  ``DecodedFrame`` (both picklable); a ``DecodeError`` it raises becomes
  ``unsupported_codec``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import logging
import re
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final

from connectivity.rtsp_media import (
    DecodedFrame,
    DecodeError,
    Depacketiser,
    SessionDescription,
    VideoTrack,
    annexb,
    decode_first_frame,
    is_keyframe,
    is_parameter_set,
    nal_type,
    parse_rtp,
    parse_sdp,
)
from portal.netguard import VettedAddress, open_vetted_connection

__all__ = [
    "ERROR_CODES",
    "DecodedFrame",
    "Decoder",
    "FrameResult",
    "RtspError",
    "decode_first_frame",
    "grab_first_frame",
    "redact_uri",
    "rewrite_uri_to_vetted",
]

logger = logging.getLogger(__name__)

USER_AGENT: Final = "CCTV-Warga-probe/1.0"
MAX_HEADER_LINES: Final = 100
MAX_BODY: Final = 256 * 1024
MAX_PENDING_FRAMES: Final = 2048  # RTP that arrives before the PLAY answer is kept, up to this
FPS_WAIT: Final = 0.5  # longest extra wait for a second frame to measure fps

ERROR_CODES: Final = frozenset(
    {
        "auth_failed",
        "stream_not_found",
        "session_limit",
        "no_response",
        "no_media",
        "unsupported_codec",
        "not_rtsp",
        "redirect_refused",
        "port_closed",
    }
)


class RtspError(Exception):
    """A classified failure; ``code`` is the probe result code, ``detail`` plain English."""

    def __init__(self, code: str, detail: str, *, status: int | None = None) -> None:
        if code not in ERROR_CODES:
            raise ValueError(f"unknown RTSP error code {code!r}")
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.status = status


@dataclass(frozen=True)
class FrameResult:
    codec: str  # "h264" or "h265"
    width: int
    height: int
    fps: float | None
    ms_to_first_frame: int
    jpeg: bytes | None
    uri: str  # rtsp://host:port/path, never with credentials


# A decoder runs decode_first_frame somewhere else (a worker subprocess, a pool).
Decoder = Callable[..., Awaitable[DecodedFrame]]


# --- URIs ---------------------------------------------------------------------------------

_HOST_AT: Final = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~-]+)(?::(\d{1,5}))?(?=[/?#]|$)")
_CREDENTIAL_PARAM: Final = re.compile(
    r"(?P<key>(?<![A-Za-z0-9])(?:user|username|usr|password|passwd|pwd|pass|token|auth|key))="
    r"(?P<value>.*?)(?=_[A-Za-z]+=|[&;#\s]|$)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _UriParts:
    scheme: str
    host: str
    port: int | None
    tail: str  # path and query, no fragment


def _looks_like_host(host: str, port: str | None) -> bool:
    return bool(port) or host.startswith("[") or "." in host


def _split_uri(uri: str) -> _UriParts:
    """Split an RTSP URI whose user information may hold unescaped ``@ : / # ?``.

    The host is the text after the right-most ``@`` that is followed by something that
    looks like ``host[:port]`` (an IP, a dotted name, or any name with a port) and then a
    path, a query or the end. URIs that device firmware returns are often not valid
    RFC 3986, so this is deliberately forgiving, and when in doubt it treats more as user
    information: ``redact_uri`` then hides too much rather than too little.
    """
    uri = uri.strip()
    scheme, sep, rest = uri.partition("://")
    if not sep:
        return _UriParts(scheme="rtsp", host="", port=None, tail=uri.split("#")[0])
    start = 0
    for at in reversed([i for i, ch in enumerate(rest) if ch == "@"]):
        match = _HOST_AT.match(rest, at + 1)
        if match and _looks_like_host(match[1], match[2]):
            start = at + 1
            break
    match = _HOST_AT.match(rest, start)
    if match is None:
        host, port, tail = "", None, rest[start:]
        slash = tail.find("/")
        tail = tail[slash:] if slash >= 0 else ""
    else:
        host, port, tail = match[1], int(match[2]) if match[2] else None, rest[match.end() :]
    return _UriParts(scheme=scheme.lower(), host=host, port=port, tail=tail.split("#")[0])


def _host_for_uri(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def redact_uri(uri: str) -> str:
    """The URI without user information and with credential parameters masked.

    Some firmware (XMEye) carries ``user=`` and ``password=`` in the path itself.
    """
    parts = _split_uri(uri)
    if parts.host:
        port = f":{parts.port}" if parts.port else ""
        text = f"{parts.scheme}://{parts.host}{port}{parts.tail}"
    else:
        text = parts.tail
    return _CREDENTIAL_PARAM.sub(r"\g<key>=***", text)


def rewrite_uri_to_vetted(uri: str, address: VettedAddress) -> str:
    """Keep the path and query of a device-returned URI; use the vetted host and port.

    A stream URI from ONVIF often names the LAN address behind NAT
    (``rtsp://192.168.1.64:554/Streaming/Channels/101``); the probe connects to the
    address it vetted instead. User information is stripped. The path is kept as the
    device gave it (it may carry ``password=`` on XMEye firmware): store or show it only
    through ``redact_uri``.
    """
    parts = _split_uri(uri)
    scheme = parts.scheme if parts.scheme in ("rtsp", "rtsps") else "rtsp"
    tail = parts.tail if parts.tail.startswith(("/", "?")) else "/" + parts.tail
    if tail.startswith("?"):
        tail = "/" + tail
    return f"{scheme}://{_host_for_uri(address.host)}:{address.port}{tail}"


def _request_uri(address: VettedAddress, path: str) -> str:
    if "://" in path:
        return rewrite_uri_to_vetted(path, address)
    path = path.strip() or "/"
    if not path.startswith("/"):
        path = "/" + path
    return f"rtsp://{_host_for_uri(address.host)}:{address.port}{path}"


def _safe_uri(uri: str) -> str:
    """Percent-encode control characters and spaces: no header injection via a path."""
    return "".join(f"%{ord(ch):02X}" if ord(ch) <= 0x20 or ord(ch) == 0x7F else ch for ch in uri)


# --- authentication ---------------------------------------------------------------------------

_AUTH_PARAM: Final = re.compile(r'([A-Za-z0-9_-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)')


@dataclass
class _Challenge:
    scheme: str  # "digest" or "basic"
    params: dict[str, str]


def _parse_challenges(values: list[str]) -> list[_Challenge]:
    challenges = []
    for value in values:
        scheme, _, rest = value.strip().partition(" ")
        params = {
            key.lower(): (val[1:-1].replace('\\"', '"') if val.startswith('"') else val)
            for key, val in _AUTH_PARAM.findall(rest)
        }
        if scheme.lower() in ("digest", "basic"):
            challenges.append(_Challenge(scheme=scheme.lower(), params=params))
    return challenges


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class _Credentials:
    """Builds Authorization headers; the password never leaves this object otherwise."""

    def __init__(self, username: str, password: str) -> None:
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in username):
            raise RtspError("auth_failed", "the user name contains control characters")
        self._username = username
        self._password = password
        self.challenge: _Challenge | None = None
        self._nc = 0

    def __repr__(self) -> str:
        return "<credentials>"

    @property
    def present(self) -> bool:
        return bool(self._username or self._password)

    def header(self, method: str, uri: str) -> str | None:
        challenge = self.challenge
        if challenge is None:
            return None
        if challenge.scheme == "basic":
            token = base64.b64encode(f"{self._username}:{self._password}".encode()).decode()
            return f"Basic {token}"
        params = challenge.params
        algorithm = params.get("algorithm", "MD5")
        upper = algorithm.upper()
        hash_name = "sha256" if upper.startswith("SHA-256") else "md5"

        def digest(text: str) -> str:
            return hashlib.new(hash_name, text.encode(), usedforsecurity=False).hexdigest()

        realm, nonce = params.get("realm", ""), params.get("nonce", "")
        ha1 = digest(f"{self._username}:{realm}:{self._password}")
        cnonce = secrets.token_hex(8)
        if upper.endswith("-SESS"):
            ha1 = digest(f"{ha1}:{nonce}:{cnonce}")
        ha2 = digest(f"{method}:{uri}")
        fields = [
            f"username={_quote(self._username)}",
            f"realm={_quote(realm)}",
            f"nonce={_quote(nonce)}",
            f"uri={_quote(uri)}",
        ]
        qops = [q.strip() for q in params.get("qop", "").split(",") if q.strip()]
        if "auth" in qops:
            self._nc += 1
            nc = f"{self._nc:08x}"
            response = digest(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
            fields += ["qop=auth", f"nc={nc}", f"cnonce={_quote(cnonce)}"]
        else:
            response = digest(f"{ha1}:{nonce}:{ha2}")
        fields.append(f"response={_quote(response)}")
        if "algorithm" in params:
            fields.append(f"algorithm={algorithm}")
        if "opaque" in params:
            fields.append(f"opaque={_quote(params['opaque'])}")
        return "Digest " + ", ".join(fields)


# --- the session ------------------------------------------------------------------------------


@dataclass
class _Response:
    status: int
    reason: str
    headers: dict[str, list[str]]
    body: bytes

    def header(self, name: str) -> str:
        values = self.headers.get(name.lower())
        return values[0].strip() if values else ""


_LIMIT_WORDS: Final = ("limit", "session", "bandwidth", "too many", "maximum", "max ", "busy")


def _classify(method: str, response: _Response) -> None:
    """Raise the RtspError that a non-2xx answer means; return quietly on success."""
    status, reason = response.status, response.reason
    what = f"{method} answered {status} {reason}".strip()
    if 200 <= status < 300:
        return
    if 300 <= status < 400:
        location = redact_uri(response.header("location")) or "(no location)"
        raise RtspError(
            "redirect_refused", f"{what}; redirect to {location} not followed", status=status
        )
    if status == 401:
        raise RtspError("auth_failed", what, status=status)
    if status == 403:
        text = (reason + " " + response.body[:200].decode("latin-1")).lower()
        code = "session_limit" if any(word in text for word in _LIMIT_WORDS) else "auth_failed"
        raise RtspError(code, what, status=status)
    if status in (453, 503):
        raise RtspError("session_limit", what, status=status)
    if status == 404 or method in ("OPTIONS", "DESCRIBE"):
        raise RtspError("stream_not_found", what, status=status)
    raise RtspError("no_media", what, status=status)


class _Session:
    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        credentials: _Credentials,
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.credentials = credentials
        self.cseq = 0
        self.session_id = ""
        self.pending: deque[tuple[int, bytes]] = deque()
        self.phase = "handshake"
        self.last_method = ""

    # reading --------------------------------------------------------------------------

    def _closed(self) -> RtspError:
        if self.phase == "media":
            return RtspError("no_media", "the device closed the connection after PLAY")
        return RtspError(
            "no_response", f"the device closed the connection during {self.last_method}"
        )

    async def _readexactly(self, size: int) -> bytes:
        try:
            return await self.reader.readexactly(size)
        except (asyncio.IncompleteReadError, OSError) as exc:
            raise self._closed() from exc

    async def _readline(self) -> bytes:
        try:
            return await self.reader.readuntil(b"\n")
        except (asyncio.IncompleteReadError, OSError) as exc:
            raise self._closed() from exc
        except asyncio.LimitOverrunError as exc:
            raise RtspError("not_rtsp", "the device sent an overlong line") from exc

    async def _read_interleaved(self) -> tuple[int, bytes]:
        header = await self._readexactly(3)
        channel, length = header[0], int.from_bytes(header[1:3], "big")
        return channel, await self._readexactly(length)

    async def _read_message_rest(self, first_line: bytes) -> _Response:
        headers: dict[str, list[str]] = {}
        for _ in range(MAX_HEADER_LINES):
            line = await self._readline()
            text = line.decode("latin-1").rstrip("\r\n")
            if not text:
                break
            name, sep, value = text.partition(":")
            if sep:
                headers.setdefault(name.strip().lower(), []).append(value.strip())
        else:
            raise RtspError("not_rtsp", "the device sent too many header lines")
        length_text = (headers.get("content-length") or ["0"])[0]
        try:
            length = int(length_text)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            raise RtspError("not_rtsp", f"unusable Content-Length {length_text[:20]!r}")
        body = await self._readexactly(length) if length else b""
        parts = first_line.decode("latin-1").strip().split(" ", 2)
        status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
        reason = parts[2] if len(parts) > 2 else ""
        return _Response(status=status, reason=reason, headers=headers, body=body)

    async def _read_response(self) -> _Response:
        while True:
            first = await self._readexactly(1)
            if first == b"$":
                frame = await self._read_interleaved()
                if len(self.pending) < MAX_PENDING_FRAMES:
                    self.pending.append(frame)
                continue
            if first in (b"\r", b"\n"):
                continue
            line = first + await self._readline()
            if line.startswith(b"RTSP/"):
                response = await self._read_message_rest(line)
                if not 100 <= response.status < 600:
                    raise RtspError("not_rtsp", "malformed RTSP status line")
                return response
            if line.startswith(b"HTTP/"):
                raise RtspError("not_rtsp", "an HTTP server answered on the RTSP port")
            if re.match(rb"^[A-Z_]+ \S+ RTSP/\d\.\d\r?\n$", line):
                await self._read_message_rest(line)  # a request from the server: ignore
                continue
            raise RtspError("not_rtsp", "the device does not speak RTSP")

    async def read_media(self) -> tuple[int, bytes]:
        """The next interleaved frame (channel, payload); RTSP messages are skipped."""
        if self.pending:
            return self.pending.popleft()
        while True:
            first = await self._readexactly(1)
            if first == b"$":
                return await self._read_interleaved()
            if first in (b"\r", b"\n"):
                continue
            line = first + await self._readline()
            if line.startswith(b"RTSP/") or re.match(rb"^[A-Z_]+ \S+ RTSP/", line):
                await self._read_message_rest(line)
                continue
            raise RtspError("no_media", "the device sent data that is not RTP after PLAY")

    # writing --------------------------------------------------------------------------

    def _send(self, method: str, uri: str, headers: dict[str, str]) -> None:
        self.cseq += 1
        lines = [f"{method} {_safe_uri(uri)} RTSP/1.0", f"CSeq: {self.cseq}"]
        lines.append(f"User-Agent: {USER_AGENT}")
        if self.session_id:
            lines.append(f"Session: {self.session_id}")
        authorization = self.credentials.header(method, _safe_uri(uri))
        if authorization:
            lines.append(f"Authorization: {authorization}")
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("utf-8"))

    async def request(
        self, method: str, uri: str, headers: dict[str, str] | None = None
    ) -> _Response:
        self.last_method = method
        attempts = 0
        while True:
            self._send(method, uri, headers or {})
            response = await self._read_response()
            logger.debug("RTSP %s %s -> %s", method, redact_uri(uri), response.status)
            if response.status != 401:
                _classify(method, response)
                return response
            challenges = _parse_challenges(response.headers.get("www-authenticate", []))
            challenge = next((c for c in challenges if c.scheme == "digest"), None) or next(
                (c for c in challenges if c.scheme == "basic"), None
            )
            stale = challenge is not None and challenge.params.get("stale", "").lower() == "true"
            # One answer to a fresh challenge, one more only when the nonce went stale.
            attempts += 1
            if (
                challenge is None
                or not self.credentials.present
                or (attempts > 1 and not stale)
                or attempts > 2
            ):
                _classify(method, response)
            self.credentials.challenge = challenge

    async def close(self, *, teardown_uri: str | None) -> None:
        with contextlib.suppress(Exception):
            if teardown_uri and self.session_id:
                self._send("TEARDOWN", teardown_uri, {})
            self.writer.close()
        try:
            async with asyncio.timeout(0.5):
                await self.writer.wait_closed()
        except (TimeoutError, OSError):
            self.writer.transport.abort()


# --- the probe step ---------------------------------------------------------------------------


def _control_uri(base: str, control: str) -> str:
    if not control or control == "*":
        return base
    if control.lower().startswith(("rtsp://", "rtsps://")):
        return control
    return base + control if base.endswith("/") else f"{base}/{control}"


def _choose_track(description: SessionDescription) -> VideoTrack:
    supported = [track for track in description.video if track.supported]
    if supported:
        return supported[0]
    if description.video:
        names = ", ".join(sorted({track.codec for track in description.video}))
        raise RtspError("unsupported_codec", f"the stream's video is {names}")
    raise RtspError("no_media", "the stream description has no video")


async def _first_key_frame(
    session: _Session, track: VideoTrack, channel: int
) -> tuple[bytes, int, Depacketiser]:
    """Read RTP until an access unit with a key frame (and its parameter sets) arrives."""
    depacketiser = Depacketiser(track.codec)
    parameter_sets: dict[int, bytes] = {
        nal_type(track.codec, nal): nal for nal in track.parameter_sets
    }
    needed = {7, 8} if track.codec == "h264" else {32, 33, 34}
    while True:
        got_channel, payload = await session.read_media()
        if got_channel != channel:
            continue
        packet = parse_rtp(payload)
        if packet is None:
            continue
        for unit in depacketiser.push(packet):
            for nal in unit.nals:
                if is_parameter_set(track.codec, nal):
                    parameter_sets[nal_type(track.codec, nal)] = nal
            if not any(is_keyframe(track.codec, nal) for nal in unit.nals):
                continue
            if not needed <= parameter_sets.keys():
                continue  # wait for a key frame that carries its parameter sets
            body = [nal for nal in unit.nals if not is_parameter_set(track.codec, nal)]
            leading = [parameter_sets[kind] for kind in sorted(needed)]
            return annexb(leading + body), unit.timestamp, depacketiser


async def _measure_fps(
    session: _Session, channel: int, depacketiser: Depacketiser, first_ts: int, clock: int
) -> float | None:
    while True:
        got_channel, payload = await session.read_media()
        if got_channel != channel or (packet := parse_rtp(payload)) is None:
            continue
        for unit in depacketiser.push(packet):
            delta = (unit.timestamp - first_ts) & 0xFFFFFFFF
            if 0 < delta < clock * 5:
                return round(clock / delta, 2)


async def _decode_inline(*, codec: str, data: bytes, keep_jpeg: bool) -> DecodedFrame:
    return decode_first_frame(codec=codec, data=data, keep_jpeg=keep_jpeg)


async def grab_first_frame(
    *,
    address: VettedAddress,
    path: str,
    username: str,
    password: str,
    timeout: float,
    keep_jpeg: bool = False,
    decoder: Decoder | None = None,
) -> FrameResult:
    """Open ``path`` on the vetted ``address`` and decode the first video frame.

    Raises ``RtspError`` (``code`` in ``ERROR_CODES``) for every classified failure, and
    ``portal.netguard.NetGuardError`` when the address itself is refused. ``decoder``
    runs ``rtsp_media.decode_first_frame`` elsewhere (e.g. a worker subprocess); by
    default it runs in this process.
    """
    loop = asyncio.get_running_loop()
    started = time.monotonic()
    deadline = loop.time() + timeout
    uri = _request_uri(address, path)
    shown_uri = redact_uri(uri)
    credentials = _Credentials(username, password)
    try:
        reader, writer = await open_vetted_connection(address, timeout=timeout)
    except ConnectionRefusedError as exc:
        raise RtspError("port_closed", f"nothing listens on port {address.port}") from exc
    except TimeoutError as exc:
        raise RtspError("no_response", f"TCP connect timed out after {timeout:g} s") from exc
    except OSError as exc:
        raise RtspError("no_response", f"TCP connect failed: {exc.strerror or exc}") from exc

    session = _Session(reader, writer, credentials)
    playing = False
    try:
        try:
            async with asyncio.timeout_at(deadline):
                await session.request("OPTIONS", uri)
                described = await session.request("DESCRIBE", uri, {"Accept": "application/sdp"})
                description = parse_sdp(described.body.decode("utf-8", "replace"))
                track = _choose_track(description)
                base = (
                    described.header("content-base") or described.header("content-location") or uri
                )
                setup = await session.request(
                    "SETUP",
                    _control_uri(base, track.control),
                    {"Transport": "RTP/AVP/TCP;unicast;interleaved=0-1"},
                )
                session.session_id = setup.header("session").split(";")[0].strip()
                transport = setup.header("transport")
                match = re.search(r"interleaved=(\d+)", transport)
                channel = int(match[1]) if match else 0
                play_uri = _control_uri(base, description.session_control)
                await session.request("PLAY", play_uri, {"Range": "npt=0.000-"})
                playing = True
        except TimeoutError as exc:
            raise RtspError(
                "no_response",
                f"no answer to {session.last_method} within {timeout:g} s",
            ) from exc

        session.phase = "media"
        try:
            async with asyncio.timeout_at(deadline):
                data, first_ts, depacketiser = await _first_key_frame(session, track, channel)
        except TimeoutError as exc:
            raise RtspError(
                "no_media", f"PLAY succeeded but no {track.codec} key frame within {timeout:g} s"
            ) from exc

        try:
            decoded = await (decoder or _decode_inline)(
                codec=track.codec, data=data, keep_jpeg=keep_jpeg
            )
        except DecodeError as exc:
            raise RtspError("unsupported_codec", str(exc)) from exc
        ms_to_first_frame = round((time.monotonic() - started) * 1000)

        fps = track.fps
        if fps is None:
            remaining = deadline - loop.time()
            with contextlib.suppress(TimeoutError, RtspError):
                async with asyncio.timeout(max(0.0, min(remaining, FPS_WAIT))):
                    fps = await _measure_fps(
                        session, channel, depacketiser, first_ts, track.clock_rate
                    )
        if fps is None:
            fps = decoded.fps
        logger.info(
            "RTSP %s: %s %sx%s in %s ms",
            shown_uri,
            track.codec,
            decoded.width,
            decoded.height,
            ms_to_first_frame,
        )
        return FrameResult(
            codec=track.codec,
            width=decoded.width,
            height=decoded.height,
            fps=fps,
            ms_to_first_frame=ms_to_first_frame,
            jpeg=decoded.jpeg if keep_jpeg else None,
            uri=shown_uri,
        )
    except RtspError as exc:
        logger.info("RTSP %s: %s (%s)", shown_uri, exc.code, exc.detail)
        raise
    finally:
        await session.close(teardown_uri=uri if playing else None)
