"""ONVIF calls to one vetted address, through onvif-zeep-async.

We use the library's packaged WSDLs, its cached WSDL documents, its zeep client
and its WS-Security digest token, but not ``ONVIFCamera``: that class deletes
the process's proxy variables, follows whatever XAddrs the device returns,
waits 90 s per call and leaves stream URIs pointing at the LAN. Instead:

- every HTTP request goes to the one vetted IP and port (a pinned connector
  refuses anything else), XAddrs and the snapshot URI are rewritten onto it;
- redirects are never followed, bodies are capped, and a response carrying a
  DOCTYPE is refused before zeep parses it; zeep itself runs with DTDs,
  entities and external references forbidden, and its loader reads only the
  packaged WSDL directory;
- importing the library cannot change the process: proxy variables and the
  root logger are put back as they were (see ``_onvif_client``);
- each call runs under its own timeout (``timeout`` seconds) set by the caller.

Errors are ``OnvifError`` with a result code from ``connectivity.explanations``.
"""

from __future__ import annotations

import datetime as dt
import importlib
import ipaddress
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import aiohttp

if TYPE_CHECKING:
    from portal.netguard import VettedAddress

logger = logging.getLogger(__name__)

DEVICE_NS = "http://www.onvif.org/ver10/device/wsdl"
MEDIA_NS = "http://www.onvif.org/ver10/media/wsdl"
MAX_BODY_BYTES = 2 * 1024 * 1024
AUTH_SUBCODES = {"NotAuthorized", "FailedAuthentication", "InvalidSecurity", "FailedCheck"}
PROXY_VARIABLES = (
    "http_proxy", "https_proxy", "all_proxy", "no_proxy",
    "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY",
)  # fmt: skip

T = TypeVar("T")


class OnvifError(Exception):
    """An ONVIF step failed; ``code`` is a result code, ``detail`` fills its message."""

    def __init__(self, code: str, reason: str = "") -> None:
        super().__init__(f"{code}: {reason}" if reason else code)
        self.code = code
        self.reason = reason


class AddressRefused(aiohttp.ClientError):
    """A request was about to leave the vetted address."""


class UnsafeResponse(Exception):
    """The device sent a redirect, a DOCTYPE or an oversized body."""


# --- containing the library's import-time side effects ------------------------


@contextmanager
def process_state_preserved() -> Iterator[None]:
    """Put proxy variables and the root logger back as they were."""
    saved_env = {name: os.environ.get(name) for name in PROXY_VARIABLES}
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    try:
        yield
    finally:
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)


def _onvif_client() -> ModuleType:
    """Import ``onvif.client`` without letting it touch the rest of the process.

    ``onvif.client`` calls ``logging.basicConfig`` at import and
    ``ONVIFCamera`` pops ``http(s)_proxy`` from the environment; we never
    construct ``ONVIFCamera`` and undo whatever the import does.
    """
    loaded = sys.modules.get("onvif.client")
    if loaded is not None:
        return loaded
    with process_state_preserved():
        return importlib.import_module("onvif.client")


def hardened_settings() -> Any:
    from zeep.settings import Settings

    return Settings(
        strict=False,
        xml_huge_tree=False,
        forbid_dtd=True,
        forbid_entities=True,
        forbid_external=True,
        force_https=False,
    )


def wsdl_path(service: str) -> str:
    client = _onvif_client()
    return str(Path(client._WSDL_PATH) / client.SERVICES[service]["wsdl"])


async def warm_up() -> None:
    """Parse the packaged device and media WSDLs once (worker start-up)."""
    client = _onvif_client()
    for service in ("devicemgmt", "media"):
        await client._cached_document(wsdl_path(service))


# --- the pinned HTTP transport --------------------------------------------------


def _same_ip(a: str | None, b: str) -> bool:
    try:
        return a is not None and ipaddress.ip_address(a.strip("[]")) == ipaddress.ip_address(b)
    except ValueError:
        return False


