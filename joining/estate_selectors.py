"""Reads for the estate pages: a manager's owners and jobs, the dashboard rows, checks."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet

from connectivity.explanations import explain
from connectivity.models import Check
from joining.models import OPEN_STATES, ImportJob, ImportStatus
from owners import selectors as owner_selectors
from owners.models import Camera, Owner


def estate_owners(user: Any) -> QuerySet[Owner]:
    """Owners the user administers (imports, signing and bulk moves are an admin's)."""
    return owner_selectors.owners_administered_by(user)


def import_jobs_of(user: Any) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(owner__in=estate_owners(user)).select_related(
        "owner", "program"
    )


def latest_checks(*, recorder_ids: set[int]) -> dict[int, Check]:
    """The newest check of each recorder, finished or not."""
    latest: dict[int, Check] = {}
    for check in Check.objects.filter(recorder_id__in=recorder_ids).order_by(
        "recorder_id", "-created_at", "-pk"
    ):
        latest.setdefault(check.recorder_id, check)
    return latest


def dashboard_cameras(
    *, owner: Owner, state: str = "", check: str = "", village: str = "", q: str = ""
) -> tuple[list[dict[str, Any]], dict[int, Check]]:
    cameras = (
        Camera.objects.filter(recorder__site__owner=owner)
        .select_related("recorder__site__village")
        .prefetch_related("enrolments__program")
        .order_by("recorder__site__ref", "recorder__site__name", "recorder_id", "channel")
    )
    if state:
        cameras = cameras.filter(enrolments__state=state)
    if village:
        cameras = cameras.filter(recorder__site__village__code=village)
    if q:
        cameras = cameras.filter(
            Q(name__icontains=q)
            | Q(recorder__site__ref__icontains=q)
            | Q(recorder__site__name__icontains=q)
            | Q(recorder__site__address__icontains=q)
            | Q(recorder__host__icontains=q)
        )
    cameras = cameras.distinct()
    latest = latest_checks(recorder_ids=set(cameras.values_list("recorder_id", flat=True)))
    rows = []
    for camera in cameras:
        last = latest.get(camera.recorder_id)
        result = _check_result(last)
        if check and result != check:
            continue
        rows.append({"camera": camera, "check": last, "check_result": result})
    return rows, latest


def _check_result(check: Check | None) -> str:
    if check is None:
        return "none"
    if not check.finished:
        return "running"
    return "ok" if check.passed else "failed"


def check_summary(*, latest: dict[int, Check]) -> dict[str, Any]:
    """Counts by result code, the failing recorders with their advice, and progress."""
    codes: Counter[str] = Counter()
    failing = []
    running = 0
    for check in latest.values():
        if not check.finished:
            running += 1
            continue
        codes[check.result_code or "?"] += 1
        if not check.passed:
            failing.append({"check": check, "advice": explain(check.result_code, check.detail)})
    total = len(latest)
    return {
        "total": total,
        "running": running,
        "done": total - running,
        "percent": round(100 * (total - running) / total) if total else 100,
        "codes": sorted(codes.items()),
        "failing": failing,
    }


def import_jobs_in_flight(now: dt.datetime) -> QuerySet[ImportJob]:
    """Jobs in an open state within their deadline (``portal.inflight``)."""
    return ImportJob.objects.filter(status__in=OPEN_STATES, deadline__gte=now)


#: a step recorded this long ago without a task id was not handed over by its request
SEND_GRACE = dt.timedelta(seconds=30)


def import_jobs_unsent(now: dt.datetime) -> QuerySet[ImportJob]:
    """Jobs in flight whose queued step never reached the task engine (broker down).

    A step is queued with a fresh deadline of ``ESTATE_IMPORT_DEADLINE_SECONDS``, so
    its queueing time is that much before the deadline.
    """
    budget = dt.timedelta(seconds=settings.ESTATE_IMPORT_DEADLINE_SECONDS)
    return import_jobs_in_flight(now).filter(
        status__in=[ImportStatus.QUEUED, ImportStatus.APPLYING],
        task_id="",
        deadline__lte=now + budget - SEND_GRACE,
    )


def import_jobs_overdue(now: dt.datetime) -> QuerySet[ImportJob]:
    """Jobs still open past their deadline: ``estate_import.import_jobs_reap`` fails them."""
    return ImportJob.objects.filter(status__in=OPEN_STATES, deadline__lt=now)
