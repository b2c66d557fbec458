"""Reads for owners' pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from owners.models import Invitation, JoinDraft
from police.models import Program, Region, RegionLevel
from portal.roles import region_q


def villages_of_program(*, program: Program) -> QuerySet[Region]:
    codes = list(program.area.values_list("code", flat=True))
    return Region.objects.filter(region_q(codes, ""), level=RegionLevel.VILLAGE).order_by("name")


def village_nearest(
    *, villages: QuerySet[Region], latitude: Decimal, longitude: Decimal
) -> Region | None:
    """The village whose centre is nearest the pin, within about 5 km; else None."""
    best: tuple[float, Region] | None = None
    lat, lng = float(latitude), float(longitude)
    for village in villages.exclude(latitude__isnull=True).exclude(longitude__isnull=True):
        d = (float(village.latitude) - lat) ** 2 + (float(village.longitude) - lng) ** 2  # type: ignore[arg-type]
        if best is None or d < best[0]:
            best = (d, village)
    if best is None or best[0] > 0.045**2:
        return None
    return best[1]


def join_drafts_of(user: Any) -> QuerySet[JoinDraft]:
    """Only the person who started a draft may open it."""
    if not getattr(user, "is_authenticated", False):
        return JoinDraft.objects.none()
    return JoinDraft.objects.filter(user=user).select_related(
        "program", "owner", "site", "recorder"
    )


def invitations_for(user: Any) -> QuerySet[Invitation]:
    """Open invitations addressed to the user's verified email or phone."""
    from allauth.account.models import EmailAddress
    from django.db.models import Q

    if not getattr(user, "is_authenticated", False):
        return Invitation.objects.none()
    emails = list(
        EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    )
    q = Q(email__in=[e.lower() for e in emails]) if emails else Q(pk__in=[])
    if user.phone and user.phone_verified:
        q |= Q(phone=user.phone)
    return Invitation.objects.filter(q, accepted_at__isnull=True).select_related("owner")
