"""Officers and their jurisdiction, without any owner data.

Who is an officer, which units lie under their unit, which region codes they
cover, and the reference data (units, programs, regions) they may see. What
they may see of owners' cameras is consent-aware and lives a layer up, in
``registry.scoping``, built on these functions.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from police.models import Officer, OfficerRole, PoliceUnit, Program, Region, UnitTarget
from police.regions import region_code_lineage, region_q


def officer_of(user: Any) -> Officer | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        officer = user.officer
    except Officer.DoesNotExist:
        return None
    return officer if officer.active else None


def is_police_staff(user: Any) -> bool:
    return officer_of(user) is not None


def unit_and_descendants(unit: PoliceUnit) -> list[int]:
    """Ids of ``unit`` and every unit below it (at most three levels deep)."""
    ids = [unit.pk]
    frontier = [unit.pk]
    while frontier:
        frontier = list(
            PoliceUnit.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
        )
        ids.extend(frontier)
    return ids


def unit_ancestors(unit: PoliceUnit) -> list[int]:
    """Ids of ``unit`` and every unit above it."""
    ids = []
    current: PoliceUnit | None = unit
    while current is not None:
        ids.append(current.pk)
        current = current.parent
    return ids


def jurisdiction_codes(officer: Officer) -> list[str]:
    """Region codes an officer may see; a Bhabinkamtibmas sees only their villages."""
    if officer.role == OfficerRole.BHABINKAMTIBMAS:
        return list(officer.villages.values_list("code", flat=True))
    units = unit_and_descendants(officer.unit)
    return list(
        Region.objects.filter(police_units__in=units).values_list("code", flat=True).distinct()
    )


def units_covering(codes: list[str]) -> QuerySet[PoliceUnit]:
    """Units whose jurisdiction includes any of ``codes`` (directly or from above)."""
    lineage = {c for code in codes for c in region_code_lineage(code)}
    return PoliceUnit.objects.filter(regions__code__in=lineage).distinct().order_by("level")


def units_visible_to(user: Any) -> QuerySet[PoliceUnit]:
    if getattr(user, "is_superuser", False):
        return PoliceUnit.objects.all()
    officer = officer_of(user)
    if officer is None:
        return PoliceUnit.objects.none()
    return PoliceUnit.objects.filter(pk__in=unit_and_descendants(officer.unit))


def programs_visible_to(user: Any) -> QuerySet[Program]:
    """Programs an officer works on: those of their unit, above or below it."""
    if getattr(user, "is_superuser", False):
        return Program.objects.all()
    officer = officer_of(user)
    if officer is None:
        return Program.objects.none()
    return Program.objects.filter(
        Q(unit__in=unit_and_descendants(officer.unit)) | Q(unit__in=unit_ancestors(officer.unit))
    ).distinct()


def regions_visible_to(user: Any) -> QuerySet[Region]:
    if getattr(user, "is_superuser", False):
        return Region.objects.all()
    officer = officer_of(user)
    if officer is None:
        return Region.objects.none()
    return Region.objects.filter(region_q(jurisdiction_codes(officer)))


def officers_visible_to(user: Any) -> QuerySet[Officer]:
    """Officers an administrator may manage: all for platform admins, else their units'."""
    if getattr(user, "is_superuser", False):
        return Officer.objects.all()
    officer = officer_of(user)
    if officer is None or officer.role != OfficerRole.COMMANDER:
        return Officer.objects.none()
    return Officer.objects.filter(unit__in=unit_and_descendants(officer.unit))


def unit_targets_visible_to(user: Any) -> QuerySet[UnitTarget]:
    """Per-unit targets of the programs ``user`` works on (program administrators edit them)."""
    return UnitTarget.objects.filter(program__in=programs_visible_to(user)).select_related(
        "program", "unit"
    )
