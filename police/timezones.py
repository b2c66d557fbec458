"""Indonesia's three time zones, by province (the first two digits of a Kemendagri code).

WIB (UTC+7) is western Indonesia, WITA (UTC+8) central, WIT (UTC+9) eastern.
Receipts and messages show times in the zone of the camera's place, named as
Indonesians name it.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

# Bali, NTB, NTT, South/East/North Kalimantan and the six Sulawesi provinces.
WITA_PROVINCES = frozenset({"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"})
# Maluku, North Maluku and the Papua provinces.
WIT_PROVINCES = frozenset({"81", "82", "91", "92", "93", "94", "95", "96"})

WIB = (ZoneInfo("Asia/Jakarta"), "WIB")
WITA = (ZoneInfo("Asia/Makassar"), "WITA")
WIT = (ZoneInfo("Asia/Jayapura"), "WIT")


def zone_for_region(code: str | None) -> tuple[ZoneInfo, str]:
    """The time zone and its Indonesian abbreviation for a region code (WIB if unknown)."""
    province = (code or "")[:2]
    if province in WITA_PROVINCES:
        return WITA
    if province in WIT_PROVINCES:
        return WIT
    return WIB
