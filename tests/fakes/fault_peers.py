"""Misbehaving peers on loopback, each on its own real socket.

They run in a subprocess (started by the ``fault_peers`` fixture) so that their sockets
never show up in the test process's file descriptors: a test can count its own
``/proc/self/fd`` before and after a probe. The subprocess prints one JSON line with the
port of every peer and stops when its stdin closes.

Peers:
- ``silent``: accepts the connection and never answers.
- ``closes``: accepts and closes at once.
- ``garbage``: greets with bytes that are not RTSP.
- ``http``: a web server on the RTSP port (answers any request with an HTTP page).
- ``stall_after_play``: a correct RTSP handshake, then no media after PLAY.
- ``stall_after_options``: answers OPTIONS, then never answers DESCRIBE.
- ``redirect``: answers DESCRIBE with ``302 Moved`` to a loopback listener (with credentials
  in the ``Location``) that must never receive a connection.
- ``session_limit``: answers DESCRIBE with ``453 Not Enough Bandwidth``.
- ``forbidden_limit``: answers DESCRIBE with ``403`` saying the session limit is reached.
- ``mjpeg``: describes a Motion JPEG video stream (a codec the probe does not decode).
- ``basic_auth``: asks for Basic authentication; with the right credentials it answers
  ``404`` (so a test can tell "authenticated" from "refused").
- ``digest_qop``: offers Basic and Digest (RFC 2617 with ``qop="auth"``, ``opaque``); only
  a correct Digest answer gets through (to a ``404``), Basic is refused.

The closed port and the redirect target live in the test process (``closed_port``,
``redirect_target``): the redirect target is a listening socket whose accept queue is
drained afterwards to count connections.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

BASIC_USER = "operator"
BASIC_PASSWORD = "b@sic:pa/ss#?"
DIGEST_USER = "onvif-user"
DIGEST_PASSWORD = 'd"ig@st:/#?'
REDIRECT_CREDENTIALS = "admin:leaked-secret"

SDP_H264 = (
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=stall\r\nt=0 0\r\na=control:*\r\n"
    "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
    "a=fmtp:96 packetization-mode=1;sprop-parameter-sets=Z0IAHpWoLQSZ,aM4G4g==\r\n"
    "a=control:track1\r\n"
)
SDP_MJPEG = (
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=mjpeg\r\nt=0 0\r\n"
    "m=video 0 RTP/AVP 26\r\na=control:track1\r\n"
)


# --- the peers (run in the subprocess) -----------------------------------------------------


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, dict[str, str]] | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return lines[0].split(" ")[0], headers


def _answer(headers: dict[str, str], status: str, extra: str = "", body: str = "") -> bytes:
    cseq = headers.get("cseq", "0")
    text = f"RTSP/1.0 {status}\r\nCSeq: {cseq}\r\n{extra}"
    if body:
        text += f"Content-Length: {len(body.encode())}\r\n"
    return (text + "\r\n" + body).encode()


async def _drain_until_eof(reader: asyncio.StreamReader) -> None:
    with contextlib.suppress(OSError):
        while await reader.read(4096):
            pass


def _rtsp_peer(behaviour: str, redirect_port: int):
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while (request := await _read_request(reader)) is not None:
                method, headers = request
                if method == "OPTIONS":
                    if behaviour == "stall_after_options":
                        writer.write(_answer(headers, "200 OK", "Public: DESCRIBE\r\n"))
                        await writer.drain()
                        await _drain_until_eof(reader)
                        return
                    writer.write(
                        _answer(headers, "200 OK", "Public: DESCRIBE, SETUP, PLAY, TEARDOWN\r\n")
                    )
                elif method == "DESCRIBE":
                    writer.write(_describe(behaviour, headers, redirect_port))
                elif method == "SETUP":
                    writer.write(
                        _answer(
                            headers,
                            "200 OK",
                            "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n"
                            "Session: 5f3c2a1b;timeout=60\r\n",
                        )
                    )
                elif method == "PLAY":
                    writer.write(_answer(headers, "200 OK", "Session: 5f3c2a1b\r\n"))
                    await writer.drain()
                    await _drain_until_eof(reader)  # the stall: no RTP ever
                    return
                else:
                    writer.write(_answer(headers, "200 OK"))
                await writer.drain()
        finally:
            writer.close()

    return handle


def _describe(behaviour: str, headers: dict[str, str], redirect_port: int) -> bytes:
    if behaviour == "redirect":
        location = f"rtsp://{REDIRECT_CREDENTIALS}@127.0.0.1:{redirect_port}/live"
        return _answer(headers, "302 Moved Temporarily", f"Location: {location}\r\n")
    if behaviour == "session_limit":
        return _answer(headers, "453 Not Enough Bandwidth")
    if behaviour == "forbidden_limit":
        return _answer(headers, "403 Forbidden", body="Maximum session limit reached")
    if behaviour == "mjpeg":
        return _answer(headers, "200 OK", "Content-Type: application/sdp\r\n", SDP_MJPEG)
    if behaviour == "basic_auth":
        expected = base64.b64encode(f"{BASIC_USER}:{BASIC_PASSWORD}".encode()).decode()
        if headers.get("authorization") == f"Basic {expected}":
            return _answer(headers, "404 Not Found")
        return _answer(headers, "401 Unauthorized", 'WWW-Authenticate: Basic realm="dvr"\r\n')
    if behaviour == "digest_qop":
        if _digest_ok(headers.get("authorization", ""), method="DESCRIBE"):
            return _answer(headers, "404 Not Found")
        return _answer(
            headers,
            "401 Unauthorized",
            'WWW-Authenticate: Basic realm="dvr"\r\n'
            'WWW-Authenticate: Digest realm="dvr", nonce="6a1f0c9e", qop="auth,auth-int", '
            'opaque="5ccc069c", algorithm=MD5\r\n',
        )
    return _answer(headers, "200 OK", "Content-Type: application/sdp\r\n", SDP_H264)


def _digest_ok(authorization: str, *, method: str) -> bool:
    scheme, _, rest = authorization.partition(" ")
    if scheme != "Digest":
        return False
    params = {
        key: value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        if value.startswith('"')
        else value
        for key, value in re.findall(r'(\w+)=("(?:[^"\\]|\\.)*"|[^,\s]+)', rest)
    }

    def md5(text: str) -> str:
        return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()

    if params.get("username") != DIGEST_USER or params.get("opaque") != "5ccc069c":
        return False
    if params.get("qop") != "auth" or not params.get("cnonce") or not params.get("nc"):
        return False
    ha1 = md5(f"{DIGEST_USER}:dvr:{DIGEST_PASSWORD}")
    ha2 = md5(f"{method}:{params.get('uri', '')}")
    expected = md5(f"{ha1}:6a1f0c9e:{params['nc']}:{params['cnonce']}:auth:{ha2}")
    return params.get("response") == expected


async def _silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await _drain_until_eof(reader)
    writer.close()


async def _closes(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.close()


async def _garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not rtsp at all\r\n")
    with contextlib.suppress(OSError):
        await writer.drain()
    await _drain_until_eof(reader)
    writer.close()


async def _http(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    if await _read_request(reader) is not None:
        body = b"<html><body>DVR Web Service</body></html>"
        writer.write(
            b"HTTP/1.1 200 OK\r\nServer: webs\r\nContent-Type: text/html\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        )
        with contextlib.suppress(OSError):
            await writer.drain()
    writer.close()


async def _serve(redirect_port: int) -> None:
    handlers = {
        "silent": _silent,
        "closes": _closes,
        "garbage": _garbage,
        "http": _http,
    }
    for behaviour in (
        "stall_after_play",
        "stall_after_options",
        "redirect",
        "session_limit",
        "forbidden_limit",
        "mjpeg",
        "basic_auth",
        "digest_qop",
    ):
        handlers[behaviour] = _rtsp_peer(behaviour, redirect_port)
    ports = {}
    servers = []
    for name, handler in handlers.items():
        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        servers.append(server)
        ports[name] = server.sockets[0].getsockname()[1]
    print(json.dumps(ports), flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # until the test process goes away
    for server in servers:
        server.close()


# --- the fixtures (in the test process) ----------------------------------------------------


@dataclass
class FaultPeers:
    ports: dict[str, int]
    process: subprocess.Popen = field(repr=False)

    def __getitem__(self, name: str) -> int:
        return self.ports[name]


class CountingListener:
    """A listening socket that nobody should connect to; counts who did."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0

    def connections(self) -> int:
        """Connections so far (completed handshakes wait in the accept queue)."""
        while True:
            try:
                conn, _ = self.sock.accept()
            except BlockingIOError:
                return self.accepted
            conn.close()
            self.accepted += 1

    def close(self) -> None:
        self.sock.close()


def start_fault_peers(*, redirect_port: int) -> FaultPeers:
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__)), str(redirect_port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        process.wait(timeout=5)
        raise RuntimeError("the fault peers did not start")
    return FaultPeers(ports=json.loads(line), process=process)


def stop_fault_peers(peers: FaultPeers) -> None:
    if peers.process.stdin:
        peers.process.stdin.close()
    try:
        peers.process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        peers.process.kill()
        peers.process.wait(timeout=5)
    if peers.process.stdout:
        peers.process.stdout.close()


def closed_port_number() -> int:
    """A loopback port with no listener (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def redirect_target() -> Iterator[CountingListener]:
    listener = CountingListener()
    try:
        yield listener
    finally:
        listener.close()


@pytest.fixture(scope="session")
def fault_peers(redirect_target: CountingListener) -> Iterator[FaultPeers]:
    peers = start_fault_peers(redirect_port=redirect_target.port)
    try:
        yield peers
    finally:
        stop_fault_peers(peers)


@pytest.fixture
def closed_port() -> int:
    return closed_port_number()


if __name__ == "__main__":
    asyncio.run(_serve(int(sys.argv[1])))
