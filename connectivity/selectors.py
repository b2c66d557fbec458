"""Reads for connectivity: checks, the recorders due for a re-check, snapshot consent."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from connectivity.models import Check, CheckStatus, RecorderStatusEvent
from consent.models import Scope
from consent.selectors import camera_has_scope
from owners import selectors as owner_selectors
from owners.models import CONNECTED_STATES, Camera, Recorder
from registry import scoping

logger = logging.getLogger(__name__)

STALE_AFTER = dt.timedelta(minutes=10)


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


def check_in_progress(*, recorder: Recorder) -> Check | None:
    """A check of ``recorder`` queued or running in the last ten minutes (older ones were lost)."""
    return (
        checks_for_recorder(recorder=recorder)
        .filter(
            status__in=[CheckStatus.QUEUED, CheckStatus.RUNNING],
            created_at__gt=timezone.now() - STALE_AFTER,
        )
        .first()
    )


def checks_visible_to(user: Any) -> QuerySet[Check]:
    """Checks of the recorders ``user`` may see (scoped by ``registry.scoping``)."""
    return Check.objects.filter(recorder__in=scoping.recorders_visible_to(user))


def status_events_for_recorder(*, recorder: Recorder) -> QuerySet[RecorderStatusEvent]:
    return RecorderStatusEvent.objects.filter(recorder=recorder)


def recorders_due_for_recheck(*, now: dt.datetime | None = None) -> QuerySet[Recorder]:
    """Connected recorders without a check in the last ``CONNECTIVITY_RECHECK_HOURS``."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(hours=settings.CONNECTIVITY_RECHECK_HOURS)
    recent = Check.objects.filter(recorder=OuterRef("pk")).filter(created_at__gt=cutoff)
    busy = Check.objects.filter(
        recorder=OuterRef("pk"), status__in=[CheckStatus.QUEUED, CheckStatus.RUNNING]
    )
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
