"""Shared geographic validation: points must lie in Indonesia."""

from __future__ import annotations

from decimal import Decimal

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
