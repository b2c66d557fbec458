"""The connectivity probe: one recorder, step by step, inside one time budget.

Steps (each with its own timeout, clipped to what is left of the budget):

``resolve``             resolve the host once and vet every address and both ports
``tcp_onvif``           TCP connect to the ONVIF port (when ONVIF is on)
``tcp_rtsp``            TCP connect to the RTSP port
``onvif_time``          GetSystemDateAndTime, no login (clock skew)
``onvif_device_info``   GetDeviceInformation (first call with the login)
``onvif_services``      GetServices, or GetCapabilities on older devices
``onvif_profiles``      GetProfiles
``onvif_stream_uri``    GetStreamUri of the first profile
``onvif_snapshot_uri``  GetSnapshotUri (optional: a failure here does not fail the check)
``rtsp_first_frame``    RTSP DESCRIBE/SETUP/PLAY on our vetted socket, decode one frame

The RTSP path comes from, in order: the owner's custom path, the ONVIF stream URI
(only its path and query: a URI naming a LAN address behind NAT still works, and
the host is always the vetted address), then the brand's templates. Another
candidate is tried only when the previous one was ``stream_not_found``.

This module talks to the network only through ``portal.netguard``,
``connectivity.onvif`` and ``connectivity.rtsp``; it never touches the database.
It runs inside an isolated worker process (``connectivity.isolation``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from connectivity import brands, rtsp
from connectivity.explanations import PASSED
from connectivity.onvif import DeviceInfo, OnvifClient, OnvifError, OnvifFindings
from portal import netguard

STEP_TIMEOUT = 4.0
FRAME_TIMEOUT = 8.0
CLOCK_SKEW_LIMIT_S = 60.0
LOW_FPS = 10.0
MIN_HEIGHT = 720
MAX_RTSP_CANDIDATES = 6
MIN_SCRUB_LENGTH = 6


@dataclass
class ProbeTarget:
    host: str
    rtsp_port: int
    onvif_port: int | None = None  # None: ONVIF is off
    username: str = ""
    password: str = field(default="", repr=False)
    rtsp_path: str = ""
    brand: str = "generic"
    channel: int = 1
    keep_jpeg: bool = False

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class Step:
    name: str
    ok: bool
    ms: int
    error_code: str = ""


@dataclass
class Stream:
    uri: str
    codec: str = ""
    width: int | None = None
    height: int | None = None
    fps: float | None = None


@dataclass
class ProbeResult:
    result_code: str
    steps: list[Step] = field(default_factory=list)
    device: dict[str, Any] = field(default_factory=dict)
    streams: list[Stream] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)
    ms_to_first_frame: int | None = None
    ms: int | None = None  # the whole probe
    jpeg: bytes | None = None

    @property
    def ok(self) -> bool:
        return self.result_code in PASSED

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data.pop("jpeg")
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], jpeg: bytes | None = None) -> ProbeResult:
        return cls(
            result_code=data["result_code"],
            steps=[Step(**s) for s in data.get("steps", [])],
            device=data.get("device", {}),
            streams=[Stream(**s) for s in data.get("streams", [])],
            warnings=list(data.get("warnings", [])),
            detail=data.get("detail", {}),
            ms_to_first_frame=data.get("ms_to_first_frame"),
            ms=data.get("ms"),
            jpeg=jpeg,
        )


class StepFailed(Exception):
    def __init__(self, code: str, **detail: Any) -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


def scrub(text: str, password: str) -> str:
    """A second guard behind ``rtsp.redact_uri``: no user information, and no password
    long enough to be recognised (a short one would mangle digits of the address)."""
    if len(password) >= MIN_SCRUB_LENGTH:
        text = text.replace(password, "***").replace(quote(password, safe=""), "***")
    parts = urlsplit(text)
    if parts.scheme and "@" in parts.netloc:
        text = text.replace(parts.netloc, parts.netloc.rsplit("@", 1)[1], 1)
    return text


class Probe:
    """One run of the steps for ``target``; ``on_step`` sees each finished step."""

    def __init__(
        self,
        target: ProbeTarget,
        *,
        budget: float,
        step_timeout: float = STEP_TIMEOUT,
        frame_timeout: float = FRAME_TIMEOUT,
        on_step: Callable[[Step], None] | None = None,
    ) -> None:
        self.target = target
        self.step_timeout = step_timeout
        self.frame_timeout = frame_timeout
        self.on_step = on_step
        self.deadline = time.monotonic() + budget
        self.result = ProbeResult(result_code="")
        self.findings = OnvifFindings()

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def timeout(self, wanted: float) -> float:
        left = self.remaining()
        if left <= 0.05:
            raise StepFailed("no_response", reason="budget")
        return min(wanted, left)

    def record(self, name: str, started: float, error_code: str = "") -> None:
        step = Step(
            name=name,
            ok=not error_code,
            ms=round((time.monotonic() - started) * 1000),
            error_code=error_code,
        )
        self.result.steps.append(step)
        if self.on_step is not None:
            self.on_step(step)

    async def step(self, name: str, run: Callable[[float], Awaitable[Any]], wanted: float) -> Any:
        started = time.monotonic()
        try:
            limit = self.timeout(wanted)
            async with asyncio.timeout(limit):
                value = await run(limit)
        except StepFailed as failure:
            self.record(name, started, failure.code)
            raise
        except OnvifError as error:
            self.record(name, started, error.code)
            raise StepFailed(error.code) from None
        except netguard.NetGuardError as error:
            self.record(name, started, error.code)
            raise StepFailed(error.code, port=getattr(error, "port", "")) from None
        except TimeoutError:
            self.record(name, started, "no_response")
            raise StepFailed("no_response") from None
        self.record(name, started)
        return value

    # --- the steps ------------------------------------------------------------

    async def run(self) -> ProbeResult:
        started = time.monotonic()
        try:
            await self._run()
        except StepFailed as failure:
            self.result.result_code = failure.code
            self.result.detail.update(failure.detail)
        self.result.device = {
            **dataclasses.asdict(self.findings.device),
            "channel_count": self.findings.channel_count,
        }
        if self.findings.clock_skew_s is not None:
            self.result.detail["clock_skew_s"] = round(self.findings.clock_skew_s)
        self.result.ms = round((time.monotonic() - started) * 1000)
        return self.result

    async def _run(self) -> None:
        onvif_address, rtsp_address = await self.step("resolve", self._resolve, self.step_timeout)
        checks = []
        if onvif_address is not None:
            checks.append(("tcp_onvif", onvif_address))
        checks.append(("tcp_rtsp", rtsp_address))
        outcomes = await asyncio.gather(
            *(
                self.step(name, self._connect(address), self.step_timeout)
                for name, address in checks
            ),
            return_exceptions=True,
        )
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        if onvif_address is not None:
            await self._onvif(onvif_address)
        await self._rtsp(rtsp_address)
        self._judge()

    async def _resolve(self, limit: float) -> tuple[Any, Any]:
        t = self.target
        first_port = t.onvif_port if t.onvif_port is not None else t.rtsp_port
        try:
            addresses = await netguard.resolve_and_vet(t.host, first_port, timeout=limit)
        except netguard.PortNotAllowed as error:
            raise StepFailed("port_not_allowed", port=error.port) from None
        first = addresses[0]
        # The second port is vetted against the same, already resolved IP: one DNS answer.
        try:
            rtsp = (await netguard.resolve_and_vet(first.ip, t.rtsp_port, timeout=limit))[0]
        except netguard.PortNotAllowed as error:
            raise StepFailed("port_not_allowed", port=error.port) from None
        rtsp = dataclasses.replace(rtsp, host=first.host)
        return (first if t.onvif_port is not None else None), rtsp

    def _connect(self, address: Any) -> Callable[[float], Awaitable[None]]:
        async def connect(limit: float) -> None:
            try:
                _reader, writer = await netguard.open_vetted_connection(address, timeout=limit)
            except (TimeoutError, OSError):
                raise StepFailed("port_closed", port=address.port) from None
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

        return connect

    async def _onvif(self, address: Any) -> None:
        t, f = self.target, self.findings
        port = {"port": address.port}
        async with OnvifClient(
            address=address, username=t.username, password=t.password, timeout=self.step_timeout
        ) as client:
            try:
                f.clock_skew_s = await self.step(
                    "onvif_time", lambda _l: client.clock_skew(), self.step_timeout
                )
            except StepFailed as failure:
                if failure.code != "auth_failed":  # some devices want a login even here
                    raise StepFailed(failure.code, **port) from None
            try:
                f.device = await self.step(
                    "onvif_device_info", lambda _l: client.device_information(), self.step_timeout
                )
            except StepFailed as failure:
                skew = f.clock_skew_s
                if (
                    failure.code == "auth_failed"
                    and skew is not None
                    and abs(skew) > CLOCK_SKEW_LIMIT_S
                ):
                    raise StepFailed("clock_skew", skew=round(skew)) from None
                raise StepFailed(failure.code, **port) from None
            try:
                await self.step(
                    "onvif_services", lambda _l: client.discover_media(), self.step_timeout
                )
                f.profiles = await self.step(
                    "onvif_profiles", lambda _l: client.profiles(), self.step_timeout
                )
                if not f.profiles:
                    raise StepFailed("no_media")
                token = f.profiles[0].token
                f.stream_uri = await self.step(
                    "onvif_stream_uri", lambda _l: client.stream_uri(token), self.step_timeout
                )
            except StepFailed as failure:
                raise StepFailed(failure.code, **port) from None
            with contextlib.suppress(StepFailed):
                f.snapshot_uri = await self.step(
                    "onvif_snapshot_uri", lambda _l: client.snapshot_uri(token), self.step_timeout
                )

    def rtsp_candidates(self) -> list[str]:
        """Paths (or whole device URIs) to open, best first.

        ``connectivity.rtsp`` keeps only the path and query of a whole URI and
        always connects to the vetted address, so a stream URI naming a LAN
        address behind NAT, or one pasted with credentials, is safe to pass.
        """
        t, candidates = self.target, []
        if t.rtsp_path.strip():
            candidates.append(_as_path(t.rtsp_path))
        if self.findings.stream_uri.lower().startswith(("rtsp://", "rtsps://")):
            candidates.append(self.findings.stream_uri)
        if not candidates:
            candidates.extend(
                brands.candidate_paths(
                    brand=t.brand, channel=t.channel, username=t.username, password=t.password
                )
            )
        return list(dict.fromkeys(candidates))[:MAX_RTSP_CANDIDATES]

    async def _rtsp(self, address: Any) -> None:
        t = self.target
        started = time.monotonic()
        code = "stream_not_found"
        for path in self.rtsp_candidates():
            try:
                limit = self.timeout(self.frame_timeout)
                frame = await rtsp.grab_first_frame(
                    address=address, path=path, username=t.username, password=t.password,
                    timeout=limit, keep_jpeg=t.keep_jpeg,
                )  # fmt: skip
            except StepFailed as failure:
                code = failure.code
                break
            except rtsp.RtspError as error:
                code = error.code
                if code != "stream_not_found":
                    break
                continue
            except TimeoutError:
                code = "no_response"
                break
            self.record("rtsp_first_frame", started)
            self.result.ms_to_first_frame = round(frame.ms_to_first_frame)
            self.result.jpeg = frame.jpeg if t.keep_jpeg else None
            self.result.streams.append(
                Stream(
                    uri=scrub(frame.uri, t.password),
                    codec=(frame.codec or "").lower(),
                    width=frame.width,
                    height=frame.height,
                    fps=round(frame.fps, 2) if frame.fps else None,
                )
            )
            return
        self.record("rtsp_first_frame", started, code)
        raise StepFailed(code, port=address.port)

    def _judge(self) -> None:
        warnings = []
        stream = self.result.streams[0]
        profile_codecs = {p.codec for p in self.findings.profiles}
        if stream.codec in ("hevc", "h265") and not (profile_codecs & {"h264"}):
            warnings.append("h265_only")
        fps = stream.fps or (self.findings.profiles[0].fps if self.findings.profiles else None)
        if fps is not None and fps < LOW_FPS:
            warnings.append("low_fps")
        if stream.height is not None and stream.height < MIN_HEIGHT:
            warnings.append("low_resolution")
        skew = self.findings.clock_skew_s
        if skew is not None and abs(skew) > CLOCK_SKEW_LIMIT_S:
            warnings.append("clock_skew")
        self.result.warnings = warnings
        self.result.result_code = "ok_with_warnings" if warnings else "ok"


def _as_path(path: str) -> str:
    path = path.strip()
    return path if "://" in path or path.startswith("/") else f"/{path}"


async def run_probe(
    target: ProbeTarget,
    *,
    budget: float,
    step_timeout: float = STEP_TIMEOUT,
    frame_timeout: float = FRAME_TIMEOUT,
    on_step: Callable[[Step], None] | None = None,
) -> ProbeResult:
    """Run every step for ``target`` in this process (the worker calls this)."""
    probe = Probe(
        target, budget=budget, step_timeout=step_timeout, frame_timeout=frame_timeout,
        on_step=on_step,
    )  # fmt: skip
    return await probe.run()


__all__ = ["DeviceInfo", "ProbeResult", "ProbeTarget", "Step", "Stream", "run_probe"]
