"""Reads for connectivity: checks, the recorders due for a re-check, consent lookups."""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from connectivity.models import Check, CheckStatus, RecorderStatusEvent
from owners.models import Recorder
from portal import roles

logger = logging.getLogger(__name__)

STALE_AFTER = dt.timedelta(minutes=10)


def checks_for_recorder(*, recorder: Recorder) -> QuerySet[Check]:
    return Check.objects.filter(recorder=recorder).order_by("-created_at", "-pk")


def check_latest(*, recorder: Recorder) -> Check | None:
    return checks_for_recorder(recorder=recorder).first()


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
    """Checks of the recorders ``user`` may see (scoped by ``portal.roles``)."""
    return Check.objects.filter(recorder__in=roles.recorders_visible_to(user))


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
        Recorder.objects.filter(cameras__enrolments__state__in=roles.CONNECTED_STATES)
        .distinct()
        .filter(~Exists(recent), ~Exists(busy))
        .order_by("pk")
    )


def snapshot_storage_allowed(*, recorder: Recorder) -> bool:
    """Whether the owner's consent allows keeping the first-frame snapshot.

    The one place that asks the consent app. Until consent offers
    ``consent.selectors.snapshot_storage_allowed``, and whenever asking it fails,
    the answer is no: the JPEG is discarded.
    """
    try:
        consent_selectors = importlib.import_module("consent.selectors")
    except ImportError:
        return False
    ask = getattr(consent_selectors, "snapshot_storage_allowed", None)
    if ask is None:
        return False
    try:
        return bool(ask(recorder=recorder))
    except Exception:
        logger.exception("consent lookup failed; not keeping the snapshot")
        return False
