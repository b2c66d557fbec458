"""Writes for connectivity: start and run checks, record what a probe learned.

The tasks that run checks are declared at the end of this module, next to the
services they call; ``connectivity.tasks`` re-exports them with the periodic one.

Views, tasks, the management command and the scheduler call these; the probe
itself (``connectivity.probe``) runs in worker processes (``isolation``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.tasks import Task, task
from django.utils import timezone, translation

from connectivity import isolation, selectors
from connectivity.explanations import LOST, explain, message_for
from connectivity.models import Check, CheckStatus, CheckTrigger, RecorderStatusEvent
from connectivity.probe import ProbeResult, ProbeTarget, Step
from consent.models import Scope
from consent.selectors import retention_days_in_force
from consent.services import retention_purge_record
from consent.snapshots import snapshot_name
from owners import services as owner_services
from owners.models import Recorder
from portal import inflight, netguard

logger = logging.getLogger(__name__)

# Outcomes that say nothing about the recorder itself: they do not flip online/offline.
NOT_ABOUT_THE_RECORDER = frozenset({"probe_crashed", "rate_limited", LOST})
#: a recorder whose scheduled checks were lost this often in a day is not re-queued by
#: the reaper again (a probe that kills its worker would otherwise loop); the hourly
#: re-check still tries it.
REQUEUE_LOST_PER_DAY = 2


def probe_target_for(*, recorder: Recorder, keep_jpeg: bool = False) -> ProbeTarget:
    return ProbeTarget(
        host=recorder.host,
        onvif_port=recorder.onvif_port if recorder.onvif_enabled else None,
        rtsp_port=recorder.rtsp_port,
        username=recorder.username,
        password=recorder.password,
        rtsp_path=recorder.rtsp_path,
        brand=recorder.brand,
        keep_jpeg=keep_jpeg,
    )


def check_start(*, recorder: Recorder, user: Any) -> Check:
    """Queue a check of ``recorder`` asked for by ``user``.

    Returns the check already queued or running for this recorder if there is
    one. Raises ``netguard.RateLimited`` when the user or the host is over its limit.
    """
    running = selectors.check_in_progress(recorder=recorder)
    if running is not None:
        return running
    netguard.check_rate(getattr(user, "pk", None), recorder.host)
    check = Check.objects.create(
        recorder=recorder,
        requested_by=user if getattr(user, "is_authenticated", False) else None,
        trigger=CheckTrigger.MANUAL,
    )
    transaction.on_commit(partial(checks_hand_over, check_ids=[check.pk]))
    return check


def checks_hand_over(*, check_ids: list[int], batch: Task[[list[int]], None] | None = None) -> bool:
    """Queue the task that runs ``check_ids`` (recorded already); False if the broker is down.

    One check goes to ``run_check``; several to ``batch`` (``run_checks`` unless the
    caller runs them its own way, as the estate's "check all" does).

    The checks are rows in the database before this runs, so an unreachable broker
    (Redis restarting under Celery) loses nothing: the user's action succeeds, the
    checks stay queued without a task id, and the reaper's sweep
    (``checks_sweep``) hands them over once the broker answers again.
    """
    try:
        if len(check_ids) == 1 and batch is None:
            task_id = run_check.enqueue(check_ids[0]).id
        else:
            task_id = (batch or run_checks).enqueue(check_ids).id
    except Exception:  # each broker raises its own errors (kombu, redis, OSError)
        logger.warning(
            "task engine unreachable: checks %s stay queued until the sweep sends them",
            check_ids,
            exc_info=True,
        )
        return False
    Check.objects.filter(pk__in=check_ids, task_id="").update(task_id=task_id[:64])
    return True


def check_ensure(*, recorder: Recorder, user: Any) -> Check | None:
    """After cameras are submitted: a recent passing check counts, else queue a new one.

    A check that passed within ``CONNECTIVITY_RECHECK_HOURS`` moves the submitted
    enrolments to checked at once, as a check finishing now would. Returns the
    queued or running check, or ``None`` when the recent one passed or the user
    or host is over its rate limit: the submission stands and the scheduled
    re-check tests the recorder later.
    """
    latest = selectors.check_latest(recorder=recorder)
    fresh = timezone.now() - dt.timedelta(hours=settings.CONNECTIVITY_RECHECK_HOURS)
    if latest is not None and latest.passed and (latest.finished_at or latest.created_at) > fresh:
        owner_services.enrolments_apply_check(
            recorder=recorder, passed=True, reason=f"uji koneksi #{latest.pk}: {latest.message}"
        )
        return None
    try:
        return check_start(recorder=recorder, user=user)
    except netguard.RateLimited:
        logger.info("check not started for recorder %s (rate limited)", recorder.pk)
        return None


def _steps_json(steps: Iterable[Step]) -> list[dict[str, Any]]:
    return [dataclasses.asdict(step) for step in steps]


def _mark_running(check_ids: list[int]) -> None:
    Check.objects.filter(pk__in=check_ids, status=CheckStatus.QUEUED).update(
        status=CheckStatus.RUNNING, started_at=timezone.now()
    )


def check_run(*, check_id: int) -> Check | None:
    """Run a queued check now, saving each step as it finishes (the page polls them).

    Idempotent, so the engines may deliver it twice (a worker killed mid-probe: Celery
    re-delivers with ``acks_late``, django-q2 after ``Q2_RETRY``): a finished check
    (or one reaped as lost) is returned as it is; a running one whose worker died is
    probed again, within the deadline counted from its first start. A probe only
    reads the recorder, so running it twice is harmless, and ``check_finish`` stores
    the first result only.
    """
    check = Check.objects.select_related("recorder").filter(pk=check_id).first()
    if check is None or check.status == CheckStatus.FINISHED:
        return check  # None: deleted with its recorder, nothing to do
    _mark_running([check.pk])
    keep = selectors.snapshot_storage_allowed(recorder=check.recorder)
    target = probe_target_for(recorder=check.recorder, keep_jpeg=keep)

    def save_steps(steps: list[Step]) -> None:
        Check.objects.filter(pk=check.pk).update(steps=_steps_json(steps))

    result = isolation.run_isolated(target, on_steps=save_steps)
    check.refresh_from_db()
    return check_finish(check=check, result=result, keep_snapshot=keep)


def checks_run_many(*, check_ids: list[int], concurrency: int) -> None:
    """Run many queued checks at once (scheduled re-checks, the benchmark)."""
    # Queued ones, and running ones whose first run was cut off (a re-delivered batch).
    checks = {
        c.pk: c
        for c in Check.objects.select_related("recorder").filter(
            pk__in=check_ids, status__in=selectors.UNFINISHED
        )
    }
    _mark_running(list(checks))
    keep = {pk: selectors.snapshot_storage_allowed(recorder=c.recorder) for pk, c in checks.items()}

    def finish(pk: int, result: ProbeResult) -> None:
        check_finish(check=checks[pk], result=result, keep_snapshot=keep[pk])

    isolation.run_many(
        (
            (pk, probe_target_for(recorder=c.recorder, keep_jpeg=keep[pk]))
            for pk, c in checks.items()
        ),
        concurrency=max(1, concurrency),
        on_result=finish,
    )


def check_finish(*, check: Check, result: ProbeResult, keep_snapshot: bool) -> Check:
    """Store a probe's result on ``check`` and update the recorder.

    Only the first result counts: a check that finished meanwhile (a second
    delivery of its task, or the reaper marked it lost) is returned unchanged.
    """
    with translation.override("id"):
        message = message_for(result.result_code, result.detail)
    check.status = CheckStatus.FINISHED
    check.finished_at = timezone.now()
    check.started_at = check.started_at or check.finished_at
    check.steps = _steps_json(result.steps)
    check.result_code = result.result_code
    check.message = message
    check.detail = result.detail
    check.device = result.device
    check.streams = [dataclasses.asdict(s) for s in result.streams]
    check.warnings = result.warnings
    check.ms_to_first_frame = result.ms_to_first_frame
    check.duration_ms = result.ms
    with transaction.atomic():
        current = Check.objects.select_for_update().filter(pk=check.pk).first()
        if current is None or current.status == CheckStatus.FINISHED:
            logger.info("check %s finished already; this result is dropped", check.pk)
            return current or check
        camera = selectors.snapshot_camera(recorder=check.recorder)
        if result.jpeg and keep_snapshot and camera is not None:
            # Stored where consent's withdrawal deletes a camera's snapshots.
            check.snapshot.save(snapshot_name(camera=camera), ContentFile(result.jpeg), save=False)
        check.save()
        recorder_record_check(recorder=check.recorder, check=check)
        if check.result_code not in NOT_ABOUT_THE_RECORDER:
            owner_services.enrolments_apply_check(
                recorder=check.recorder,
                passed=check.passed,
                reason=f"uji koneksi #{check.pk}: {message}"[:1000],
            )
    return check


def recorder_record_check(*, recorder: Recorder, check: Check) -> None:
    """Copy what the probe learned onto the recorder; log online/offline changes."""
    if check.result_code in NOT_ABOUT_THE_RECORDER:
        return
    recorder = Recorder.objects.select_for_update().get(pk=recorder.pk)
    updates: dict[str, Any] = {}
    device = check.device or {}
    for field in ("manufacturer", "firmware", "serial"):
        value = str(device.get(field) or "")[:80]
        if value and getattr(recorder, field) != value:
            updates[field] = value
    if device.get("model") and not recorder.model:
        updates["model"] = str(device["model"])[:80]
    if device.get("channel_count"):
        updates["channel_count"] = int(device["channel_count"])
    online = check.passed
    if recorder.online != online:
        RecorderStatusEvent.objects.create(
            recorder=recorder,
            online=online,
            previous=recorder.online,
            check_run=check,
            result_code=check.result_code,
        )
        updates["online"] = online
    if updates:
        Recorder.objects.filter(pk=recorder.pk).update(**updates)


def recheck_schedule() -> list[int]:
    """Queue a check of every connected recorder that is due; returns the check ids."""
    due = list(selectors.recorders_due_for_recheck())
    if not due:
        return []
    with transaction.atomic():
        checks = Check.objects.bulk_create(
            [Check(recorder=r, trigger=CheckTrigger.SCHEDULED) for r in due]
        )
        ids = [c.pk for c in checks]
        chunk = max(1, settings.CONNECTIVITY_RECHECK_CONCURRENCY * selectors.RECHECK_CHUNK_WAVES)
        for start in range(0, len(ids), chunk):
            transaction.on_commit(partial(checks_hand_over, check_ids=ids[start : start + chunk]))
    return ids


def checks_reap(now: dt.datetime) -> inflight.Reaped:
    """Mark the checks past their deadline as lost; re-queue the scheduled ones.

    A lost check is finished with the result ``lost`` ("Pemeriksaan terputus; jalankan
    lagi") and says nothing about the recorder (no online/offline change, no
    enrolment move). A scheduled re-check is queued again at once: a probe only reads
    the recorder. A manual check is not: its page asks the person to run it again.
    """
    overdue: list[tuple[int, int, str]] = list(
        selectors.checks_overdue(now).values_list("pk", "recorder_id", "trigger")
    )
    if not overdue:
        return inflight.Reaped()
    with translation.override("id"):
        title = str(explain(LOST)["title"])
    lost = Check.objects.filter(
        pk__in=[pk for pk, _, _ in overdue], status__in=selectors.UNFINISHED
    ).update(
        status=CheckStatus.FINISHED,
        finished_at=now,
        result_code=LOST,
        message=title,
    )
    scheduled = {recorder_id for _, recorder_id, trigger in overdue if trigger == "scheduled"}
    requeue = [
        recorder_id
        for recorder_id in sorted(scheduled)
        if not selectors.checks_in_flight(now).filter(recorder_id=recorder_id).exists()
        and Check.objects.filter(
            recorder_id=recorder_id,
            result_code=LOST,
            trigger=CheckTrigger.SCHEDULED,
            finished_at__gt=now - dt.timedelta(days=1),
        ).count()
        <= REQUEUE_LOST_PER_DAY
    ]
    if requeue:
        with transaction.atomic():
            fresh = Check.objects.bulk_create(
                [Check(recorder_id=pk, trigger=CheckTrigger.SCHEDULED) for pk in requeue]
            )
            transaction.on_commit(partial(checks_hand_over, check_ids=[c.pk for c in fresh]))
    return inflight.Reaped(lost=lost, requeued=len(requeue))


def checks_sweep(now: dt.datetime) -> int:
    """Hand to the engine the checks recorded while its broker was down."""
    unsent = list(selectors.checks_unsent(now).order_by("pk").values_list("pk", flat=True))
    chunk = max(1, settings.CONNECTIVITY_RECHECK_CONCURRENCY * selectors.RECHECK_CHUNK_WAVES)
    sent = 0
    for start in range(0, len(unsent), chunk):
        ids = unsent[start : start + chunk]
        if not checks_hand_over(check_ids=ids):
            break  # still down: the next pass tries again
        sent += len(ids)
    return sent


def snapshots_purge_expired(*, now: dt.datetime | None = None) -> int:
    """Delete kept first frames past the retention their camera's agreement states for (e).

    A frame whose camera no longer grants (e) goes at once (withdrawal deletes
    those already; this catches anything left). Each run is counted.
    """
    now = now or timezone.now()
    checks = list(Check.objects.exclude(snapshot="").select_related("recorder"))
    cameras = {c.pk: selectors.snapshot_camera(recorder=c.recorder) for c in checks}
    days = retention_days_in_force(
        camera_ids={camera.pk for camera in cameras.values() if camera is not None},
        scope=Scope.SNAPSHOT,
    )
    purged = 0
    for check in checks:
        camera = cameras[check.pk]
        kept_days = days.get(camera.pk) if camera is not None else None
        taken = check.finished_at or check.created_at
        if kept_days is None or taken <= now - dt.timedelta(days=kept_days):
            check.snapshot.delete(save=False)
            Check.objects.filter(pk=check.pk).update(snapshot="")
            purged += 1
    retention_purge_record(kind="snapshot", purged=purged)
    return purged


# --- tasks: thin adapters, declared next to the services they run (as pretix does),
# so queueing a check needs no import of a module that imports this one.


@task()
def run_check(check_id: int) -> None:
    check_run(check_id=check_id)


@task()
def purge_expired_snapshots() -> int:
    return snapshots_purge_expired()


@task()
def run_checks(check_ids: list[int]) -> None:
    checks_run_many(check_ids=check_ids, concurrency=settings.CONNECTIVITY_RECHECK_CONCURRENCY)
