"""Reads on owners: what a member may see and change, villages, drafts, invitations.

A person reaches owners' objects only through their memberships; what the
police may see (jurisdiction and consent) is ``registry.scoping``, a layer up.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from allauth.account.models import EmailAddress
from django.db.models import Q, QuerySet

from owners.models import (
    Camera,
    Invitation,
    JoinDraft,
    MemberRole,
    Owner,
    OwnerEvent,
    Recorder,
    Site,
)
from police.models import Program, Region, RegionLevel
from police.regions import region_q

# --- membership scoping -------------------------------------------------------------


def _authenticated(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def owners_member_of(user: Any) -> QuerySet[Owner]:
    """Owners ``user`` belongs to in any role (never through a police jurisdiction)."""
    if not _authenticated(user):
        return Owner.objects.none()
    return Owner.objects.filter(memberships__user=user).distinct()


def owners_editable_by(user: Any) -> QuerySet[Owner]:
    """Owners whose sites, recorders and cameras ``user`` may change."""
    if not _authenticated(user):
        return Owner.objects.none()
    return Owner.objects.filter(
        memberships__user=user, memberships__role__in=(MemberRole.ADMIN, MemberRole.EDITOR)
    ).distinct()


def owners_administered_by(user: Any) -> QuerySet[Owner]:
    """Owners ``user`` administers: may sign and withdraw consent, manage members, delete.

    The one definition of "admin of this owner"; ``owner_is_administered_by``
    asks it for one owner.
    """
    if not _authenticated(user):
        return Owner.objects.none()
    return Owner.objects.filter(
        memberships__user=user, memberships__role=MemberRole.ADMIN
    ).distinct()


def owner_is_administered_by(*, owner: Owner, user: Any) -> bool:
    return owners_administered_by(user).filter(pk=owner.pk).exists()


def sites_of_member(user: Any) -> QuerySet[Site]:
    """Sites of the owners ``user`` belongs to, whatever else they may be (owner pages)."""
    return Site.objects.filter(owner__in=owners_member_of(user))


def recorders_of_member(user: Any) -> QuerySet[Recorder]:
    return Recorder.objects.filter(site__owner__in=owners_member_of(user))


def cameras_of_member(user: Any) -> QuerySet[Camera]:
    return Camera.objects.filter(recorder__site__owner__in=owners_member_of(user))


def sites_editable_by(user: Any) -> QuerySet[Site]:
    return Site.objects.filter(owner__in=owners_editable_by(user))


def recorders_editable_by(user: Any) -> QuerySet[Recorder]:
    return Recorder.objects.filter(site__owner__in=owners_editable_by(user))


def cameras_editable_by(user: Any) -> QuerySet[Camera]:
    return Camera.objects.filter(recorder__site__owner__in=owners_editable_by(user))


def user_has_memberships(user: Any) -> bool:
    return Owner.objects.filter(memberships__user=user).exists()


# --- villages, drafts, invitations ---------------------------------------------------


def villages_of_program(*, program: Program) -> QuerySet[Region]:
    codes = list(program.area.values_list("code", flat=True))
    return (
        Region.objects.filter(region_q(codes), level=RegionLevel.VILLAGE)
        .select_related("parent")
        .order_by("name", "parent__name")
    )


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
    if not getattr(user, "is_authenticated", False):
        return Invitation.objects.none()
    emails = list(
        EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    )
    q = Q(email__in=[e.lower() for e in emails]) if emails else Q(pk__in=[])
    if user.phone and user.phone_verified:
        q |= Q(phone=user.phone)
    return Invitation.objects.filter(q, accepted_at__isnull=True).select_related("owner")


def owner_history(*, owner: Owner) -> QuerySet[OwnerEvent]:
    """The owner's membership history, newest first."""
    return OwnerEvent.objects.filter(owner=owner).order_by("-at", "-pk")
