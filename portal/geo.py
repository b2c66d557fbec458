"""Shared geographic validation: points must lie in Indonesia."""

from __future__ import annotations

from decimal import Decimal
from math import asin, cos, radians, sin, sqrt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# A generous box around the archipelago: Sabang to Merauke, Miangas to Rote.
LAT_MIN, LAT_MAX = Decimal("-11"), Decimal("6")
LNG_MIN, LNG_MAX = Decimal("95"), Decimal("141")


def validate_point_in_indonesia(
    latitude: Decimal | float | None, longitude: Decimal | float | None
) -> None:
    if latitude is None or longitude is None:
        return
    lat, lng = Decimal(str(latitude)), Decimal(str(longitude))
    if not (LAT_MIN <= lat <= LAT_MAX and LNG_MIN <= lng <= LNG_MAX):
        raise ValidationError(
            _(
                "Titik %(lat)s, %(lng)s berada di luar Indonesia "
                "(lintang -11 sampai 6, bujur 95 sampai 141). Periksa pin peta."
            ),
            code="outside_indonesia",
            params={"lat": lat, "lng": lng},
        )


def distance_m(
    lat1: Decimal | float, lng1: Decimal | float, lat2: Decimal | float, lng2: Decimal | float
) -> int:
    """Great-circle distance in metres between two points (haversine, Earth radius 6,371 km)."""
    p1, p2 = radians(float(lat1)), radians(float(lat2))
    dp, dl = p2 - p1, radians(float(lng2) - float(lng1))
    a = sin(dp / 2) ** 2 + cos(p1) * cos(p2) * sin(dl / 2) ** 2
    return round(2 * 6_371_000 * asin(sqrt(a)))
