"""A fake ONVIF device that speaks SOAP 1.2 over HTTP on a real loopback socket.

It checks WS-Security UsernameToken PasswordDigest like a real recorder
(SHA-1 of nonce + created + password, with a freshness window against its own
clock), answers the device and media calls the probe makes, and can misbehave:

- ``clock_skew``: the device clock is off by that many seconds;
- ``mode="http_page"``: a plain web page answers everything (not ONVIF);
- ``mode="silent"``: accepts connections and never answers;
- ``mode="xxe"``: answers with a DOCTYPE that declares an external entity;
- ``mode="redirect"``: answers 302 to ``redirect_to`` (must never be followed);
- ``lan_host``: XAddrs and stream URIs name a LAN address, as behind NAT.

Many devices can share one event loop thread (``FakeDeviceHost``), so the
benchmark runs hundreds of them in one process.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from lxml import etree

NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "wsse": "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd",
    "wsu": "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd",
}
DEVICE_NS = "http://www.onvif.org/ver10/device/wsdl"
MEDIA_NS = "http://www.onvif.org/ver10/media/wsdl"
ENVELOPE = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
    'xmlns:tds="http://www.onvif.org/ver10/device/wsdl" '
    'xmlns:trt="http://www.onvif.org/ver10/media/wsdl" '
    'xmlns:tt="http://www.onvif.org/ver10/schema" '
    'xmlns:ter="http://www.onvif.org/ver10/error">'
    "<s:Body>{body}</s:Body></s:Envelope>"
)
# Calls a real device answers without a login.
UNAUTHENTICATED = {"GetSystemDateAndTime"}
FRESHNESS_WINDOW = dt.timedelta(minutes=5)


@dataclass
class FakeProfile:
    token: str = "Profile_1"
    name: str = "mainStream"
    source: str = "VideoSource_1"
    encoding: str = "H264"
    width: int = 1920
    height: int = 1080
    fps: int = 25
    path: str = "/Streaming/Channels/101"


@dataclass
class FakeOnvifConfig:
    username: str = "onvif"
    password: str = "s3cret:p@ss/#?"
    manufacturer: str = "HIKVISION"
    model: str = "DS-7608NI-K2"
    firmware: str = "V4.61.005 build 221116"
    serial: str = "DS-7608NI-K20820221116CCRRJ12345678WCVU"
    clock_skew: float = 0.0
    mode: str = "onvif"
    get_services: bool = True
    lan_host: str | None = "192.168.1.64"
    lan_onvif_port: int = 80
    rtsp_port: int = 554
    profiles: list[FakeProfile] = field(default_factory=lambda: [FakeProfile()])
    redirect_to: str = ""
    snapshot_path: str = "/onvif-http/snapshot?Profile_1"


class FakeOnvifDevice:
    """One fake device listening on 127.0.0.1; start it on a running loop."""

    def __init__(self, config: FakeOnvifConfig | None = None) -> None:
        self.config = config or FakeOnvifConfig()
        self.calls: Counter[str] = Counter()
        self.auth_failures = 0
        self.connections = 0
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self, port: int = 0) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            await self._server.wait_closed()

    # --- HTTP ----------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.add(writer)
        try:
            if self.config.mode == "silent":
                await reader.read()  # until the client gives up
                return
            while True:
                request = await _read_request(reader)
                if request is None:
                    return
                path, body = request
                status, content_type, payload, extra = self._respond(path, body)
                head = (
                    f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
                    f"Content-Length: {len(payload)}\r\n{extra}Connection: keep-alive\r\n\r\n"
                )
                writer.write(head.encode() + payload)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            self._writers.discard(writer)
            writer.close()

    def _respond(self, path: str, body: bytes) -> tuple[str, str, bytes, str]:
        mode = self.config.mode
        if mode == "http_page":
            page = b"<!doctype html><html><body><h1>Router login</h1></body></html>"
            return "200 OK", "text/html", page, ""
        if mode == "redirect":
            return "302 Found", "text/plain", b"", f"Location: {self.config.redirect_to}\r\n"
        if mode == "xxe":
            evil = (
                '<?xml version="1.0"?><!DOCTYPE s:Envelope [<!ENTITY xxe SYSTEM '
                '"file:///etc/hostname">]><s:Envelope xmlns:s="http://www.w3.org/2003/05/'
                'soap-envelope"><s:Body><x>&xxe;</x></s:Body></s:Envelope>'
            )
            return "200 OK", "application/soap+xml", evil.encode(), ""
        try:
            root = etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False))
        except etree.XMLSyntaxError:
            return "400 Bad Request", "text/plain", b"bad xml", ""
        body_el = root.find("s:Body", NS)
        if body_el is None or len(body_el) == 0:
            return "400 Bad Request", "text/plain", b"no body", ""
        action = etree.QName(body_el[0]).localname
        self.calls[action] += 1
        if action not in UNAUTHENTICATED and not self._authorised(root):
            self.auth_failures += 1
            return "400 Bad Request", "application/soap+xml", self._fault().encode(), ""
        handler = getattr(self, f"_op_{action}", None)
        if handler is None:
            return (
                "400 Bad Request",
                "application/soap+xml",
                self._fault("ActionNotSupported").encode(),
                "",
            )
        return "200 OK", "application/soap+xml; charset=utf-8", handler(body_el[0]).encode(), ""

    # --- WS-Security ---------------------------------------------------------

    def device_now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=self.config.clock_skew)

    def _authorised(self, root: etree._Element) -> bool:
        token = root.find("s:Header/wsse:Security/wsse:UsernameToken", NS)
        if token is None:
            return False
        username = token.findtext("wsse:Username", namespaces=NS) or ""
        password = token.find("wsse:Password", NS)
        nonce = token.findtext("wsse:Nonce", namespaces=NS) or ""
        created = token.findtext("wsu:Created", namespaces=NS) or ""
        if password is None or username != self.config.username:
            return False
        try:
            created_at = dt.datetime.fromisoformat(created.replace("Z", "+00:00"))
            raw_nonce = base64.b64decode(nonce)
        except ValueError:
            return False
        if abs(self.device_now() - created_at) > FRESHNESS_WINDOW:
            return False
        expected = base64.b64encode(
            hashlib.sha1(  # noqa: S324 - WS-Security PasswordDigest is SHA-1 by definition
                raw_nonce + created.encode() + self.config.password.encode()
            ).digest()
        ).decode()
        return (password.text or "") == expected

    def _fault(self, subcode: str = "NotAuthorized") -> str:
        return ENVELOPE.format(
            body=(
                "<s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode>"
                f"<s:Value>ter:{subcode}</s:Value></s:Subcode></s:Code>"
                '<s:Reason><s:Text xml:lang="en">Sender not Authorized</s:Text></s:Reason>'
                "</s:Fault>"
            )
        )

    # --- operations ----------------------------------------------------------

    def _base(self, scheme: str = "http") -> str:
        if self.config.lan_host:
            return f"{scheme}://{self.config.lan_host}:{self.config.lan_onvif_port}"
        return f"{scheme}://127.0.0.1:{self.port}"

    def _rtsp_base(self) -> str:
        host = self.config.lan_host or "127.0.0.1"
        return f"rtsp://{host}:{self.config.rtsp_port}"

    def _op_GetSystemDateAndTime(self, _request: etree._Element) -> str:
        now = self.device_now()
        return ENVELOPE.format(
            body=(
                "<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>"
                "<tt:DateTimeType>Manual</tt:DateTimeType><tt:DaylightSavings>false"
                "</tt:DaylightSavings><tt:TimeZone><tt:TZ>WIB-7</tt:TZ></tt:TimeZone>"
                f"<tt:UTCDateTime><tt:Time><tt:Hour>{now.hour}</tt:Hour><tt:Minute>{now.minute}"
                f"</tt:Minute><tt:Second>{now.second}</tt:Second></tt:Time><tt:Date><tt:Year>"
                f"{now.year}</tt:Year><tt:Month>{now.month}</tt:Month><tt:Day>{now.day}</tt:Day>"
                "</tt:Date></tt:UTCDateTime></tds:SystemDateAndTime>"
                "</tds:GetSystemDateAndTimeResponse>"
            )
        )

    def _op_GetDeviceInformation(self, _request: etree._Element) -> str:
        c = self.config
        return ENVELOPE.format(
            body=(
                f"<tds:GetDeviceInformationResponse><tds:Manufacturer>{escape(c.manufacturer)}"
                f"</tds:Manufacturer><tds:Model>{escape(c.model)}</tds:Model><tds:FirmwareVersion>"
                f"{escape(c.firmware)}</tds:FirmwareVersion><tds:SerialNumber>{escape(c.serial)}"
                "</tds:SerialNumber><tds:HardwareId>88</tds:HardwareId>"
                "</tds:GetDeviceInformationResponse>"
            )
        )

    def _op_GetServices(self, _request: etree._Element) -> str:
        if not self.config.get_services:
            return self._fault("ActionNotSupported")
        services = "".join(
            f"<tds:Service><tds:Namespace>{ns}</tds:Namespace><tds:XAddr>{self._base()}{path}"
            "</tds:XAddr><tds:Version><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor>"
            "</tds:Version></tds:Service>"
            for ns, path in ((DEVICE_NS, "/onvif/device_service"), (MEDIA_NS, "/onvif/Media"))
        )
        return ENVELOPE.format(
            body=f"<tds:GetServicesResponse>{services}</tds:GetServicesResponse>"
        )

    def _op_GetCapabilities(self, _request: etree._Element) -> str:
        base = self._base()
        return ENVELOPE.format(
            body=(
                "<tds:GetCapabilitiesResponse><tds:Capabilities>"
                f"<tt:Device><tt:XAddr>{base}/onvif/device_service</tt:XAddr></tt:Device>"
                f"<tt:Media><tt:XAddr>{base}/onvif/Media</tt:XAddr><tt:StreamingCapabilities>"
                "<tt:RTPMulticast>false</tt:RTPMulticast><tt:RTP_TCP>true</tt:RTP_TCP>"
                "<tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media>"
                "</tds:Capabilities></tds:GetCapabilitiesResponse>"
            )
        )

    def _op_GetProfiles(self, _request: etree._Element) -> str:
        profiles = "".join(
            f'<trt:Profiles token="{p.token}" fixed="true"><tt:Name>{p.name}</tt:Name>'
            f'<tt:VideoSourceConfiguration token="VSC_{p.source}"><tt:Name>{p.source}</tt:Name>'
            f"<tt:UseCount>2</tt:UseCount><tt:SourceToken>{p.source}</tt:SourceToken>"
            f'<tt:Bounds x="0" y="0" width="{p.width}" height="{p.height}"/>'
            f'</tt:VideoSourceConfiguration><tt:VideoEncoderConfiguration token="VEC_{p.token}">'
            f"<tt:Name>{p.name}</tt:Name><tt:UseCount>1</tt:UseCount><tt:Encoding>{p.encoding}"
            f"</tt:Encoding><tt:Resolution><tt:Width>{p.width}</tt:Width><tt:Height>{p.height}"
            "</tt:Height></tt:Resolution><tt:Quality>3</tt:Quality><tt:RateControl>"
            f"<tt:FrameRateLimit>{p.fps}</tt:FrameRateLimit><tt:EncodingInterval>1"
            "</tt:EncodingInterval><tt:BitrateLimit>4096</tt:BitrateLimit></tt:RateControl>"
            "<tt:SessionTimeout>PT5S</tt:SessionTimeout></tt:VideoEncoderConfiguration>"
            "</trt:Profiles>"
            for p in self.config.profiles
        )
        return ENVELOPE.format(
            body=f"<trt:GetProfilesResponse>{profiles}</trt:GetProfilesResponse>"
        )

    def _profile(self, request: etree._Element) -> FakeProfile | None:
        token = request.findtext(f"{{{MEDIA_NS}}}ProfileToken")
        return next((p for p in self.config.profiles if p.token == token), None)

    def _media_uri(self, tag: str, uri: str) -> str:
        return ENVELOPE.format(
            body=(
                f"<trt:{tag}Response><trt:MediaUri><tt:Uri>{escape(uri)}</tt:Uri>"
                "<tt:InvalidAfterConnect>false</tt:InvalidAfterConnect><tt:InvalidAfterReboot>"
                "false</tt:InvalidAfterReboot><tt:Timeout>PT60S</tt:Timeout></trt:MediaUri>"
                f"</trt:{tag}Response>"
            )
        )

    def _op_GetStreamUri(self, request: etree._Element) -> str:
        profile = self._profile(request)
        if profile is None:
            return self._fault("NoProfile")
        return self._media_uri("GetStreamUri", f"{self._rtsp_base()}{profile.path}")

    def _op_GetSnapshotUri(self, request: etree._Element) -> str:
        return self._media_uri("GetSnapshotUri", f"{self._base()}{self.config.snapshot_path}")


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, bytes] | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) < 2:
        return None
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    body = await reader.readexactly(length) if length else b""
    return parts[1], body


class FakeDeviceHost:
    """An event loop in a thread that hosts any number of fake devices."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self.devices: list[FakeOnvifDevice] = []

    def add(self, config: FakeOnvifConfig | None = None, port: int = 0) -> FakeOnvifDevice:
        device = FakeOnvifDevice(config)
        asyncio.run_coroutine_threadsafe(device.start(port), self.loop).result(timeout=10)
        self.devices.append(device)
        return device

    def close(self) -> None:
        async def stop_all() -> None:
            for device in self.devices:
                await device.stop()

        asyncio.run_coroutine_threadsafe(stop_all(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()


@contextmanager
def fake_onvif_device(config: FakeOnvifConfig | None = None) -> Iterator[FakeOnvifDevice]:
    host = FakeDeviceHost()
    try:
        yield host.add(config)
    finally:
        host.close()


def serve_in_subprocess(configs: list[dict]) -> None:
    """``python -m tests.fakes.onvif_device '<json list of configs>'``: host the devices,
    print their ports as one JSON line, stop when stdin closes (used by the benchmark)."""
    import json
    import sys

    async def main() -> None:
        devices = []
        for values in configs:
            profiles = [FakeProfile(**p) for p in values.pop("profiles", [{}])]
            device = FakeOnvifDevice(FakeOnvifConfig(profiles=profiles, **values))
            await device.start()
            devices.append(device)
        print(json.dumps([d.port for d in devices]), flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        for device in devices:
            await device.stop()

    asyncio.run(main())


if __name__ == "__main__":
    import json
    import sys

    serve_in_subprocess(json.loads(sys.argv[1]))
