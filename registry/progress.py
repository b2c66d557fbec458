"""Progress toward program targets: the one definition of which cameras count.

The public pages (``cms``) and the police workspace read these functions, so
the two never count differently.

Which enrolments count
----------------------
The public figure ("350 / 1.000 kamera") counts cameras **the police accepted**:
``verified``, ``connected`` and ``stickered``. Cameras still being handled
(``submitted``, ``checked``) are shown separately as "in process". Drafts,
rejected and withdrawn enrolments are never shown.

How it stays cheap
------------------
No request counts all enrolments. Aggregates are computed once and kept in the
cache under a key that contains a *change stamp*: the highest enrolment id and
the highest enrolment-transition id. Every ``owners.services.enrolment_transition``
writes a transition row and every new enrolment gets a new id, so the stamp
moves and the next read recomputes; nothing has to remember to invalidate.
Reading the stamp is two index lookups (``MAX(id)``). Deletions (a camera
removed with its enrolments) and out-of-order commits are caught by the TTL
(``PROGRESS_CACHE_SECONDS``, one minute by default).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q
from django.utils.formats import number_format

from owners.models import Enrolment, EnrolmentState, EnrolmentTransition
from police.models import Program, Region
from police.regions import region_code_parent

S = EnrolmentState

#: States that count toward a program's public target: accepted by the police.
COUNTED_STATES: tuple[str, ...] = (S.VERIFIED, S.CONNECTED, S.STICKERED)
#: States shown as "in process": submitted by the owner, not yet verified.
IN_PROCESS_STATES: tuple[str, ...] = (S.SUBMITTED, S.CHECKED)

CACHE_PREFIX = "police:progress:v1"  # unchanged key, so deploys keep their cache


def progress_cache_seconds() -> int:
    return int(getattr(settings, "PROGRESS_CACHE_SECONDS", 60))


def percent_label(counted: int, target: int) -> str:
    """The share of the target as people read it: "35", or "0,4" below one percent.

    "0% dari target" for 83 of 20,000 reads as failure; below 1% the share gets
    one decimal (in the page's number format). 0 stays "0", and the value never
    passes 100.
    """
    if target <= 0 or counted <= 0:
        return "0"
    share = counted * 100 / target
    if share < 1:
        return number_format(max(share, 0.1), decimal_pos=1)
    return str(min(100, counted * 100 // target))


@dataclass(frozen=True)
class ProgramProgress:
    program_id: int
    target: int
    counted: int
    in_process: int
    by_state: dict[str, int] = field(default_factory=dict)

    @property
    def percent(self) -> int:
        """Share of the target reached, 0..100 (a program may pass its target)."""
        if self.target <= 0:
            return 0
        return min(100, self.counted * 100 // self.target)

    @property
    def percent_label(self) -> str:
        return percent_label(self.counted, self.target)


@dataclass(frozen=True)
class AreaProgress:
    """Counts in one village or district; the point is the area's public centroid."""

    code: str
    name: str
    parent_name: str
    latitude: float | None
    longitude: float | None
    counted: int
    in_process: int


# --- the change stamp -----------------------------------------------------------


def progress_stamp() -> str:
    """A short string that changes whenever an enrolment is created or moves."""
    enrolments = connection.ops.quote_name(Enrolment._meta.db_table)
    transitions = connection.ops.quote_name(EnrolmentTransition._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT MAX(id) FROM {enrolments}), "  # noqa: S608 (table names only)
            f"(SELECT MAX(id) FROM {transitions})"
        )
        row = cursor.fetchone()
    return f"{row[0] or 0}.{row[1] or 0}"


def _key(kind: str, program_id: int, stamp: str) -> str:
    return f"{CACHE_PREFIX}:{kind}:{program_id}:{stamp}"


# --- whole-program progress -----------------------------------------------------


