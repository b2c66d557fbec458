"""Reads for connectivity: checks, the recorders due for a re-check, snapshot consent."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from connectivity.explanations import LOST
from connectivity.models import Check, CheckStatus, RecorderStatusEvent
from consent.models import Scope
from consent.selectors import camera_has_scope
from owners import selectors as owner_selectors
from owners.models import CONNECTED_STATES, Camera, Recorder
from registry import scoping

logger = logging.getLogger(__name__)

UNFINISHED = (CheckStatus.QUEUED, CheckStatus.RUNNING)
#: how many probe budgets one run of a check may take: a batch task runs its chunk
#: (``CONNECTIVITY_RECHECK_CONCURRENCY * RECHECK_CHUNK_WAVES`` checks) in waves, and a
#: probe whose worker dies is run once more alone.
RECHECK_CHUNK_WAVES = 4
#: a check is handed to the engine after its transaction commits; the sweep leaves
#: younger unsent checks to the request that is still sending them.
SEND_GRACE = dt.timedelta(seconds=30)


def check_queue_deadline() -> dt.timedelta:
    """How long a check may wait in the queue before it counts as lost."""
    return dt.timedelta(minutes=settings.CONNECTIVITY_QUEUE_MINUTES)


def check_run_deadline() -> dt.timedelta:
    """How long a started check may run: its probe budget per wave, one solo re-run,
    and a minute for the engine and the database."""
    budget = settings.CONNECTIVITY_PROBE_BUDGET
    return dt.timedelta(seconds=budget * (RECHECK_CHUNK_WAVES + 1) + 60)


def _in_flight_q(now: dt.datetime) -> Q:
    return Q(status=CheckStatus.QUEUED, created_at__gt=now - check_queue_deadline()) | Q(
        status=CheckStatus.RUNNING, started_at__gt=now - check_run_deadline()
    )


def checks_in_flight(now: dt.datetime | None = None) -> QuerySet[Check]:
    """THE definition of a check in flight: queued or running, within its deadline.

    Every read that asks "is this recorder being checked?" uses it: a check whose
    worker died stops counting at its deadline, even before the reaper marks it lost.
    """
    return Check.objects.filter(_in_flight_q(now or timezone.now()))


def checks_overdue(now: dt.datetime | None = None) -> QuerySet[Check]:
    """Checks still marked queued or running but past their deadline (the reaper's work)."""
    now = now or timezone.now()
    return Check.objects.filter(status__in=UNFINISHED).exclude(_in_flight_q(now))


def checks_unsent(now: dt.datetime | None = None) -> QuerySet[Check]:
    """Checks in flight that never reached the task engine (the broker was down)."""
    now = now or timezone.now()
    return checks_in_flight(now).filter(
        status=CheckStatus.QUEUED, task_id="", created_at__lte=now - SEND_GRACE
    )


def checks_for_recorder(*, recorder: Recorder) -> QuerySet[Check]:
    return Check.objects.filter(recorder=recorder).order_by("-created_at", "-pk")


def check_latest(*, recorder: Recorder) -> Check | None:
    return checks_for_recorder(recorder=recorder).first()


def checks_latest_for(*, recorder_ids: set[int]) -> dict[int, Check]:
    """The latest finished check of each recorder (for lists: one query)."""
    latest: dict[int, Check] = {}
    for check in Check.objects.filter(
        recorder_id__in=recorder_ids, status=CheckStatus.FINISHED
    ).order_by("recorder_id", "-created_at", "-pk"):
        latest.setdefault(check.recorder_id, check)
    return latest


def check_in_progress(*, recorder: Recorder, now: dt.datetime | None = None) -> Check | None:
    """A check of ``recorder`` in flight (``checks_in_flight``), the newest first."""
    return checks_in_flight(now).filter(recorder=recorder).order_by("-created_at", "-pk").first()


def checks_visible_to(user: Any) -> QuerySet[Check]:
    """Checks of the recorders ``user`` may see (scoped by ``registry.scoping``)."""
    return Check.objects.filter(recorder__in=scoping.recorders_visible_to(user))


def status_events_for_recorder(*, recorder: Recorder) -> QuerySet[RecorderStatusEvent]:
    return RecorderStatusEvent.objects.filter(recorder=recorder)


def recorders_due_for_recheck(*, now: dt.datetime | None = None) -> QuerySet[Recorder]:
    """Connected recorders without a check in the last ``CONNECTIVITY_RECHECK_HOURS``
    and none in flight. A lost check (its worker died) does not count as a check."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(hours=settings.CONNECTIVITY_RECHECK_HOURS)
    recent = (
        Check.objects.filter(recorder=OuterRef("pk"), created_at__gt=cutoff)
        .filter(status=CheckStatus.FINISHED)
        .exclude(result_code=LOST)
    )
    busy = checks_in_flight(now).filter(recorder=OuterRef("pk"))
    return (
        Recorder.objects.filter(cameras__enrolments__state__in=CONNECTED_STATES)
        .distinct()
        .filter(~Exists(recent), ~Exists(busy))
        .order_by("pk")
    )


def snapshot_camera(*, recorder: Recorder) -> Camera | None:
    """The camera a probe's first frame shows: the recorder's first channel."""
    return recorder.cameras.order_by("channel").first()


def snapshot_visible_to(*, user: Any, check: Check) -> bool:
    """Whether ``user`` may see ``check``'s kept snapshot.

    Members of the owner always; anyone else (the police) only while scope (e)
    is in force for the camera the frame shows and they may see that camera.
    """
    if not check.snapshot:
        return False
    if owner_selectors.recorders_of_member(user).filter(pk=check.recorder_id).exists():
        return True
    camera = snapshot_camera(recorder=check.recorder)
    return (
        camera is not None
        and camera_has_scope(camera=camera, scope=Scope.SNAPSHOT)
        and scoping.cameras_visible_to(user).filter(pk=camera.pk).exists()
    )


def snapshot_storage_allowed(*, recorder: Recorder) -> bool:
    """Whether the owner's consent allows keeping the first-frame snapshot.

    The frame shows the recorder's first channel, so scope (e) must be in force
    for that camera; otherwise the JPEG is discarded
    after decoding.
    """
    camera = snapshot_camera(recorder=recorder)
    return camera is not None and camera_has_scope(camera=camera, scope=Scope.SNAPSHOT)
