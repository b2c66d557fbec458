"""What we know about recorder brands: default ports, channel numbering, RTSP paths.

Used when ONVIF is off or does not answer: the probe tries the brand's RTSP paths
in order (main stream of channel 1 first). The choices match
``owners.models.RecorderBrand``; the form shows ``help_text`` next to each.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class BrandProfile:
    key: str
    onvif_port: int
    rtsp_port: int
    # Path templates, best first. ``{ch}`` is the channel as the brand numbers it,
    # ``{ch0}`` zero-based; ``{username}``/``{password}`` for firmwares that take
    # credentials in the path (Xiongmai), percent-encoded.
    rtsp_paths: tuple[str, ...]
    first_channel: int
    help_text: str | Promise

    def channel_number(self, channel: int) -> int:
        """The brand's number for our 1-based ``channel``."""
        return channel - 1 + self.first_channel

    def paths(self, *, channel: int = 1, username: str = "", password: str = "") -> list[str]:
        number = self.channel_number(channel)
        return [
            template.format(
                ch=number,
                ch0=channel - 1,
                username=quote(username, safe=""),
                password=quote(password, safe=""),
            )
            for template in self.rtsp_paths
        ]


BRANDS: dict[str, BrandProfile] = {
    # Hikvision and the brands built on its firmware (HiWatch, Annke, EZVIZ).
    # Channel 1 main stream is 101, sub stream 102; older DVRs number IP
    # channels from 33 (D1 = 3301), which the owner can type as a custom path.
    "hikvision": BrandProfile(
        key="hikvision",
        onvif_port=80,
        rtsp_port=554,
        rtsp_paths=("/Streaming/Channels/{ch}01", "/h264/ch{ch}/main/av_stream"),
        first_channel=1,
        help_text=_(
            "Hikvision, HiWatch, Annke, EZVIZ: RTSP port 554, jalur /Streaming/Channels/101. "
            "ONVIF harus diaktifkan dan butuh pengguna ONVIF terpisah."
        ),
    ),
    "dahua": BrandProfile(
        key="dahua",
        onvif_port=80,
        rtsp_port=554,
        rtsp_paths=("/cam/realmonitor?channel={ch}&subtype=0",),
        first_channel=1,
        help_text=_(
            "Dahua, Amcrest: RTSP port 554, jalur /cam/realmonitor?channel=1&subtype=0. "
            "Pengguna ONVIF diatur terpisah di menu ONVIF."
        ),
    ),
    "xiongmai": BrandProfile(
        key="xiongmai",
        onvif_port=8899,
        rtsp_port=554,
        rtsp_paths=(
            "/user={username}&password={password}&channel={ch}&stream=0.sdp?real_stream",
            "/live/ch{ch0:02d}_0",
        ),
        first_channel=1,
        help_text=_("Xiongmai, XMEye: ONVIF port 8899, RTSP port 554."),
    ),
    "uniview": BrandProfile(
        key="uniview",
        onvif_port=80,
        rtsp_port=554,
        rtsp_paths=("/unicast/c{ch}/s0/live", "/media/video{ch}"),
        first_channel=1,
        help_text=_("Uniview: RTSP port 554, jalur /unicast/c1/s0/live."),
    ),
    "tapo": BrandProfile(
        key="tapo",
        onvif_port=2020,
        rtsp_port=554,
        rtsp_paths=("/stream1", "/stream2"),
        first_channel=1,
        help_text=_(
            "TP-Link Tapo: ONVIF port 2020, RTSP port 554, jalur /stream1. Buat akun kamera "
            "di aplikasi Tapo (Pengaturan lanjutan > Akun kamera)."
        ),
    ),
    "generic": BrandProfile(
        key="generic",
        onvif_port=80,
        rtsp_port=554,
        rtsp_paths=("/stream1", "/live", "/ch01.264", "/"),
        first_channel=1,
        help_text=_("Merek lain: kami mencoba jalur RTSP yang umum."),
    ),
}

# When the brand is unknown ("generic") every brand's main stream is tried, most
# common in Indonesian installations first.
GENERIC_ORDER = ("hikvision", "dahua", "xiongmai", "uniview", "tapo", "generic")


def brand_profile(key: str) -> BrandProfile:
    return BRANDS.get(key, BRANDS["generic"])


def candidate_paths(
    *, brand: str, channel: int = 1, username: str = "", password: str = ""
) -> list[str]:
    """RTSP paths to try for ``brand``, best first, without duplicates."""
    keys: tuple[str, ...] = (
        (brand, "generic") if brand in BRANDS and brand != "generic" else GENERIC_ORDER
    )
    seen: dict[str, None] = {}
    for key in keys:
        for path in BRANDS[key].paths(channel=channel, username=username, password=password):
            seen.setdefault(path, None)
    return list(seen)


def iter_brand_help() -> Iterator[tuple[str, str]]:
    for key, profile in BRANDS.items():
        yield key, str(profile.help_text)
