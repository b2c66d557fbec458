"""Rollups of enrolment counts: kept up to date as enrolments change, rebuilt on demand.

Every state change goes through ``owners.services.enrolment_transition``, which
writes an ``EnrolmentTransition`` row in the same transaction. The receivers
below (connected in ``WorkspaceConfig.ready``) turn each such row, each new
enrolment and each deleted enrolment into +1/-1 on ``EnrolmentRollup`` (per
program, village and state) and ``EnrolmentWeekRollup`` (per program, village
and week, cameras that began or stopped counting), with an atomic upsert, so
two officers moving enrolments at once never lose a count.

Drafts bulk-inserted without signals (the estate import's ``COPY``) leave the
draft count low, but every later move is a transition, so every state a page
shows stays exact; no page shows drafts. Other writes that bypass model signals
(``bulk_create`` in the demo seed, raw SQL, a site moved to another village)
are repaired by ``rollups_rebuild``, which
recounts everything in one transaction: ``seed_demo`` calls it, and so does the
nightly periodic task and ``manage.py police_rollups --rebuild``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from owners.models import Camera, Enrolment, EnrolmentTransition
from registry.progress import COUNTED_STATES
from workspace.models import EnrolmentRollup, EnrolmentWeekRollup


def week_of(day: dt.date) -> dt.date:
    """The Monday of ``day``'s week."""
    return day - dt.timedelta(days=day.weekday())


def _local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()


def _upsert(table: str, key_columns: tuple[str, ...], value_column: str, rows: list[tuple]) -> None:
    """INSERT ... ON CONFLICT DO UPDATE SET value = value + excluded.value (PostgreSQL, SQLite)."""
    if not rows:
        return
    qn = connection.ops.quote_name
    columns = (*key_columns, value_column)
    placeholders = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(rows))
    sql = (
        f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)}) "  # noqa: S608 (names only)
        f"VALUES {placeholders} "
        f"ON CONFLICT ({', '.join(qn(c) for c in key_columns)}) "
        f"DO UPDATE SET {qn(value_column)} = {qn(table)}.{qn(value_column)} "
        f"+ excluded.{qn(value_column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [v for row in rows for v in row])


def _village_of(camera_id: int) -> int | None:
    return (
        Camera.objects.filter(pk=camera_id).values_list("recorder__site__village_id", flat=True)
    ).first()


def rollup_apply(
    *,
    program_id: int,
    village_id: int | None,
    from_state: str | None,
    to_state: str | None,
    at: dt.datetime,
) -> None:
    """Move one enrolment of ``program_id`` in ``village_id`` from one state to another.

    ``from_state`` is None for a new enrolment, ``to_state`` None for a deleted one.
    """
    if village_id is None:
        return
    counts: list[tuple] = []
    if from_state:
        counts.append((program_id, village_id, from_state, -1))
    if to_state:
        counts.append((program_id, village_id, to_state, 1))
    _upsert(EnrolmentRollup._meta.db_table, ("program_id", "village_id", "state"), "n", counts)
    was, now = from_state in COUNTED_STATES, to_state in COUNTED_STATES
    if was != now:
        _upsert(
            EnrolmentWeekRollup._meta.db_table,
            ("program_id", "village_id", "week"),
            "delta",
            [(program_id, village_id, week_of(_local_date(at)), 1 if now else -1)],
        )


# --- receivers (connected in WorkspaceConfig.ready) ------------------------------------


def on_transition_saved(
    sender: Any, instance: EnrolmentTransition, created: bool, **_: Any
) -> None:
    if not created or instance.from_state == instance.to_state:
        return
    enrolment = instance.enrolment
    rollup_apply(
        program_id=enrolment.program_id,
        village_id=_village_of(enrolment.camera_id),
        from_state=instance.from_state,
        to_state=instance.to_state,
        at=instance.at or timezone.now(),
    )


def on_enrolment_saved(sender: Any, instance: Enrolment, created: bool, **_: Any) -> None:
    if not created:
        return
    rollup_apply(
        program_id=instance.program_id,
        village_id=_village_of(instance.camera_id),
        from_state=None,
        to_state=instance.state,
        at=instance.state_changed_at or timezone.now(),
    )


def on_enrolment_deleted(sender: Any, instance: Enrolment, **_: Any) -> None:
    # A cascade deletes enrolments before their camera, so the village is still there;
    # when it is not, the nightly rebuild repairs the rollup.
    rollup_apply(
        program_id=instance.program_id,
        village_id=_village_of(instance.camera_id),
        from_state=instance.state,
        to_state=None,
        at=timezone.now(),
    )


# --- rebuild -----------------------------------------------------------------------------


@transaction.atomic
def rollups_rebuild() -> int:
    """Recount both rollups from the enrolments and their transitions; returns the rows written.

    The week rollup replays every transition that crossed the counted line; an
    enrolment that is counted without such a transition (loaded directly) counts
    from the week its state last changed.
    """
    EnrolmentRollup.objects.all().delete()
    EnrolmentWeekRollup.objects.all().delete()
    rows = (
        Enrolment.objects.filter(camera__recorder__site__village__isnull=False)
        .values("program_id", "camera__recorder__site__village_id", "state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    EnrolmentRollup.objects.bulk_create(
        [
            EnrolmentRollup(
                program_id=r["program_id"],
                village_id=r["camera__recorder__site__village_id"],
                state=r["state"],
                n=r["n"],
            )
            for r in rows
        ],
        batch_size=1000,
    )
    weeks: dict[tuple[int, int, dt.date], int] = defaultdict(int)
    replayed: dict[tuple[int, int], int] = defaultdict(int)
    crossings = (
        EnrolmentTransition.objects.exclude(
            from_state__in=COUNTED_STATES, to_state__in=COUNTED_STATES
        )
        .filter(enrolment__camera__recorder__site__village__isnull=False)
        .values_list(
            "enrolment__program_id",
            "enrolment__camera__recorder__site__village_id",
            "from_state",
            "to_state",
            "at",
        )
        .order_by()
    )
    for program_id, village_id, from_state, to_state, at in crossings.iterator(chunk_size=5000):
        was, now = from_state in COUNTED_STATES, to_state in COUNTED_STATES
        if was == now:
            continue
        delta = 1 if now else -1
        weeks[(program_id, village_id, week_of(_local_date(at)))] += delta
        replayed[(program_id, village_id)] += delta
    counted_now = (
        Enrolment.objects.filter(
            state__in=COUNTED_STATES, camera__recorder__site__village__isnull=False
        )
        .values_list("program_id", "camera__recorder__site__village_id", "state_changed_at")
        .order_by()
    )
    remaining: dict[tuple[int, int], int] = defaultdict(int)
    for program_id, village_id, _at in counted_now.iterator(chunk_size=5000):
        remaining[(program_id, village_id)] += 1
    for key, n in remaining.items():
        missing = n - replayed.get(key, 0)
        if missing:
            weeks[(*key, week_of(timezone.localdate()))] += missing
    EnrolmentWeekRollup.objects.bulk_create(
        [
            EnrolmentWeekRollup(program_id=p, village_id=v, week=w, delta=d)
            for (p, v, w), d in weeks.items()
            if d
        ],
        batch_size=1000,
    )
    return EnrolmentRollup.objects.count() + len(weeks)