class PinnedConnector(aiohttp.TCPConnector):
    """A connector that only ever connects to one vetted IP and port."""

    def __init__(self, *, ip: str, port: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pinned_ip = ip
        self.pinned_port = port

    async def connect(self, req: Any, traces: Any, timeout: Any) -> Any:
        if not _same_ip(req.url.host, self.pinned_ip) or req.url.port != self.pinned_port:
            raise AddressRefused(f"refused {req.url.host}:{req.url.port}")
        return await super().connect(req, traces, timeout)


def _transport_class() -> type:
    client = _onvif_client()
    package_dir = Path(client._WSDL_PATH).resolve()

    class VettedTransport(client.AsyncTransportProtocolErrorHandler):  # type: ignore[name-defined,misc]
        """zeep transport: no redirects, capped bodies, no DOCTYPE, local WSDLs only."""

        async def _post_internal(
            self, address: str, message: str | bytes, headers: dict[str, str]
        ) -> tuple[aiohttp.ClientResponse, bytes]:
            headers = headers or {}
            headers.setdefault("Content-Type", 'application/soap+xml; charset="utf-8"')
            data = message.encode("utf-8") if isinstance(message, str) else message
            response = await self.session.post(
                address, data=data, headers=headers, allow_redirects=False,
                timeout=self._client_timeout,
            )  # fmt: skip
            async with response:
                if 300 <= response.status < 400:
                    raise UnsafeResponse(f"redirect {response.status} refused")
                if (response.content_length or 0) > MAX_BODY_BYTES:
                    raise UnsafeResponse("body too large")
                content = await response.content.read(MAX_BODY_BYTES + 1)
                if len(content) > MAX_BODY_BYTES:
                    raise UnsafeResponse("body too large")
            if b"<!doctype" in content[:4096].lower():
                raise UnsafeResponse("DOCTYPE refused")
            return response, content

        async def get(self, address: str, params: Any = None, headers: Any = None) -> Any:
            raise UnsafeResponse("GET is not used by the probe")

        def load(self, url: str) -> bytes:
            path = Path(url.removeprefix("file://")).resolve()
            if not path.is_relative_to(package_dir):
                raise UnsafeResponse(f"refused to load {url}")
            return path.read_bytes()

    return VettedTransport


# --- results --------------------------------------------------------------------


@dataclass
class DeviceInfo:
    manufacturer: str = ""
    model: str = ""
    firmware: str = ""
    serial: str = ""


@dataclass
class MediaProfile:
    token: str
    name: str = ""
    source: str = ""
    codec: str = ""
    width: int | None = None
    height: int | None = None
    fps: float | None = None


@dataclass
class OnvifFindings:
    device: DeviceInfo = field(default_factory=DeviceInfo)
    clock_skew_s: float | None = None
    profiles: list[MediaProfile] = field(default_factory=list)
    stream_uri: str = ""
    snapshot_uri: str = ""

    @property
    def channel_count(self) -> int:
        return len({p.source for p in self.profiles if p.source}) or (1 if self.profiles else 0)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _float(value: Any) -> float | None:
    try:
        return float(str(value))
    except (TypeError, ValueError):
        return None


# --- the client -----------------------------------------------------------------


class OnvifClient:
    """ONVIF device and media calls to ``address`` (a ``VettedAddress``)."""

    def __init__(
        self, *, address: VettedAddress, username: str, password: str, timeout: float
    ) -> None:
        self.address = address
        self.username = username
        self.password = password
        self.scheme = "https" if address.port in (443, 8443) else "http"
        host = f"[{address.ip}]" if ":" in address.ip else address.ip
        self.base = f"{self.scheme}://{host}:{address.port}"
        self.device_xaddr = f"{self.base}/onvif/device_service"
        self.media_xaddr = self.device_xaddr
        self._session = aiohttp.ClientSession(
            connector=PinnedConnector(ip=address.ip, port=address.port, ssl=False, limit=4),
            timeout=aiohttp.ClientTimeout(total=timeout, sock_connect=timeout, sock_read=timeout),
            trust_env=False,
        )
        self._transport = _transport_class()(session=self._session, verify_ssl=False, cache=None)
        self._proxies: dict[tuple[str, bool], Any] = {}

    async def __aenter__(self) -> OnvifClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self._session.close()

    def rewrite(self, url: str) -> str:
        """``url`` (an XAddr or snapshot URI from the device) moved onto the vetted base."""
        parts = urlsplit(url.strip())
        if parts.scheme.lower() not in ("http", "https"):
            raise OnvifError("not_onvif", "device returned a non-HTTP address")
        return urlunsplit(
            (self.scheme, urlsplit(self.base).netloc, parts.path or "/", parts.query, "")
        )

    async def _proxy(self, service: str, *, authenticated: bool = True) -> Any:
        key = (service, authenticated)
        if key not in self._proxies:
            client = _onvif_client()
            document = await client._cached_document(wsdl_path(service))
            wsse = (
                client.UsernameDigestTokenDtDiff(self.username, self.password, use_digest=True)
                if authenticated
                else None
            )
            zeep_client = client.ZeepAsyncClient(
                wsdl=document, wsse=wsse, transport=self._transport,
                settings=hardened_settings(), plugins=[client.WsAddressingIfMissingPlugin()],
            )  # fmt: skip
            definition = client.SERVICES[service]
            binding = "{{{}}}{}".format(definition["ns"], definition["binding"])
            address = self.device_xaddr if service == "devicemgmt" else self.media_xaddr
            self._proxies[key] = zeep_client.create_service(binding, address)
        return self._proxies[key]

    async def _call(self, make: Callable[[], Awaitable[T]]) -> T:
        from zeep import exceptions as zx

        try:
            return await make()
        except OnvifError:
            raise
        except zx.Fault as fault:
            subcodes = {getattr(code, "localname", str(code)) for code in fault.subcodes or []}
            text = f"{fault.message or ''} {fault.code or ''}".lower()
            if subcodes & AUTH_SUBCODES or "not authorized" in text or "unauthori" in text:
                raise OnvifError("auth_failed", "device refused the credentials") from None
            raise OnvifError("not_onvif", "SOAP fault") from None
        except zx.TransportError as error:
            if error.status_code == 401:
                raise OnvifError("auth_failed", "HTTP 401") from None
            raise OnvifError("not_onvif", f"HTTP {error.status_code}") from None
        except (zx.Error, UnsafeResponse, AddressRefused) as error:
            raise OnvifError("not_onvif", type(error).__name__) from None
        except (aiohttp.ClientConnectorError, ConnectionRefusedError):
            raise OnvifError("port_closed", "connection refused") from None
        except TimeoutError:
            raise OnvifError("no_response", "timed out") from None
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError, ConnectionError):
            raise OnvifError("no_response", "connection dropped") from None
        except (aiohttp.ClientError, ValueError, AttributeError, TypeError) as error:
            raise OnvifError("not_onvif", type(error).__name__) from None

    # --- the calls the probe makes, in order --------------------------------

    async def clock_skew(self) -> float | None:
        """Seconds the device clock is ahead of ours (GetSystemDateAndTime, no login)."""

        async def call() -> Any:
            proxy = await self._proxy("devicemgmt", authenticated=False)
            return await proxy.GetSystemDateAndTime()

        answer = await self._call(call)
        utc = getattr(answer, "UTCDateTime", None)
        if utc is None:
            return None
        try:
            device_time = dt.datetime(
                int(utc.Date.Year), int(utc.Date.Month), int(utc.Date.Day),
                int(utc.Time.Hour), int(utc.Time.Minute), int(utc.Time.Second), tzinfo=dt.UTC,
            )  # fmt: skip
        except (AttributeError, TypeError, ValueError):
            return None
        return (device_time - dt.datetime.now(dt.UTC)).total_seconds()

    async def device_information(self) -> DeviceInfo:
        async def call() -> Any:
            return await (await self._proxy("devicemgmt")).GetDeviceInformation()

        answer = await self._call(call)
        return DeviceInfo(
            manufacturer=_text(getattr(answer, "Manufacturer", "")),
            model=_text(getattr(answer, "Model", "")),
            firmware=_text(getattr(answer, "FirmwareVersion", "")),
            serial=_text(getattr(answer, "SerialNumber", "")),
        )

    async def discover_media(self) -> str:
        """Find the media service (GetServices, else GetCapabilities); returns its XAddr."""
        from zeep import exceptions as zx

        device = await self._proxy("devicemgmt")
        xaddr = ""
        try:
            services = await device.GetServices(IncludeCapability=False)
            for service in services or []:
                if _text(getattr(service, "Namespace", "")) == MEDIA_NS:
                    xaddr = _text(getattr(service, "XAddr", ""))
        except zx.Fault as fault:
            subcodes = {getattr(code, "localname", str(code)) for code in fault.subcodes or []}
            if subcodes & AUTH_SUBCODES:
                raise OnvifError("auth_failed", "device refused the credentials") from None
        except zx.Error:
            pass  # GetServices is optional; GetCapabilities below
        if not xaddr:

            async def capabilities() -> Any:
                return await device.GetCapabilities(Category="All")

            answer = await self._call(capabilities)
            xaddr = _text(getattr(getattr(answer, "Media", None), "XAddr", ""))
        if xaddr:
            self.media_xaddr = self.rewrite(xaddr)
            self._proxies = {k: v for k, v in self._proxies.items() if k[0] != "media"}
        return self.media_xaddr

    async def profiles(self) -> list[MediaProfile]:
        async def call() -> Any:
            return await (await self._proxy("media")).GetProfiles()

        found = []
        for profile in await self._call(call) or []:
            encoder = getattr(profile, "VideoEncoderConfiguration", None)
            source = getattr(profile, "VideoSourceConfiguration", None)
            resolution = getattr(encoder, "Resolution", None)
            rate = getattr(encoder, "RateControl", None)
            found.append(
                MediaProfile(
                    token=_text(getattr(profile, "token", "")),
                    name=_text(getattr(profile, "Name", "")),
                    source=_text(getattr(source, "SourceToken", "")),
                    codec=_text(getattr(encoder, "Encoding", "")).lower(),
                    width=_int(getattr(resolution, "Width", None)),
                    height=_int(getattr(resolution, "Height", None)),
                    fps=_float(getattr(rate, "FrameRateLimit", None)),
                )
            )
        return [p for p in found if p.token]

    async def stream_uri(self, token: str) -> str:
        """The RTSP URI as the device states it (LAN host and all); the caller rewrites it."""

        async def call() -> Any:
            return await (await self._proxy("media")).GetStreamUri(
                StreamSetup={"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}},
                ProfileToken=token,
            )

        answer = await self._call(call)
        return _text(getattr(answer, "Uri", ""))

    async def snapshot_uri(self, token: str) -> str:
        """The snapshot URI moved onto the vetted address ("" when the device has none)."""

        async def call() -> Any:
            return await (await self._proxy("media")).GetSnapshotUri(ProfileToken=token)

        uri = _text(getattr(await self._call(call), "Uri", ""))
        return self.rewrite(uri) if uri else ""
