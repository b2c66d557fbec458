"""Reads of police reference data: public programs and where they are."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.cache import cache
from django.db.models import QuerySet

from police.models import Program, ProgramStatus, Region
from police.regions import region_q_strictly_inside

CACHE_PREFIX = "police:progress:v1"


# --- public programs ------------------------------------------------------------


def programs_public() -> QuerySet[Program]:
    """Programs anyone may see: running or finished, never drafts."""
    return Program.objects.filter(status__in=(ProgramStatus.ACTIVE, ProgramStatus.CLOSED))


def program_public_get(*, slug: str) -> Program | None:
    return programs_public().select_related("unit").filter(slug=slug).first()


# --- where programs are ----------------------------------------------------------


def _centroid(program: Program) -> tuple[float, float] | None:
    areas = list(program.area.all())
    pairs = [(a.latitude, a.longitude) for a in areas]
    if not any(lat is not None for lat, _ in pairs) and areas:
        inside = region_q_strictly_inside([area.code for area in areas])
        pairs = list(
            Region.objects.filter(inside, latitude__isnull=False).values_list(
                "latitude", "longitude"
            )
        )
    points = [(lat, lng) for lat, lng in pairs if lat is not None and lng is not None]
    if not points:
        return None
    return (
        round(float(sum(p[0] for p in points)) / len(points), 4),
        round(float(sum(p[1] for p in points)) / len(points), 4),
    )


def programs_centroids(*, programs: Iterable[Program]) -> dict[int, tuple[float, float] | None]:
    """The middle of each program's area (public region centroids), for "near me"."""
    programs = list(programs)
    keys = {f"{CACHE_PREFIX}:centroid:{p.pk}": p for p in programs}
    found = cache.get_many(list(keys))
    result = {keys[k].pk: v for k, v in found.items()}
    for key, program in keys.items():
        if key not in found:
            result[program.pk] = _centroid(program)
            cache.set(key, result[program.pk], 3600)
    return result