def _count_progress(programs: list[Program]) -> dict[int, ProgramProgress]:
    rows = (
        Enrolment.objects.filter(program__in=[p.pk for p in programs])
        .values("program_id", "state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_program: dict[int, dict[str, int]] = {p.pk: {} for p in programs}
    for row in rows:
        by_program[row["program_id"]][row["state"]] = row["n"]
    return {
        p.pk: ProgramProgress(
            program_id=p.pk,
            target=p.target,
            counted=sum(by_program[p.pk].get(s, 0) for s in COUNTED_STATES),
            in_process=sum(by_program[p.pk].get(s, 0) for s in IN_PROCESS_STATES),
            by_state=by_program[p.pk],
        )
        for p in programs
    }


def programs_progress(*, programs: Iterable[Program]) -> dict[int, ProgramProgress]:
    """Progress of several programs, keyed by program id: one cache round trip."""
    programs = list(programs)
    if not programs:
        return {}
    stamp = progress_stamp()
    keys = {_key("total", p.pk, f"{stamp}.{p.target}"): p for p in programs}
    found = cache.get_many(list(keys))
    result: dict[int, ProgramProgress] = {keys[k].pk: v for k, v in found.items()}
    missing = [p for k, p in keys.items() if k not in found]
    if missing:
        computed = _count_progress(missing)
        cache.set_many(
            {_key("total", p.pk, f"{stamp}.{p.target}"): computed[p.pk] for p in missing},
            progress_cache_seconds(),
        )
        result.update(computed)
    return result


def program_progress(*, program: Program) -> ProgramProgress:
    return programs_progress(programs=[program])[program.pk]


def progress_totals(*, programs: Iterable[Program]) -> ProgramProgress:
    """The sum over ``programs`` (the home page's overall counts)."""
    progresses = list(programs_progress(programs=programs).values())
    return ProgramProgress(
        program_id=0,
        target=sum(p.target for p in progresses),
        counted=sum(p.counted for p in progresses),
        in_process=sum(p.in_process for p in progresses),
    )


# --- progress by area -----------------------------------------------------------


def _count_by_village(program: Program) -> list[AreaProgress]:
    rows = (
        Enrolment.objects.filter(program=program, state__in=COUNTED_STATES + IN_PROCESS_STATES)
        .values("camera__recorder__site__village_id")
        .annotate(
            counted=Count("pk", filter=Q(state__in=COUNTED_STATES)),
            in_process=Count("pk", filter=Q(state__in=IN_PROCESS_STATES)),
        )
        .order_by()
    )
    counts = {r["camera__recorder__site__village_id"]: r for r in rows}
    villages = Region.objects.filter(pk__in=counts).select_related("parent")
    areas = [
        AreaProgress(
            code=v.code,
            name=v.name,
            parent_name=v.parent.name if v.parent else "",
            latitude=float(v.latitude) if v.latitude is not None else None,
            longitude=float(v.longitude) if v.longitude is not None else None,
            counted=counts[v.pk]["counted"],
            in_process=counts[v.pk]["in_process"],
        )
        for v in villages
    ]
    areas.sort(key=lambda a: (-a.counted, -a.in_process, a.code))
    return areas


def program_progress_by_village(*, program: Program) -> list[AreaProgress]:
    """Counted and in-process cameras per village, most cameras first.

    Only the village's public centroid is returned, never where a camera or a
    home is.
    """
    key = _key("village", program.pk, progress_stamp())
    areas = cache.get(key)
    if areas is None:
        areas = _count_by_village(program)
        cache.set(key, areas, progress_cache_seconds())
    return areas


def program_progress_by_district(*, program: Program) -> list[AreaProgress]:
    """The village figures summed per district (kecamatan)."""
    villages = program_progress_by_village(program=program)
    district_codes = {region_code_parent(a.code) for a in villages}
    districts = {
        d.code: d for d in Region.objects.filter(code__in=district_codes).select_related("parent")
    }
    sums: dict[str, list[int]] = {}
    for a in villages:
        district = sums.setdefault(region_code_parent(a.code) or a.code, [0, 0])
        district[0] += a.counted
        district[1] += a.in_process
    result = []
    for code, (counted, in_process) in sums.items():
        d = districts.get(code)
        if d is None:
            continue
        result.append(
            AreaProgress(
                code=code,
                name=d.name,
                parent_name=d.parent.name if d.parent else "",
                latitude=float(d.latitude) if d.latitude is not None else None,
                longitude=float(d.longitude) if d.longitude is not None else None,
                counted=counted,
                in_process=in_process,
            )
        )
    result.sort(key=lambda a: (-a.counted, -a.in_process, a.code))
    return result
