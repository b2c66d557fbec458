"""An estate manager's bulk moves: check all recorders, submit, re-check, withdraw.

"Check all" queues one check per recorder but runs them in one task at
``ESTATE_CHECK_CONCURRENCY`` at a time, so a big estate (many recorders behind
one address) takes a bounded share of probe capacity and other people's checks
go on. The bulk action counts once against the manager's check limit.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.tasks import task

from connectivity import selectors as check_selectors
from connectivity import services as check_services
from connectivity.models import Check, CheckTrigger
from consent.models import Scope
from consent.selectors import camera_ids_with_scope
from owners import services as owner_services
from owners.models import Camera, Enrolment, EnrolmentState, Owner, Recorder
from portal import netguard


@task()
def run_estate_checks(check_ids: list[int]) -> None:
    check_services.checks_run_many(
        check_ids=check_ids, concurrency=max(1, settings.ESTATE_CHECK_CONCURRENCY)
    )


def estate_check_all(
    *, owner: Owner, user: Any, recorders: Iterable[Recorder] | None = None
) -> list[int]:
    """Queue a check of each of the owner's recorders not already being checked.

    Raises ``netguard.RateLimited`` when the manager is over the check limit.
    Returns the ids of the checks queued now.
    """
    chosen = (
        list(recorders)
        if recorders is not None
        else list(Recorder.objects.filter(site__owner=owner))
    )
    # "being checked": connectivity's one definition of a check in flight
    busy = set(
        check_selectors.checks_in_flight()
        .filter(recorder__in=chosen)
        .values_list("recorder_id", flat=True)
    )
    todo = [r for r in chosen if r.pk not in busy]
    if not todo:
        return []
    netguard.check_rate(getattr(user, "pk", None), f"estate-{owner.pk}")
    with transaction.atomic():
        checks = Check.objects.bulk_create(
            [
                Check(
                    recorder=r,
                    requested_by=user if getattr(user, "is_authenticated", False) else None,
                    trigger=CheckTrigger.MANUAL,
                )
                for r in todo
            ]
        )
        ids = [c.pk for c in checks]
        # recorded first: if the broker is down, the reaper's sweep sends them later
        transaction.on_commit(
            partial(check_services.checks_hand_over, check_ids=ids, batch=run_estate_checks)
        )
    return ids


def estate_submit(*, owner: Owner, user: Any) -> list[Enrolment]:
    """Submit every draft camera of the owner that has consent (a) and a passing or
    queued check; the police queue gets them. Cameras without either stay draft."""
    drafts = list(
        Enrolment.objects.filter(
            camera__recorder__site__owner=owner,
            state=EnrolmentState.DRAFT,
            camera_id__in=camera_ids_with_scope(Scope.LISTED),
        ).select_related("camera__recorder")
    )
    recorder_ids = {e.camera.recorder_id for e in drafts}
    latest: dict[int, Check] = {}
    for check in Check.objects.filter(recorder_id__in=recorder_ids).order_by(
        "recorder_id", "-created_at", "-pk"
    ):
        latest.setdefault(check.recorder_id, check)
    in_flight = set(
        check_selectors.checks_in_flight()
        .filter(pk__in=[c.pk for c in latest.values()])
        .values_list("pk", flat=True)
    )
    ready = {rid for rid, check in latest.items() if check.passed or check.pk in in_flight}
    chosen = [e for e in drafts if e.camera.recorder_id in ready]
    with transaction.atomic():
        owner_services.enrolments_submit(
            enrolments=chosen, actor=user, reason="dikirim pengelola (impor berkas)"
        )
        for recorder in {e.camera.recorder_id: e.camera.recorder for e in chosen}.values():
            check = latest[recorder.pk]
            if check.passed:
                owner_services.enrolments_apply_check(
                    recorder=recorder,
                    passed=True,
                    reason=f"uji koneksi #{check.pk}: {check.message}",
                )
    return chosen


def estate_withdraw(*, owner: Owner, cameras: Iterable[Camera], user: Any) -> int:
    """Withdraw the chosen cameras' enrolments (consent stays as signed)."""
    moved = 0
    for enrolment in Enrolment.objects.filter(
        camera__in=list(cameras), camera__recorder__site__owner=owner
    ).exclude(state=EnrolmentState.WITHDRAWN):
        owner_services.enrolment_transition(
            enrolment=enrolment,
            to_state=EnrolmentState.WITHDRAWN,
            actor=user,
            reason="ditarik pengelola",
        )
        moved += 1
    return moved
